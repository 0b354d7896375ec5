"""A served process does its one-time work before its first request (core.warmup)."""

import logging

from django.template import engines

from zhilian.core import warmup


def test_warm_up_compiles_every_template_and_fails_no_step(caplog):
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    with caplog.at_level(logging.ERROR, logger="zhilian.core.warmup"):
        spent = warmup.warm()
    assert set(spent) == {"urls", "jieba", "translations", "templates"}
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
