"""A served process does its one-time work before its first request (core.warmup)."""

import gc
import logging

import pytest
from django.template import engines

from zhilian.core import warmup


@pytest.fixture(autouse=True)
def _unfrozen():
    # warm() freezes the collector's view of this process and spaces its young collections;
    # the rest of the suite runs as before.
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_warm_up_compiles_every_template_and_fails_no_step(caplog):
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    with caplog.at_level(logging.ERROR, logger="zhilian.core.warmup"):
        spent = warmup.warm()
    assert set(spent) == {"urls", "jieba", "translations", "templates", "freeze"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    names = warmup._templates()
    assert "base.html" in names and "directory/organization_detail.html" in names
    # The cached loader now holds every one of them: the first request compiles none.
    cached = set(loader.get_template_cache)
    assert set(names) <= cached


def test_a_failing_step_is_logged_and_the_others_still_run(monkeypatch, caplog):
    def broken():
        raise RuntimeError("no dictionary")

    monkeypatch.setattr(warmup, "_segmenter", broken)
    with caplog.at_level(logging.ERROR, logger="zhilian.core.warmup"):
        spent = warmup.warm()
    assert "templates" in spent and "urls" in spent
    assert "warm-up step jieba failed" in caplog.text


def test_what_the_warm_up_loaded_is_left_out_of_full_collections():
    gc.unfreeze()
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    warmup.warm()
    # A template the warm-up compiled is among the frozen objects: full collections no
    # longer walk it (nor the rest of what was loaded).
    compiled = loader.get_template_cache["base.html"]
    assert gc.get_freeze_count() > 10_000
    assert not any(obj is compiled for obj in gc.get_objects(generation=2))
    gc.unfreeze()
    assert any(obj is compiled for obj in gc.get_objects(generation=2))


def test_a_served_process_collects_its_youngest_objects_every_ten_thousand_allocations():
    """Not every 700 (Python's default): a request makes tens of thousands of objects, and each
    young collection walked what the request still held, one to three times a request."""
    gc.set_threshold(700, 10, 10)
    warmup.warm()
    assert gc.get_threshold() == (warmup.YOUNG_GENERATION, 10, 10) and warmup.YOUNG_GENERATION == 10_000
