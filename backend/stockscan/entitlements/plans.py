"""The plan registry: what each plan may do. A new limit or entitlement is one entry here
plus one call where it is enforced (`stockscan.entitlements.enforcement`)."""

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

from stockscan.entitlements.errors import EntitlementsErrorCode


class PlanCode(StrEnum):
    ESSENTIEL = "ESSENTIEL"
    BOUTIQUE = "BOUTIQUE"
    PRO = "PRO"
    ENTERPRISE = "ENTERPRISE"

    @property
    def label(self) -> str:
        return PLAN_NAMES[self]


PLAN_NAMES = {
    PlanCode.ESSENTIEL: _("Essential"),
    PlanCode.BOUTIQUE: _("Shop"),
    PlanCode.PRO: _("Pro"),
    PlanCode.ENTERPRISE: _("Enterprise"),
}


class PlanSource(StrEnum):
    FREE = "FREE"
    TRIAL = "TRIAL"
    STRIPE = "STRIPE"
    MANUAL = "MANUAL"
    LIFETIME = "LIFETIME"


class Limit(StrEnum):
    MAX_PRODUCTS = "max_products"
    MAX_SERVICES = "max_services"
    MAX_USERS = "max_users"
    MAX_CUSTOMERS = "max_customers"
    CSV_MONTHLY = "csv_monthly_limit"
    XLSX_MONTHLY = "xlsx_monthly_limit"
    AI_MONTHLY = "ai_requests_monthly_limit"
    HISTORY_DAYS = "history_days"


class Feature(StrEnum):
    LOSS_MANAGEMENT = "loss_management"
    ALERTS_STOCK = "alerts_stock"
    AI_ASSISTANT_BASIC = "ai_assistant_basic"
    CREDIT_BOOK = "credit_book"
    EXPORTS_EMAIL = "exports_email"
    ALERTS_EXPIRY = "alerts_expiry"
    REPORTS_ADVANCED = "reports_advanced"
    MULTI_SERVICE_ANALYTICS = "multi_service_analytics"


# The plain values, for serializers' choices (one named enum in the OpenAPI schema).
FEATURE_CODES: list[str] = [feature.value for feature in Feature]


class Metric(StrEnum):
    """Monthly quotas, counted per (tenant, metric, month)."""

    EXPORT_CSV = "export_csv"
    EXPORT_XLSX = "export_xlsx"
    AI_REQUESTS = "ai_requests"


# Count limits: the code a refusal carries and the usage key the entitlements endpoint shows.
COUNT_LIMITS: dict[Limit, tuple[EntitlementsErrorCode, str]] = {
    Limit.MAX_PRODUCTS: (EntitlementsErrorCode.LIMIT_MAX_PRODUCTS, "products"),
    Limit.MAX_SERVICES: (EntitlementsErrorCode.LIMIT_MAX_SERVICES, "services"),
    Limit.MAX_USERS: (EntitlementsErrorCode.LIMIT_MAX_USERS, "users"),
    Limit.MAX_CUSTOMERS: (EntitlementsErrorCode.LIMIT_MAX_CUSTOMERS, "customers"),
}

# Monthly quotas: the limit that caps them, the refusal code, and the usage key.
QUOTAS: dict[Metric, tuple[Limit, EntitlementsErrorCode, str]] = {
    Metric.EXPORT_CSV: (Limit.CSV_MONTHLY, EntitlementsErrorCode.LIMIT_EXPORT_CSV_MONTH, "exports_csv_month"),
    Metric.EXPORT_XLSX: (Limit.XLSX_MONTHLY, EntitlementsErrorCode.LIMIT_EXPORT_XLSX_MONTH, "exports_xlsx_month"),
    Metric.AI_REQUESTS: (Limit.AI_MONTHLY, EntitlementsErrorCode.LIMIT_AI_REQUESTS_MONTH, "ai_requests_month"),
}


@dataclass(frozen=True)
class Plan:
    code: PlanCode
    limits: MappingProxyType
    features: frozenset[Feature] = field(default_factory=frozenset)


def _plan(code: PlanCode, features: set[Feature], **limits: int | None) -> Plan:
    assert set(limits) == {limit.value for limit in Limit}, f"{code} must set every limit"  # noqa: S101
    return Plan(
        code=code, limits=MappingProxyType({Limit(k): v for k, v in limits.items()}), features=frozenset(features)
    )


_BOUTIQUE_FEATURES = {Feature.LOSS_MANAGEMENT, Feature.ALERTS_STOCK, Feature.AI_ASSISTANT_BASIC, Feature.CREDIT_BOOK}
_PRO_FEATURES = _BOUTIQUE_FEATURES | {
    Feature.EXPORTS_EMAIL,
    Feature.ALERTS_EXPIRY,
    Feature.REPORTS_ADVANCED,
    Feature.MULTI_SERVICE_ANALYTICS,
}

PLANS: dict[PlanCode, Plan] = {
    PlanCode.ESSENTIEL: _plan(
        PlanCode.ESSENTIEL,
        set(),
        max_products=100,
        max_services=1,
        max_users=1,
        max_customers=20,
        csv_monthly_limit=1,
        xlsx_monthly_limit=1,
        ai_requests_monthly_limit=0,
        history_days=14,
    ),
    PlanCode.BOUTIQUE: _plan(
        PlanCode.BOUTIQUE,
        _BOUTIQUE_FEATURES,
        max_products=1000,
        max_services=2,
        max_users=3,
        max_customers=300,
        csv_monthly_limit=None,
        xlsx_monthly_limit=30,
        ai_requests_monthly_limit=15,
        history_days=None,
    ),
    PlanCode.PRO: _plan(
        PlanCode.PRO,
        _PRO_FEATURES,
        max_products=None,
        max_services=5,
        max_users=10,
        max_customers=None,
        csv_monthly_limit=None,
        xlsx_monthly_limit=None,
        ai_requests_monthly_limit=200,
        history_days=None,
    ),
    # Reached only through a per-tenant override (a negotiated deal); its limits are
    # usually set on the override itself.
    PlanCode.ENTERPRISE: _plan(
        PlanCode.ENTERPRISE,
        set(Feature),
        max_products=None,
        max_services=None,
        max_users=None,
        max_customers=None,
        csv_monthly_limit=None,
        xlsx_monthly_limit=None,
        ai_requests_monthly_limit=None,
        history_days=None,
    ),
}

# The plans a tenant can buy, cheapest first (ENTERPRISE is granted by staff, ESSENTIEL is free).
PURCHASABLE_PLANS: tuple[PlanCode, ...] = (PlanCode.BOUTIQUE, PlanCode.PRO)
TRIAL_PLAN = PlanCode.BOUTIQUE


def cheapest_plan_with(feature: Feature) -> PlanCode | None:
    """The first plan a tenant can buy that includes `feature` (what an upgrade prompt names)."""
    return next((code for code in PURCHASABLE_PLANS if feature in PLANS[code].features), None)


FREE_PLAN = PlanCode.ESSENTIEL
