from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import Conflict, Forbidden


class BarcodeTaken(Conflict):
    error_code = "BARCODE_TAKEN"
    default_detail = _("Another product of this service already has this barcode.")


class SkuTaken(Conflict):
    error_code = "SKU_TAKEN"
    default_detail = _("Another product of this service already has this SKU.")


class CategoryNameTaken(Conflict):
    error_code = "CATEGORY_NAME_TAKEN"
    default_detail = _("A category with this name already exists in this service.")


class CountClosed(Conflict):
    error_code = "COUNT_CLOSED"
    default_detail = _("This month is closed: reopen it to change its lines.")


class IdempotencyKeyReused(Conflict):
    error_code = "IDEMPOTENCY_KEY_REUSED"
    default_detail = _("This idempotency key was already used for a different line.")


class MonthOutsideHistory(Forbidden):
    error_code = "MONTH_OUTSIDE_HISTORY"
    default_detail = _("Your plan keeps a shorter history: this month cannot be opened. Upgrade to see older months.")
