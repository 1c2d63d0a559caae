"""The one reader of the environment.

Every setting comes from an environment variable. In development a `.env` file at the
repository root is read first; in production (DJANGO_DEBUG=false set by the platform) the
file is ignored so that a stray `.env` can never override the platform's configuration.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


class ProductionConfigurationError(ImproperlyConfigured):
    """The environment lacks what production needs. Its message names every problem; the
    entry points (manage.py, wsgi.py) print it alone, without a traceback."""


def load_dotenv_for_development() -> None:
    if os.environ.get("DJANGO_DEBUG", "").strip().lower() in _FALSE - {""}:
        return
    dotenv_path = REPO_ROOT / ".env"
    if dotenv_path.exists():
        from dotenv import load_dotenv

        load_dotenv(dotenv_path, override=False)


def _raw(name: str, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value.strip()


def string(name: str, default=_UNSET) -> str:
    return _raw(name, default)


def boolean(name: str, default: bool = False) -> bool:
    value = _raw(name, None)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def integer(name: str, default: int) -> int:
    value = _raw(name, None)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def seconds(name: str, default: float) -> float:
    value = _raw(name, None)
    if value is None:
        return default
    try:
        parsed = float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {value!r}.") from exc
    if not parsed > 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds, not {value!r}.")
    return parsed


def listing(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name, None)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def is_set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())
