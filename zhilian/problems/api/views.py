from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from zhilian.chains.selectors import node_reach
from zhilian.core import audit
from zhilian.core.api.validation import unknown_body_keys
from zhilian.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet
from zhilian.core.filters import YesNoField
from zhilian.core.models import AuditAction
from zhilian.core.prefetch import KeptPrefetch
from zhilian.core.spreadsheets import file_response

from .. import exports, services
from ..filtersets import ProblemAssessmentFilterSet, ProblemFilterSet
from ..models import Problem, ProblemAssessment, SeverityModel
from ..selectors import visible_concerned, visible_related
from .serializers import ProblemAssessmentSerializer, ProblemReachSerializer, ProblemSerializer, SeverityModelSerializer

_IMPORT_REPORT = inline_serializer("TableC1ImportReport", {
    "committed": serializers.BooleanField(help_text="true when the rows were saved; false for a dry run or a "
                                                    "refused workbook."),
    "rows": serializers.IntegerField(help_text="Rows of problems read from the workbook."),
    "created": serializers.IntegerField(help_text="Problems created (or, in a dry run, that would be)."),
    "updated": serializers.IntegerField(help_text="Problems updated (or, in a dry run, that would be), by code."),
    "errors": inline_serializer("TableC1ImportRowError", {
        "row": serializers.IntegerField(help_text="Row of the worksheet, as Excel numbers it (0: the file itself)."),
        "column": serializers.CharField(help_text="Heading of the column, or empty for the whole row or file."),
        "message": serializers.CharField(help_text="What is wrong, in the caller's language."),
    }, many=True, help_text="Every fault found; any fault means nothing was imported."),
})


class Protected(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "protected"


class ProblemViewSet(RestrictedModelViewSet):
    """The quality problem library (PRB-01…08). Filter with ``chain``, ``segment``, ``node``,
    ``category``, ``sub_area``, ``level``, ``status``, ``source``, ``is_common``,
    ``review_due``; search with ``q``; sort with ``ordering`` (``-severity_total``: the most
    severe first, those not assessed last). ``import/`` (POST, multipart ``file``) and ``export/``
    (GET, same filters) exchange the chain guide's Table C.1 workbook."""

    queryset = Problem.objects.select_related("chain", "node").prefetch_related(
        # The serializer shows the newest assessment's scores and model version: fetched per page, not per row.
        KeptPrefetch("assessments", kept_as="problems.assessments_newest_first", model=ProblemAssessment,
                     build=lambda rows: rows.select_related("model").order_by("-created_at"),
                     to_attr="assessments_newest_first"))
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet
    # Newest reported first unless ?ordering= says otherwise; a problem not assessed yet sorts
    # after the assessed ones by severity, and one without a review date after those with one.
    ordering_fields = ["severity_total", "severity_level", "reported_on", "name", "code", "status", "category",
                       "next_review_due", "created_at", "updated_at", "id"]
    ordering_nulls_last = ("severity_total", "severity_level", "next_review_due")
    ordering_sources = {"name": "name_sort"}  # pinyin
    searchable = True
    schema_filtered_actions = ("export",)  # export/ reads the list's filters, q and ordering

    def perform_destroy(self, instance):
        # A problem other records name is kept (PRJ-01): 409 as for any protected record, with
        # the reason in the reader's language and only the records the caller may see.
        try:
            services.problem_delete(user=self.request.user, problem=instance)
        except ProtectedError as exc:
            raise Protected({"detail": str(exc.args[0]), "code": "protected",
                             "blocking": sorted(str(r) for r in exc.protected_objects)}) from None

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "export":  # exports.export_queryset prefetches them for the workbook
            return queryset
        # ``related`` and ``concerned_enterprises`` name only what the caller may see (PLT-02).
        return queryset.prefetch_related(visible_related(self.request.user), visible_concerned(self.request.user))

    @extend_schema(responses={200: ProblemReachSerializer})
    @action(detail=True, methods=["get"])
    def reach(self, request, pk=None):
        """The downstream nodes and placed enterprises this problem's node reaches (PRB-05)."""
        problem = self.get_object()
        return Response(node_reach(problem.node, request.user) if problem.node_id else {"nodes": [], "enterprises": []})

    @extend_schema(request=None, responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        content = exports.table_c1_workbook(exports.export_queryset(queryset, request.user).iterator(chunk_size=2000))
        audit.write(action=AuditAction.EXPORT, object_repr=exports.TITLE, message=request.query_params.urlencode())
        today = timezone.localdate()
        return file_response(content, f"{exports.TITLE}-{today}.xlsx", ascii_name=f"{exports.ASCII_TITLE}-{today}.xlsx")

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"},
        "dry_run": {"type": "boolean", "description": "true: check the workbook and answer what it would import, "
                                                      "saving nothing"}}, "required": ["file"]}},
                   responses={200: _IMPORT_REPORT, 400: OpenApiResponse(
                       {"anyOf": [{"$ref": "#/components/schemas/TableC1ImportReport"},
                                  {"$ref": "#/components/schemas/ValidationError"}]},
                       description="The workbook or the request was refused: the row report, or the request's "
                                   "errors (ValidationError: file, dry_run, an unknown key); nothing was imported.")})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_(self, request):
        errors = unknown_body_keys(request, reads=("file", "dry_run"))
        try:  # "yes" was read as false: the workbook a client meant to check was imported
            dry_run = bool(YesNoField().clean(request.data.get("dry_run")))
        except DjangoValidationError as exc:
            errors["dry_run"] = exc.messages
        upload = request.FILES.get("file")
        if upload is None:
            errors["file"] = [_("Upload the Table C.1 workbook as multipart field “file”.")]
        if errors:
            raise ValidationError(errors)
        result = exports.TableC1Importer(user=request.user).run(upload, dry_run=dry_run)
        return Response(result.as_dict(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)


class SeverityModelViewSet(RestrictedReadOnlyViewSet):
    """Versions of the severity model; ``is_current`` marks the one new assessments use."""

    queryset = SeverityModel.objects.prefetch_related("dimensions")
    serializer_class = SeverityModelSerializer


class ProblemAssessmentViewSet(RestrictedReadOnlyViewSet):
    """Every severity assessment with the model version it used; ``?problem=<id>`` for one problem's."""

    queryset = ProblemAssessment.objects.select_related("model")
    serializer_class = ProblemAssessmentSerializer
    filterset_class = ProblemAssessmentFilterSet
