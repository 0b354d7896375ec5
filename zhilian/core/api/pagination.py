from rest_framework.pagination import PageNumberPagination

from zhilian.core.pagination import SearchPaginator


class StandardPagination(PageNumberPagination):
    """``?page=2&page_size=50``; at most 500 rows a page."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = SearchPaginator
