"""The Chinese UI says what it means (PLT-10, PLT-12): the directory's record is a 单位, people
have a 姓名, a repeated USCC names the unit holding it, and the English UI reads English."""

import pytest
from django.urls import reverse
from django.utils import translation

from zhilian.directory.demo import make_uscc
from zhilian.directory.models import InstitutionQualification, Organization, ServiceDomain

pytestmark = pytest.mark.django_db

XIANGGUANG = "厦门翔光玻璃基板有限公司"  # 翔安区
SIMING = "厦门思明视讯科技有限公司"  # 思明区


def enterprise_form(**overrides):
    data = {"kind": "enterprise", "name": "厦门重复代码测试有限公司", "uscc": make_uscc("重复"), "province": "福建省",
            "city": "厦门市", "district": "翔安区", "size": "small", "is_active": "on"}
    data.update(overrides)
    return data


@pytest.mark.req("PLT-10")
def test_the_organization_is_a_unit_and_people_have_a_name(client_as):
    client = client_as("city")
    new = client.get(reverse("directory:organization_add")).content.decode()
    assert "新建单位" in new and "所属单位" not in new
    org = Organization.objects.get(name=XIANGGUANG)
    detail = client.get(org.get_absolute_url()).content.decode()
    assert '<div class="text-muted small">单位</div>' in detail
    listing = client.get(reverse("directory:organization_list")).content.decode()
    assert "企业规模" in listing and ">大小<" not in listing
    for name in ("expert_list", "commissioner_list", "talent_list"):
        page = client.get(reverse(f"directory:{name}")).content.decode()
        assert ">姓名</a></th>" in page and ">名称</a></th>" not in page, name
    assert ">名称</a></th>" in listing


@pytest.mark.req("PLT-12")
@pytest.mark.req("DIR-01")
def test_a_repeated_uscc_names_the_unit_that_holds_it_when_the_user_may_see_it(client_as, api_as):
    taken = Organization.objects.get(name=XIANGGUANG)
    page = client_as("city").post(reverse("directory:organization_add"), enterprise_form(uscc=taken.uscc))
    assert page.context["form"].errors["uscc"] == [f"该统一社会信用代码已登记：{XIANGGUANG}。"]
    api = api_as("city").post("/api/v1/organizations/", {**enterprise_form(uscc=taken.uscc), "is_active": True},
                              format="json")
    assert api.status_code == 400 and api.json()["uscc"] == [f"该统一社会信用代码已登记：{XIANGGUANG}。"]
    # 翔安区's bureau may not see 思明区's enterprise: refused, without its name.
    other = Organization.objects.get(name=SIMING)
    hidden = client_as("district").post(reverse("directory:organization_add"), enterprise_form(uscc=other.uscc))
    assert hidden.context["form"].errors["uscc"] == ["该统一社会信用代码已登记。"]
    assert SIMING not in hidden.content.decode()
    assert not Organization.objects.filter(name="厦门重复代码测试有限公司").exists()


@pytest.mark.req("PLT-10")
def test_certificates_name_their_kind_once(client_as):
    page = client_as("owner").get(reverse("directory:capability_roster"), {"keywords": "液晶显示面板"})
    body = page.content.decode()
    assert "CNAS L12345" in body and "CNAS CNAS" not in body
    assert str(InstitutionQualification.objects.get(certificate_no="CNAS L12345")) == "CNAS L12345"
    assert str(InstitutionQualification.objects.get(certificate_no="221320340123")) == "CMA 221320340123"


@pytest.mark.req("PLT-10")
def test_a_certificate_of_another_kind_reads_other_in_the_users_language(client_as):
    other = InstitutionQualification.objects.filter(kind="other").first()
    body = client_as("city").get(reverse("directory:organization_detail", args=[other.organization_id])).content.decode()
    assert '<span class="badge text-bg-light border">其他</span>' in body and ">other<" not in body
    assert str(other).startswith("其他 ")
    with translation.override("en"):
        assert str(other).startswith("Other ")


@pytest.mark.req("PLT-10")
def test_service_domains_read_in_the_users_language():
    metrology = ServiceDomain.objects.get(code="metrology")
    assert metrology.name == "计量"  # what the Excel forms carry
    with translation.override("en"):
        assert str(metrology) == "Metrology"
    with translation.override("zh-hans"):
        assert str(metrology) == "计量"
    assert str(ServiceDomain(code="local", name="本地特色服务")) == "本地特色服务"


@pytest.mark.req("PLT-10")
def test_a_user_without_organization_sees_no_dangling_separator(client_as):
    page = client_as("consumer").get("/").content.decode()
    assert 'id="dashboard-who">消费者<' in page
