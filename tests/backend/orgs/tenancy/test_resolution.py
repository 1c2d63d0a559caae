"""A member limited to one service is held to it (stockscan.orgs.tenancy.resolution): the service
a request names (`member_service`) and the rows a read returns (`restrict_to_member_services`).

`workspace` has a kitchen and a bar, an operator limited to the bar (`operator_bar`) and
members who see both; `other_workspace` has services of its own that no member of the first
may name. The scopes are off: the mechanism must hold by itself, as in a background task."""

import pytest
from django_scopes import scopes_disabled

from stockscan.core.errors import ApiError
from stockscan.inventory.models import CountLine, Product
from stockscan.orgs.models import Role
from stockscan.orgs.tenancy.resolution import (
    ServiceNotFound,
    member_service,
    restrict_to_member_services,
    visible_service_ids,
    visible_services,
)
from tests.factories import CountLineFactory, ProductFactory

pytestmark = pytest.mark.django_db

UNLIMITED = (Role.OWNER, Role.MANAGER, Role.OPERATOR)


@pytest.fixture(autouse=True)
def _no_scope():
    with scopes_disabled():
        yield


@pytest.fixture
def products(workspace, other_workspace):
    """A product in each service of both tenants, counted once."""
    made = {}
    for ws in (workspace, other_workspace):
        for service in (ws.kitchen, ws.bar):
            made[service.pk] = ProductFactory(tenant=ws.tenant, service=service)
            CountLineFactory(product=made[service.pk], count__service=service, count__tenant=ws.tenant)
    return made


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _products_of(*services) -> set[int]:
    return _ids(Product.objects.filter(service__in=services))


def test_a_limited_member_reads_only_the_rows_of_its_service(workspace, products):
    limited = workspace.members["operator_bar"]
    tenant_products = Product.objects.filter(tenant=workspace.tenant)
    tenant_lines = CountLine.objects.filter(tenant=workspace.tenant)

    assert _ids(restrict_to_member_services(tenant_products, limited)) == _products_of(workspace.bar)
    lines = restrict_to_member_services(tenant_lines, limited, "count__service")
    assert set(lines.values_list("count__service", flat=True)) == {workspace.bar.pk}


@pytest.mark.parametrize("role", UNLIMITED)
def test_a_member_of_every_service_reads_all_the_tenants_rows(workspace, products, role):
    tenant_products = Product.objects.filter(tenant=workspace.tenant)

    restricted = restrict_to_member_services(tenant_products, workspace.members[role])

    assert _ids(restricted) == _products_of(workspace.kitchen, workspace.bar)


def test_visible_services_of_a_limited_member_are_its_one_service(workspace):
    limited = workspace.members["operator_bar"]

    assert _ids(visible_services(limited)) == {workspace.bar.pk}
    assert visible_service_ids(limited) == [workspace.bar.pk]


@pytest.mark.parametrize("role", UNLIMITED)
def test_visible_services_of_the_others_are_the_tenants(workspace, role):
    assert set(visible_service_ids(workspace.members[role])) == {workspace.kitchen.pk, workspace.bar.pk}


@pytest.mark.parametrize("raw", [None, ""])
def test_a_limited_member_naming_no_service_works_in_its_own(workspace, raw):
    limited = workspace.members["operator_bar"]

    assert member_service(limited, raw, required=True) == workspace.bar
    assert member_service(limited, raw, required=False) == workspace.bar


@pytest.mark.parametrize("with_known", [False, True], ids=["from-database", "from-known"])
def test_a_limited_member_may_name_only_its_own_service(workspace, other_workspace, with_known):
    limited = workspace.members["operator_bar"]
    known = {workspace.kitchen.pk: workspace.kitchen, workspace.bar.pk: workspace.bar} if with_known else None

    assert member_service(limited, str(workspace.bar.pk), required=True, known=known) == workspace.bar
    for other_service in (workspace.kitchen, other_workspace.bar):
        with pytest.raises(ServiceNotFound):
            member_service(limited, str(other_service.pk), required=True, known=known)


@pytest.mark.parametrize("role", UNLIMITED)
def test_a_member_of_every_service_names_any_of_the_tenants(workspace, role):
    member = workspace.members[role]

    assert member_service(member, str(workspace.kitchen.pk), required=True) == workspace.kitchen
    assert member_service(member, str(workspace.bar.pk), required=False) == workspace.bar
    assert member_service(member, None, required=False) is None
    with pytest.raises(ApiError) as refusal:
        member_service(member, None, required=True)
    assert refusal.value.error_code == "SERVICE_REQUIRED"


@pytest.mark.parametrize("with_known", [False, True], ids=["from-database", "from-known"])
@pytest.mark.parametrize("raw", ["other-tenant", "missing", "abc", "0", "-1"])
def test_no_member_names_a_service_outside_its_tenant(workspace, other_workspace, with_known, raw):
    owner = workspace.members[Role.OWNER]
    known = {workspace.kitchen.pk: workspace.kitchen, workspace.bar.pk: workspace.bar} if with_known else None
    value = {"other-tenant": str(other_workspace.kitchen.pk), "missing": str(other_workspace.bar.pk + 1000)}.get(
        raw, raw
    )

    with pytest.raises(ServiceNotFound):
        member_service(owner, value, required=True, known=known)
