"""The rules an account must meet live in accounts.services, whichever route creates or changes
it (registration, an invitation's new account, password change and reset): each one raises a
validation error naming its field."""

import pytest
from rest_framework import serializers

from stockscan.accounts.services import (
    password_check_policy,
    user_check_email_available,
    user_check_username_available,
    user_create,
)
from stockscan.orgs.models import Role
from tests.factories import PASSWORD, UserFactory


def fields_of(excinfo) -> set[str]:
    return set(excinfo.value.detail)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "CAMILLE"}, "username"),
        ({"email": "Camille@Bistro.TEST"}, "email"),
        ({"password": "12345678"}, "password"),
        ({"password": "short"}, "password"),
        ({"username": "marcel-dupont", "password": "marcel-dupont"}, "password"),
    ],
    ids=["username-taken", "email-taken", "numeric-password", "short-password", "password-like-username"],
)
def test_user_create_refuses_with_the_field_named_and_creates_nothing(workspace, changes, field):
    UserFactory(username="Camille", email="camille@bistro.test")
    account = {"username": "nouveau", "email": "nouveau@bistro.test", "password": PASSWORD, "language": "fr"}

    with pytest.raises(serializers.ValidationError) as excinfo:
        user_create(**{**account, **changes})

    assert fields_of(excinfo) == {field}
    assert not type(workspace.user(Role.OWNER)).objects.filter(username__iexact=account["username"]).exists()


def test_each_rule_stands_alone(db):
    someone = UserFactory(username="Camille", email="camille@bistro.test")

    with pytest.raises(serializers.ValidationError) as username:
        user_check_username_available(username="camille")
    with pytest.raises(serializers.ValidationError) as email:
        user_check_email_available(email="CAMILLE@bistro.test")
    with pytest.raises(serializers.ValidationError) as password:
        password_check_policy(password="azerty", user=someone, field="new_password")

    assert (fields_of(username), fields_of(email), fields_of(password)) == ({"username"}, {"email"}, {"new_password"})
    user_check_email_available(email="camille@bistro.test", exclude_user=someone)
