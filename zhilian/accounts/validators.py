"""Password rules of GB/T 22239-2019 level 3 (SEC-01): composition and no reuse.

Length and the common-password list are Django's own validators (settings
``AUTH_PASSWORD_VALIDATORS``); these two add what 等保 asks for on top.
"""

import string

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
