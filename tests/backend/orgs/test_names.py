"""Names people read: a username cannot pose as another (NFKC, then ASCII only), and no name
hides or reorders text with control or invisible characters (U+202E, U+200B…)."""

import pytest
from django.contrib.auth import get_user_model

from stockscan.orgs.models import Role
from tests.backend.core.responses import assert_error
from tests.backend.orgs.invitations import accept_as_new_person
from tests.factories import UserFactory, invitation_with_token

User = get_user_model()

REGISTER_URL = "/api/auth/register/"
PASSWORD = "Brasserie-Lumiere-2026"
CYRILLIC_O = "\u043e"


def _register(client, **overrides):
    body = {
        "username": "newowner",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "email": "newowner@example.test",
        "tenant_name": "Le Nouveau Bistrot",
        "service_name": "Bar principal",
        **overrides,
    }
    return client.post(REGISTER_URL, body, format="json")


def _refused_naming(response, field: str) -> None:
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(body["fields"]) == [field], body


def test_a_username_with_a_cyrillic_letter_cannot_pose_as_another(api_client, workspace):
    UserFactory(username="ownerA")

    response = _register(api_client, username=f"{CYRILLIC_O}wnerA")

    _refused_naming(response, "username")
    assert not User.objects.filter(email="newowner@example.test").exists()


def test_a_fullwidth_username_is_normalised_and_then_taken(api_client, workspace):
    UserFactory(username="ownerA")

    taken = _register(api_client, username="\uff4f\uff57\uff4e\uff45\uff52A")  # fullwidth "owner"
    normalised = _register(api_client, username="\uff4f\uff57\uff4e\uff45\uff52B")

    _refused_naming(taken, "username")
    assert normalised.status_code == 201, normalised.content
    assert normalised.json()["user"]["username"] == "ownerB"


@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\u2066", "\x1b", "\n"])
@pytest.mark.parametrize("field", ["tenant_name", "service_name"])
def test_a_business_name_with_an_invisible_character_is_refused(api_client, db, field, character):
    response = _register(api_client, **{field: f"Le Bistrot{character}gpj.exe"})

    _refused_naming(response, field)


def test_an_invited_person_cannot_choose_a_look_alike_username(api_client, workspace):
    _, token = invitation_with_token(tenant=workspace.tenant, email="recrue@example.test", role=Role.OPERATOR)
    owner_name = workspace.user(Role.OWNER).username

    look_alike = owner_name.replace("e", "\u0435", 1)  # a Cyrillic e
    assert look_alike != owner_name

    response = accept_as_new_person(api_client, token, username=look_alike)

    _refused_naming(response, "username")


def test_names_may_still_carry_accents_and_other_scripts(api_client, workspace):
    response = workspace.client().patch(
        "/api/auth/me/", {"first_name": "Zoë", "last_name": "Nguyễn Đức Алексеева"}, format="json"
    )

    assert response.status_code == 200, response.content
