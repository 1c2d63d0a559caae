"""The built SPA served by Django (one web service for the API and the app).

`npm run build` (root package.json) writes the app to `dist/` at the repository's root (or
SPA_DIST_DIR). WhiteNoise serves its files at the site's root (WHITENOISE_ROOT): the hashed
ones under /assets/ cached for a year (immutable), the others (index.html, sw.js, the manifest)
revalidated. `stockscan.core.spa.index` answers the app's routes with index.html, and the root
opens the API docs while no build exists.
"""

import re
from pathlib import Path

from config import env

_repo_root = Path(__file__).resolve().parent.parent.parent.parent
SPA_DIST_DIR = Path(env.string("SPA_DIST_DIR", str(_repo_root / "dist")))
# Origins the app may call besides its own (an API elsewhere: VITE_API_BASE_URL), space-separated.
SPA_CONNECT_SRC = env.string("SPA_CONNECT_SRC", "").strip()

# Served only when built: an empty or missing directory adds nothing.
WHITENOISE_ROOT = str(SPA_DIST_DIR) if SPA_DIST_DIR.is_dir() else None

# Vite names built assets `<name>-<8-character hash>.<ext>`; Django's manifest storage,
# `<name>.<12 hex>.<ext>` under STATIC_URL.
_VITE_HASHED = re.compile(r"^/assets/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$")
_DJANGO_HASHED = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


def spa_immutable_file_test(path: str, url: str) -> bool:
    return bool(_VITE_HASHED.match(url) or _DJANGO_HASHED.match(url))


def spa_add_headers(headers, path: str, url: str) -> None:
    # The service worker and the page that names the hashed files must never be stale.
    if url in ("/sw.js", "/index.html", "/manifest.webmanifest", "/registerSW.js") or url.startswith("/workbox-"):
        headers["Cache-Control"] = "no-cache"


WHITENOISE_IMMUTABLE_FILE_TEST = spa_immutable_file_test
WHITENOISE_ADD_HEADERS_FUNCTION = spa_add_headers
