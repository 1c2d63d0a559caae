"""Django serves the built SPA (one web service for the API and the app): index.html for the
app's routes, the hashed assets cached for good, the API, the admin and the health check never
swallowed by the app's fallback; without a build, the root opens the API docs."""

import os

import pytest
from django.test import Client

from config.settings.spa import spa_immutable_file_test

pytestmark = pytest.mark.django_db

INDEX = (
    '<!doctype html><html lang="fr"><head><script type="module" src="/assets/index-AbC_d12x.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)


@pytest.fixture
def built(tmp_path, settings):
    """A build as `npm run build` leaves it in dist/."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-AbC_d12x.js").write_text("console.log('app')")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (tmp_path / "manifest.webmanifest").write_text("{}")
    (tmp_path / "routes.json").write_text('["login", "catalogue", "invitations", "reset-password"]')
    settings.SPA_DIST_DIR = tmp_path
    settings.WHITENOISE_ROOT = str(tmp_path)
    return Client()  # a new client loads the middleware again, with this WHITENOISE_ROOT


@pytest.fixture
def not_built(tmp_path, settings):
    settings.SPA_DIST_DIR = tmp_path / "missing"
    settings.WHITENOISE_ROOT = None
    return Client()


@pytest.mark.parametrize(
    "path",
    ["/", "/login", "/catalogue", "/catalogue/12", "/invitations/accept?token=abc", "/reset-password?uid=1&token=x"],
)
def test_every_route_of_the_app_answers_its_page(built, path):
    response = built.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"".join(response.streaming_content).decode() == INDEX
    assert response["Cache-Control"] == "no-cache"


def test_the_page_lets_only_our_own_files_run(built):
    policy = built.get("/catalogue")["Content-Security-Policy"]

    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_an_api_elsewhere_is_allowed_when_configured(built, settings):
    settings.SPA_CONNECT_SRC = "https://api.stockscan.example.com"
    policy = built.get("/")["Content-Security-Policy"]

    assert "connect-src 'self' https://api.stockscan.example.com" in policy


def test_hashed_assets_are_cached_for_good_and_the_rest_revalidated(built):
    asset = built.get("/assets/index-AbC_d12x.js")
    worker = built.get("/sw.js")

    assert asset.status_code == 200
    assert "immutable" in asset["Cache-Control"]
    assert "max-age=315360000" in asset["Cache-Control"]
    assert worker.status_code == 200
    assert worker["Cache-Control"] == "no-cache"
    assert built.get("/manifest.webmanifest")["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/products/", "/health", "/health/"])
def test_the_api_and_the_health_check_are_never_the_app(built, path):
    response = built.get(path)

    assert not response["Content-Type"].startswith("text/html"), path
    assert response.status_code in (200, 401, 404), path


def test_the_admin_is_never_the_app(built, settings):
    response = built.get(f"/{settings.ADMIN_URL}")

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("path", ["/no-such-page/", "/wp-login.php", "/catalogues", "/.env"])
def test_a_path_that_is_no_route_of_the_app_is_a_real_404(built, path):
    response = built.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_a_new_build_with_new_routes_is_read_without_a_restart(built, settings):
    assert built.get("/losses").status_code == 404
    (settings.SPA_DIST_DIR / "routes.json").write_text('["login", "catalogue", "losses"]')
    os.utime(settings.SPA_DIST_DIR / "routes.json", (1, 2_000_000_000))

    assert built.get("/losses").status_code == 200


def test_writes_to_an_app_route_are_refused(built):
    assert built.post("/catalogue").status_code == 405


def test_without_a_build_the_root_opens_the_api_docs(not_built):
    response = not_built.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/api/docs/"


def test_without_a_build_an_app_route_is_a_json_404(not_built):
    response = not_built.get("/catalogue")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("url", "immutable"),
    [
        ("/assets/index-Cs3n9OPw.js", True),
        ("/assets/LoginPage-CJ3H_yS6.js", True),
        ("/static/admin/css/base.0123456789ab.css", True),
        ("/index.html", False),
        ("/sw.js", False),
        ("/assets/icon.svg", False),
        ("/static/admin/css/base.css", False),
    ],
)
def test_only_hashed_names_are_immutable(url, immutable):
    assert spa_immutable_file_test("", url) is immutable
