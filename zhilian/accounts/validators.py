"""Password rules of GB/T 22239-2019 level 3 (SEC-01): composition, no common word or
name dressed up with digits and symbols, no reuse.

Length and the common-password list are Django's own validators (settings
``AUTH_PASSWORD_VALIDATORS``); these add what 等保 asks for on top.
"""

import re
import string

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    """Return how many of lower case, upper case, digits and symbols ``password`` uses."""
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    ]
    return sum(classes)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a message of our own catalogue: Django 5.2 rewrote its
    message and the Simplified Chinese catalogue it ships has no translation for it yet."""

    def get_error_message(self):
        return ngettext("This password is too short: it must have at least %(n)d character.",
                        "This password is too short: it must have at least %(n)d characters.",
                        self.min_length) % {"n": self.min_length}


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, capitals, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("The password must mix at least %(n)d of: lower-case letters, capitals, digits, symbols.")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Mix at least %(n)d of: lower-case letters, capitals, digits, symbols.") % {"n": self.min_classes}


# Look-alike substitutions undone before comparing with words ("P@ssw0rd" -> "password").
# A "1" stands for an i or an l: both readings are tried.
_LEET = {"0": "o", "@": "a", "3": "e", "$": "s", "4": "a", "5": "s", "7": "t", "!": "i"}
_LEET_I = str.maketrans({**_LEET, "1": "i"})
_LEET_L = str.maketrans({**_LEET, "1": "l"})
_SEPARATORS = re.compile(r"[\s._\-]+")
_MIN_WORD = 3


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def _pinyin(text: str) -> set[str]:
    """``text`` as people type it: the whole in pinyin, and each space-separated part."""
    from pypinyin import lazy_pinyin

    parts = [p for p in str(text or "").split() if p]
    found = {_letters("".join(lazy_pinyin(part))) for part in parts}
    found.add(_letters("".join(lazy_pinyin("".join(parts)))))
    return {w for w in found if len(w) >= _MIN_WORD}


def personal_words(user) -> set[str]:
    """The words a password of ``user`` may not be built on: the user name, the person's
    name, the organization's short name and the site name (in pinyin when Chinese)."""
    from django.conf import settings

    words = _pinyin(settings.ZHILIAN_SITE_NAME)
    if user is None:
        return words
    username = user.get_username() or ""
    words |= {_letters(username), _letters(username.split("@")[0])}
    for attr in ("full_name", "first_name", "last_name"):
        words |= _pinyin(getattr(user, attr, ""))
    words |= {_letters(part) for part in (getattr(user, "email", "") or "").split("@")[:1]}
    organization = getattr(user, "organization", None) if getattr(user, "organization_id", None) else None
    if organization is not None:
        words |= _pinyin(organization.short_name)
    return {w for w in words if len(w) >= _MIN_WORD}


def _built_on(password: str, word: str) -> bool:
    """Whether every letter of ``password`` belongs to an occurrence of ``word`` once
    look-alikes are undone: the word with only digits and symbols around or between."""
    lowered = password.lower()
    for text in {lowered, _SEPARATORS.sub("", lowered)}:
        for table in (_LEET_I, _LEET_L):
            plain = text.translate(table)
            covered = set()
            for match in re.finditer(re.escape(word), plain):
                covered.update(range(match.start(), match.end()))
            if covered and not any(ch.isalpha() for i, ch in enumerate(text) if i not in covered):
                return True
    return False


class CommonWordValidator:
    """Refuse a common word, the user name, the person's or organization's name or the site
    name with digits and symbols added (``Admin@123``, ``P@ssw0rd123``, ``Owner@2026``).

    Such passwords pass the length and character-class rules, yet they are the first a
    guesser tries. The words are in ``common_words.py`` (English and pinyin).
    """

    def validate(self, password, user=None):
        from .common_words import COMMON_WORDS

        for word in sorted(COMMON_WORDS | personal_words(user), key=len, reverse=True):
            if len(word) >= _MIN_WORD and _built_on(password, word):
                raise ValidationError(
                    _("This password is built on “%(word)s”, a common word or a name of this account, its "
                      "organization or the platform, with digits or symbols added. Such passwords are guessed "
                      "first: choose one that is not built on a single word or name.") % {"word": word},
                    code="password_common_word",
                )

    def get_help_text(self):
        return _("Not a common word or a name (yours, your organization's, the platform's) with digits or "
                 "symbols added.")


class PasswordHistoryValidator:
    """Refuse the current password and the ``history`` before it; remember new ones."""

    def __init__(self, history: int = 5):
        self.history = history

    def _former(self, user):
        from .models import PasswordHistory

        if user is None or not user.pk or self.history <= 0:
            return []
        return list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.history])

    def validate(self, password, user=None):
        if user is None or not user.pk or self.history <= 0:
            return
        from .models import User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [current] + [h for h in self._former(user) if h != current]
        if any(encoded and check_password(password, encoded) for encoded in hashes[: self.history]):
            raise ValidationError(
                ngettext("You may not reuse your last password.", "You may not reuse any of your last %(n)d passwords.",
                         self.history) % {"n": self.history},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        """Keep the new hash (Django calls this after every saved password change)."""
        from .models import PasswordHistory

        if user is None or not user.pk or self.history <= 0:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.history:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return ngettext("Different from your last password.", "Different from your last %(n)d passwords.",
                        self.history) % {"n": self.history}
