"""What an API list answers, and what is kept of it for the next caller (core.pagecache.kept_api_data,
pickled to the shared cache), is plain data: no record rides along with it. DRF's hyperlinks
carried theirs (``Hyperlink.obj``), so every kept page of problems pickled its 25 problems
with their chains, nodes, assessments and severity models to keep 25 links."""

import io
import pickle

import pytest
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse


def _api_lists(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _api_lists(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and (entry.name or "").endswith("-list") \
                and (prefix + str(entry.pattern)).startswith("api/v1/") and not entry.pattern.converters:
            yield entry.name


def _records_in(data) -> list[str]:
    found = []

    class Recording(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Model):
                found.append(type(obj).__name__)
            return None

    Recording(io.BytesIO()).dump(data)
    return found


@pytest.mark.req("PLT-09")
def test_api_lists_answer_plain_data(api_as):
    names = sorted(set(_api_lists()))
    assert {"problem-list", "organization-list", "chain-list"} <= set(names)
    for username in ("mgmt", "expert"):
        client = api_as(username)
        for name in names:
            response = client.get(reverse(name))
            if response.status_code != 200:
                continue  # a role without this list (403) has nothing kept
            assert _records_in(response.data) == [], (username, name)
