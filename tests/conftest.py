import secrets
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from stockscan.orgs.models import Membership, Role, Service, Tenant
from tests.factories import MembershipFactory, ServiceFactory, TenantFactory, UserFactory
from tests.support.sendgrid import EventSigner, FakeSendGrid


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user, *, tenant: Tenant | None = None) -> APIClient:
    """An API client carrying a real access token, as the SPA would."""
    client = APIClient()
    token = RefreshToken.for_user(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if tenant is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_TENANT_ID=str(tenant.pk))
    return client


@dataclass
class Workspace:
    """A tenant with two services and one member of each role, plus an operator limited to
    the second service."""

    tenant: Tenant
    kitchen: Service
    bar: Service
    members: dict[str, Membership] = field(default_factory=dict)

    def user(self, role: str):
        return self.members[role].user

    def client(self, role: str = Role.OWNER) -> APIClient:
        return client_for(self.user(role))


def make_workspace(name: str) -> Workspace:
    tenant = TenantFactory(name=name)
    kitchen = ServiceFactory(tenant=tenant, name="Cuisine", service_type="kitchen")
    bar = ServiceFactory(tenant=tenant, name="Bar", service_type="bar")
    members = {
        Role.OWNER: MembershipFactory(tenant=tenant, role=Role.OWNER),
        Role.MANAGER: MembershipFactory(tenant=tenant, role=Role.MANAGER),
        Role.OPERATOR: MembershipFactory(tenant=tenant, role=Role.OPERATOR),
        "operator_bar": MembershipFactory(tenant=tenant, role=Role.OPERATOR, service=bar),
    }
    return Workspace(tenant=tenant, kitchen=kitchen, bar=bar, members=members)


@pytest.fixture
def workspace(db) -> Workspace:
    return make_workspace("Le Comptoir")


@pytest.fixture
def other_workspace(db) -> Workspace:
    """The second tenant every test module needs: its data must never show through."""
    return make_workspace("Chez Autrui")


@pytest.fixture
def outsider(db):
    """A user with no membership at all."""
    return UserFactory()


@pytest.fixture
def fake_sendgrid(settings):
    """Emails go through anymail's real SendGrid backend to a local fake of SendGrid's API."""
    server = FakeSendGrid().start()
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.ANYMAIL = {
        "SENDGRID_API_KEY": f"SG.{secrets.token_urlsafe(16)}.{secrets.token_urlsafe(32)}",
        "SENDGRID_API_URL": server.api_url,
        # Short, so a test of a hanging SendGrid does not wait long for the timeout.
        "REQUESTS_TIMEOUT": 0.5,
    }
    yield server
    server.stop()


@pytest.fixture
def sendgrid_signer(settings) -> EventSigner:
    """The event webhook configured with a verification key made for this test."""
    signer = EventSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    return signer
