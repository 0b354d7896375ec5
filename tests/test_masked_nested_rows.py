"""A record's nested rows round-trip through the API like its own fields (SEC-07): a phone a
caller sees masked in a row and sends back unchanged keeps the stored number; a masked
value in a row the record does not hold (or a changed row key) is still refused."""

import pytest

from zhilian.consortia import services as consortium_services
from zhilian.consortia.models import Consortium
from zhilian.directory.models import Organization
from zhilian.projects.models import Project
from zhilian.projects.tests.helpers import HAIXI, MINGUI, create_project, org

pytestmark = pytest.mark.django_db

MEMBERS = [
    ("厦门翔光玻璃基板有限公司", "黄工", "13906071111", "玻璃基板工艺改进"),
    ("厦门鹭检检测技术有限公司", "业务受理", "0592-56005678", "检测与失效分析"),
]


def _masked(number):
    from zhilian.core.masking import mask_mobile

    return mask_mobile(number)


def _put_back(api, url, body):
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.content.decode()
    return response


@pytest.mark.req("SEC-07")
def test_a_project_read_and_written_back_unchanged_keeps_its_participants_phones(api_as):
    project = create_project()
    stored = {p.organization_id: p.phone for p in project.participants.all()}
    api = api_as("icmember")
    url = f"/api/v1/projects/{project.pk}/"
    shown = api.get(url).json()
    assert {row["phone"] for row in shown["participants"]} == {_masked(p) for p in stored.values()}
    _put_back(api, url, shown)
    project = Project.objects.get(pk=project.pk)
    assert {p.organization_id: p.phone for p in project.participants.all()} == stored
    assert project.leader_phone == "13906060002"

    # A new number replaces the stored one; the masked value moved to another unit's row is refused.
    shown = api.get(url).json()
    shown["participants"][0]["phone"] = "13906069999"
    _put_back(api, url, shown)
    assert project.participants.get(organization=shown["participants"][0]["organization"]).phone == "13906069999"
    shown = api.get(url).json()
    rows = shown["participants"]
    rows[0]["phone"], rows[1]["phone"] = rows[1]["phone"], rows[0]["phone"]
    response = api.put(url, shown, format="json")
    assert response.status_code == 400 and "participants" in response.json(), response.content.decode()
    assert {p.organization_id for p in project.participants.all()} == {org(MINGUI).pk, org(HAIXI).pk}


@pytest.mark.req("SEC-07")
def test_a_consortium_application_read_and_written_back_unchanged_keeps_its_members_phones(api_as, persona):
    owner = persona("owner")
    rows = [{"name": n, "uscc": Organization.objects.get(name=n).uscc, "contact_name": c, "contact_phone": p,
             "responsibilities": r} for n, c, p, r in MEMBERS]
    consortium = consortium_services.consortium_save_application(
        user=owner, consortium=None, members=rows,
        data={"name": "往返测试联合体", "chain": Consortium.objects.first().chain, "chain_domain": "新型显示",
              "person_in_charge": "赵德明", "person_phone": "13906041111", "goals": "目标", "work_plan": "计划"})
    api = api_as("owner")
    url = f"/api/v1/consortia/{consortium.pk}/"
    shown = api.get(url).json()
    assert {row["contact_phone"] for row in shown["members"]} == {_masked(p) for _, _, p, _ in MEMBERS}
    _put_back(api, url, shown)
    phones = dict(consortium.members.filter(role="member").values_list("organization__name", "contact_phone"))
    assert phones == {n: p for n, _, p, _ in MEMBERS}
    assert Consortium.objects.get(pk=consortium.pk).person_phone == "13906041111"

    # A row edited otherwise is saved, its masked phone kept; a masked phone under another unit is refused.
    shown = api.get(url).json()
    shown["members"][0]["responsibilities"] = "玻璃基板工艺改进与来料检验"
    _put_back(api, url, shown)
    member = consortium.members.get(organization__name=MEMBERS[0][0])
    assert (member.responsibilities, member.contact_phone) == ("玻璃基板工艺改进与来料检验", MEMBERS[0][2])
    shown = api.get(url).json()
    shown["members"][0]["contact_phone"], shown["members"][1]["contact_phone"] = (
        shown["members"][1]["contact_phone"], shown["members"][0]["contact_phone"])
    response = api.put(url, shown, format="json")
    assert response.status_code == 400 and "members" in response.json(), response.content.decode()
