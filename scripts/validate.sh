#!/usr/bin/env bash
# The release gate: lint, import floors, migrations, deploy checks, OpenAPI, and the whole test suite.
# CI runs it (.ci/run); run it yourself before you push. Any failure exits non-zero.
#
#   scripts/validate.sh                     # everything, on PostgreSQL + Redis when reachable
#   VALIDATE_REQUIRE_SERVICES=1 ...         # fail instead of falling back to SQLite (CI)
#   VALIDATE_ENV=production ...             # also check the production variables of this shell
#   VALIDATE_DB_NAME=ci2 VALIDATE_REDIS_DB=14 ...  # another database / Redis db (two runs at once)
#   scripts/validate.sh -k invitations      # extra arguments go to pytest
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
START=$(date +%s)

step() { printf '\n== %s\n' "$*"; }

PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  step "Creating the virtual environment (.venv) with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv .venv
fi
PY="$ROOT/.venv/bin/python"
step "Installing pinned dependencies"
"$PY" -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt

step "Lint and format (ruff)"
"$PY" -m ruff check .
"$PY" -m ruff format --check .

step "Floors of the backend (import-linter contracts in pyproject.toml)"
PYTHONPATH=backend "$ROOT/.venv/bin/lint-imports"

reachable() { "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}

if [ -z "${DATABASE_URL:-}" ]; then
  if reachable 127.0.0.1 5432; then
    # pytest creates (and drops) test_<name>: two runs on one machine need two names.
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${VALIDATE_DB_NAME:-postgres}"
    # The checks before the tests connect to it: make it when it is new.
    "$PY" - "$DATABASE_URL" <<'PYEOF'
import sys

import psycopg

url = sys.argv[1]
name = url.rsplit("/", 1)[1]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        connection.execute(f'CREATE DATABASE "{name}"')
PYEOF
  elif [ "${VALIDATE_REQUIRE_SERVICES:-0}" = "1" ]; then
    echo "PostgreSQL is not reachable on 127.0.0.1:5432 and VALIDATE_REQUIRE_SERVICES=1." >&2; exit 1
  else
    echo "NOTICE: PostgreSQL is not reachable: the tests run on SQLite; concurrency tests are skipped."
  fi
fi
if [ -z "${REDIS_URL:-}" ]; then
  if reachable 127.0.0.1 6379; then
    export REDIS_URL="redis://127.0.0.1:6379/${VALIDATE_REDIS_DB:-15}"
  elif [ "${VALIDATE_REQUIRE_SERVICES:-0}" = "1" ]; then
    echo "Redis is not reachable on 127.0.0.1:6379 and VALIDATE_REQUIRE_SERVICES=1." >&2; exit 1
  else
    echo "NOTICE: Redis is not reachable: the tests use the local-memory cache."
  fi
fi
echo "Database: ${DATABASE_URL:-sqlite (embedded)}   Cache: ${REDIS_URL:-local memory}"

cd backend
# The checks below run the development settings, except where a step sets its own.
dev_manage() { DJANGO_DEBUG=true "$PY" manage.py "$@"; }
step "Migrations are complete (makemigrations --check)"
dev_manage makemigrations --check --dry-run

step "Deployment checks with production-like variables (check --deploy)"
DJANGO_DEBUG=false \
DJANGO_SECRET_KEY="validate-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')" \
DJANGO_ALLOWED_HOSTS="stockscan.example.com" \
FRONTEND_URL="https://app.stockscan.example.com" \
DATABASE_URL="${DATABASE_URL:-sqlite:///$ROOT/backend/db.sqlite3}" \
  "$PY" manage.py check --deploy --fail-level WARNING

step "OpenAPI schema (spectacular --validate --fail-on-warn)"
dev_manage spectacular --validate --fail-on-warn --file /dev/null

step "French translations complete and compiled"
if command -v xgettext >/dev/null 2>&1; then
  dev_manage makemessages -l fr --no-location --ignore 'staticfiles/*' >/dev/null
else
  echo "NOTICE: gettext is not installed: new messages are not extracted, only the committed ones are checked."
fi
dev_manage check_translations

if [ "${VALIDATE_ENV:-}" = "production" ]; then
  step "Production environment of this shell (check_environment)"
  "$PY" manage.py check_environment
fi
cd "$ROOT"

step "Tests (pytest)"
"$PY" -m pytest --ignore=tests/contract "$@"

# The API against its own OpenAPI schema, in process (tests/contract/test_schemathesis.py):
# every operation, 10 derandomized examples each, all of schemathesis's checks, as a business
# owner. Stripe (API key, every plan's prices, webhook secret; the `stripe` SDK pointed at the
# local fake Stripe of tests/support/fake_stripe.py) and SendGrid's event-webhook key are
# configured, so checkout, portal and both webhooks run their real paths, not a "not
# configured" 503; a before_call hook there signs the webhooks' generated bodies as Stripe and
# SendGrid do, and a request sent without its signature headers meets the documented 400
# WEBHOOK_SIGNATURE_INVALID. Left out, each with its reason in EXCLUSIONS there:
# - positive_data_acceptance where validity needs what a schema cannot say: a secret (link
#   tokens, refresh tokens, the current password), a rule across fields (password_confirm,
#   from <= to, count or month), a value checked by the server (IANA time zone, service
#   presets' feature keys, activity kinds, invisible characters in names, a service id of the
#   tenant, a blank barcode or service).
# - negative_data_rejection on the list queries (an invalid page_size falls back to the
#   default, an empty optional filter means not given) and on the invitation and export
#   recipient links (any token answers 410 INVITATION_INVALID or RECIPIENT_LINK_INVALID alike).
step "API against its schema (schemathesis, 10 examples per operation)"
"$PY" -m pytest tests/contract -q

# --- The SPA (frontend/). Its dependencies are npm's lock file (npm ci); the typed client
# (src/api/schema.d.ts) must be the current schema's (check:api: `npm run gen:api` rewrites it);
# French and English catalogs complete (check:i18n); unit tests in jsdom (vitest); then the
# build into dist/, which Django serves. The browser step runs the journeys of
# frontend/e2e/run.mjs in Debian's Chromium (playwright-core, nothing downloaded) against
# gunicorn and PostgreSQL (database <name>_e2e, made again) with the demo data.
FRONTEND_START=$(date +%s)
if command -v npm >/dev/null 2>&1; then
  step "SPA: npm ci, lint (ESLint, Prettier), types (tsc), translations, typed client, unit tests (vitest), build"
  (
    cd frontend
    npm ci --no-audit --no-fund --prefer-offline --loglevel=error
    npm run --silent lint
    npx tsc --noEmit
    npm run --silent check:i18n
    PYTHON="$PY" npm run --silent check:api
    npx vitest run --reporter=dot
  )
  npm run --silent build:spa >/dev/null
  echo "SPA built into dist/"
elif [ "${VALIDATE_REQUIRE_SERVICES:-0}" = "1" ]; then
  echo "npm is not installed and VALIDATE_REQUIRE_SERVICES=1: the SPA cannot be checked." >&2; exit 1
else
  echo "NOTICE: npm is not installed: the SPA's checks and build are skipped."
fi

step "SPA in the browser (Chromium: login, catalogue, a loss offline, axe on every page)"
if ! command -v npm >/dev/null 2>&1; then
  echo "NOTICE: npm is not installed: the browser tests are skipped."
elif ! command -v chromium >/dev/null 2>&1; then
  if [ "${VALIDATE_REQUIRE_SERVICES:-0}" = "1" ]; then
    echo "chromium is not installed and VALIDATE_REQUIRE_SERVICES=1 (apt-get install -y chromium)." >&2; exit 1
  fi
  echo "NOTICE: chromium is not installed: the browser tests are skipped (apt-get install -y chromium)."
elif [ "${DATABASE_URL:-}" = "" ] || [ "${DATABASE_URL#postgres}" = "$DATABASE_URL" ]; then
  if [ "${VALIDATE_REQUIRE_SERVICES:-0}" = "1" ]; then
    echo "The browser tests need PostgreSQL." >&2; exit 1
  fi
  echo "NOTICE: PostgreSQL is not reachable: the browser tests are skipped."
else
  E2E_DATABASE_URL="${DATABASE_URL%/*}/$(basename "${DATABASE_URL%%\?*}")_e2e" PYTHON="$PY" \
    node frontend/e2e/run.mjs
fi
echo "SPA steps: $(( $(date +%s) - FRONTEND_START ))s"

echo
echo "validate.sh: all checks passed in $(( $(date +%s) - START ))s"
