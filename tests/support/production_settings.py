"""The production settings, with the tests' password hasher: a login then costs what the
rest of the request costs instead of a second of PBKDF2, so the resilience tests can tell a
one-second delay from the noise of a shared machine. Everything else is production's."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
