from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import Conflict


class InventoryErrorCode(StrEnum):
    BARCODE_TAKEN = "BARCODE_TAKEN"
    SKU_TAKEN = "SKU_TAKEN"
    CATEGORY_NAME_TAKEN = "CATEGORY_NAME_TAKEN"
    COUNT_CLOSED = "COUNT_CLOSED"
    INVALID_FILTER = "INVALID_FILTER"
    BARCODE_REQUIRED = "BARCODE_REQUIRED"
    COUNT_REQUIRED = "COUNT_REQUIRED"


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
