"""Passwords are stored with Argon2id at the OWASP cheat sheet's parameters; an account
whose hash an older hasher made is rewritten at its next successful login."""

import pytest
from django.contrib.auth.hashers import make_password

from config import settings as production_settings
from tests.factories import PASSWORD, UserFactory

LOGIN_URL = "/api/auth/login/"
ARGON2ID_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS


def test_new_passwords_are_argon2id_with_owasp_parameters(production_hashers):
    assert make_password(PASSWORD).startswith(ARGON2ID_OWASP)


@pytest.mark.parametrize("old_hasher", ["pbkdf2_sha256", "md5"])
def test_an_older_hash_is_rewritten_at_the_next_login(db, api_client, production_hashers, settings, old_hasher):
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher=old_hasher)
    user.save(update_fields=["password"])

    response = api_client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD}, format="json")

    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.password.startswith(ARGON2ID_OWASP)


def test_a_wrong_password_rewrites_nothing(db, api_client, production_hashers):
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = api_client.post(LOGIN_URL, {"username": user.username, "password": "not-it-1234"}, format="json")

    assert response.status_code == 401
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
