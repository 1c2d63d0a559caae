from operator import itemgetter

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.renderers import JSONRenderer

# The column in which each row of a page can carry the total of the listing.
LISTING_TOTAL = "listing_total"


class CountingPaginator(Paginator):
    """Django's paginator, told how to know the total without counting the page's queryset:

    - `countable`: count these rows instead, the filtered rows without the joins and
      expressions that only shape each row;
    - `total_of`: a function giving the listing's total from any row of the page, which
      carries it (a counter the database keeps): the page and its total are one query.
    """

    def __init__(self, object_list, per_page, *, countable=None, total_of=None):
        super().__init__(object_list, per_page)
        self.countable = countable
        self.total_of = total_of

    @cached_property
    def count(self):
        # With `total_of`, only asked before the page is read (DRF's `?page=last`).
        if self.countable is None:
            return super().count
        return self.countable.count()

    def page(self, number):
        if self.total_of is None:
            return super().page(number)
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        self.__dict__["count"] = self.total_of(rows[0]) if rows else 0
        return self._get_page(rows, number, self)

    def _page_number(self, number) -> int:
        """`validate_number` without the upper bound, which the page itself tells."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, *, countable=None, total_of=None):
        self.countable, self.total_of = countable, total_of
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page):
        # DRF builds its paginator through this attribute; a method lets it pass our options.
        return CountingPaginator(object_list, per_page, countable=self.countable, total_of=self.total_of)

    def rows_response(self, queryset, rows, request, view, *, total=None):
        """One page of `queryset` serialized by the RowSerializer `rows`. Where the database
        can write the rows' JSON (PostgreSQL), it does, and the page is spliced into the
        answer as it comes: no row is parsed, formatted or encoded in Python.

        `total`, an expression every row can compute, gives the listing's total (a counter
        kept on a parent row): the page then costs one query instead of a count and a page.
        """
        countable, extra = queryset, ()
        if total is not None:
            queryset, extra = queryset.annotate(**{LISTING_TOTAL: total}), (LISTING_TOTAL,)
        in_database = rows.renders_in_database(queryset.db)
        if in_database:  # rows are (row_json, listing_total) with a total, else row_json
            page_rows, total_of = rows.json_rows(queryset, *extra), itemgetter(1)
        else:
            page_rows, total_of = rows.rows(queryset, *extra), itemgetter(LISTING_TOTAL)
        if not extra:
            total_of = None
        page = self.paginate_queryset(page_rows, request, view, countable=countable, total_of=total_of)
        if not in_database:
            return self.get_paginated_response(rows.many(page))
        return self.get_paginated_json_response([row[0] for row in page] if extra else page)

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
