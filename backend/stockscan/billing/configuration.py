"""What billing reads from the settings: whether it is switched on, the Stripe price of each
plan and cycle, the plan a Stripe price stands for, and where Checkout sends the customer."""

from django.conf import settings

from stockscan.entitlements.plans import PURCHASABLE_PLANS, PlanCode

CYCLES: tuple[str, ...] = ("MONTHLY", "YEARLY")
CHECKOUT_SESSION_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"


def price_id(plan: str, cycle: str) -> str:
    return getattr(settings, f"STRIPE_PRICE_{plan}_{cycle}", "")


def billing_configured() -> bool:
    """Checkout and the portal work once the API key and every plan's prices are set."""
    return bool(settings.STRIPE_API_KEY) and all(
        price_id(plan, cycle) for plan in PURCHASABLE_PLANS for cycle in CYCLES
    )


def webhook_configured() -> bool:
    return bool(settings.STRIPE_WEBHOOK_SECRETS)


def plan_for_price(price: dict) -> PlanCode | None:
    """The plan a Stripe price sells: its id is one of STRIPE_PRICE_*, or its lookup key is
    `<plan>_<cycle>` (e.g. `pro_monthly`), so prices can be replaced in Stripe without a deploy."""
    for plan in PURCHASABLE_PLANS:
        if any(price_id(plan, cycle) == price.get("id") for cycle in CYCLES):
            return plan
    lookup_key = (price.get("lookup_key") or "").upper()
    for plan in PURCHASABLE_PLANS:
        if lookup_key in {f"{plan}_{cycle}" for cycle in CYCLES}:
            return plan
    return None


def checkout_success_url() -> str:
    url = settings.STRIPE_SUCCESS_URL or f"{settings.FRONTEND_URL}/billing/success"
    if CHECKOUT_SESSION_PLACEHOLDER not in url:
        url += ("&" if "?" in url else "?") + f"session_id={CHECKOUT_SESSION_PLACEHOLDER}"
    return url


def checkout_cancel_url() -> str:
    return settings.STRIPE_CANCEL_URL or f"{settings.FRONTEND_URL}/billing/cancel"
