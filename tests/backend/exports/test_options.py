"""The inventory export's options: the serializer only parses them; what they mean for a
tenant and a member (default month, history, services) is decided by the exporter, which the
routes and the emailed export's task both build."""

import pytest
from django_scopes import scope

from stockscan.entitlements.errors import MonthOutsideHistory
from stockscan.entitlements.plans import PlanCode
from stockscan.exports.base import exporter_class
from stockscan.exports.inventory import InventoryExportOptions
from stockscan.orgs.models import Role
from stockscan.orgs.tenancy.resolution import ServiceNotFound
from tests.backend.exports.conftest import OCTOBER, SEPTEMBER
from tests.plans import set_plan


def test_the_options_serializer_parses_without_a_tenant():
    options = InventoryExportOptions(data={"from": "2026-09", "to": "2026-10", "service": " 12 ", "mode": "sealed"})

    assert options.is_valid(), options.errors
    assert options.validated_data == {
        "start": SEPTEMBER,
        "end": OCTOBER,
        "service": "12",
        "mode": "sealed",
        "kind": "inventory",
    }


def _exporter(workspace, role=Role.OWNER, **options):
    with scope(tenant=workspace.tenant.pk):
        return exporter_class("inventory")(tenant=workspace.tenant, membership=workspace.members[role], options=options)


@pytest.mark.django_db
def test_the_exporter_refuses_months_outside_the_history_whoever_builds_it(workspace):
    set_plan(workspace.tenant, PlanCode.ESSENTIEL)

    with pytest.raises(MonthOutsideHistory):
        _exporter(workspace, **{"from": "2020-01", "to": "2020-01"})


@pytest.mark.django_db
def test_the_exporter_holds_a_member_to_their_service(workspace):
    set_plan(workspace.tenant, PlanCode.PRO)

    with pytest.raises(ServiceNotFound):
        _exporter(workspace, "operator_bar", service=str(workspace.kitchen.pk))
    assert _exporter(workspace, "operator_bar", service=str(workspace.bar.pk)).options["service"] == workspace.bar
