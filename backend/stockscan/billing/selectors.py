from decimal import Decimal

from django.core.cache import cache

from stockscan.billing import stripe_api
from stockscan.billing.configuration import CYCLES, billing_configured, price_id
from stockscan.billing.errors import StripeFailed
from stockscan.billing.services.sync import subscription_is_running
from stockscan.entitlements.models import BillingState
from stockscan.entitlements.plans import FREE_PLAN, PLANS, PURCHASABLE_PLANS, TRIAL_PLAN, PlanCode


def _billing_state(tenant) -> BillingState | None:
    return BillingState.objects.with_scopes_disabled().filter(tenant=tenant).first()


def stripe_customer_id(*, tenant) -> str | None:
    state = _billing_state(tenant)
    return state.stripe_customer_id if state else None


def has_running_subscription(*, tenant) -> bool:
    """A subscription that is running (paid, trialing, past due, paused) is changed in the
    portal: a second Checkout would bill the tenant twice."""
    state = _billing_state(tenant)
    return (
        state is not None and bool(state.stripe_subscription_id) and subscription_is_running(state.subscription_status)
    )


def tenant_ids_with_customer(*, tenant_id: int | None = None) -> list[int]:
    states = BillingState.objects.with_scopes_disabled().exclude(stripe_customer_id=None).exclude(stripe_customer_id="")
    if tenant_id is not None:
        states = states.filter(tenant_id=tenant_id)
    return list(states.order_by("tenant_id").values_list("tenant_id", flat=True))


# Plans a business can be on without a negotiated deal, in the order a pricing page shows them.
CATALOGUE_PLANS: tuple[PlanCode, ...] = (FREE_PLAN, *PURCHASABLE_PLANS)

# Stripe counts these currencies' amounts in whole units (its "zero-decimal" list), the rest in
# hundredths: https://docs.stripe.com/currencies#zero-decimal
STRIPE_ZERO_DECIMAL_CURRENCIES = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)
PRICE_CACHE_SECONDS = 60 * 60
# A price Stripe could not give is retried sooner than a known one expires.
PRICE_FAILURE_CACHE_SECONDS = 60


def _price_from_stripe(stripe_price: dict) -> dict | None:
    if stripe_price.get("unit_amount") is None or not stripe_price.get("recurring"):
        return None  # tiered or metered: not a price a pricing page can show as one figure
    currency = stripe_price["currency"].lower()
    exponent = 0 if currency in STRIPE_ZERO_DECIMAL_CURRENCIES else 2
    return {
        "amount": str(Decimal(stripe_price["unit_amount"]).scaleb(-exponent)),
        "currency": currency.upper(),
        "interval": stripe_price["recurring"]["interval"],
        "interval_count": stripe_price["recurring"]["interval_count"],
    }


def _price(plan: PlanCode, cycle: str) -> dict | None:
    """The configured Stripe price of a plan and cycle, read from Stripe and kept an hour
    (prices change rarely, and the pricing page must not cost a Stripe call per visit)."""
    stripe_price_id = price_id(plan, cycle)
    key = f"billing:price:{stripe_price_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached["price"]
    try:
        price = _price_from_stripe(stripe_api.price_retrieve(stripe_price_id))
    except StripeFailed:
        cache.set(key, {"price": None}, PRICE_FAILURE_CACHE_SECONDS)
        return None
    cache.set(key, {"price": price}, PRICE_CACHE_SECONDS)
    return price


def plan_catalogue() -> list[dict]:
    """Each plan a business can choose, with what it allows and, when Stripe is configured,
    its price per billing cycle (None for a cycle whose price Stripe did not give)."""
    with_prices = billing_configured()
    catalogue = []
    for code in CATALOGUE_PLANS:
        plan = PLANS[code]
        prices = None
        if with_prices and code in PURCHASABLE_PLANS:
            prices = {cycle: _price(code, cycle) for cycle in CYCLES}
        catalogue.append(
            {
                "code": code,
                "name": code.label,
                "limits": {limit.value: value for limit, value in plan.limits.items()},
                "features": sorted(feature.value for feature in plan.features),
                "purchasable": code in PURCHASABLE_PLANS,
                "trial": code == TRIAL_PLAN,
                "prices": prices,
            }
        )
    return catalogue
