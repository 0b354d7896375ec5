"""Organizations of every kind (DIR-01): validation, per-kind pages, certificates, hierarchy, sorting."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zhilian.core.models import AuditEvent
from zhilian.directory.demo import make_uscc
from zhilian.directory.models import InstitutionQualification, Organization

GOOD_USCC = make_uscc("测试企业", "91350200")
BAD_USCC = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")

pytestmark = pytest.mark.django_db


def enterprise_form(**overrides):
    data = {"kind": "enterprise", "name": "厦门测试光学有限公司", "uscc": GOOD_USCC, "province": "福建省",
            "city": "厦门市", "district": "翔安区", "address": "翔安区测试路 1 号", "industry": "光学元件制造",
            "size": "small", "is_active": "on"}
    data.update(overrides)
    return data


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-12")
def test_a_bad_uscc_is_refused_with_a_field_error_and_nothing_is_saved(client_as):
    client = client_as("city")
    before = Organization.objects.count()
    response = client.post(reverse("directory:organization_add"), enterprise_form(uscc=BAD_USCC))
    assert response.status_code == 200
    assert "uscc" in response.context["form"].errors
    assert "GB 32100" in " ".join(response.context["form"].errors["uscc"])
    assert Organization.objects.count() == before


@pytest.mark.req("DIR-01")
def test_an_enterprise_with_a_valid_uscc_is_created_and_its_creation_recorded(client_as, persona):
    response = client_as("city").post(reverse("directory:organization_add"), enterprise_form())
    org = Organization.objects.get(uscc=GOOD_USCC)
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert org.kind == "enterprise" and org.size == "small" and org.district == "翔安区"
    event = AuditEvent.objects.for_object(org).get(action="create")
    assert event.actor_id == persona("city").pk
    assert event.changes["uscc"]["after"] == GOOD_USCC


@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("overrides, field", [
    ({"uscc": ""}, "uscc"),                       # an enterprise must have its USCC
    ({"kind": "institution", "size": "small"}, "size"),  # only enterprises have a size class
])
def test_kind_rules_are_enforced(client_as, overrides, field):
    response = client_as("city").post(reverse("directory:organization_add"), enterprise_form(**overrides))
    assert field in response.context["form"].errors


@pytest.mark.req("DIR-01")
def test_a_district_bureau_must_belong_to_the_city_bureau():
    from django.core.exceptions import ValidationError

    grassroots = Organization.objects.filter(government_level="grassroots").first()
    bureau = Organization(kind="government", name="测试区市场监督管理局", government_level="district",
                          district="翔安区", parent=grassroots)
    with pytest.raises(ValidationError) as exc:
        bureau.full_clean()
    assert "parent" in exc.value.message_dict
    bureau.parent = Organization.objects.get(government_level="city")
    bureau.full_clean()


@pytest.mark.req("DIR-01")
def test_government_tree_nests_city_district_and_grassroots(client_as):
    response = client_as("district").get(reverse("directory:government_tree"))
    tree = response.context["tree"]
    assert [n.item.government_level for n in tree] == ["city"]
    districts = tree[0].children
    assert {d.item.district for d in districts} == {"思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"}
    xiangan = next(d for d in districts if d.item.district == "翔安区")
    assert {c.item.name for c in xiangan.children} == {"翔安区新店市场监督管理所", "翔安区马巷市场监督管理所"}
    assert all(c.item.government_level == "grassroots" for c in xiangan.children)


@pytest.mark.req("DIR-01")
def test_organization_list_sorts_chinese_names_by_pinyin(client_as):
    response = client_as("city").get(reverse("directory:organization_list"), {"kind": "enterprise", "per_page": 100})
    names = [row.record.name for row in response.context["table"].page.object_list]
    # an < fu < shen < su < xia: pinyin, not code-point order (厦 U+53A6 sorts before 安 U+5B89)
    assert names.index("安徽皖晶玻璃科技有限公司") < names.index("福建闽硅单晶材料有限公司") \
        < names.index("深圳南岭显示驱动有限公司") < names.index("苏州吴中光电材料有限公司") \
        < names.index("厦门鹭岛显示科技有限公司")
    assert names == sorted(names, key=lambda n: Organization.objects.get(name=n).name_sort)


@pytest.mark.req("DIR-01")
def test_list_filters_by_kind_and_district(client_as):
    response = client_as("city").get(reverse("directory:organization_list"), {"kind": "enterprise", "district": "海沧区"})
    rows = [row.record for row in response.context["table"].page.object_list]
    assert rows and all(o.kind == "enterprise" and o.district == "海沧区" for o in rows)
    assert len(rows) == Organization.objects.filter(kind="enterprise", district="海沧区").count()


@pytest.mark.req("DIR-01")
def test_institution_page_shows_certificates_with_expiry_and_capabilities(client_as):
    centre = Organization.objects.get(name="厦门市光电产品质量检验中心")
    response = client_as("city").get(centre.get_absolute_url())
    body = response.content.decode()
    statuses = {q.certificate_no: q.expiry_status for q in response.context["qualifications"]}
    assert statuses == {"231320340789": "valid", "CNAS L15520": "expiring"}
    assert 'data-status="expiring"' in body
    assert response.context["capability_count"] == centre.capabilities.count() > 0


@pytest.mark.req("DIR-01")
def test_expiry_status_boundaries():
    today = timezone.localdate()
    q = InstitutionQualification(valid_until=today - datetime.timedelta(days=1))
    assert q.expiry_status == "expired"
    q.valid_until = today
    assert q.expiry_status == "expiring"
    q.valid_until = today + datetime.timedelta(days=90)
    assert q.expiry_status == "expiring"
    q.valid_until = today + datetime.timedelta(days=91)
    assert q.expiry_status == "valid"


@pytest.mark.req("DIR-01")
def test_institution_manages_its_certificates_inline(client_as, persona):
    client = client_as("institution")
    own = persona("institution").organization
    url = reverse("directory:qualification_add") + f"?organization={own.pk}"
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'hx-post' in form.content.decode()
    valid_until = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(url, {"kind": "CAL", "certificate_no": "CAL-2026-77", "valid_until": valid_until.isoformat(),
                                 "issued_on": "2023-01-01"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#qualifications"
    created = InstitutionQualification.objects.get(certificate_no="CAL-2026-77")
    assert created.organization == own and created.expiry_status == "expiring"
    assert "CAL-2026-77" in response.content.decode()
    # an invalid period is refused in place, nothing saved
    bad = client.post(url, {"kind": "CAL", "certificate_no": "CAL-2026-78", "valid_until": "2020-01-01",
                            "issued_on": "2023-01-01"}, HTTP_HX_REQUEST="true")
    assert "valid_until" in bad.context["form"].errors
    assert not InstitutionQualification.objects.filter(certificate_no="CAL-2026-78").exists()
    delete = client.post(reverse("directory:institutionqualification_delete", args=[created.pk]), HTTP_HX_REQUEST="true")
    assert delete.status_code == 200 and not InstitutionQualification.objects.filter(pk=created.pk).exists()


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-02")
def test_an_institution_cannot_touch_another_institutions_certificates(client_as):
    other = InstitutionQualification.objects.get(certificate_no="201320340456")  # 海西计量
    client = client_as("institution")
    assert client.get(reverse("directory:institutionqualification_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("directory:institutionqualification_delete", args=[other.pk])).status_code == 404
    url = reverse("directory:qualification_add") + f"?organization={other.organization_id}"
    assert client.get(url).status_code == 404
    assert InstitutionQualification.objects.filter(pk=other.pk).exists()


@pytest.mark.req("DIR-01")
def test_enterprise_page_lists_talents_and_users(client_as, persona):
    owner = persona("owner")
    response = client_as("owner").get(owner.organization.get_absolute_url())
    assert {t.name for t in response.context["talents"]} == {"赵德明", "孙雨"}
    assert owner in list(response.context["members"])


@pytest.mark.req("DIR-01")
def test_the_organization_history_shows_an_edit(client_as):
    org = Organization.objects.get(name="厦门鹭岛显示科技有限公司")
    client = client_as("city")
    data = {f: getattr(org, f) or "" for f in ("kind", "name", "short_name", "uscc", "province", "city", "district",
                                               "address", "industry", "size")}
    data.update({"address": "翔安区火炬东路 99 号", "is_active": "on", "_version": org.version})
    assert client.post(reverse("directory:organization_edit", args=[org.pk]), data).status_code == 302
    history = client.get(reverse("core:history", args=["directory.organization", org.pk]))
    assert "翔安区火炬东路 99 号" in history.content.decode()


@pytest.mark.req("SEC-10")
@pytest.mark.parametrize("htmx", [True, False])
def test_a_stale_inline_certificate_edit_is_refused_not_an_error(client_as, persona, htmx):
    own = persona("institution").organization
    certificate = InstitutionQualification.objects.filter(organization=own).first()
    client = client_as("institution")
    url = reverse("directory:institutionqualification_edit", args=[certificate.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    data = {"kind": certificate.kind, "valid_until": certificate.valid_until.isoformat(), "scope": "",
            "issued_on": certificate.issued_on.isoformat() if certificate.issued_on else "",
            "_version": certificate.version}
    assert client.post(url, {**data, "certificate_no": "FIRST-1"}, **headers).status_code in (200, 302)
    response = client.post(url, {**data, "certificate_no": "SECOND-2"}, **headers)
    assert response.status_code == 200 and 'id="stale-edit"' in response.content.decode()
    assert f'name="_version" value="{certificate.version}"' in response.content.decode()
    assert InstitutionQualification.objects.get(pk=certificate.pk).certificate_no == "FIRST-1"


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-12")
def test_the_form_and_the_api_apply_the_same_region_rule_as_the_import(client_as, api_as):
    from zhilian.directory.regions import XIAMEN_DISTRICTS, city_districts

    # The district filters offer exactly the home city's divisions of GB/T 2260.
    assert sorted(XIAMEN_DISTRICTS) == city_districts("福建省", "厦门市")
    page = client_as("city").post(reverse("directory:organization_add"), enterprise_form(district="不存在区"))
    assert "district" in page.context["form"].errors
    api = api_as("city").post("/api/v1/organizations/", {**enterprise_form(district="不存在区"), "is_active": True},
                              format="json")
    assert api.status_code == 400 and "district" in api.json()
    assert not Organization.objects.filter(uscc=GOOD_USCC).exists()


@pytest.mark.req("DIR-02")
@pytest.mark.req("DIR-03")
@pytest.mark.req("PLT-12")
def test_identity_numbers_and_served_districts_are_validated_everywhere(client_as, api_as):
    from zhilian.directory.models import Expert, ServiceCommissioner

    expert = Expert.objects.get(name="陈立群")
    response = api_as("city").patch(f"/api/v1/experts/{expert.pk}/", {"id_number": "123"}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    commissioner = ServiceCommissioner.objects.get(name="张明辉")
    commissioner.districts = "翔安区, 不存在区"
    with pytest.raises(ValidationError) as exc:
        commissioner.full_clean()
    assert "不存在区" in " ".join(exc.value.message_dict["districts"])
    refused = api_as("city").patch(f"/api/v1/commissioners/{commissioner.pk}/", {"districts": "翔安区, 不存在区"},
                                   format="json")
    assert refused.status_code == 400 and "districts" in refused.json()
    assert ServiceCommissioner.objects.get(pk=commissioner.pk).districts == "翔安区, 同安区"


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-12")
def test_the_upsert_service_never_renames_a_unit_through_its_uscc(persona, django_user_model):
    """organization_upsert called directly (not only through the import) refuses a USCC
    registered to a unit of another name at ``name``, and changes nothing; the same code
    under the unit's own name still updates it."""
    from zhilian.core.permissions import allowed
    from zhilian.directory import services

    city = persona("city")
    holder = Organization.objects.exclude(uscc=None).filter(kind="enterprise").order_by("pk").first()
    name, version = holder.name, holder.version
    data = {"kind": "enterprise", "name": "厦门改名测试有限公司", "uscc": holder.uscc, "province": holder.province,
            "city": holder.city, "district": holder.district}
    with pytest.raises(ValidationError) as exc:
        services.organization_upsert(user=city, data=data)
    assert list(exc.value.message_dict) == ["name"] and name in exc.value.message_dict["name"][0]
    holder.refresh_from_db()
    assert (holder.name, holder.version) == (name, version)
    assert not Organization.objects.filter(name="厦门改名测试有限公司").exists()
    # The same code under its own name updates the unit.
    updated, created = services.organization_upsert(user=city, data={**data, "name": name, "address": "改址 1 号"})
    assert not created and updated.pk == holder.pk and updated.address == "改址 1 号"
    # A caller who may not see the holder is not told its name.
    district = persona("district")
    hidden = next((o for o in Organization.objects.exclude(uscc=None).filter(kind="enterprise")
                   if not allowed(district, "view", o)), None)
    if hidden is not None:
        with pytest.raises(ValidationError) as exc:
            services.organization_upsert(user=district, data={**data, "uscc": hidden.uscc})
        assert hidden.name not in str(exc.value)


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-12")
def test_the_api_reports_every_field_error_of_an_organization_at_once(api_as):
    """A bad USCC (a field's check), a district outside the city (the model's clean, run by
    validate()), a bad phone and email: one 400 names them all, each under its field, and
    nothing is saved; before, the district came only once the code was right, and the phone
    was never checked."""
    api = api_as("city")
    before = Organization.objects.count()
    body = {**enterprise_form(uscc=BAD_USCC, district="不存在区", contact_phone="12", email="x"), "is_active": True}
    response = api.post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400
    assert {"uscc", "district", "contact_phone", "email"} <= set(response.json()), response.json()
    assert Organization.objects.count() == before
    # A field that failed is reported once, with its own error (not what its absence causes).
    only_uscc = api.post("/api/v1/organizations/", {**enterprise_form(uscc="123"), "is_active": True}, format="json")
    assert only_uscc.status_code == 400 and set(only_uscc.json()) == {"uscc"}
    # The same on an edit.
    unit = Organization.objects.filter(kind="enterprise").exclude(uscc=None).order_by("pk").first()
    edit = api.patch(f"/api/v1/organizations/{unit.pk}/", {"uscc": "123", "district": "不存在区",
                                                           "contact_phone": "12"}, format="json")
    assert edit.status_code == 400 and {"uscc", "district", "contact_phone"} <= set(edit.json()), edit.json()
    assert Organization.objects.get(pk=unit.pk).version == unit.version
