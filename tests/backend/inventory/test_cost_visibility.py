"""A business can hide purchase costs from its operators (`operators_see_costs`): then no
answer to an operator holds a purchase cost or a value computed from one — over every route
an operator can read, found by the route walk, so a new route is covered the day it is added.
Owners and managers always see them."""

import pytest
from django.db import connection

from stockscan.orgs.models import Role
from tests.backend.core.api_routes import (
    CURRENT_TENANT_QUERY,
    LOOKUP_ROUTES,
    TENANT_MODELS,
    api_routes,
)

# Every key under which an answer may hold a purchase cost or a value computed from one.
COST_KEYS = frozenset(
    {"purchase_price", "unit_cost", "line_value", "value", "stock_value", "potential_margin", "losses_value"}
)
READ_ROUTES = sorted(
    (route for route in api_routes() if route.is_tenant_view and "GET" in route.methods), key=lambda r: r.name
)


def _costs_in(data, path="") -> dict[str, object]:
    """Every cost key of a JSON answer with a value, by where it is."""
    found = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key in COST_KEYS and value is not None and not isinstance(value, dict | list):
                found[f"{path}.{key}"] = value
            found |= _costs_in(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found |= _costs_in(item, f"{path}[{index}]")
    return found


def _answers(workspace, role) -> dict[str, object]:
    """The JSON of every GET route the member may read, over rows of every model."""
    rows = {model: spec.make(workspace) for model, spec in TENANT_MODELS.items()}
    client = workspace.client(role)
    answers = {}
    for route in READ_ROUTES:
        model = route.model
        if route.is_detail:
            if model not in rows:
                continue
            response = client.get(route.url(rows[model]))
        elif route.name in LOOKUP_ROUTES:
            response = client.get(route.url(), LOOKUP_ROUTES[route.name](rows[model]))
        else:
            query = CURRENT_TENANT_QUERY.get(route.name, lambda ws: {})(workspace)
            if model in TENANT_MODELS:
                query = {**TENANT_MODELS[model].list_query(workspace), **query}
            response = client.get(route.url(), query)
        if response.streaming:  # a file (exports): read to the end, as a browser would
            b"".join(response.streaming_content)
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
            answers[str(route)] = response.json()
    return answers


def _hide_costs(workspace, hidden: bool) -> None:
    workspace.tenant.operators_see_costs = not hidden
    workspace.tenant.save()


@pytest.mark.parametrize("role", [Role.OPERATOR, "operator_bar"])
def test_no_answer_to_an_operator_holds_a_cost_when_the_business_hides_them(workspace, role):
    _hide_costs(workspace, hidden=True)

    answers = _answers(workspace, role)

    assert len(answers) >= 8, sorted(answers)  # the walk reached the routes an operator reads
    leaks = {route: costs for route, answer in answers.items() if (costs := _costs_in(answer))}
    assert leaks == {}


@pytest.mark.parametrize(("role", "hidden"), [(Role.OPERATOR, False), (Role.MANAGER, True), (Role.OWNER, True)])
def test_others_see_the_costs(workspace, role, hidden):
    """The check above can fail: the same walk finds costs when they are shown."""
    _hide_costs(workspace, hidden=hidden)

    answers = _answers(workspace, role)

    found = {key.rsplit(".", 1)[1] for answer in answers.values() for key in _costs_in(answer)}
    assert {"purchase_price", "unit_cost", "line_value", "value"} <= found
    if connection.vendor == "postgresql":
        assert "stock_value" in found or role == Role.OPERATOR
