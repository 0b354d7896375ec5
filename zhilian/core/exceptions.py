"""Errors that services raise and views / API views translate for the user."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class StaleObjectError(Exception):
    """The record changed since the user loaded it (SEC-10)."""

    message = _(
        "Someone else saved this record after you opened it. Your changes were not saved: "
        "reload the page to see the current version, then edit again."
    )

    def __init__(self, obj=None):
        self.obj = obj
        super().__init__(str(self.message))


class ServiceError(ValidationError):
    """A business rule refused the operation; carries field-level messages when it can."""
