import json
from functools import partial
from operator import itemgetter

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpResponse
from django.utils.functional import cached_property
from rest_framework import pagination, serializers

# The column in which each row of a page can carry the total of the listing.
LISTING_TOTAL = "listing_total"
# The largest number of rows a query can skip: OFFSET is a bigint (PostgreSQL, SQLite).
MAX_OFFSET = 2**63 - 1


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
        self.carried_total = None  # the total the rows of the page read carried

    @property
    def count(self) -> int:
        if self.carried_total is not None:
            return self.carried_total
        return self.counted

    @cached_property
    def counted(self) -> int:
        # With `total_of`, only asked before the page is read (DRF's `?page=last`).
        if self.countable is None:
            return super().count
        return self.countable.count()

    def page(self, number) -> Page:
        if self.total_of is None:
            return super().page(number)
        number = self.validate_number_below_any_total(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        self.carried_total = self.total_of(rows[0]) if rows else 0
        return Page(rows, number, self)

    def validate_number_below_any_total(self, number) -> int:
        """`validate_number` before the total is known: the page read tells whether it is past
        the last one, unless it starts beyond any table's length (a query could not skip to it)."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        return number


def page_serializer(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of `item` rows, for a view that paginates by hand (an APIView):
    the envelope DRF's generic views get from drf-spectacular on their own."""
    name = item.__name__.removesuffix("Serializer")
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item(many=True),
    }
    return type(f"Paginated{name}ListSerializer", (serializers.Serializer,), fields)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, *, countable=None, total_of=None):
        # DRF builds its paginator from this attribute with (object_list, per_page).
        self.django_paginator_class = partial(CountingPaginator, countable=countable, total_of=total_of)
        return super().paginate_queryset(queryset, request, view)

    def rows_response(self, queryset, rows, request, view, *, total=None):
        """One page of `queryset` serialized by the RowSerializer `rows`. Where the database
        can write the rows' JSON (PostgreSQL, with ROWS_JSON_IN_DATABASE on), it does, and the
        rows go into the answer as they come: none is parsed, formatted or encoded in Python.

        `total`, an expression every row can compute, gives the listing's total (a counter
        kept on a parent row): the page then costs one query instead of a count and a page.
        """
        countable, extra = queryset, ()
        if total is not None:
            queryset, extra = queryset.annotate(**{LISTING_TOTAL: total}), (LISTING_TOTAL,)
        in_database = settings.ROWS_JSON_IN_DATABASE and rows.renders_in_database(queryset.db)
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
        """`get_paginated_response` for rows already written as JSON texts: DRF's envelope,
        each of its members written as JSON, the results being the rows' texts."""
        envelope = self.get_paginated_response([]).data
        members = {key: json.dumps(value, ensure_ascii=False) for key, value in envelope.items()}
        members["results"] = f"[{','.join(rows_json)}]"
        body = "{" + ",".join(f"{json.dumps(key)}:{text}" for key, text in members.items()) + "}"
        return HttpResponse(body.encode(), content_type="application/json")


class MonthPagination(PageNumberPagination):
    """For the month's lines, which the SPA loads whole to sort and filter them locally: up
    to 1,000 rows a page, so a typical month is one request."""

    max_page_size = 1000
