"""Stripe objects for tests, built from the shapes of the current API (2026-07-29.dahlia).

`stripe_objects.json` is Stripe's own example of each object (from the public stripe/openapi
repository, `openapi/fixtures3.json`, MIT licence). The builders copy an example and fill in
the ids, statuses and times a test needs, so every payload keeps the real shape: the period
end on each subscription item, the invoice reaching its subscription through
`parent.subscription_details.subscription`, the checkout session in subscription mode.
"""

import copy
import json
import secrets
from pathlib import Path

API_VERSION = "2026-07-29.dahlia"
_EXAMPLES = json.loads((Path(__file__).with_name("stripe_objects.json")).read_text())
DAY = 24 * 60 * 60


def example(kind: str) -> dict:
    return copy.deepcopy(_EXAMPLES[kind])


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def subscription(
    *,
    customer: str,
    price: str,
    status: str = "active",
    created: int,
    period_end: int | None = None,
    subscription_id: str | None = None,
    cancel_at_period_end: bool = False,
    trial_end: int | None = None,
    lookup_key: str | None = None,
) -> dict:
    sub = example("subscription")
    sub_id = subscription_id or new_id("sub")
    period_end = period_end if period_end is not None else created + 30 * DAY
    item = sub["items"]["data"][0]
    item.update(
        id=new_id("si"),
        subscription=sub_id,
        created=created,
        current_period_start=period_end - 30 * DAY,
        current_period_end=period_end,
    )
    item["price"].update(id=price, lookup_key=lookup_key)
    sub["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
    sub.update(
        id=sub_id,
        customer=customer,
        status=status,
        created=created,
        start_date=created,
        billing_cycle_anchor=created,
        cancel_at_period_end=cancel_at_period_end,
        cancel_at=period_end if cancel_at_period_end else None,
        canceled_at=None,
        ended_at=None,
        trial_start=created if trial_end else None,
        trial_end=trial_end,
        latest_invoice=None,
        metadata={},
        pending_update=None,
        pause_collection=None,
    )
    return sub


def checkout_session(
    *, customer: str, tenant_id: int, subscription_id: str | None, session_id: str | None = None
) -> dict:
    session = example("checkout.session")
    session_id = session_id or f"cs_test_{secrets.token_hex(16)}"
    session.update(
        id=session_id,
        mode="subscription",
        customer=customer,
        client_reference_id=str(tenant_id),
        metadata={"tenant_id": str(tenant_id)},
        subscription=subscription_id,
        status="complete" if subscription_id else "open",
        payment_status="paid" if subscription_id else "unpaid",
        payment_intent=None,
        url=None if subscription_id else f"https://checkout.stripe.com/c/pay/{session_id}",
    )
    return session


def invoice(*, customer: str, subscription_id: str | None, status: str = "paid") -> dict:
    inv = example("invoice")
    inv_id = new_id("in")
    inv.update(id=inv_id, customer=customer, status=status, billing_reason="subscription_cycle")
    if subscription_id is None:
        inv["parent"] = None
    else:
        inv["parent"] = {
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": subscription_id},
            "type": "subscription_details",
        }
    for line in inv["lines"]["data"]:
        line["invoice"] = inv_id
    return inv


def event(event_type: str, obj: dict, *, created: int, event_id: str | None = None) -> dict:
    evt = example("event")
    evt.update(
        id=event_id or new_id("evt"),
        type=event_type,
        created=created,
        api_version=API_VERSION,
        data={"object": obj},
        request={"id": None, "idempotency_key": None},
    )
    return evt
