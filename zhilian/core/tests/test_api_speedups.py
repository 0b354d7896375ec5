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
