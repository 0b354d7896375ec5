"""The SC guide §5 service domains are reference data every installation has (DIR-01), not demo
data: without them an institution or expert names no domain and needs match no institution by
domain."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from zhilian.directory.choices import SERVICE_DOMAINS
from zhilian.directory.forms import OrganizationForm
from zhilian.directory.models import Organization, ServiceDomain

pytestmark = pytest.mark.django_db

migration = importlib.import_module("zhilian.directory.migrations.0005_service_domains")


@pytest.mark.req("DIR-01")
def test_a_new_installation_has_the_sc_guide_service_domains(persona):
    assert ("directory", "0005_service_domains") in MigrationRecorder(connection).applied_migrations()
    Organization.service_domains.through.objects.all().delete()
    apps.get_model("directory", "Expert").domains.through.objects.all().delete()
    ServiceDomain.objects.all().delete()  # as on an installation that never loaded the demo

    migration.add_domains(apps, None)

    assert list(ServiceDomain.objects.values_list("code", "name")) == SERVICE_DOMAINS
    offered = OrganizationForm(user=persona("mgmt")).fields["service_domains"].queryset
    assert {d.code for d in offered} == {code for code, _ in SERVICE_DOMAINS}


@pytest.mark.req("DIR-01")
def test_the_migration_keeps_domains_an_installation_already_has():
    ServiceDomain.objects.filter(code="testing").update(name="检验检测服务")
    migration.add_domains(apps, None)
    assert ServiceDomain.objects.get(code="testing").name == "检验检测服务"
    assert ServiceDomain.objects.count() == len(SERVICE_DOMAINS)
