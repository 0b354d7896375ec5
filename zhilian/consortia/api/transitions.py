"""Workflow transitions as API actions, shared by the consortium, project and achievement APIs.

Each transition is one URL under the object, e.g. ``/api/v1/consortia/7/review/``:
``GET`` answers whether the caller may perform it now (and why not), ``POST`` performs it
through the service, which re-checks everything; a body key the transition does not read
answers 400 (``core.api.validation``). The object itself is fetched through
``restrict``, so an object the caller may not see answers 404 like a missing one.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from zhilian.core.api.validation import refuse_body


class TransitionStateSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="Whether the caller may perform this transition now.")
    reason = serializers.CharField(help_text="Why not, when it is not available.", allow_blank=True)


def transition_schema(request=None, response=None, description=""):
    """OpenAPI description of a GET (availability) + POST (perform) transition action."""

    def decorate(func):
        func = extend_schema(methods=["GET"], responses=TransitionStateSerializer, request=None,
                             description=f"Whether the caller may {description} now.")(func)
        return extend_schema(methods=["POST"], request=request, responses=response,
                             description=description.capitalize() + ".")(func)

    return decorate


def run_transition(request, *, reason, perform, input_serializer=None, output=None):
    """Answer GET with availability; on POST validate the input and call ``perform(data)``."""
    if request.method == "GET":
        return Response({"available": reason is None, "reason": str(reason or "")})
    if reason:
        raise PermissionDenied(str(reason))
    data = {}
    if input_serializer is not None:
        serializer = input_serializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
    else:
        refuse_body(request)  # a transition without input: any key sent is one it would not read
    result = perform(data)
    return Response(output(result) if output else {"ok": True})
