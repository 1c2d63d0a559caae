from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.renderers import JSONRenderer


class CountingPaginator(Paginator):
    """Django's paginator, counting `countable` rather than the page's queryset: the
    filtered rows without the joins and expressions that only shape each row."""

    def __init__(self, object_list, per_page, *, countable=None):
        super().__init__(object_list, per_page)
        self.countable = countable

    @cached_property
    def count(self):
        if self.countable is None:
            return super().count
        return self.countable.count()


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, *, countable=None):
        self.countable = countable
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page):
        # DRF builds its paginator through this attribute; a method lets it pass `countable`.
        return CountingPaginator(object_list, per_page, countable=self.countable)

    def rows_response(self, queryset, rows, request, view):
        """One page of `queryset` serialized by the RowSerializer `rows`. Where the database
        can write the rows' JSON (PostgreSQL), it does, and the page is spliced into the
        answer as it comes: no row is parsed, formatted or encoded in Python."""
        if rows.renders_in_database(queryset.db):
            page = self.paginate_queryset(rows.json_rows(queryset), request, view, countable=queryset)
            return self.get_paginated_json_response(page)
        page = self.paginate_queryset(rows.rows(queryset), request, view, countable=queryset)
        return self.get_paginated_response(rows.many(page))

    def get_paginated_json_response(self, rows_json: list[str]) -> HttpResponse:
        """`get_paginated_response` for rows already written as JSON texts."""
        envelope = JSONRenderer().render(self.get_paginated_response([]).data)
        # The envelope ends with its (empty) results: put the rows in there.
        if not envelope.endswith(b"[]}"):
            raise ValueError("The page's results must be the envelope's last key.")
        body = b"".join((envelope[:-2], ",".join(rows_json).encode(), b"]}"))
        return HttpResponse(body, content_type="application/json")


class MonthPagination(PageNumberPagination):
    """For the month's lines, which the SPA loads whole to sort and filter them locally: up
    to 1,000 rows a page, so a typical month is one request."""

    max_page_size = 1000
