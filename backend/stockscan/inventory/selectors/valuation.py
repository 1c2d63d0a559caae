"""The unit cost and price a count line is valued at: while its month is open, the product's
current ones (one cost per product per month, whatever day a line was counted); once the
month is closed, the ones the closing froze on the line. Every read that values a line (the
month's lines, stats, alerts, exports) uses these expressions, so they never disagree."""

from django.db.models import Case, F, When

from stockscan.inventory.models import CountStatus

LINE_UNIT_COST = Case(
    When(count__status=CountStatus.CLOSED, then=F("unit_cost")),
    default=F("product__purchase_price"),
)
LINE_UNIT_PRICE = Case(
    When(count__status=CountStatus.CLOSED, then=F("unit_price")),
    default=F("product__selling_price"),
)
