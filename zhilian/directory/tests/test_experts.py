"""The expert library and working-group eligibility (DIR-02; assistance spec 7.2.1.3)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zhilian.directory.models import Expert, ExpertQualification
from zhilian.directory.services import working_group_check

pytestmark = pytest.mark.django_db


def expert(**fields):
    defaults = {"name": "测试专家", "title_level": "none", "quality_experience": True}
    defaults.update(fields)
    return Expert.objects.create(**defaults)


@pytest.mark.req("DIR-02")
@pytest.mark.parametrize("fields, qualification, eligible", [
    ({"title_level": "intermediate"}, None, True),                    # 中级及以上技术职称
    ({"title_level": "senior"}, None, True),
    ({"title_level": "junior"}, None, False),
    ({"title_level": "none"}, "certification_auditor", True),         # 认证人员职业资格
    ({"title_level": "none"}, "licence_reviewer", True),              # 工业品生产许可证审查员资格
    ({"title_level": "none"}, "inspector", False),                    # not one of the listed qualifications
    ({"title_level": "senior", "quality_experience": False}, None, False),  # needs quality-management practice
    ({"title_level": "senior", "is_active": False}, None, False),
])
def test_eligibility_follows_assistance_spec_7_2_1_3(fields, qualification, eligible):
    e = expert(**fields)
    if qualification:
        ExpertQualification.objects.create(expert=e, kind=qualification)
    ok, reasons = e.eligibility()
    assert ok is eligible
    assert bool(reasons) is not eligible
    assert Expert.objects.eligible().filter(pk=e.pk).exists() is eligible


@pytest.mark.req("DIR-02")
def test_an_expired_qualification_does_not_count():
    e = expert(title_level="none")
    q = ExpertQualification.objects.create(expert=e, kind="certification_auditor",
                                           valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not e.eligibility()[0] and not Expert.objects.eligible().filter(pk=e.pk).exists()
    q.valid_until = timezone.localdate() + datetime.timedelta(days=10)
    q.save()
    assert e.eligibility()[0] and Expert.objects.eligible().filter(pk=e.pk).exists()


@pytest.mark.req("DIR-02")
def test_sql_and_python_eligibility_agree_on_the_whole_library():
    python = {e.pk for e in Expert.objects.prefetch_related("qualifications") if e.eligibility()[0]}
    assert python == set(Expert.objects.eligible().values_list("pk", flat=True))
    from zhilian.directory.selectors import EXPERT_ROW_FIELDS, mark_eligibility

    marked = mark_eligibility(Expert.objects.only(*EXPERT_ROW_FIELDS))  # an organization page's badges
    assert python == {e.pk for e in marked if e.is_eligible}
    assert python and set(Expert.objects.values_list("pk", flat=True)) - python  # both kinds in the demo


@pytest.mark.req("DIR-02")
def test_marked_eligibility_agrees_with_the_rule_and_asks_only_about_certificates(django_assert_num_queries):
    from zhilian.directory.selectors import EXPERT_ROW_FIELDS, mark_eligibility

    today = timezone.localdate()
    certified = expert(name="持证无职称")
    ExpertQualification.objects.create(expert=certified, kind="certification_auditor")
    lapsed = expert(name="资格过期", title_level="junior")
    ExpertQualification.objects.create(expert=lapsed, kind="licence_reviewer",
                                       valid_until=today - datetime.timedelta(days=1))
    expert(name="无资格无职称")
    expert(name="停用", title_level="senior", is_active=False)
    expert(name="无质量经历", quality_experience=False, title_level="senior")
    rule = {e.pk: e.eligibility()[0] for e in Expert.objects.prefetch_related("qualifications")}
    assert set(rule.values()) == {True, False}

    with django_assert_num_queries(2):  # the experts, then the certificates of the undecided
        marked = mark_eligibility(Expert.objects.only(*EXPERT_ROW_FIELDS))
    assert {e.pk: e.is_eligible for e in marked} == rule
    assert rule[certified.pk] and not rule[lapsed.pk]

    settled = [e.pk for e in marked if e.eligibility_without_certificates is not None]
    assert certified.pk not in settled and lapsed.pk not in settled and len(settled) > 2
    with django_assert_num_queries(1):  # title, experience and status settle them all
        again = mark_eligibility(Expert.objects.filter(pk__in=settled).only(*EXPERT_ROW_FIELDS))
    assert {e.pk: e.is_eligible for e in again} == {pk: rule[pk] for pk in settled}


@pytest.mark.req("DIR-02")
def test_working_group_check_refuses_an_ineligible_member_and_says_why():
    chen, yang = Expert.objects.get(name="陈立群"), Expert.objects.get(name="杨帆")
    assert [r.eligible for r in working_group_check(experts=[chen])] == [True]
    with pytest.raises(ValidationError) as exc:
        working_group_check(experts=[chen, yang])
    messages = exc.value.message_dict["experts"]
    assert len(messages) == 1 and "杨帆" in messages[0]
    with pytest.raises(ValidationError):
        working_group_check(experts=[])
    with pytest.raises(ValidationError):
        working_group_check(experts=[chen, chen])


@pytest.mark.req("DIR-02")
def test_working_group_page_shows_each_member_and_the_verdict(client_as):
    chen, yang = Expert.objects.get(name="陈立群"), Expert.objects.get(name="杨帆")
    client = client_as("city")
    ok = client.get(reverse("directory:working_group"), {"experts": [chen.pk]})
    assert ok.context["errors"] == [] and 'data-valid="true"' in ok.content.decode()
    refused = client.get(reverse("directory:working_group"), {"experts": [chen.pk, yang.pk], "q": "检测"})
    body = refused.content.decode()
    assert 'data-valid="false"' in body and 'data-eligible="false"' in body
    assert any("杨帆" in e for e in refused.context["errors"])
    export = client.get(reverse("directory:working_group"), {"experts": [chen.pk, yang.pk], "export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.req("DIR-02")
def test_expert_page_manages_qualifications_and_updates_eligibility(client_as):
    yang = Expert.objects.get(name="杨帆")  # technician without quality experience
    yang.quality_experience = True
    yang.save()
    client = client_as("mgmt")
    url = reverse("directory:expertqualification_add") + f"?expert={yang.pk}"
    response = client.post(url, {"kind": "licence_reviewer", "certificate_no": "SCXK-01", "valid_until": "2030-01-01"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Retarget"] == "#qualifications"
    assert 'id="eligibility-verdict"' in response.content.decode() and response.context["eligible"] is True


@pytest.mark.req("DIR-02")
def test_expert_filters_by_eligibility_and_domain(client_as):
    client = client_as("mgmt")
    eligible = client.get(reverse("directory:expert_list"), {"eligible": "true"})
    names = {row.record.name for row in eligible.context["table"].page.object_list}
    assert "陈立群" in names and "杨帆" not in names
    domain = client.get(reverse("directory:expert_list"), {"domain": "metrology"})
    assert {row.record.name for row in domain.context["table"].page.object_list} == {"林晓燕", "李振华"}


@pytest.mark.req("DIR-02")
@pytest.mark.req("SEC-07")
def test_expert_api_masks_personal_numbers_and_reports_eligibility(api_as):
    chen = Expert.objects.get(name="陈立群")
    masked = api_as("institution").get(f"/api/v1/experts/{chen.pk}/").json()
    assert masked["mobile"] == "139****1234" and "*" in masked["id_number"]
    assert masked["eligible"] is True and masked["eligibility_reasons"] == []
    # The city bureau holds the unmask permission but sees full numbers only when it asks.
    assert api_as("city").get(f"/api/v1/experts/{chen.pk}/").json()["mobile"] == "139****1234"
    plain = api_as("city").get(f"/api/v1/experts/{chen.pk}/", {"unmask": "1"}).json()
    assert plain["mobile"] == "13906011234"
    check = api_as("city").post("/api/v1/experts/working-group-check/",
                                {"experts": [chen.pk, Expert.objects.get(name="杨帆").pk]}, format="json")
    assert check.status_code == 400 and "experts" in check.json()
    assert api_as("city").post("/api/v1/experts/working-group-check/", {"experts": [chen.pk]},
                               format="json").status_code == 200


@pytest.mark.req("DIR-02")
def test_an_employers_page_marks_the_eligible_experts_it_employs(client_as):
    from zhilian.directory.models import Organization

    employer = Organization.objects.filter(kind="institution").first()
    expert(name="职称专家", title_level="senior", organization=employer)
    by_certificate = expert(name="审核员专家", organization=employer)
    ExpertQualification.objects.create(expert=by_certificate, kind="certification_auditor")
    lapsed = expert(name="过期资格专家", organization=employer)
    ExpertQualification.objects.create(expert=lapsed, kind="certification_auditor",
                                       valid_until=timezone.localdate() - datetime.timedelta(days=1))
    page = client_as("mgmt").get(employer.get_absolute_url())
    shown = {e.name: e.is_eligible for e in page.context["experts"]}
    assert {name: shown[name] for name in ("职称专家", "审核员专家", "过期资格专家")} == {
        "职称专家": True, "审核员专家": True, "过期资格专家": False}
    assert shown == {e.name: e.eligibility()[0] for e in Expert.objects.filter(organization=employer)}
