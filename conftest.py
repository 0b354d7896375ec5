"""Shared fixtures: the demo data as named personas, logged-in clients per role."""

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the platform's default language: a request through the test client
    or a ``translation.activate`` leaves its language active in the thread, and the next test
    (which one depends on the order xdist gives) would read in it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_kept_results():
    """Each test starts without results kept by an earlier one (core.resultcache): a kept
    result is exact for the data, but a test reading a response's context (``context["table"]``)
    finds only what the view computed, and whether it computed depended on which test the
    worker ran before (a CI run failed on it)."""
    from zhilian.core import resultcache

    resultcache.clear()
    yield


# What migrations put in the test database (Django's serialized copy, taken as it was created),
# for transactional tests to start from: see ``demo_data_tx``.
_migrated = {"copy": None}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo data once per test database; each test runs in a rolled-back transaction."""
    from django.db import connections

    from zhilian.core.demo import load_all

    _migrated["copy"] = getattr(connections["default"], "_test_serialized_contents", None)
    with django_db_blocker.unblock():
        load_all()


@pytest.fixture
def demo_data_tx(django_db_serialized_rollback, transactional_db):
    """Demo data for transactional tests (live server, browser), which flush the database.

    Serialized rollback restores what migrations put in the database (e.g. the severity
    model) before each test, since the flush after the previous one removed it.
    """
    from django.core.management import call_command
    from django.db import connection

    from zhilian.core.demo import load_all

    # Django restores the copy only on the connection object it was taken on. A live-server test
    # starts the session's browser before its database, and then reads through another
    # connection object of the same thread, without the copy: it found the database as the
    # previous test's flush left it (without the roles after a serialized test, with roles made
    # again under new ids after another), and its demo data failed to load. Restore it here too.
    copy = _migrated["copy"]
    if copy is not None and not hasattr(connection, "_test_serialized_contents"):
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection._test_serialized_contents = copy  # so its own flush matches too
        connection.creation.deserialize_db_from_string(copy)
    load_all()


def columns_filtered_on(queryset) -> set[str]:
    """The columns of ``queryset``'s own table that its WHERE clause reads, subqueries' references
    to the outer row included (a scope's ``pk__in`` reads ``id``)."""
    from django.db.models.expressions import Col
    from django.db.models.lookups import Lookup
    from django.db.models.sql.query import Query
    from django.db.models.sql.where import WhereNode

    table, found = queryset.model._meta.db_table, set()

    def walk(node):
        if isinstance(node, Col):
            if node.alias == table:  # a subquery's own rows are aliased U0, V0 …
                found.add(node.target.column)
        elif isinstance(node, Query):
            walk(node.where)
        elif isinstance(node, WhereNode):
            for child in node.children:
                walk(child)
        elif isinstance(node, Lookup):
            walk(node.lhs)
            walk(node.rhs)
        elif hasattr(node, "get_source_expressions"):
            for child in node.get_source_expressions():
                walk(child)

    walk(queryset.query.where)
    return found


@pytest.fixture
def index_columns(db):
    """``index_columns("name")`` -> the columns a PostgreSQL index holds, its keys and its
    ``INCLUDE`` columns (skips on SQLite, whose indexes include nothing)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's covering indexes")

    def columns(index_name: str) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                           "AND a.attnum = ANY(i.indkey) WHERE i.indexrelid = %s::regclass", [index_name])
            return {name for (name,) in cursor.fetchall()}

    return columns


@pytest.fixture
def persona(db):
    """``persona("city")`` -> the demo user of that role (see accounts.demo.DEMO_USERS)."""
    from zhilian.accounts.models import User

    def get(username):
        return User.objects.get(username=username)

    return get


@pytest.fixture
def client_as(db, client):
    """``client_as("district")`` -> a test client signed in as that demo persona."""
    from django.test import Client

    from zhilian.accounts.models import User

    def make(username):
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    return make


@pytest.fixture
def api_as(db):
    """``api_as("owner")`` -> a DRF APIClient authenticated with that persona's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from zhilian.accounts.models import User

    def make(username):
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return c

    return make


ALL_PERSONAS = ["sysadmin", "secadmin", "auditor", "city", "district", "grassroots", "mgmt", "institution", "owner",
                "member", "assoc", "research", "expert", "commissioner", "consumer"]
