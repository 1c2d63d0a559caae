"""GET/PATCH /api/auth/tenant/: the business's settings. Members read them; the owner alone
changes them; every change is audited; another tenant is never touched."""

import pytest
from django_scopes import scopes_disabled

from stockscan.core.models import AuditEntry
from stockscan.orgs.models import Role, Tenant

URL = "/api/auth/tenant/"


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.OPERATOR, "operator_bar"])
def test_every_member_reads_the_settings(workspace, role):
    body = workspace.client(role).get(URL).json()

    assert body["id"] == workspace.tenant.pk
    assert (body["name"], body["currency"], body["timezone"]) == (workspace.tenant.name, "EUR", "Europe/Paris")
    assert body["prices_include_vat"] is True
    assert body["operators_see_costs"] is True


def test_the_owner_changes_the_settings_and_the_change_is_audited(workspace, other_workspace):
    changes = {
        "name": "  Chez Awa  ",
        "currency": "XOF",
        "locale": "en",
        "timezone": "Africa/Dakar",
        "prices_include_vat": False,
        "operators_see_costs": False,
    }

    response = workspace.client(Role.OWNER).patch(URL, changes, format="json")

    assert response.status_code == 200, response.json()
    assert {key: response.json()[key] for key in changes} == {**changes, "name": "Chez Awa"}
    # The next request of any member sees it (the tenant context cache is invalidated).
    assert workspace.client(Role.OPERATOR).get(URL).json()["currency"] == "XOF"
    with scopes_disabled():
        entry = AuditEntry.objects.get(tenant=workspace.tenant, action="tenant.updated")
        other = Tenant.objects.get(pk=other_workspace.tenant.pk)
    assert entry.before["currency"] == "EUR"
    assert entry.after["currency"] == "XOF"
    assert (other.currency, other.timezone, other.name) == ("EUR", "Europe/Paris", "Chez Autrui")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OPERATOR])
def test_only_the_owner_changes_them(workspace, role):
    response = workspace.client(role).patch(URL, {"currency": "XOF"}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "PERMISSION_DENIED")
    workspace.tenant.refresh_from_db()
    assert workspace.tenant.currency == "EUR"


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "ZZZ"), ("currency", "eur "), ("timezone", "Mars/Olympus"), ("locale", "de"), ("name", "   ")],
)
def test_invalid_values_name_their_field_and_change_nothing(workspace, field, value):
    response = workspace.client(Role.OWNER).patch(URL, {field: value, "operators_see_costs": False}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    workspace.tenant.refresh_from_db()
    assert workspace.tenant.operators_see_costs is True


def test_tenant_and_billing_fields_are_never_taken_from_the_body(workspace):
    response = workspace.client(Role.OWNER).patch(URL, {"id": 999, "slug": "autre", "plan": "PRO"}, format="json")

    assert response.status_code == 200
    workspace.tenant.refresh_from_db()
    assert workspace.tenant.slug != "autre"
