"""Problem-library widgets on the dashboard (PLT-11): by category and level, restricted per user."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from zhilian.core import registry
from zhilian.core.charts import linked, list_url

from .filtersets import NOT_ASSESSED
from .models import Problem, ProblemCategory, ProblemStatus, SeverityLevel
from .selectors import review_due

LEVEL_COLOURS = {1: "#cf1322", 2: "#fa8c16", 3: "#d4b106", None: "#bfbfbf"}


def _by_category_and_level(request):
    rows = (Problem.objects.restrict(request.user).values("category", "severity_level").annotate(n=Count("id")))
    counts = {(r["category"], r["severity_level"]): r["n"] for r in rows}
    categories = list(ProblemCategory.choices)
    series = []
    for level, label in [*SeverityLevel.choices, (None, _("Not assessed"))]:
        series.append({"name": str(label), "type": "bar", "stack": "level",
                       "itemStyle": {"color": LEVEL_COLOURS[level]},
                       "data": [linked(counts.get((code, level), 0), "problems:problem_list", category=code,
                                       level=NOT_ASSESSED if level is None else level)
                                for code, _l in categories]})
    # The page's own fonts (core/app.css), named: ECharts measures legend text on a canvas outside
    # the page, where the browser falls back to other fonts than in the <html lang="zh-hans"> page
    # (★★★ measured 10 px narrower than drawn, so it ran into the next colour swatch).
    fonts = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
    return {"chart_id": "chart-problem-category", "height": 320, "option": {"baseOption": {
        "textStyle": {"fontFamily": fonts},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "left": "center", "itemGap": 16, "itemWidth": 18, "itemHeight": 10},
        "grid": {"left": 40, "right": 10, "top": 20, "bottom": 80},
        # every category named (ECharts hides some when they do not fit), long ones wrapped
        "xAxis": {"type": "category", "data": [str(label) for _c, label in categories],
                  "axisLabel": {"interval": 0, "width": 90, "overflow": "break"}},
        "yAxis": {"type": "value", "minInterval": 1}, "series": series},
        # A phone: five columns of ~55 px, too narrow for "Quality infrastructure" side by side,
        # so the labels slant; the legend takes two rows; the plot leaves room for both (they
        # overlapped each other and the legend).
        "media": [{"query": {"maxWidth": 480}, "option": {
            "legend": {"itemGap": 10},
            "grid": {"bottom": 132},
            "xAxis": {"axisLabel": {"rotate": 35, "width": 84, "fontSize": 10, "lineHeight": 12}},
        }}]}}


def _stats(request):
    problems = Problem.objects.restrict(request.user)
    view = "problems:problem_list"
    return {"stats": [
        (_("Quality problems"), problems.count(), list_url(view)),
        (_("Critical ★★★"), problems.filter(severity_level=1).count(), list_url(view, level=1)),
        (_("Under breakthrough"), problems.filter(status=ProblemStatus.TACKLING).count(),
         list_url(view, status=ProblemStatus.TACKLING)),
        (_("Review due"), review_due(problems).count(), list_url(view, review_due="true")),
    ]}


def register():
    registry.widget(registry.Widget("problems-stats", _("Problem library"), "core/includes/widget_stats.html",
                                    _stats, "problems.view_problem", order=30, width=6))
    registry.widget(registry.Widget("problems-by-category", _("Problems by category and level"),
                                    "core/includes/widget_chart.html", _by_category_and_level,
                                    "problems.view_problem", order=31, width=6))
