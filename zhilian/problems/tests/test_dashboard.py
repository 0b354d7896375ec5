"""The problem library's dashboard widgets (PLT-11)."""

import re

import pytest


@pytest.mark.req("PLT-11")
def test_the_category_chart_measures_its_legend_in_the_page_fonts_and_fits_a_phone(rf, persona):
    """ECharts measured "1级 · 关键问题 ★★★" on a canvas outside the page, in other fonts than it
    drew it in a zh-hans page, and the stars ran into the next swatch; on a phone the labels
    overlapped each other and the legend."""
    from pathlib import Path

    from zhilian.problems.dashboard import _by_category_and_level

    request = rf.get("/")
    request.user = persona("mgmt")
    option = _by_category_and_level(request)["option"]
    base = option["baseOption"]
    css = (Path(__file__).resolve().parents[2] / "core" / "static" / "core" / "app.css").read_text()
    page_fonts = re.search(r"body \{[^}]*font-family: ([^;]+);", css).group(1)
    named = [f.strip() for f in base["textStyle"]["fontFamily"].split(",")]
    assert named[-1] == "sans-serif" and named[:-1] == [f.strip() for f in page_fonts.split(",")][:len(named) - 1]
    assert '"Noto Sans CJK SC"' in named  # the CJK font the servers and Linux desktops have
    assert base["legend"]["itemGap"] >= 16
    phone = next(m["option"] for m in option["media"] if m["query"].get("maxWidth", 9999) <= 480)
    assert phone["grid"]["bottom"] > base["grid"]["bottom"] and phone["xAxis"]["axisLabel"]["rotate"]


@pytest.mark.req("PRB-06")
@pytest.mark.req("PLT-11")
@pytest.mark.django_db
def test_the_review_due_figure_counts_the_problems_its_list_shows(client_as, persona):
    """The dashboard's "review due" figure and the list's ``?review_due=`` are one rule
    (``problems.selectors.review_due``): overdue or due within 30 days, solved problems excepted."""
    import datetime
    import re

    from zhilian.core import clock
    from zhilian.problems import selectors
    from zhilian.problems.models import Problem, ProblemStatus

    user = persona("mgmt")
    today = clock.today()
    visible = Problem.objects.restrict(user).exclude(status=ProblemStatus.SOLVED).order_by("pk")
    due_soon, overdue, later, solved = visible[:4]
    for problem, day in ((due_soon, today + datetime.timedelta(days=30)), (overdue, today - datetime.timedelta(days=3)),
                         (later, today + datetime.timedelta(days=31))):
        Problem.objects.filter(pk=problem.pk).update(next_review_due=day)
    Problem.objects.filter(pk=solved.pk).update(next_review_due=today - datetime.timedelta(days=3),
                                                status=ProblemStatus.SOLVED)
    due = set(selectors.review_due(Problem.objects.restrict(user)).values_list("pk", flat=True))
    assert {due_soon.pk, overdue.pk} <= due and not {later.pk, solved.pk} & due

    client = client_as("mgmt")
    home = client.get("/").content.decode()
    figure = re.search(r'<a[^>]*class="[^"]*zl-figure[^"]*"[^>]*href="([^"]*review_due=true[^"]*)"[^>]*>\D*(\d+)', home) or \
        re.search(r'<a[^>]*href="([^"]*review_due=true[^"]*)"[^>]*class="[^"]*zl-figure[^"]*"[^>]*>\D*(\d+)', home)
    assert figure, "the dashboard shows no review-due figure"
    url, shown = figure.group(1).replace("&amp;", "&"), int(figure.group(2))
    listed = client.get(url).content.decode()
    assert int(re.search(r'id="result-count">\D*(\d+)', listed).group(1)) == shown == len(due)
    not_due = client.get(url.replace("review_due=true", "review_due=false")).content.decode()
    assert int(re.search(r'id="result-count">\D*(\d+)', not_due).group(1)) == Problem.objects.restrict(user).count() - len(due)
