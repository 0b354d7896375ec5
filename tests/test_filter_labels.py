"""A list's filter left blank reads 全部 / All, not a form's "---------" (PLT-10)."""

import re

import pytest
from django.urls import reverse

LISTS = ["projects:project_list", "problems:problem_list", "directory:organization_list", "needs:need_list",
         "achievements:achievement_list", "achievements:license_list", "chains:monitoredevent_list", "directory:expert_list",
         "directory:capability_list", "projects:risk_list", "consortia:consortium_list", "directory:talent_list"]
FIRST_OPTION = re.compile(r'<select name="(\w+)"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>')


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("language,label", [("zh-hans", "全部"), ("en", "All")])
def test_blank_list_filters_read_all(client_as, language, label):
    client = client_as("mgmt")
    client.cookies["django_language"] = language
    seen = 0
    for name in LISTS:
        html = client.get(reverse(name)).content.decode()
        main = html[html.index("<main"):]
        filters = main[main.index("<form"):main.index("</form>")]
        blanks = FIRST_OPTION.findall(filters)
        assert blanks, name
        assert {text.strip() for _field, text in blanks} == {label}, (name, blanks)
        seen += len(blanks)
    assert seen > 40
    # The audit log's filters too, as the audit administrator reads them.
    auditor = client_as("auditor")
    auditor.cookies["django_language"] = language
    html = auditor.get(reverse("core:audit_list")).content.decode()
    main = html[html.index("<main"):]
    blanks = FIRST_OPTION.findall(main[main.index("<form"):main.index("</form>")])
    assert len(blanks) == 2 and {text.strip() for _field, text in blanks} == {label}, blanks
