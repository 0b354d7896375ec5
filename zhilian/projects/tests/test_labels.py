"""Chinese labels of the project, achievement, consortium and summary pages.

Django merges every app's catalogue and the app listed first wins, so an English word two
apps translate differently ("Accepted": 已接单 for a need, 已验收 for a project) shows the
other app's word unless the string carries a context (``pgettext_lazy`` / ``{% translate …
context … %}``). These tests render the pages and documents and look for the right words.
"""

import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from zhilian.achievements.models import License
from zhilian.projects import dashboard
from zhilian.projects.models import Project

from .helpers import RUNNING_DEMO, docx_text, file_bytes, user

pytestmark = pytest.mark.django_db

ACCEPTED_DEMO = "12 英寸硅单晶棒电阻率均匀性提升攻关"
# Words of other apps that used to show on these pages.
FOREIGN = ["已接单", "单位类型", "总分", "专家库", "职称", "中型", "办理中", "待受理"]


def _text(response):
    """The page's main content (the menu names other modules, e.g. 专家库)."""
    assert response.status_code == 200
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PLT-10")
def test_an_accepted_project_reads_accepted_in_list_filter_detail_chart_and_documents(client_as):
    accepted = Project.objects.get(name=ACCEPTED_DEMO)
    client = client_as("city")
    listing = _text(client.get(reverse("projects:project_list")))
    assert "已验收" in listing and "已接单" not in listing
    assert '<option value="accepted">已验收</option>' in listing  # the status filter
    detail = _text(client.get(accepted.get_absolute_url()))
    assert "已验收" in detail and not [w for w in FOREIGN if w in detail]

    with translation.override("zh-hans"):
        chart = dashboard._by_status(SimpleNamespace(user=user("city")))
    names = [d["name"] for d in chart["option"]["series"][0]["data"]]
    assert "已验收" in names and "已接单" not in names

    workbook = openpyxl.load_workbook(io.BytesIO(file_bytes(client.get(reverse("projects:project_list"),
                                                                       {"export": "xlsx"}))))
    cells = {str(c.value) for row in workbook.active.iter_rows() for c in row}
    assert "已验收" in cells and "已接单" not in cells
    word = docx_text(file_bytes(client.get(reverse("projects:project_export", args=[accepted.pk]))))
    assert "已验收" in word and "已接单" not in word


@pytest.mark.req("PRJ-07")
def test_the_running_project_page_uses_its_own_words(client_as):
    running = Project.objects.get(name=RUNNING_DEMO)
    detail = _text(client_as("icmetrology").get(running.get_absolute_url()))
    assert not [w for w in FOREIGN if w in detail]
    assert "<th>类别</th>" in detail  # targets and risks: kind
    assert "<th>等级</th>" in detail and "合计" in detail
    risks = _text(client_as("icmetrology").get(reverse("projects:risk_list")))
    assert not [w for w in FOREIGN if w in risks] and "未解除" in risks
    form = _text(client_as("icmetrology").get(reverse("projects:risk_add", args=[running.pk])))
    assert "标题" in form and "职称" not in form


@pytest.mark.req("ACH-03")
def test_a_requested_licence_reads_as_a_status_not_a_date(client_as):
    requested = License.objects.filter(status="requested").first()
    assert requested is not None
    client = client_as("icmember")
    page = _text(client.get(requested.get_absolute_url()))
    assert "待贡献方审批" in page
    listing = _text(client.get(reverse("achievements:license_list")))
    assert "待贡献方审批" in listing and "申请日期" not in listing


@pytest.mark.req("CON-02")
@pytest.mark.req("EVA-01")
def test_contributions_and_the_chain_summary_use_their_own_words(client_as):
    from zhilian.consortia.models import Consortium

    consortium = Consortium.objects.get(name="集成电路产业链质量创新联合体")
    page = _text(client_as("icowner").get(consortium.get_absolute_url()))
    assert "单位类型" not in page
    summary = _text(client_as("city").get(reverse("evaluation:chain_summary", args=[consortium.chain_id])))
    assert "专家库" not in summary


@pytest.mark.req("PRJ-02")
@pytest.mark.req("PLT-10")
def test_the_task_book_form_explains_targets_in_chinese(client_as):
    page = _text(client_as("icmember").get(reverse("projects:project_add")))
    assert "合格率从 X% 提升至 Y%" in page and "%%" not in page and "Technical indicator: develop" not in page


@pytest.mark.req("CON-02")
@pytest.mark.req("PLT-10")
def test_the_charter_is_titled_in_chinese(client_as):
    from zhilian.consortia.models import ConsortiumCharter

    charter = ConsortiumCharter.objects.get(consortium__name="集成电路产业链质量创新联合体", number=1)
    page = client_as("icowner").get(charter.get_absolute_url()).content.decode()
    assert "集成电路产业链质量创新联合体 · 组织章程（第 1 版）" in page and "charter v1" not in page
