import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from zhilian.core.pagination import SearchPaginator, search_count_cap


def _whole_number(raw: str) -> int | None:
    """``raw`` as a whole number from 1, else None: ASCII digits only ("²" and "١" are digits
    to ``str.isdigit``); more digits than Python converts are no number either."""
    if not re.fullmatch(r"[0-9]+", raw):
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


class StandardPagination(PageNumberPagination):
    """``?page=2&page_size=50``; at most 500 rows a page.

    A page or page size that is not a whole number from 1 answers 400 under its name (DRF
    answered ``?page=abc`` 404 "Invalid page." and read ``?page_size=abc`` as the default);
    a page after the last answers 404, as DRF's; a page size above 500 gives 500 rows."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = SearchPaginator

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw in (None, "") or (name == self.page_query_param and raw in self.last_page_strings):
                continue
            if _whole_number(raw) is None:
                errors[name] = [_("Enter a whole number from 1.")]
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        return min(_whole_number(raw), self.max_page_size)  # checked in paginate_queryset

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        # After count: clients read the keys in the order DRF has always written them.
        response.data = {"count": response.data["count"], "count_capped": self.page.paginator.count_capped,
                         **{k: v for k, v in response.data.items() if k != "count"}}
        return response

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["required"] = ["count", "count_capped", "results"]
        properties = described["properties"]
        described["properties"] = {
            "count": {**properties["count"], "description": _(
                "How many rows the list has; a search (q) counts up to %(cap)d and answers %(cap)d when it "
                "found more.") % {"cap": search_count_cap()}},
            "count_capped": {"type": "boolean", "example": False, "description": _(
                "True when a search found more rows than it counts: its pages end at count.")},
            **{k: v for k, v in properties.items() if k != "count"}}
        return described

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.page_query_param, "required": False, "in": "query",
             "description": _("The page, from 1 (the default). A page after the last answers 404; a value that is "
                              "not a whole number from 1 answers 400."),
             "schema": {"type": "integer", "minimum": 1, "default": 1}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": _("Rows per page, from 1; %(default)d by default, at most %(max)d: a larger number "
                              "gives %(max)d rows. A value that is not a whole number from 1 answers 400.")
             % {"default": self.page_size, "max": self.max_page_size},
             "schema": {"type": "integer", "minimum": 1, "default": self.page_size}},
        ]
