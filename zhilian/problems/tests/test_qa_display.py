"""What the QA walk read on the problem pages: the reported line, an assessment's name."""

import html
import re

import pytest
from django.urls import reverse

from zhilian.core.models import AuditEvent
from zhilian.problems import services
from zhilian.problems.models import Problem, ProblemAssessment


def _reported(client, problem) -> str:
    page = client.get(reverse("problems:problem_detail", args=[problem.pk])).content.decode()
    cell = re.search(r'<dd class="col-sm-9" id="reported">(.*?)</dd>', page, flags=re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


@pytest.mark.req("PRB-01")
def test_the_reported_line_has_no_empty_parts(client_as):
    problem = Problem.objects.get(code="IC-002")
    Problem.objects.filter(pk=problem.pk).update(reporter_name="")  # as the QA walk entered one
    problem.refresh_from_db()
    assert problem.reporter_org_id
    client = client_as("mgmt")
    line = _reported(client, problem)
    assert "·  ·" not in line and "· ·" not in line
    assert line == f"{problem.reported_on:%Y-%m-%d} · {problem.reporter_org} · {problem.get_source_display()}"
    Problem.objects.filter(pk=problem.pk).update(reporter_name="品质部 张工", reporter_org=None)
    assert _reported(client, problem) == f"{problem.reported_on:%Y-%m-%d} · 品质部 张工 · {problem.get_source_display()}"


@pytest.mark.req("PRB-03")
def test_an_assessment_is_named_by_its_total_as_the_pages_show_it(client_as, persona):
    problem = Problem.objects.get(code="IC-002")
    assessment = services.problem_assess(user=persona("city"), problem=problem,
                                         scores={"impact": 4, "spread": 4, "urgency": 3})
    assert assessment.total_display == "3.7"
    assert str(ProblemAssessment.objects.get(pk=assessment.pk)) == "IC-002 3.7"
    event = AuditEvent.objects.filter(content_type__model="problemassessment", object_id=str(assessment.pk)).get()
    assert event.object_repr == "IC-002 3.7"
    page = client_as("city").get(reverse("core:history", args=["problems.problem", problem.pk])).content.decode()
    assert "IC-002 3.7" in page and "IC-002 3.70" not in page

