#!/usr/bin/env bash
# One command from a fresh clone to a running API on http://127.0.0.1:8000 with demo data:
# virtualenv, pinned dependencies, migrations on the embedded SQLite, demo tenant, server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"
[ -x .venv/bin/python ] || "$PYTHON_BIN" -m venv .venv
PY="$ROOT/.venv/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt

# Development settings (DEBUG, the development key, local defaults): production is the default.
export DJANGO_DEBUG=true

# The SPA, when npm is here: built into dist/ and served by Django at the API's address, so
# emailed links (invitations, password resets) open it there. Without npm: the API alone.
SPA_URL=""
if command -v npm >/dev/null 2>&1; then
  [ -d frontend/node_modules ] || npm --prefix frontend ci --no-audit --no-fund
  npm run --silent build:spa
  export FRONTEND_URL="${FRONTEND_URL:-http://127.0.0.1:${PORT:-8000}}"
  SPA_URL="http://127.0.0.1:${PORT:-8000}/"
else
  echo "NOTICE: npm is not installed: the SPA is not built (install Node.js 20.19+ for it)."
fi
cd backend
"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo
echo
[ -n "$SPA_URL" ] && echo "StockScan app: $SPA_URL  (log in as demo-owner, password Demo-StockScan-2026)"
echo "StockScan API: http://127.0.0.1:${PORT:-8000}/api/docs/  (health: /health)"
exec "$PY" manage.py runserver "127.0.0.1:${PORT:-8000}"
