"""Safety nets that must hold whatever a developer forgets: production refuses to start on
missing secrets, a query without its tenant fails loudly, and personal data never reaches the
logs in clear.

The start-up checks run in a fresh interpreter with a controlled environment (PATH and the
variables under test only), so no .env file and no variable of this shell can influence them.
"""

import io
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django_scopes import ScopeError, scope, scopes_disabled

from stockscan.core.logging import PersonalDataMaskingFilter, mask_personal_data
from stockscan.core.models import AuditEntry
from stockscan.orgs.models import Membership, Service, Tenant

BACKEND_DIR = Path(__file__).resolve().parents[3] / "backend"
SETUP_DJANGO = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
    "from django.conf import settings; print('DEBUG', settings.DEBUG)"
)


def _production_env(**variables: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "DJANGO_DEBUG": "false", **variables}


def _complete_production_env() -> dict[str, str]:
    return _production_env(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        DJANGO_ALLOWED_HOSTS="stockscan.example.com",
        DATABASE_URL="postgres://stockscan:secret@db.example.com:5432/stockscan",
        FRONTEND_URL="https://app.stockscan.example.com",
    )


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_production_refuses_to_start_and_names_every_missing_variable():
    result = _run(["-c", SETUP_DJANGO], _production_env())

    assert result.returncode != 0, result.stdout
    naming_all = [
        line
        for line in result.stderr.splitlines()
        if all(name in line for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "FRONTEND_URL"))
    ]
    assert naming_all, f"no single message names the four variables:\n{result.stderr}"
    assert "cannot start" in naming_all[-1]


# What a deploy that forgets everything but its services has: no DJANGO_DEBUG at all.
SERVICES_ONLY = {
    "DATABASE_URL": "postgres://stockscan:secret@db.example.com:5432/stockscan",
    "REDIS_URL": "redis://r:6379/0",
}


def _services_only_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), **SERVICES_ONLY}


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["-c", SETUP_DJANGO], id="django-setup"),
        pytest.param(["manage.py", "check_environment"], id="check-environment"),
        pytest.param(["manage.py", "migrate", "--check"], id="any-command"),
    ],
)
def test_without_debug_set_the_start_stops_naming_each_missing_variable(command):
    result = _run(command, _services_only_env())

    assert result.returncode != 0, result.stdout
    message = [line for line in result.stderr.splitlines() if "cannot start" in line]
    assert message, result.stderr
    assert all(name in message[-1] for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "FRONTEND_URL"))
    if command[0] == "manage.py":
        assert result.stderr.strip() == message[-1], f"more than the message:\n{result.stderr}"


def test_without_debug_set_an_unknown_page_is_no_debug_page():
    env = {**_complete_production_env(), "DJANGO_ALLOWED_HOSTS": "testserver"}
    del env["DJANGO_DEBUG"]
    show = (
        f"{SETUP_DJANGO}; from django.test import Client; response = Client().get('/no-such-page/', secure=True); "
        "print(response.status_code, response['Content-Type'])"
    )

    result = _run(["-c", show], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["DEBUG False", "404 application/json"]


@pytest.mark.parametrize(
    "weak_key",
    [
        pytest.param("short-key", id="too-short"),
        pytest.param("django-insecure-" + "x" * 60, id="development-key"),
    ],
)
def test_production_refuses_a_weak_secret_key(weak_key):
    env = {**_complete_production_env(), "DJANGO_SECRET_KEY": weak_key}

    result = _run(["-c", SETUP_DJANGO], env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert weak_key not in result.stderr, "the rejected key is printed"


def test_production_starts_with_its_variables():
    result = _run(["-c", SETUP_DJANGO], _complete_production_env())

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_deploy_checks_pass_in_production():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _complete_production_env())

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "no issues" in result.stdout, result.stdout


# Models that point at a tenant but may be read without its scope, each with the reason.
UNSCOPED_TENANT_MODELS: dict[str, str] = {}


@pytest.mark.parametrize(("setting", "prepared"), [(None, True), ("true", True), ("false", False)])
def test_postgresql_prepares_repeated_queries_unless_told_not_to(setting, prepared):
    """Prepared statements are on for PostgreSQL, and off on demand (a transaction pooler)."""
    env = _complete_production_env()
    if setting is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = setting
    options = "settings.DATABASES['default']['OPTIONS']"
    show = f"{SETUP_DJANGO}; print({options}.get('server_side_binding'), {options}.get('prepare_threshold'))"

    result = _run(["-c", show], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ("True 2" if prepared else "None None")


@pytest.mark.parametrize(
    ("connect", "answer", "timeouts"), [(None, None, "0.3 0.3"), ("1", "2.5", "1.0 2.5"), ("soon", None, None)]
)
def test_the_redis_cache_waits_only_its_timeouts(connect, answer, timeouts):
    env = {**_complete_production_env(), "REDIS_URL": "redis://cache.example.com:6379/0"}
    for name, value in (("REDIS_CONNECT_TIMEOUT", connect), ("REDIS_SOCKET_TIMEOUT", answer)):
        if value is not None:
            env[name] = value
    options = "settings.CACHES['default']['OPTIONS']"
    show = f"{SETUP_DJANGO}; print({options}['SOCKET_CONNECT_TIMEOUT'], {options}['SOCKET_TIMEOUT'])"

    result = _run(["-c", show], env)

    if timeouts is None:
        assert "REDIS_CONNECT_TIMEOUT must be a number" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == timeouts


def _tenant_models() -> list[type]:
    """Every model with a concrete relation to the tenant, whatever app declares it."""
    return sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.label not in UNSCOPED_TENANT_MODELS
            and any(field.concrete and field.related_model is Tenant for field in model._meta.get_fields())
        ),
        key=lambda model: model._meta.label,
    )


def _scoped_model_cases():
    return [pytest.param(model, id=model._meta.label) for model in _tenant_models()]


def test_the_safety_net_covers_the_core_tenant_models():
    assert {Service, Membership, AuditEntry} <= set(_tenant_models())


@pytest.mark.parametrize("model", _scoped_model_cases())
@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda m: list(m._default_manager.all()), id="all"),
        pytest.param(lambda m: list(m._default_manager.filter(pk=1)), id="filter"),
        pytest.param(lambda m: m._default_manager.count(), id="count"),
        pytest.param(lambda m: m._default_manager.get(pk=1), id="get"),
    ],
)
def test_a_query_outside_any_tenant_scope_fails_loudly(workspace, model, query):
    with pytest.raises(ScopeError):
        query(model)


@pytest.mark.usefixtures("other_workspace")  # its rows are what the scope must hide
@pytest.mark.parametrize("model", [Service, Membership])
def test_inside_a_scope_only_that_tenants_rows_are_seen(workspace, model):
    with scopes_disabled():
        expected = set(model.objects.filter(tenant=workspace.tenant).values_list("pk", flat=True))
        everything = set(model.objects.values_list("pk", flat=True))

    with scope(tenant=workspace.tenant.pk):
        seen = set(model.objects.values_list("pk", flat=True))

    assert seen == expected
    assert everything - expected, "the other tenant has no rows: the check proves nothing"


@pytest.mark.parametrize(
    ("text", "hidden", "expected"),
    [
        pytest.param(
            "Invitation sent to jean.dupont@example.com",
            "jean.dupont",
            "Invitation sent to j***@example.com",
            id="email",
        ),
        pytest.param("Call +33 6 12 34 56 78 today", "12 34 56 78", "Call +33*** ** today", id="phone-fr-intl"),
        pytest.param("Call 06 12 34 56 78 today", "12 34 56 78", "Call 06 *** ** today", id="phone-fr"),
        pytest.param("Call 06.12.34.56.78", "12.34.56.78", "Call 06.*** **", id="phone-fr-dots"),
        pytest.param("Call 0033612345678", "612345678", "Call 003*** **", id="phone-00"),
        pytest.param("Call +44 20 7946 0958", "7946 0958", "Call +44*** **", id="phone-uk"),
        pytest.param("Call +1-202-555-0143", "555-0143", "Call +1-*** **", id="phone-us"),
        pytest.param(
            "token eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ end",
            "eyJ1c2VyX2lkIjo0Mn0",
            "token [token] end",
            id="jwt",
        ),
        pytest.param(
            "Authorization: Bearer abc123.def-456_ghi",
            "abc123",
            "Authorization: Bearer [token]",
            id="bearer",
        ),
        pytest.param(
            "GET /reset-password?uid=MQ&token=c1b2a3-4d5e6f7a8b9c&lang=fr",
            "c1b2a3",
            "GET /reset-password?uid=MQ&token=[masked]&lang=fr",
            id="token-param",
        ),
        pytest.param(
            "Stripe key " + "sk_live" + "_51HxYzAbCdEfGhIjKl", "51HxYzAbCdEfGhIjKl", "Stripe key [secret]", id="sk-live"
        ),
        pytest.param("Stripe key sk_test_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyj", "Stripe key [secret]", id="sk-test"),
    ],
)
def test_personal_data_is_masked(text, hidden, expected):
    masked = mask_personal_data(text)

    assert hidden not in masked
    assert masked == expected


@pytest.mark.parametrize(
    "text",
    [
        "Inventory 2024-01 closed: 1234 items, value 56789.50 EUR",
        "Service 42 renamed to Cuisine chaude",
        "GET /api/auth/services/12345678/ 200",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.fixture
def masked_log():
    """A logger whose handler carries the filter, as the console handler does in settings."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataMaskingFilter())
    logger = logging.getLogger("stockscan.tests.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_a_log_record_is_masked_with_its_arguments(masked_log):
    logger, stream = masked_log

    logger.info(
        "Password reset for %s (%s), link %s",
        "marie.curie@example.org",
        "+33 6 98 76 54 32",
        "https://app.example/reset?token=s3cr3t-t0ken",
    )

    line = stream.getvalue()
    assert line.startswith("Password reset for m***@example.org (+33*** **), link https://app.example/reset?token=")
    for secret in ("marie.curie", "98 76 54 32", "s3cr3t-t0ken"):
        assert secret not in line


def test_the_console_handler_of_the_settings_masks(settings):
    handler_config = settings.LOGGING["handlers"]["console"]
    filter_class = settings.LOGGING["filters"][handler_config["filters"][0]]["()"]
    assert filter_class == "stockscan.core.logging.PersonalDataMaskingFilter"
    console = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")

    record = logging.LogRecord("stockscan", logging.INFO, __file__, 1, "Login by %s", ("chef@example.com",), None)
    assert console.filter(record)

    assert record.getMessage() == "Login by c***@example.com"
