"""A problem's history names the breakthrough project that started or accepted it only to
those who may see the project (PLT-02, PRB-04).

Found by an audit of texts built from other records: IC-002 is open to the industry
association, the research institute, the expert and the 海沧 bureau, but its project
GG-2026-001 is not; the problem's page lists no project, and its history read
"攻关项目 GG-2026-001 12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究 已启动".
"""

import html
import re

import pytest
from django.urls import reverse

from zhilian.core import audit
from zhilian.core.i18n import gettext
from zhilian.core.models import AuditAction
from zhilian.problems.models import Problem
from zhilian.projects.models import Project


def _history(client, problem) -> str:
    response = client.get(reverse("core:history", args=["problems.problem", problem.pk]))
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-04")
def test_a_problems_history_names_its_project_only_to_who_may_see_the_project(persona, client_as):
    problem = Problem.objects.get(code="IC-002")
    project = Project.objects.get(code="GG-2026-001")
    for username in ("assoc", "research", "expert", "haicang"):
        user = persona(username)
        assert Problem.objects.restrict(user, "view").filter(pk=problem.pk).exists()
        assert not Project.objects.restrict(user, "view").filter(pk=project.pk).exists()
        page = _history(client_as(username), problem)
        assert project.code not in page and project.name not in page, username
        assert "您无权查看的攻关项目已启动" in page, username
    english = client_as("assoc")
    english.cookies["django_language"] = "en"
    assert "A breakthrough project you may not see started" in _history(english, problem)
    # Who may see the project reads which one it was.
    for username in ("icmetrology", "city"):
        assert Project.objects.restrict(persona(username), "view").filter(pk=project.pk).exists()
        assert f"攻关项目 {project} 已启动" in _history(client_as(username), problem), username


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-04")
def test_a_record_written_before_the_project_id_was_kept_is_read_by_its_code(persona, client_as):
    problem = Problem.objects.get(code="IC-002")
    project = Project.objects.get(code="GG-2026-001")
    audit.write(action=AuditAction.TRANSITION, instance=problem, user=persona("icmetrology"),
                message=gettext("Breakthrough project %(p)s accepted") % {"p": str(project)})
    page = _history(client_as("assoc"), problem)
    assert project.code not in page and "您无权查看的攻关项目已验收" in page
    assert f"攻关项目 {project} 已验收" in _history(client_as("icmetrology"), problem)
