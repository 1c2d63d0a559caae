"""What each kind of service counts, and which product fields it uses.

A service's `features` start from its type's preset; the inventory reads them to decide
which fields a product shows, requires or recommends.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    GROCERY_FOOD = "grocery_food", _("Grocery (food)")
    BULK_FOOD = "bulk_food", _("Bulk food")
    BAR = "bar", _("Bar")
    KITCHEN = "kitchen", _("Kitchen")
    BAKERY = "bakery", _("Bakery")
    RESTAURANT_DINING = "restaurant_dining", _("Restaurant dining room")
    RETAIL_GENERAL = "retail_general", _("General retail")
    PHARMACY_PARAPHARMACY = "pharmacy_parapharmacy", _("Pharmacy / parapharmacy")
    OTHER = "other", _("Other")


class CountingMode(models.TextChoices):
    UNIT = "unit", _("Units")
    WEIGHT = "weight", _("Weight")
    VOLUME = "volume", _("Volume")
    MIXED = "mixed", _("Mixed")


FEATURE_KEYS = (
    "barcode",
    "sku",
    "prices",
    "dlc",
    "tva",
    "lot",
    "multi_unit",
    "open_container_tracking",
    "supplier",
)


def _features(*enabled: str) -> dict[str, bool]:
    return {key: key in enabled for key in FEATURE_KEYS}


SERVICE_PRESETS: dict[str, dict] = {
    ServiceType.GROCERY_FOOD: {
        "counting_mode": CountingMode.UNIT,
        "features": _features("barcode", "prices", "dlc", "tva", "supplier"),
    },
    ServiceType.BULK_FOOD: {
        "counting_mode": CountingMode.WEIGHT,
        "features": _features("prices", "dlc", "tva", "lot", "multi_unit", "supplier"),
    },
    ServiceType.BAR: {
        "counting_mode": CountingMode.MIXED,
        "features": _features("barcode", "prices", "tva", "open_container_tracking", "multi_unit", "supplier"),
    },
    ServiceType.KITCHEN: {
        "counting_mode": CountingMode.MIXED,
        "features": _features("prices", "dlc", "lot", "multi_unit", "open_container_tracking", "supplier"),
    },
    ServiceType.BAKERY: {
        "counting_mode": CountingMode.MIXED,
        "features": _features("prices", "dlc", "tva", "multi_unit", "supplier"),
    },
    ServiceType.RESTAURANT_DINING: {
        "counting_mode": CountingMode.UNIT,
        "features": _features("prices", "tva", "open_container_tracking"),
    },
    ServiceType.RETAIL_GENERAL: {
        "counting_mode": CountingMode.UNIT,
        "features": _features("barcode", "sku", "prices", "tva", "supplier"),
    },
    ServiceType.PHARMACY_PARAPHARMACY: {
        "counting_mode": CountingMode.UNIT,
        "features": _features("barcode", "sku", "prices", "dlc", "tva", "lot", "supplier"),
    },
    ServiceType.OTHER: {
        "counting_mode": CountingMode.UNIT,
        "features": _features("prices"),
    },
}


def preset_for(service_type: str) -> dict:
    preset = SERVICE_PRESETS[service_type]
    return {"counting_mode": str(preset["counting_mode"]), "features": dict(preset["features"])}


# Services whose stock is not sold as counted: a kitchen's ingredients become dishes, so a
# missing selling price there is normal (no warning) and its potential sales are not shown
# as a loss-making margin.
NOT_SOLD_AS_COUNTED = frozenset({ServiceType.KITCHEN})


def sells_as_counted(service_type: str) -> bool:
    return service_type not in NOT_SOLD_AS_COUNTED
