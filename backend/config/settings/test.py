"""Test settings: the real settings, with a fast password hasher and in-memory email."""

import os

from config.settings import *  # noqa: F403
from config.settings import CACHES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Parallel test workers must not clear each other's throttle counters on a shared Redis.
CACHES["default"]["KEY_PREFIX"] = "stockscan-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
