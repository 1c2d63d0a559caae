"""Areas of a service (réserve, frigo, bar, cave…) and where products are kept."""

from datetime import date

import pytest
from django_scopes import scopes_disabled

from stockscan.inventory.models import Area, Product
from stockscan.orgs.models import Role
from tests.factories import AreaFactory, CountLineFactory, ProductFactory, StockCountFactory

pytestmark = pytest.mark.django_db

AREAS = "/api/areas/"


def areas_of(service) -> list[tuple[str, int]]:
    with scopes_disabled():
        return list(Area.objects.filter(service=service).values_list("name", "position"))


def test_owners_and_managers_lay_out_the_areas_members_read_them(workspace, other_workspace):
    AreaFactory(service=other_workspace.bar, name="Cave")
    manager, operator = workspace.client(Role.MANAGER), workspace.client(Role.OPERATOR)

    bar = manager.post(AREAS, {"service": workspace.bar.pk, "name": "Bar"}, format="json")
    cellar = manager.post(AREAS, {"service": workspace.bar.pk, "name": "Cave"}, format="json")
    fridge = manager.post(AREAS, {"service": workspace.bar.pk, "name": "Frigo", "position": 0}, format="json")
    refused = operator.post(AREAS, {"service": workspace.bar.pk, "name": "Réserve"}, format="json")
    taken = manager.post(AREAS, {"service": workspace.bar.pk, "name": "cave"}, format="json")
    moved = manager.patch(f"{AREAS}{cellar.json()['id']}/", {"position": 5}, format="json")

    assert [r.status_code for r in (bar, cellar, fridge)] == [201, 201, 201]
    assert (bar.json()["position"], cellar.json()["position"]) == (0, 1)  # each at the end of the walk
    assert refused.status_code == 403
    assert (taken.status_code, taken.json()["code"]) == (409, "AREA_NAME_TAKEN")
    assert moved.json()["position"] == 5
    listed = operator.get(AREAS, {"service": workspace.bar.pk}).json()["results"]
    assert [(area["name"], area["position"]) for area in listed] == [("Bar", 0), ("Frigo", 0), ("Cave", 5)]


def test_products_are_kept_in_an_area_of_their_service(workspace):
    cellar = AreaFactory(service=workspace.bar, name="Cave")
    kitchen_area = AreaFactory(service=workspace.kitchen, name="Réserve")
    client = workspace.client(Role.MANAGER)

    wine = client.post(
        "/api/products/",
        {"service": workspace.bar.pk, "name": "Bordeaux", "default_area": cellar.pk, "position": 3},
        format="json",
    )
    flour = {"service": workspace.bar.pk, "name": "Farine", "default_area": kitchen_area.pk}
    refused = client.post("/api/products/", flour, format="json")

    assert wine.status_code == 201, wine.content
    assert (wine.json()["default_area"], wine.json()["position"]) == (cellar.pk, 3)
    assert (refused.status_code, list(refused.json()["fields"])) == (400, ["default_area"])


def test_an_area_with_counted_lines_is_kept_its_products_lose_it_otherwise(workspace):
    cellar, fridge = AreaFactory(service=workspace.bar), AreaFactory(service=workspace.bar)
    wine = ProductFactory(service=workspace.bar, default_area=fridge)
    CountLineFactory(count=StockCountFactory(service=workspace.bar, month=date(2026, 10, 1)), area=cellar)
    client = workspace.client(Role.OWNER)

    in_use = client.delete(f"{AREAS}{cellar.pk}/")
    emptied = client.delete(f"{AREAS}{fridge.pk}/")

    assert (in_use.status_code, in_use.json()["code"]) == (409, "OBJECT_IN_USE")
    assert emptied.status_code == 204
    with scopes_disabled():
        assert Product.objects.get(pk=wine.pk).default_area is None
        assert Area.objects.filter(pk=cellar.pk).exists()


def test_the_areas_page_costs_the_same_at_one_and_many_areas(workspace, django_assert_max_num_queries):
    AreaFactory(service=workspace.bar)
    client = workspace.client(Role.OPERATOR)
    with django_assert_max_num_queries(10) as one:
        assert client.get(AREAS, {"service": workspace.bar.pk}).json()["count"] == 1
    for _ in range(20):
        AreaFactory(service=workspace.bar)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(AREAS, {"service": workspace.bar.pk}).json()["count"] == 21


def test_a_member_of_the_bar_sees_only_the_bars_areas(workspace):
    AreaFactory(service=workspace.kitchen, name="Chambre froide")
    AreaFactory(service=workspace.bar, name="Bar")

    listed = workspace.client("operator_bar").get(AREAS).json()["results"]

    assert [area["name"] for area in listed] == ["Bar"]
