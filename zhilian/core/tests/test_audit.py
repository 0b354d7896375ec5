import pytest
from django.urls import reverse

from zhilian.core import audit
from zhilian.core.models import AuditAction, AuditEvent
from zhilian.directory.models import InstitutionQualification, Organization


@pytest.mark.req("PLT-03")
def test_edit_through_the_page_records_who_what_before_and_after(client_as, persona):
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    client = client_as("city")
    url = reverse("directory:organization_edit", args=[org.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "service_domains"}
    data.update({"address": "翔安区民安大道 1300 号", "_version": org.version, "established_on": org.established_on.isoformat()})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    event = AuditEvent.objects.filter(content_type__model="organization", object_id=str(org.pk),
                                      action=AuditAction.UPDATE).first()
    assert event.actor_name == "city"
    assert event.changes["address"] == {"before": "翔安区民安大道 1200 号", "after": "翔安区民安大道 1300 号"}
    assert event.request_id


@pytest.mark.req("PLT-03")
def test_history_page_shows_changes_of_the_object_and_its_children(client_as):
    org = Organization.objects.get(name="厦门鹭检检测技术有限公司")
    qualification = InstitutionQualification.objects.filter(organization=org).first()
    qualification.scope = "光电显示产品"
    qualification.save()
    response = client_as("city").get(reverse("core:history", args=["directory.organization", org.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "光电显示产品" in body  # the child's change appears on the parent's history


@pytest.mark.req("PLT-03")
def test_transitions_are_recorded_with_their_message(persona):
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    with audit.transition(org, "停业整顿"):
        org.is_active = False
        org.save()
    event = AuditEvent.objects.filter(object_id=str(org.pk), action=AuditAction.TRANSITION).first()
    assert event.message == "停业整顿"
    assert event.changes["is_active"]["after"] is False


@pytest.mark.req("PLT-03")
def test_history_of_an_invisible_object_answers_404(client_as):
    other_district = Organization.objects.get(name="厦门思明视讯科技有限公司")  # 思明区, not 翔安区
    response = client_as("district").get(reverse("core:history", args=["directory.organization", other_district.pk]))
    assert response.status_code == 404


@pytest.mark.req("PLT-03")
def test_the_product_offers_no_way_to_edit_or_delete_audit_records(client_as):
    from django.urls import get_resolver

    names = [p.name or "" for p in get_resolver().url_patterns if hasattr(p, "name")]
    assert not any("audit" in n and ("edit" in n or "delete" in n) for n in names)
    response = client_as("auditor").post(reverse("core:audit_list"), {"delete": "1"})
    assert response.status_code in (403, 405)


@pytest.mark.req("PLT-03")
@pytest.mark.req("SEC-06")
def test_denials_stay_in_the_audit_log_and_out_of_the_objects_history(client_as):
    other_district = Organization.objects.get(name="厦门思明视讯科技有限公司")
    assert client_as("district").get(other_district.get_absolute_url()).status_code == 404
    denial = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name="district",
                                       object_id=str(other_district.pk)).get()
    assert denial not in AuditEvent.objects.for_object(other_district)
    history = client_as("city").get(reverse("core:history", args=["directory.organization", other_district.pk]))
    assert denial not in history.context["page"].object_list
    assert "district" not in history.content.decode()
    # The audit administrator still finds it.
    log = client_as("auditor").get(reverse("core:audit_list"), {"action": AuditAction.PERMISSION_DENIED})
    assert denial in log.context["page"].object_list


@pytest.mark.req("PLT-03")
@pytest.mark.req("SEC-06")
def test_denials_do_not_enter_a_needs_timeline(client_as, persona):
    from zhilian.needs.models import Need
    from zhilian.needs.selectors import need_timeline

    outsider = persona("consumer")
    need = Need.objects.exclude(pk__in=Need.objects.restrict(outsider, "view").values("pk")).first()
    assert client_as("consumer").get(need.get_absolute_url()).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(need.pk),
                                     content_type__model="need").exists()
    timeline = need_timeline(need, persona("city"))
    assert timeline and all(entry.event.action != AuditAction.PERMISSION_DENIED for entry in timeline)
    assert all(entry.actor != str(outsider) and entry.actor != "consumer" for entry in timeline)


def _in_language(client, language):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _changes_cells(body: str) -> str:
    import re

    return " ".join(re.findall(r'<td class="zl-change">(.*?)</td>', body, flags=re.S))


@pytest.mark.req("PLT-03")
def test_history_labels_a_childs_change_by_the_childs_own_fields_and_hides_derived_columns(client_as):
    from zhilian.directory.models import TestingCapability

    org = Organization.objects.get(name="厦门鹭检检测技术有限公司")
    capability = TestingCapability.objects.filter(institution=org).first()
    capability.product = "触控显示模组"
    capability.standard_code = "GB/T 9999-2026"
    capability.save()
    body = client_as("city").get(reverse("core:history", args=["directory.organization", org.pk])).content.decode()
    cells = _changes_cells(body)
    assert "GB/T 9999-2026" in cells and "依据标准" in cells and "产品 / 对象" in cells
    for internal in ("standard_code", "product_sort", "search_text", "search_doubled", "chu4", "version"):
        assert internal not in cells, internal
    assert "True" not in cells and "False" not in cells and "是" in cells  # the organization's 有效


@pytest.mark.req("PLT-03")
def test_history_shows_times_in_local_time_and_no_placeholder_names(client_as):
    import re

    from django.utils import timezone

    from zhilian.needs.models import NeedAssignment

    assignment = NeedAssignment.objects.filter(responded_at__isnull=False).select_related("need").first()
    body = client_as("city").get(reverse("core:history", args=["needs.need", assignment.need_id])).content.decode()
    cells = _changes_cells(body)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", cells)
    assert f"{timezone.localtime(assignment.responded_at):%Y-%m-%d %H:%M}" in cells
    assert "responded_at" not in cells and "响应时间" in cells
    assert "new need" not in body


@pytest.mark.req("PLT-03")
def test_a_state_change_is_kept_as_codes_and_shown_in_the_readers_language(client_as, persona):
    from django.utils import translation

    from zhilian.needs import selectors, services
    from zhilian.needs.models import Need

    need = Need.objects.filter(status="submitted").first()
    with translation.override("zh-hans"):
        services.need_take(user=persona("commissioner"), need=need)
    event = AuditEvent.objects.filter(action=AuditAction.TRANSITION, object_id=str(need.pk),
                                      content_type__model="need").latest("pk")
    assert event.changes["status"] == {"before": "submitted", "after": "accepted"}
    url = reverse("core:history", args=["needs.need", need.pk])
    english = _changes_cells(_in_language(client_as("city"), "en").get(url).content.decode())
    assert "<del>Submitted</del> → <ins>Accepted by a commissioner</ins>" in english
    assert "待受理" not in english
    chinese = _changes_cells(_in_language(client_as("city"), "zh-hans").get(url).content.decode())
    assert "<del>待受理</del> → <ins>已受理</ins>" in chinese
    with translation.override("en"):
        timeline = selectors.need_timeline(need, persona("city"))
    assert {"before": "Submitted", "after": "Accepted by a commissioner"} in [
        change for entry in timeline for change in entry.changes.values()]


@pytest.mark.req("PLT-03")
def test_records_written_before_codes_were_kept_show_their_labels_in_the_readers_language(client_as):
    from zhilian.needs.models import Need

    need = Need.objects.filter(status="accepted").first()
    audit.write(action=AuditAction.TRANSITION, instance=need, message="旧记录",
                changes={"status": {"before": "待受理", "after": "已受理"}})
    url = reverse("core:history", args=["needs.need", need.pk])
    english = _changes_cells(_in_language(client_as("city"), "en").get(url).content.decode())
    assert "<del>Submitted</del> → <ins>Accepted by a commissioner</ins>" in english


@pytest.mark.req("PLT-10")
@pytest.mark.req("PLT-03")
def test_a_transition_message_reads_in_the_readers_language(client_as, persona):
    """A need taken in a Chinese request: its message reads in English for an English
    reader (history, audit record, API, need timeline) and in Chinese for a Chinese one."""
    from django.utils import translation

    from zhilian.needs import selectors, services
    from zhilian.needs.models import Need

    need = Need.objects.filter(status="submitted").first()
    with translation.override("zh-hans"):
        services.need_take(user=persona("commissioner"), need=need)
    need.refresh_from_db()
    event = AuditEvent.objects.filter(action=AuditAction.TRANSITION, object_id=str(need.pk),
                                      content_type__model="need").latest("pk")
    name = need.commissioner.name
    english, chinese = f"Taken by service commissioner {name}.", f"服务专员 {name} 已受理。"
    with translation.override("en"):
        assert event.message_shown == english
        assert [e.text for e in selectors.need_timeline(need, persona("owner")) if e.event.pk == event.pk] == [english]
    with translation.override("zh-hans"):
        assert event.message_shown == chinese
    history = reverse("core:history", args=["needs.need", need.pk])
    assert english in _in_language(client_as("city"), "en").get(history).content.decode()
    assert chinese in _in_language(client_as("city"), "zh-hans").get(history).content.decode()
    assert english in _in_language(client_as("owner"), "en").get(need.get_absolute_url()).content.decode()
    auditor = _in_language(client_as("auditor"), "en")
    assert english in auditor.get(reverse("core:audit_detail", args=[event.pk])).content.decode()
    # The audit log search still finds it by its Chinese words.
    assert AuditEvent.objects.filter(pk=event.pk, message__contains="已受理").exists()


def test_translatable_messages_join_and_fall_back():
    from django.utils import translation

    from zhilian.core import i18n

    recorded = i18n.gettext  # (not named gettext here: the strings are the needs app's, not core's)
    with translation.override("zh-hans"):
        joined = recorded("Taken by service commissioner %(name)s.") % {"name": "张明辉"} + " " + \
            recorded("Service delivered; the enterprise evaluates it by %(due)s (SC guide §6.9).") % {
                "due": "2026-12-01"}
        assert str(joined).startswith("服务专员 张明辉 已受理。 ")
        kept = i18n.stored(joined)
    with translation.override("en"):
        assert i18n.shown(kept) == ("Taken by service commissioner 张明辉. Service delivered; the enterprise "
                                    "evaluates it by 2026-12-01 (SC guide §6.9).")
        assert i18n.shown("旧记录") == "旧记录" and i18n.stored("plain") == "plain"
    import pickle

    again = pickle.loads(pickle.dumps(joined))
    assert again == joined and again.parts == joined.parts


@pytest.mark.req("PLT-03")
def test_json_without_a_formatter_reads_as_key_value_items_never_as_python(client_as, monkeypatch):
    """A dict or list recorded for a field no formatter knows: ``key: value`` items, yes / no, —
    for nothing, inner ones in brackets; a formatter that cannot read a record falls back to it."""
    import html

    org = Organization.objects.get(name="厦门鹭检检测技术有限公司")
    audit.write(action=AuditAction.UPDATE, instance=org, changes={
        "settings": {"before": {}, "after": {"a": 1, "b": ["x", "y"], "c": {"d": True, "e": None}}},
        "rows": {"before": [{"k": 1, "l": False}, {"k": 2}], "after": []},
        "broken": {"before": None, "after": {"z": 9}},
    })

    def unreadable(value, **_context):
        raise KeyError("z")

    monkeypatch.setitem(audit._registry[Organization].formatters, "broken", unreadable)
    url = reverse("core:history", args=["directory.organization", org.pk])
    cells = html.unescape(_changes_cells(_in_language(client_as("city"), "zh-hans").get(url).content.decode()))
    assert "a: 1；b: x、y；c: （d: 是，e: —）" in cells
    assert "<del>（k: 1，l: 否）；（k: 2）</del> → <ins>∅</ins>" in cells
    assert "<ins>z: 9</ins>" in cells
    assert "{'" not in cells and "['" not in cells and "True" not in cells and "False" not in cells
    english = html.unescape(_changes_cells(_in_language(client_as("city"), "en").get(url).content.decode()))
    assert "a: 1; b: x、y; c: (d: Yes, e: —)" in english


@pytest.mark.req("PLT-03")
def test_a_one_to_one_relation_is_recorded_and_shown_by_name(persona):
    """A one-to-one key is kept by the object's name like a foreign key; a record that kept the
    bare id (before they were named) shows the name too."""
    from zhilian.directory.models import Expert

    user = persona("consumer")
    expert = Expert.objects.filter(user__isnull=True).first()
    expert.user = user
    expert.save()
    event = AuditEvent.objects.filter(content_type__model="expert", object_id=str(expert.pk)).latest("pk")
    assert event.changes["user"] == {"before": None, "after": str(user), "after_id": user.pk}
    old = audit.present_changes(Expert, {"user": {"before": None, "after": user.pk}})
    assert old[0]["after"] == str(user)


@pytest.mark.req("PLT-03")
def test_role_groups_in_a_users_records_read_by_the_role_name():
    from django.utils import translation

    from zhilian.accounts.models import User

    with translation.override("en"):
        rows = audit.present_changes(User, {"groups": {"added": ["city_regulator"], "removed": ["old-group"]}})
    assert rows[0]["added"] == ["City market regulation bureau"] and rows[0]["removed"] == ["old-group"]
