"""Excel import and export of organizations and experts (DIR-01, DIR-02, PLT-07)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from zhilian.directory.demo import make_uscc
from zhilian.directory.exports import expert_columns, organization_columns
from zhilian.directory.models import Expert, ExpertQualification, Organization

pytestmark = pytest.mark.django_db


def workbook(columns, rows) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "import.xlsx"
    return out


def org_rows():
    return [
        ["厦门导入一号科技有限公司", "企业", make_uscc("导入一号"), "福建省", "厦门市", "翔安区", "翔安区一号路", "电子", "小型",
         "张三", "13906059999"],
        ["厦门导入二号科技有限公司", "enterprise", make_uscc("导入二号"), "福建省", "厦门市", "同安区", "", "电子", "medium",
         "", ""],
    ]


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_organization_import_with_one_bad_row_imports_nothing(client_as):
    rows = org_rows() + [["厦门导入坏行有限公司", "企业", "91350200MA00000000", "福建省", "厦门市", "翔安区", "", "", "巨型", "",
                          "12"]]
    client = client_as("city")
    response = client.post(reverse("directory:organization_import"), {"file": workbook(organization_columns(), rows)})
    result = response.context["result"]
    assert not result.committed
    bad = {(e.row, e.column) for e in result.errors}
    assert (4, "统一社会信用代码") in bad and (4, "企业规模") in bad and (4, "联系电话") in bad
    assert not Organization.objects.filter(name__startswith="厦门导入").exists()
    # the row-level error report downloads as a workbook
    report = client.get(reverse("directory:organization_import"), {"errors": "1"})
    assert "filename*=UTF-8''%E5%8D%95%E4%BD%8D%E5%90%8D%E5%BD%95-%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A.xlsx" in \
        report["Content-Disposition"]  # 单位名录-错误报告.xlsx
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    reported = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert {(r[0], r[1]) for r in reported} == bad


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_organization_import_twice_updates_instead_of_duplicating(client_as):
    client = client_as("city")
    first = client.post(reverse("directory:organization_import"), {"file": workbook(organization_columns(), org_rows())})
    assert first.context["result"].committed and first.context["result"].created == 2
    rows = org_rows()
    rows[0][6] = "翔安区一号路 2 号"
    second = client.post(reverse("directory:organization_import"), {"file": workbook(organization_columns(), rows)})
    assert second.context["result"].updated == 2 and second.context["result"].created == 0
    assert Organization.objects.filter(name__startswith="厦门导入").count() == 2
    assert Organization.objects.get(name="厦门导入一号科技有限公司").address == "翔安区一号路 2 号"


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_organization_export_reimports_cleanly_with_masked_phones_kept(client_as):
    client = client_as("district")  # cannot unmask: phones are exported masked
    export = client.get(reverse("directory:organization_list"), {"export": "xlsx", "kind": "enterprise"})
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert ws.cell(1, 1).value == "单位名录"
    phone_before = Organization.objects.get(name="厦门鹭岛显示科技有限公司").contact_phone
    exported = io.BytesIO(export.content)
    exported.name = "export.xlsx"
    response = client.post(reverse("directory:organization_import"), {"file": exported})
    result = response.context["result"]
    assert result.committed and result.created == 0 and result.updated == result.rows > 0
    assert Organization.objects.get(name="厦门鹭岛显示科技有限公司").contact_phone == phone_before


def expert_rows():
    return [
        ["黄导入", "福建闽南标准认证中心有限公司", "工程师", "中级", "认证认可、质量管理", "汽车零部件", "是", "认证人员职业资格", "13906058888",
         "", ""],
        ["林导入", "", "技术员", "None", "检验检测", "电子装配", "否", "", "13906057777", "", ""],
    ]


@pytest.mark.req("DIR-02")
@pytest.mark.req("PLT-07")
def test_expert_import_creates_domains_and_qualifications_and_is_idempotent(client_as):
    client = client_as("city")
    response = client.post(reverse("directory:expert_import"), {"file": workbook(expert_columns(), expert_rows())})
    result = response.context["result"]
    assert result.committed, result.errors
    huang = Expert.objects.get(name="黄导入")
    assert huang.title_level == "intermediate" and huang.quality_experience
    assert {d.code for d in huang.domains.all()} == {"certification", "quality_mgmt"}
    assert ExpertQualification.objects.filter(expert=huang, kind="certification_auditor").exists()
    assert huang.organization.name == "福建闽南标准认证中心有限公司"
    assert huang.is_eligible and not Expert.objects.get(name="林导入").is_eligible
    again = client.post(reverse("directory:expert_import"), {"file": workbook(expert_columns(), expert_rows())})
    assert again.context["result"].updated == 2
    assert Expert.objects.filter(name__in=["黄导入", "林导入"]).count() == 2


@pytest.mark.req("DIR-02")
@pytest.mark.req("PLT-07")
def test_expert_import_with_a_bad_row_imports_nothing(client_as):
    rows = expert_rows() + [["坏行", "", "", "特级", "天文", "", "也许", "", "123", "", ""]]
    response = client_as("city").post(reverse("directory:expert_import"), {"file": workbook(expert_columns(), rows)})
    result = response.context["result"]
    assert not result.committed
    assert {e.column for e in result.errors if e.row == 4} >= {"职称等级", "服务领域", "质量管理研究或实践经验", "手机"}
    assert not Expert.objects.filter(name__in=["黄导入", "林导入", "坏行"]).exists()


@pytest.mark.req("DIR-02")
@pytest.mark.req("SEC-07")
def test_expert_export_masks_personal_numbers_for_roles_without_unmask(client_as):
    masked = openpyxl.load_workbook(io.BytesIO(client_as("mgmt").get(
        reverse("directory:expert_list"), {"export": "xlsx"}).content)).active
    plain = openpyxl.load_workbook(io.BytesIO(client_as("city").get(
        reverse("directory:expert_list"), {"export": "xlsx", "unmask": "1"}).content)).active
    header = [c.value for c in masked[2]]
    mobile, eligible = header.index("手机"), header.index("符合帮扶工作组条件")
    masked_rows = {r[0]: r for r in masked.iter_rows(min_row=3, values_only=True)}
    plain_rows = {r[0]: r for r in plain.iter_rows(min_row=3, values_only=True)}
    assert masked_rows["陈立群"][mobile] == "139****1234"
    assert plain_rows["陈立群"][mobile] == "13906011234"
    assert masked_rows["陈立群"][eligible] == "是" and masked_rows["杨帆"][eligible] == "否"


def _report(response):
    return {(e.row, e.column): e.message for e in response.context["result"].errors}


@pytest.mark.req("DIR-02")
@pytest.mark.req("PLT-12")
@pytest.mark.req("PLT-07")
def test_an_identity_number_is_checked_against_gb_11643_in_the_import(client_as):
    from zhilian.directory.demo import demo_id_number

    good, bad_check = demo_id_number("王核验"), demo_id_number("王核验")[:-1] + "0"
    if bad_check == good:
        bad_check = good[:-1] + "1"
    rows = [["王核验", "", "工程师", "中级", "计量", "", "是", "", "13906051111", "", "123"],
            ["李核验", "", "工程师", "中级", "计量", "", "是", "", "13906052222", "", bad_check]]
    response = client_as("city").post(reverse("directory:expert_import"), {"file": workbook(expert_columns(), rows)})
    report = _report(response)
    assert "18" in report[(2, "身份证号")] and "GB 11643" in report[(3, "身份证号")]
    assert not response.context["result"].committed and not Expert.objects.filter(name__endswith="核验").exists()
    rows[0][-1], rows[1][-1] = good, demo_id_number("李核验")
    ok = client_as("city").post(reverse("directory:expert_import"), {"file": workbook(expert_columns(), rows)})
    assert ok.context["result"].committed and Expert.objects.get(name="王核验").id_number == good


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-12")
@pytest.mark.req("PLT-07")
def test_a_region_is_checked_against_the_divisions_in_the_import(client_as):
    rows = org_rows()
    rows[0][5] = "不存在区"
    rows[1][3:6] = ["福建省", "不存在市", ""]
    response = client_as("city").post(reverse("directory:organization_import"),
                                      {"file": workbook(organization_columns(), rows)})
    report = _report(response)
    assert "不存在区" in report[(2, "区县")] and "翔安区" in report[(2, "区县")]  # says what it may be
    assert "不存在市" in report[(3, "城市")]
    assert not Organization.objects.filter(name__startswith="厦门导入").exists()
    rows = org_rows()
    rows[1][3:6] = ["安徽省", "合肥市", "蜀山区"]  # a unit outside the province is fine when its region exists
    ok = client_as("city").post(reverse("directory:organization_import"), {"file": workbook(organization_columns(), rows)})
    assert ok.context["result"].committed


def _export(client, **params):
    response = client.get(reverse("directory:organization_list"), {"export": "xlsx", **params})
    content = io.BytesIO(response.content)
    content.name = "export.xlsx"
    return content


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_a_row_with_a_registered_uscc_and_another_name_is_refused_in_check_and_import(client_as):
    holder = Organization.objects.exclude(uscc=None).filter(kind="enterprise").order_by("pk").first()
    name_before = holder.name
    rows = [["厦门改名测试有限公司", "企业", holder.uscc, "福建省", "厦门市", holder.district or "思明区", "", "电子", "小型",
             "", ""]]
    client = client_as("city")
    for dry_run in ("1", ""):
        response = client.post(reverse("directory:organization_import"),
                               {"file": workbook(organization_columns(), rows), "dry_run": dry_run})
        result = response.context["result"]
        assert not result.committed and result.updated == 0 and result.created == 0
        report = _report(response)
        assert set(report) == {(2, "单位名称")}, report
        assert f"该统一社会信用代码已登记为「{name_before}」" in report[(2, "单位名称")]
        assert "单位页面" in report[(2, "单位名称")]
    holder.refresh_from_db()
    assert holder.name == name_before
    assert not Organization.objects.filter(name="厦门改名测试有限公司").exists()
    # The same code and the same name updates the record, as before.
    rows[0][0] = name_before
    ok = client.post(reverse("directory:organization_import"), {"file": workbook(organization_columns(), rows)})
    assert ok.context["result"].committed and ok.context["result"].updated == 1


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_a_registered_uscc_is_not_named_to_a_user_who_may_not_see_its_holder(client_as, django_user_model):
    from zhilian.core.permissions import allowed

    user = django_user_model.objects.get(username="district")
    hidden = next((o for o in Organization.objects.exclude(uscc=None) if not allowed(user, "view", o)), None)
    if hidden is None:
        pytest.skip("every organization with a code is visible to the district persona")
    rows = [["厦门改名测试有限公司", "企业", hidden.uscc, "福建省", "厦门市", "翔安区", "", "", "", "", ""]]
    response = client_as("district").post(reverse("directory:organization_import"),
                                          {"file": workbook(organization_columns(), rows), "dry_run": "1"})
    report = _report(response)
    assert report.get((2, "单位名称")) == "该统一社会信用代码已登记。", report
    assert hidden.name not in " ".join(report.values())


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_the_whole_directory_export_reimports_cleanly_and_changes_no_phone(client_as):
    client = client_as("city")  # may change every unit; the export masks phones unless asked to unmask
    sheet = openpyxl.load_workbook(_export(client)).active
    header = [c.value for c in sheet[2]]
    assert "行政层级" not in header
    exported_phones = [r[header.index("联系电话")] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert any("*" in (p or "") for p in exported_phones)
    phones = dict(Organization.objects.values_list("pk", "contact_phone"))
    names = dict(Organization.objects.values_list("pk", "name"))
    check = client.post(reverse("directory:organization_import"), {"file": _export(client), "dry_run": "1"})
    result = check.context["result"]
    assert result.rows > 0 and not result.errors, [(e.row, e.column, e.message) for e in result.errors]
    assert Organization.objects.filter(kind="government").exists()
    imported = client.post(reverse("directory:organization_import"), {"file": _export(client)})
    result = imported.context["result"]
    assert result.committed and result.created == 0 and result.updated == result.rows, result.errors
    assert dict(Organization.objects.values_list("pk", "contact_phone")) == phones
    assert dict(Organization.objects.values_list("pk", "name")) == names


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-07")
def test_a_new_government_unit_in_a_file_is_refused_under_a_chinese_header(client_as):
    rows = [["厦门市测试导入所", "政府部门", "", "福建省", "厦门市", "翔安区", "", "", "", "", ""]]
    response = client_as("city").post(reverse("directory:organization_import"),
                                      {"file": workbook(organization_columns(), rows), "dry_run": "1"})
    errors = response.context["result"].errors
    assert errors and all(e.column in ("", *[c.header for c in organization_columns()]) for e in errors)
    assert not any("government_level" in e.column or "government_level" in e.message for e in errors)
    assert not Organization.objects.filter(name="厦门市测试导入所").exists()
    # A recorded government unit turned into an institution: its stored level is named as the form names it.
    unit = Organization.objects.filter(kind="government", uscc=None).exclude(government_level="").first()
    rows = [[unit.name, "技术机构", "", unit.province, unit.city, unit.district, "", "", "", "", ""]]
    response = client_as("city").post(reverse("directory:organization_import"),
                                      {"file": workbook(organization_columns(), rows), "dry_run": "1"})
    report = _report(response)
    assert report and all(column in ("", *[c.header for c in organization_columns()]) for _row, column in report)
    assert report[(2, "")].startswith("行政层级："), report
    assert Organization.objects.get(pk=unit.pk).kind == "government"
