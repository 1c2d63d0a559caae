from django.utils.translation import gettext_lazy as _

from stockscan.core.errors import Conflict


class BarcodeTaken(Conflict):
    error_code = "BARCODE_TAKEN"
    default_detail = _("Another product of this service already has this barcode.")


class SkuTaken(Conflict):
    error_code = "SKU_TAKEN"
    default_detail = _("Another product of this service already has this SKU.")


class CategoryNameTaken(Conflict):
    error_code = "CATEGORY_NAME_TAKEN"
    default_detail = _("A category with this name already exists in this service.")
