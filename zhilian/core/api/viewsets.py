"""Base API views: every queryset goes through ``restrict``; edits are version-checked."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from zhilian.core import audit, resultcache
from zhilian.core import masking as personal_data
from zhilian.core.exceptions import StaleObjectError
from zhilian.core.models import AuditAction
from zhilian.core.pagecache import kept_api_data
from zhilian.core.search import filter_queryset as search_filter

from . import masking

ACTION_FOR = {
    "list": "view", "retrieve": "view", "create": "add", "update": "change",
    "partial_update": "change", "destroy": "delete",
}


class PreconditionFailed(APIException):
    """412: the record changed since the ETag sent as ``If-Match``, or ``If-Match`` is no ETag.
    The body names it for a program, ``{"detail", "code": "precondition_failed"}``, as a 409
    names ``stale`` or ``protected`` (component ``Error``)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record changed since the version given in If-Match.")
    default_code = "precondition_failed"

    def __init__(self, detail=None, code=None):
        super().__init__({"detail": detail or self.default_detail, "code": code or self.default_code})


def stored_etag(instance) -> str | None:
    """The ETag a GET of ``instance`` answers: its version as stored now (a service may have saved
    it again after the object in hand was made), or None for a model without versions."""
    if instance is None or getattr(instance, "pk", None) is None or not hasattr(instance, "version"):
        return None
    version = type(instance)._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
    return None if version is None else f'"{version}"'


class RestrictedViewSetMixin:
    """Restrict the queryset for the current action and support ``?q=`` Chinese search."""

    search_title_field = "name"
    searchable = False
    # The actions whose answer carries the record's ETag (GET of one record, the 201 of a
    # creation, PUT, PATCH) when its model has versions; the schema documents the header on
    # them. A view that answers something else there (a computed summary) names fewer.
    etag_actions = ("retrieve", "create", "update", "partial_update")

    def restrict_action(self):
        return ACTION_FOR.get(self.action, getattr(self, "required_action", None) or "view")

    def get_queryset(self):
        queryset = super().get_queryset()
        action = self.restrict_action()
        # Creating needs no row scope; the created row is re-checked in perform_create.
        queryset = queryset.restrict(self.request.user, "view" if action == "add" else action,
                                     rows=getattr(self, "_looked_up", None))
        query = self.request.query_params.get("q", "").strip()
        # Every collection read (the list and exports such as problems/export/) narrows by ?q=, as by
        # the filters; one row by id never does.
        if query and self.searchable and self.detail is False:
            queryset = search_filter(queryset, query, self.search_title_field)
        return queryset

    def filter_queryset(self, queryset):
        # One row by id: without query parameters the list filters and ordering change
        # nothing, and building the filter form cost more than reading the row.
        if self.action in ("retrieve", "update", "partial_update", "destroy") and not self.request.query_params:
            return queryset
        return super().filter_queryset(queryset)

    def unmask_requested(self) -> bool:
        """``?unmask=1`` on a read, by a user allowed to see full numbers (SEC-07); audited once."""
        request = self.request
        if request is None or request.method not in ("GET", "HEAD"):
            return False
        if request.query_params.get("unmask") not in ("1", "true") or not personal_data.may_unmask(request.user):
            return False
        if not getattr(request, "_zl_unmask_audited", False):
            request._zl_unmask_audited = True
            audit.write(action=AuditAction.UNMASK, object_repr=str(self.get_queryset().model._meta.verbose_name_plural),
                        message=f"API {request.get_full_path()}"[:500])
        return True

    def object_reveal(self, instance) -> set[str]:
        """``?unmask=1`` on one record by a party the record lets see some of its numbers in
        full (``core.masking.register_reveal``, SEC-07): those fields, the reveal audited."""
        request = self.request
        if request is None or request.method not in ("GET", "HEAD") or \
                request.query_params.get("unmask") not in ("1", "true") or self.unmask_requested():
            return set()
        fields = personal_data.revealable_fields(request.user, instance)
        if fields:
            names = "、".join(str(instance._meta.get_field(name).verbose_name) for name in sorted(fields))
            audit.write(action=AuditAction.UNMASK, instance=instance, user=request.user,
                        message=f"API {names}"[:500])
        return fields

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._reveal_token = personal_data.REVEAL.set(self.unmask_requested())

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_reveal_token", None)
        if token is not None:
            personal_data.REVEAL.reset(token)
            self._reveal_token = None
        return super().finalize_response(request, response, *args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action in ("update", "partial_update"):
            # ``version`` in the body is the version the client edited (``expected_version``),
            # read by the view: accepted where the serializer has no such field.
            context["accepted_body_fields"] = ("version",)
        return context

    def get_serializer(self, *args, reveal=(), **kwargs):
        """The serializer, its personal fields masked unless the caller asked for and may see
        full numbers; ``reveal`` names fields of the one record shown that stay in full
        (``object_reveal``)."""
        if reveal:
            kwargs["context"] = {**self.get_serializer_context(), "reveal_fields": frozenset(reveal)}
        serializer = super().get_serializer(*args, **kwargs)
        if not self.unmask_requested():
            masking.apply(serializer, keep=reveal)
        return serializer

    def get_success_headers(self, data):
        """A creation's 201 carries the ETag a GET of the new record answers, as GET, PUT and PATCH
        do: the client edits it with ``If-Match`` without reading it again. ``data`` is the
        serializer's (DRF keeps the serializer, and so the saved record, on it)."""
        headers = super().get_success_headers(data)
        tag = stored_etag(getattr(getattr(data, "serializer", None), "instance", None))
        if tag is not None:
            headers["ETag"] = tag
        return headers

    def get_object(self):
        """As DRF's, but an existing row outside ``restrict`` is audited as a denial (SEC-06)."""
        from django.http import Http404

        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if self._reads_one_row_kept(lookup):
            instance = self._kept_row(lookup)
            self.check_object_permissions(self.request, instance)
            return instance
        # The one row asked for: the scope is narrowed to it (``restrict(rows=…)``) while DRF
        # looks it up, and only then.
        self._looked_up = [lookup] if lookup is not None and self.lookup_field == "pk" else None
        try:
            return super().get_object()
        except Http404:
            from zhilian.core.permissions import record_denial

            if lookup is not None:
                record_denial(self.get_queryset().model, self.request.user, self.restrict_action(),
                              {self.lookup_field: lookup})
            raise
        finally:
            self._looked_up = None

    def _reads_one_row_kept(self, lookup) -> bool:
        """A plain read of one record by key: its statement can be kept (``core.keptsql``), as a
        detail page's is. Only where the queryset is the declared one, restricted: a view that
        shapes it further (per request, per action) looks its row up through DRF."""
        return (lookup is not None and self.action == "retrieve" and self.lookup_field == "pk"
                and self.request.method in ("GET", "HEAD") and not self.request.query_params
                and type(self).get_queryset is RestrictedViewSetMixin.get_queryset)

    def _kept_row(self, lookup):
        from zhilian.core.permissions import get_restricted_or_404

        # DRF's own get_queryset: the declared queryset, which get_restricted_or_404 restricts.
        base = super().get_queryset()
        try:
            pk = base.model._meta.pk.to_python(lookup)
        except ValidationError:
            pk = lookup  # answered 404 by the lookup, as DRF answers it
        view = type(self)
        return get_restricted_or_404(base, self.request.user, self.restrict_action(),
                                     kept_as=f"api:{view.__module__}.{view.__qualname__}", pk=pk)

    def list(self, request, *args, **kwargs):
        # Full numbers (?unmask=1) are audited on every request: never kept.
        if self.unmask_requested():
            return super().list(request, *args, **kwargs)
        answer = {}

        def compute():
            response = answer["response"] = super(RestrictedViewSetMixin, self).list(request, *args, **kwargs)
            if response.status_code != 200 or set(response.headers) - {"Content-Type", "Vary", "Allow"}:
                raise resultcache.Uncacheable(None)
            return response.data

        data = kept_api_data(self, request, compute)
        return answer.get("response") or Response(data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, reveal=self.object_reveal(instance))
        response = Response(serializer.data)
        if hasattr(instance, "version"):
            response["ETag"] = f'"{instance.version}"'
        return response

    def expected_version(self, instance):
        """The version the client edited: If-Match header, else a ``version`` field in the body."""
        header = self.request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
        if header and header != "*":
            try:
                return int(header), True
            except ValueError:
                raise PreconditionFailed(_("If-Match must be the ETag of the record.")) from None
        body_version = self.request.data.get("version") if hasattr(self.request.data, "get") else None
        if body_version not in (None, ""):
            try:
                return int(body_version), False
            except (TypeError, ValueError):
                return None, False
        return None, False


class RestrictedModelViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """CRUD over ``restrict``-ed rows; a created row the user could not see is refused."""

    def perform_create(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            if not type(instance).objects.restrict(self.request.user, "view").filter(pk=instance.pk).exists():
                from rest_framework.exceptions import PermissionDenied

                raise PermissionDenied(_("You may not create a record outside your own scope."))

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        expected, from_header = self.expected_version(instance)
        if expected is not None and from_header and getattr(instance, "version", expected) != expected:
            raise PreconditionFailed()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        if expected is not None:
            instance._expected_version = expected  # BaseModel.save refuses a stale edit (409)
        try:
            with transaction.atomic():
                serializer.save()
        except StaleObjectError:
            if from_header:
                raise PreconditionFailed() from None  # the race was lost after the header check
            raise
        response = Response(serializer.data)
        if hasattr(serializer.instance, "version"):
            response["ETag"] = f'"{serializer.instance.version}"'
        return response


    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        expected, from_header = self.expected_version(instance)
        if expected is not None and from_header and getattr(instance, "version", expected) != expected:
            raise PreconditionFailed()
        return super().destroy(request, *args, **kwargs)


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class RestrictedCreateListRetrieveViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin,
                                          viewsets.ReadOnlyModelViewSet):
    def perform_create(self, serializer):
        RestrictedModelViewSet.perform_create(self, serializer)
