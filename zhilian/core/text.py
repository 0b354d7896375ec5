"""Chinese text helpers: pinyin sort keys, search normalisation and segmentation."""

import functools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")


def pinyin_key(text: str) -> str:
    """Return a key that sorts Chinese names by pinyin (安徽 < 福州 < 厦门), others as-is."""
    if not text:
        return ""
    # Tone-numbered syllables keep homophones in a stable order; the raw text breaks ties.
    syllables = lazy_pinyin(text, style=Style.TONE3, errors=lambda chars: list(chars.lower()))
    return (" ".join(syllables) + " " + text)[:500]


def normalize(text: str) -> str:
    """Fold full-width forms and case so that search matches what users type."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def search_terms(query: str) -> list[str]:
    """Split a query into the terms every hit must contain.

    Chinese has no spaces, so a run of Chinese longer than three characters is segmented
    with jieba: "厦门面板公司" finds "厦门天马面板显示有限公司". Each term is matched as a
    substring, so segmentation only ever widens recall compared with the whole phrase.
    """
    terms: list[str] = []
    for chunk in normalize(query).split(" "):
        if not chunk:
            continue
        if has_cjk(chunk) and len(chunk) > 3:
            words = [w.strip() for w in _jieba().lcut(chunk) if w.strip()]
            meaningful = [w for w in words if len(w) > 1] or words
            terms.extend(meaningful)
        else:
            terms.append(chunk)
    seen = set()
    return [t for t in terms if not (t in seen or seen.add(t))][:8]


def doubled(text: str) -> str:
    """Every character written twice: "石材" → "石石材材".

    A trigram index serves ``LIKE`` only for terms of three characters or more, and most
    Chinese words have two. ``doubled(s)`` contains ``doubled(t)`` exactly when ``s``
    contains ``t`` (a match at an odd offset forces a run of one repeated character, which
    contains ``t`` too), so a trigram index on the doubled text answers two-character terms.
    """
    return "".join(ch + ch for ch in text)
