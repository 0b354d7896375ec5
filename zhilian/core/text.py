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


# Characters that join words rather than name anything ("厦门的面板", "检测与认证"): a run of
# single characters stops at them, and alone they are not searched for. Not 和: it begins
# many company names (和宏, 和金), and between two words it stands alone anyway.
_PARTICLES = frozenset("的之与及或了等")


def _single_characters_joined(words: list[str]) -> list[str]:
    """jieba's words with each run of two or more single characters written together again.

    jieba knows common words, not the names users search for: it cuts "厦门辰鼎" into 厦门 / 辰
    / 鼎 and "鑫远产品" into 鑫 / 远 / 产品. Dropped as single characters, the name was lost:
    the search became every record containing 厦门 (most of the directory: 0.15-0.23 s of
    PostgreSQL for one page, thousands of hits with the one sought among them). A run of
    single characters is a substring of the query, so it may be required like any term."""
    joined: list[str] = []
    run = ""
    for word in [*words, ""]:
        if len(word) == 1 and word not in _PARTICLES:
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        if word:
            joined.append(word)
    return joined


def search_terms(query: str) -> list[str]:
    """Split a query into the terms every hit must contain.

    Chinese has no spaces, so a run of Chinese longer than three characters is segmented
    with jieba: "厦门面板公司" finds "厦门天马面板显示有限公司". Each term is matched as a
    substring, so segmentation only ever widens recall compared with the whole phrase; a
    name jieba does not know, cut into single characters, is one term again ("厦门辰鼎":
    厦门 and 辰鼎), and single characters left alone between words (的, a stray 棒) are not
    searched for.
    """
    terms: list[str] = []
    for chunk in normalize(query).split(" "):
        if not chunk:
            continue
        if has_cjk(chunk) and len(chunk) > 3:
            words = _single_characters_joined([w.strip() for w in _jieba().lcut(chunk) if w.strip()])
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
