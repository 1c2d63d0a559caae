"""Test settings: the real settings, with a fast password hasher and in-memory email.

Tests clear the cache between tests, which on Redis flushes the whole database: the gate
points REDIS_URL at a database of its own (validate.sh uses /15)."""

import os

# The tests run the development settings, whatever this shell says (the production checks are
# tested in subprocesses with an environment of their own). Set before config.settings is
# imported, which is why this module lives outside that package.
os.environ["DJANGO_DEBUG"] = "true"

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inline, inside the test's transaction hooks (captured by django_capture_on_commit_callbacks).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# One process: its local-memory cache is shared by everything a test runs, so the tenant
# context cache is exercised with or without Redis.
TENANT_CONTEXT_CACHE_SECONDS = TENANT_CONTEXT_CACHE_MAX_SECONDS  # noqa: F405

# The tests never serve a build left in dist/ by `npm run build`: the SPA's own tests
# (tests/backend/core/test_spa_serving.py) point these at a build of their own.
SPA_DIST_DIR = BASE_DIR / "tests-have-no-spa-build"  # noqa: F405
WHITENOISE_ROOT = None
