"""History retention: a plan with `history_days` shows only the inventory months that are
recent enough, by inventory month (not by when a row was created). Nothing is deleted; an
upgrade shows the older months again.

Every inventory read goes through `visible_months`, so no read path can forget it; a read or
write of one month (a count started, the stats, the alerts, an export) calls
`require_month_visible` in its service or selector, so every caller gets the same refusal.
"""

from datetime import date, timedelta

from stockscan.entitlements.errors import MonthOutsideHistory
from stockscan.entitlements.plans import Limit
from stockscan.entitlements.selectors import effective_plan


def history_start(tenant, *, today: date | None = None) -> date | None:
    """The first visible month, or None when the plan keeps all history.

    A month stays visible while any of its days is within `history_days`: with 14 days,
    November is still shown during the first two weeks of December.
    """
    days = effective_plan(tenant).limit(Limit.HISTORY_DAYS)
    if days is None:
        return None
    today = today or tenant.today()
    return (today - timedelta(days=days)).replace(day=1)


def visible_months(queryset, *, tenant, month_field: str = "month"):
    start = history_start(tenant)
    if start is None:
        return queryset
    return queryset.filter(**{f"{month_field}__gte": start})


def is_month_visible(tenant, month: date) -> bool:
    start = history_start(tenant)
    return start is None or month >= start


def require_month_visible(tenant, month: date) -> None:
    if not is_month_visible(tenant, month):
        raise MonthOutsideHistory()
