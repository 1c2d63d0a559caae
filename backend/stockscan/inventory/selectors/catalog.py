"""What the catalog tells a user about a product they just saved: non-blocking warnings,
so a product can be added in the middle of a count and completed later."""

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stockscan.inventory.models import Product
from stockscan.orgs.models import Service
from stockscan.orgs.presets import sells_as_counted

# Fields a service's features recommend: missing ones produce a warning, never a refusal.
RECOMMENDED_BY_FEATURE = {
    "barcode": ("barcode",),
    "prices": ("purchase_price", "selling_price"),
    "tva": ("vat_rate",),
    "supplier": ("supplier",),
}
FIELD_LABELS = {
    "barcode": gettext_lazy("a barcode"),
    "purchase_price": gettext_lazy("a purchase price"),
    "selling_price": gettext_lazy("a selling price"),
    "vat_rate": gettext_lazy("a VAT rate"),
    "supplier": gettext_lazy("a supplier"),
    "min_quantity": gettext_lazy("a minimum quantity (for low-stock alerts)"),
}
# The GTIN lengths a check digit can be verified for: EAN-8, UPC-A and EAN-13.
GTIN_LENGTHS = (8, 12, 13)


def gtin_check_digit_valid(code: str) -> bool:
    """The last digit of an EAN-8, UPC-A or EAN-13 is computed from the others (weights 3 and
    1 from the right): a mistyped or misread digit almost always breaks it."""
    body, check = code[:-1], int(code[-1])
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _warning(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def product_warnings(product: Product, service: Service) -> list[dict]:
    warnings = []
    recommended = [
        field for feature, fields in RECOMMENDED_BY_FEATURE.items() if service.features.get(feature) for field in fields
    ]
    if not sells_as_counted(service.service_type):
        # A kitchen's ingredients are not sold as such: no selling price to recommend.
        recommended = [field for field in recommended if field != "selling_price"]
    for field in [*recommended, "min_quantity"]:
        if getattr(product, field) in (None, ""):
            message = _("Recommended for this service: %(field)s.") % {"field": FIELD_LABELS[field]}
            warnings.append(_warning(field, "RECOMMENDED_FIELD_MISSING", message))
    barcode = product.barcode
    if barcode.isdigit() and len(barcode) in GTIN_LENGTHS and not gtin_check_digit_valid(barcode):
        message = _("This barcode's check digit is wrong: check that it was typed or scanned correctly.")
        warnings.append(_warning("barcode", "BARCODE_CHECK_DIGIT", message))
    namesakes = Product.objects.filter(tenant_id=product.tenant_id, service=service, archived=False)
    if (
        namesakes.annotate(lower_name=Lower("name"))
        .filter(lower_name=product.name.lower())
        .exclude(pk=product.pk)
        .exists()
    ):
        message = _("Another product of this service is already called “%(name)s”.") % {"name": product.name}
        warnings.append(_warning("name", "DUPLICATE_NAME", message))
    return warnings
