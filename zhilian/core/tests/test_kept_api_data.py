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


@pytest.mark.req("PLT-09")
def test_a_kept_api_answer_is_held_as_one_string_and_answered_as_computed(api_as):
    """Kept as the serializer's dicts, every kept page was hundreds of objects the garbage
    collector walked in each full collection, and the store's budget counted a few hundred
    bytes for it; kept pickled, it is one string of its real size. Each caller gets data of
    its own: what one request does to it is not what the next one is answered."""
    import gc

    from zhilian.core import resultcache
    from zhilian.core.pagecache import _KeptData

    resultcache.clear()
    client = api_as("mgmt")
    url = reverse("organization-list") + "?kind=enterprise"
    first = client.get(url)
    kept = [entry for key, entry in resultcache._store._entries.items() if key[0] == "api"]
    assert len(kept) == 1
    value = kept[0].value
    assert isinstance(value, _KeptData) and isinstance(value.blob, bytes) and not gc.is_tracked(value.blob)
    assert kept[0].size >= len(value.blob)
    first.data["results"].clear()  # as a caller's code might
    again = client.get(url)
    assert again.json() == first.json() and again.json()["results"]
    assert client.get(url).json() == again.json()
    assert [entry for key, entry in resultcache._store._entries.items() if key[0] == "api"] == kept  # not recomputed
