"""The production static storage remembers URLs and gives the ones the manifest gives."""

import json

import pytest
from django.test import override_settings

from zhilian.core.staticstorage import StaticFilesStorage


@override_settings(DEBUG=False, STATIC_URL="/static/")
def test_urls_are_the_manifests_and_remembered(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps(
        {"paths": {"core/app.css": "core/app.0123abcd.css"}, "version": "1.1"}))
    storage = StaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("core/app.css") == "/static/core/app.0123abcd.css"
    storage.hashed_files.clear()  # no longer asked: the URL is remembered
    assert storage.url("core/app.css") == "/static/core/app.0123abcd.css"
    with pytest.raises(ValueError):
        storage.url("core/missing.css")  # a file not collected is refused each time, not remembered
    assert "core/missing.css" not in storage._urls
