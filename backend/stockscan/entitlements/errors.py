from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Forbidden


class EntitlementsErrorCode(StrEnum):
    FEATURE_NOT_INCLUDED = "FEATURE_NOT_INCLUDED"
    LIMIT_MAX_PRODUCTS = "LIMIT_MAX_PRODUCTS"
    LIMIT_MAX_SERVICES = "LIMIT_MAX_SERVICES"
    LIMIT_MAX_USERS = "LIMIT_MAX_USERS"
    LIMIT_MAX_CUSTOMERS = "LIMIT_MAX_CUSTOMERS"
    LIMIT_EXPORT_CSV_MONTH = "LIMIT_EXPORT_CSV_MONTH"
    LIMIT_EXPORT_XLSX_MONTH = "LIMIT_EXPORT_XLSX_MONTH"
    LIMIT_AI_REQUESTS_MONTH = "LIMIT_AI_REQUESTS_MONTH"
    MONTH_OUTSIDE_HISTORY = "MONTH_OUTSIDE_HISTORY"


LIMIT_MESSAGES = {
    EntitlementsErrorCode.LIMIT_MAX_PRODUCTS: _(
        "Your plan allows %(limit)s products and %(used)s are in use. Upgrade to add more."
    ),
    EntitlementsErrorCode.LIMIT_MAX_SERVICES: _(
        "Your plan allows %(limit)s services and %(used)s are in use. Upgrade to add more."
    ),
    EntitlementsErrorCode.LIMIT_MAX_USERS: _(
        "Your plan allows %(limit)s users (members and pending invitations) and %(used)s are in use. "
        "Upgrade to add more."
    ),
    EntitlementsErrorCode.LIMIT_MAX_CUSTOMERS: _(
        "Your plan allows %(limit)s customers and %(used)s are in use. Upgrade to add more."
    ),
    EntitlementsErrorCode.LIMIT_EXPORT_CSV_MONTH: _(
        "Your plan allows %(limit)s CSV exports a month; %(used)s used this month."
    ),
    EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH: _(
        "Your plan allows %(limit)s Excel exports a month; %(used)s used this month."
    ),
    EntitlementsErrorCode.LIMIT_AI_REQUESTS_MONTH: _(
        "Your plan allows %(limit)s assistant requests a month; %(used)s used this month."
    ),
}


class LimitExceeded(ApiError):
    status_code = 403

    def __init__(self, *, code: EntitlementsErrorCode, limit: int, used: int):
        super().__init__(LIMIT_MESSAGES[code] % {"limit": limit, "used": used}, code=code, limit=limit, used=used)


class FeatureNotIncluded(ApiError):
    status_code = 403
    error_code = EntitlementsErrorCode.FEATURE_NOT_INCLUDED

    def __init__(self, *, feature: str, plan: str):
        super().__init__(
            _("Your plan (%(plan)s) does not include this feature.") % {"plan": plan},
            feature=feature,
            plan=plan,
            limit=None,
            used=None,
        )


class MonthOutsideHistory(Forbidden):
    error_code = EntitlementsErrorCode.MONTH_OUTSIDE_HISTORY
    default_detail = _("Your plan keeps a shorter history: this month cannot be opened. Upgrade to see older months.")
