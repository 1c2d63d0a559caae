from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MonthPagination(PageNumberPagination):
    """For the month's lines, which the SPA loads whole to sort and filter them locally: up
    to 1,000 rows a page, so a typical month is one request."""

    max_page_size = 1000
