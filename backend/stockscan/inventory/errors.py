from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import ApiError, Conflict


class InventoryErrorCode(StrEnum):
    BARCODE_TAKEN = "BARCODE_TAKEN"
    SKU_TAKEN = "SKU_TAKEN"
    CATEGORY_NAME_TAKEN = "CATEGORY_NAME_TAKEN"
    COUNT_CLOSED = "COUNT_CLOSED"
    INVALID_FILTER = "INVALID_FILTER"
    BARCODE_REQUIRED = "BARCODE_REQUIRED"
    COUNT_REQUIRED = "COUNT_REQUIRED"
    AREA_NAME_TAKEN = "AREA_NAME_TAKEN"
    MONTH_OUT_OF_RANGE = "MONTH_OUT_OF_RANGE"
    MONTH_NOT_STARTED = "MONTH_NOT_STARTED"
    MONTH_CLOSED = "MONTH_CLOSED"
    COUNT_EMPTY = "COUNT_EMPTY"
    COUNT_NOT_EMPTY = "COUNT_NOT_EMPTY"
    UNCOUNTED_PRODUCTS = "UNCOUNTED_PRODUCTS"
    LOSS_IN_FUTURE = "LOSS_IN_FUTURE"
    LINE_EXISTS = "LINE_EXISTS"


class BarcodeTaken(Conflict):
    error_code = InventoryErrorCode.BARCODE_TAKEN
    default_detail = _("Another product of this service already has this barcode.")


class SkuTaken(Conflict):
    error_code = InventoryErrorCode.SKU_TAKEN
    default_detail = _("Another product of this service already has this SKU.")


class CategoryNameTaken(Conflict):
    error_code = InventoryErrorCode.CATEGORY_NAME_TAKEN
    default_detail = _("A category with this name already exists in this service.")


class CountClosed(Conflict):
    error_code = InventoryErrorCode.COUNT_CLOSED
    default_detail = _("This month is closed: reopen it to change its lines.")


class AreaNameTaken(Conflict):
    error_code = InventoryErrorCode.AREA_NAME_TAKEN
    default_detail = _("An area with this name already exists in this service.")


class MonthOutOfRange(ApiError):
    """A month is started from 12 months before the business was created up to next month."""

    error_code = InventoryErrorCode.MONTH_OUT_OF_RANGE
    default_detail = _("This month cannot be started: choose one between %(earliest)s and %(latest)s.")


class MonthNotStarted(Conflict):
    error_code = InventoryErrorCode.MONTH_NOT_STARTED
    default_detail = _("This month has not begun yet: it can be closed once it has.")


class MonthClosed(Conflict):
    """A loss dated in a month whose count is closed: the month's figures are final."""

    error_code = InventoryErrorCode.MONTH_CLOSED
    default_detail = _("This month is closed: its losses cannot be recorded, changed or deleted. Reopen it first.")


class CountEmpty(Conflict):
    error_code = InventoryErrorCode.COUNT_EMPTY
    default_detail = _("Nothing has been counted this month: it cannot be closed.")


class CountNotEmpty(Conflict):
    error_code = InventoryErrorCode.COUNT_NOT_EMPTY
    default_detail = _("Only an open month with nothing counted and no losses can be deleted.")


class UncountedProducts(Conflict):
    """Closing with products of the checklist not counted, without saying what they are."""

    error_code = InventoryErrorCode.UNCOUNTED_PRODUCTS
    default_detail = _(
        "%(uncounted)s products of the checklist are not counted. Count them, or close with "
        'uncounted "zero" (none left) or "expected" (as last month).'
    )


class LineExists(Conflict):
    error_code = InventoryErrorCode.LINE_EXISTS
    default_detail = _(
        "Another line of this month has the same product, area, container state, lot and expiry date: count it there."
    )
