"""GET /api/plans/: the plan catalogue a pricing page and the upgrade prompts are built from.
Public; prices come from the configured Stripe prices (a local fake Stripe here), cached."""

import pytest
from rest_framework.test import APIClient

from stockscan.entitlements.plans import PLANS, Feature, Limit, PlanCode

PLANS_URL = "/api/plans/"

pytestmark = pytest.mark.django_db


def _by_code(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {plan["code"]: plan for plan in response.json()}


def _put_prices(testbed, *, boutique_monthly=1900, currency="eur"):
    amounts = {("BOUTIQUE", "MONTHLY"): boutique_monthly, ("BOUTIQUE", "YEARLY"): 19000}
    amounts |= {("PRO", "MONTHLY"): 4900, ("PRO", "YEARLY"): 49000}
    for (plan, cycle), amount in amounts.items():
        interval = "month" if cycle == "MONTHLY" else "year"
        testbed.fake.put_price(testbed.price(plan, cycle), unit_amount=amount, currency=currency, interval=interval)


def test_without_stripe_the_catalogue_shows_limits_and_features_without_prices(settings):
    settings.STRIPE_API_KEY = ""

    plans = _by_code(APIClient().get(PLANS_URL))

    assert list(plans) == ["ESSENTIEL", "BOUTIQUE", "PRO"]  # ENTERPRISE is a negotiated override
    assert plans["ESSENTIEL"]["limits"]["max_products"] == 100
    assert plans["PRO"]["limits"]["max_products"] is None
    assert plans["BOUTIQUE"]["limits"] == {limit.value: PLANS[PlanCode.BOUTIQUE].limits[limit] for limit in Limit}
    assert Feature.CREDIT_BOOK in plans["BOUTIQUE"]["features"]
    assert Feature.EXPORTS_EMAIL not in plans["BOUTIQUE"]["features"]
    assert plans["ESSENTIEL"]["features"] == []
    assert [plans[code]["purchasable"] for code in plans] == [False, True, True]
    assert [plans[code]["trial"] for code in plans] == [False, True, False]
    assert all(plan["prices"] is None for plan in plans.values())


def test_names_follow_the_request_language(settings):
    settings.STRIPE_API_KEY = ""

    french = _by_code(APIClient().get(PLANS_URL))
    english = _by_code(APIClient().get(PLANS_URL, HTTP_ACCEPT_LANGUAGE="en"))

    assert (french["ESSENTIEL"]["name"], english["ESSENTIEL"]["name"]) == ("Essentiel", "Essential")
    assert (french["BOUTIQUE"]["name"], english["BOUTIQUE"]["name"]) == ("Boutique", "Shop")


def test_prices_are_read_from_stripe_once_and_exact(stripe_testbed):
    _put_prices(stripe_testbed)

    first = _by_code(APIClient().get(PLANS_URL))
    again = _by_code(APIClient().get(PLANS_URL))

    assert first["BOUTIQUE"]["prices"]["MONTHLY"] == {
        "amount": "19.00",
        "currency": "EUR",
        "interval": "month",
        "interval_count": 1,
    }
    assert first["PRO"]["prices"]["YEARLY"]["amount"] == "490.00"
    assert first["ESSENTIEL"]["prices"] is None
    assert again == first
    assert len(stripe_testbed.fake.requests_to("GET", "/v1/prices/*")) == 4  # cached after the first page


def test_zero_decimal_currencies_are_whole_units(stripe_testbed):
    _put_prices(stripe_testbed, boutique_monthly=5000, currency="xof")

    plans = _by_code(APIClient().get(PLANS_URL))

    assert plans["BOUTIQUE"]["prices"]["MONTHLY"]["amount"] == "5000"
    assert plans["BOUTIQUE"]["prices"]["MONTHLY"]["currency"] == "XOF"


def test_a_stripe_failure_leaves_that_price_out_instead_of_failing_the_page(stripe_testbed):
    _put_prices(stripe_testbed)
    stripe_testbed.fake.fail_next(3, status=500, path_end=stripe_testbed.price("PRO", "MONTHLY"))

    plans = _by_code(APIClient().get(PLANS_URL))

    assert plans["PRO"]["prices"]["MONTHLY"] is None
    assert plans["PRO"]["prices"]["YEARLY"]["amount"] == "490.00"
    assert plans["BOUTIQUE"]["prices"]["MONTHLY"]["amount"] == "19.00"
