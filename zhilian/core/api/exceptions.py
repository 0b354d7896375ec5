from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from zhilian.core import audit
from zhilian.core.exceptions import StaleObjectError
from zhilian.core.models import AuditAction
from zhilian.core.permissions import visible_objects


def exception_handler(exc, context):
    """DRF's handler, plus: Django ValidationError → 400 by field; stale edit and protected delete → 409;
    not found → 404 with the same translated message for every resource; denials audited."""
    if isinstance(exc, StaleObjectError):
        current = None
        if exc.obj is not None and exc.obj.pk is not None:
            current = type(exc.obj)._base_manager.filter(pk=exc.obj.pk).values_list("version", flat=True).first()
        return Response({"detail": str(exc.message), "code": "stale", "current_version": current},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # Records other records still point to are kept; say which, instead of a server error,
        # naming only those the caller may see (PLT-02): of the others, neither names nor a count.
        request = context.get("request")
        objects = list(exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects)
        visible, hidden = visible_objects(getattr(request, "user", None), objects)
        blocking = sorted(str(obj) for obj in visible)[:10]
        detail = (_("Other records still refer to this one, some of them records you may not see; remove or "
                    "reassign them first.") if hidden else
                  _("Other records still refer to this one; remove or reassign them first."))
        return Response({"detail": detail, "code": "protected", "blocking": blocking},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        # One translated answer for every resource ("未找到。"): Django's get_object_or_404, which
        # DRF's get_object uses, says "No Achievement matches the given query." in English and
        # names the model; a hidden object and a missing one answer alike (PLT-02).
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.PermissionDenied):
        request = context.get("request")
        audit.write(action=AuditAction.PERMISSION_DENIED,
                    message=f"{request.method} {request.path}" if request else "")
    return response
