"""Serializer fields kept per class (core.api.speedups): every serializer gets fields of its
own, built as DRF builds them, whatever another serializer of the class did to its own."""

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField

from zhilian.core.api import speedups
from zhilian.directory.api.serializers import OrganizationSerializer
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db


def drf_built(serializer_class):
    """The fields DRF itself builds for the class (its own get_fields, nothing kept)."""
    return speedups.build_fields(serializer_class())


@pytest.mark.req("PLT-09")
def test_each_serializer_has_fields_of_its_own_built_as_drf_builds_them():
    # Built first for an English request: DRF labels a field only where its verbose name in the
    # request's language differs from its name ("Kind" is kind's, 单位类型 is not).
    with translation.override("en"):
        english, drf_english = OrganizationSerializer().fields, drf_built(OrganizationSerializer)
        assert "label=" not in repr(drf_english["kind"])
        assert {n: repr(f) for n, f in english.items()} == {n: repr(f) for n, f in drf_english.items()}
    first, second = OrganizationSerializer().fields, OrganizationSerializer().fields
    own = drf_built(OrganizationSerializer)
    assert list(first) == list(second) == list(own)
    for name in own:
        assert first[name] is not second[name]
        assert type(first[name]) is type(own[name]) and repr(first[name]) == repr(own[name])
        # Bound to their own serializer, not to the other one.
        assert first[name].parent is not second[name].parent

    # What one serializer does to its fields, the next one does not see.
    first["name"].validators.append(lambda value: None)
    first["name"].error_messages["blank"] = "changed"
    first["parent"].queryset = Organization.objects.none()
    third = OrganizationSerializer().fields
    assert len(third["name"].validators) == len(own["name"].validators)
    assert third["name"].error_messages["blank"] == own["name"].error_messages["blank"] != "changed"
    assert third["parent"].queryset is not first["parent"].queryset


@pytest.mark.req("PLT-09")
def test_fields_that_hold_fields_are_never_shared():
    first, second = OrganizationSerializer().fields, OrganizationSerializer().fields
    assert isinstance(first["service_domains"], ManyRelatedField)
    assert first["service_domains"].child_relation is not second["service_domains"].child_relation
    assert first["service_domains"].child_relation.parent is first["service_domains"]
    assert isinstance(first["qualifications"], serializers.ListSerializer)
    assert first["qualifications"].child is not second["qualifications"].child
    assert first["qualifications"].child.parent is first["qualifications"]


# ---------------------------------------------------------------- answers written as DRF writes them

def _drf_own(monkeypatch):
    """DRF's own writing of answers: its ``Serializer.to_representation`` and links."""
    from rest_framework.relations import HyperlinkedIdentityField

    from zhilian.core.api.fields import RecordUrlField

    monkeypatch.setattr(serializers.Serializer, "to_representation", speedups._drf_to_representation)
    monkeypatch.setattr(RecordUrlField, "to_representation",
                        lambda self, value: (lambda url: None if url is None else str(url))(
                            HyperlinkedIdentityField.to_representation(self, value)))


@pytest.mark.req("PLT-09")
@pytest.mark.parametrize("username", ["mgmt", "icmember", "expert"])
def test_every_api_list_and_record_answers_what_drfs_own_writing_answers(api_as, monkeypatch, username):
    from django.urls import reverse

    from zhilian.core.tests.test_kept_api_data import _api_lists

    client = api_as(username)
    paths = []
    for name in sorted(set(_api_lists())):
        path = reverse(name)
        paths.append(path)
        listed = client.get(path, {"page_size": 5}).json()
        rows = listed.get("results", []) if isinstance(listed, dict) else listed
        paths += [f"{path}{row['id']}/" for row in rows[:2] if isinstance(row, dict) and isinstance(row.get("id"), int)]
    ours = {}
    for path in paths:
        answer = client.get(path, HTTP_ACCEPT="application/json")
        if answer.status_code == 200:
            ours[path] = answer.content
    # A walk that reads records, and some answers with links (organizations, chains …).
    assert sum(body.startswith(b'{"id":') for body in ours.values()) > 40
    assert sum(b'"url":"http://testserver/api/v1/' in body for body in ours.values()) > 5
    _drf_own(monkeypatch)
    for path, body in ours.items():
        assert client.get(path, HTTP_ACCEPT="application/json").content == body, path


class _Row:
    """A row whose attributes take every way DRF reads: a value, a method, a missing one, a
    property that raises, a related record that does not exist."""

    name = "名称"
    count = 7
    flag = None

    def computed(self):
        return "从方法"

    @property
    def broken(self):
        raise AttributeError("no such value")

    @property
    def gone(self):
        from django.core.exceptions import ObjectDoesNotExist
        raise ObjectDoesNotExist


class _RowSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()
    count_text = serializers.CharField(source="count")
    flag = serializers.CharField(allow_null=True)
    computed = serializers.CharField()
    broken = serializers.CharField(default="默认")
    optional = serializers.CharField(required=False)
    gone = serializers.CharField()
    doubled = serializers.SerializerMethodField()
    masked = serializers.CharField(source="name")
    secret = serializers.CharField(write_only=True)

    def get_doubled(self, row):
        return (row["count"] if isinstance(row, dict) else row.count) * 2


@pytest.mark.req("PLT-09")
def test_values_are_read_and_written_as_drf_reads_and_writes_them(monkeypatch):
    def write(row):
        serializer = _RowSerializer(row)
        serializer.fields["masked"].to_representation = lambda value: "*" * len(value)  # as the masking does
        return serializer.data

    rows = [_Row(), {"name": "字典", "count": 3, "count_text": 3, "flag": "f", "computed": "c", "gone": "g",
                     "masked": "名", "doubled": 0}]
    ours = [dict(write(row)) for row in rows[:1]] + [dict(_RowSerializer(rows[1]).data)]
    assert ours[0] == {"name": "名称", "count": 7, "count_text": "7", "flag": None, "computed": "从方法",
                       "broken": "默认", "gone": None, "doubled": 14, "masked": "**"}
    _drf_own(monkeypatch)
    assert ours == [dict(write(row)) for row in rows[:1]] + [dict(_RowSerializer(rows[1]).data)]


@pytest.mark.req("PLT-09")
def test_a_record_link_is_written_once_a_serializer_and_keeps_the_request_s_host_and_format(api_as, settings):
    from zhilian.directory.models import Organization

    settings.ALLOWED_HOSTS = ["testserver", "zl.example.gov.cn"]
    client = api_as("mgmt")
    body = client.get("/api/v1/organizations/", {"page_size": 3, "format": "json"},
                      HTTP_HOST="zl.example.gov.cn").json()
    rows = body["results"]
    assert len(rows) == 3 and len({row["id"] for row in rows}) == 3
    assert [row["url"] for row in rows] == [
        f"http://zl.example.gov.cn/api/v1/organizations/{row['id']}/?format=json" for row in rows]
    for row in rows:
        assert Organization.objects.filter(pk=row["id"], name=row["name"]).exists()


@pytest.mark.req("PLT-09")
def test_a_prefetched_relation_is_listed_from_its_rows_and_an_unprefetched_one_as_drf_reads_it(monkeypatch):
    from django.db.models import Prefetch

    from zhilian.directory.models import InstitutionQualification

    institutions = Organization.objects.filter(kind="institution", qualifications__isnull=False,
                                               service_domains__isnull=False).distinct().order_by("pk")
    assert institutions.exists()
    prefetched = list(institutions.prefetch_related(
        "service_domains", Prefetch("qualifications", InstitutionQualification.objects.order_by("pk"))))
    plain = list(institutions)
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    context = {"request": Request(APIRequestFactory().get("/api/v1/organizations/"))}
    # Managers handed out for the rows' service domains (Django builds one per row and read).
    descriptor = type(Organization.service_domains)
    read_by_drf, drf_get = [], descriptor.__get__
    monkeypatch.setattr(descriptor, "__get__", lambda self, instance, cls=None: (
        read_by_drf.append(self.field.name) if instance is not None else None) or drf_get(self, instance, cls))

    ours = OrganizationSerializer(prefetched, many=True, context=context).data
    assert read_by_drf == []  # the prefetched rows, not a manager per row
    unprefetched = OrganizationSerializer(plain, many=True, context=context).data
    assert read_by_drf.count("service_domains") == len(plain)
    for row, again in zip(ours, unprefetched):
        assert row["service_domains"] and row["qualifications"]
        assert row["service_domains"] == again["service_domains"]
        assert sorted(q["id"] for q in row["qualifications"]) == sorted(q["id"] for q in again["qualifications"])
    _drf_own(monkeypatch)
    assert OrganizationSerializer(prefetched, many=True, context=context).data == ours
