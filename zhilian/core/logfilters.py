"""Filters for the platform's log (settings ``LOGGING``)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """Log a refused request (403) as one line, without the traceback of its PermissionDenied.

    A refusal is an expected event, already in the audit log (SEC-06); Django's
    ``django.request`` logger attaches the exception, which filled the log with tracebacks
    that look like errors.
    """

    def filter(self, record):
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
