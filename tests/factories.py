"""Factories for tests. Tenant-owned rows are created outside any tenant scope, as the
admin or a command would, so the factories disable scopes for their own inserts only."""

import secrets
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled
from factory.django import DjangoModelFactory

from stockscan.assistant.models import Conversation
from stockscan.entitlements.services import billing_state_start_trial
from stockscan.inventory.models import Area, Category, CountLine, Loss, Product, StockCount
from stockscan.orgs.models import Invitation, Membership, Role, Service, Tenant
from stockscan.orgs.presets import ServiceType, preset_for
from stockscan.orgs.selectors import token_digest

PASSWORD = "Correct-Horse-42"


class ScopedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Business {n}")
    slug = factory.Sequence(lambda n: f"business-{n}")
    business_type = "restaurant"

    @factory.post_generation
    def billing(obj, create, extracted, **kwargs):
        """Like a registration: the tenant starts on its trial of the paid plan."""
        if create:
            billing_state_start_trial(tenant=obj)


class ServiceFactory(ScopedFactory):
    class Meta:
        model = Service

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    service_type = ServiceType.KITCHEN
    counting_mode = factory.LazyAttribute(lambda o: preset_for(o.service_type)["counting_mode"])
    features = factory.LazyAttribute(lambda o: preset_for(o.service_type)["features"])


class MembershipFactory(ScopedFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class InvitationFactory(ScopedFactory):
    """A pending invitation. Its raw token is not kept (as in production); build one with
    `invitation_with_token` when a test needs the link."""

    class Meta:
        model = Invitation

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.OPERATOR
    token_hash = factory.LazyFunction(lambda: token_digest(secrets.token_urlsafe(32)))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    last_sent_at = factory.LazyFunction(timezone.now)
    send_count = 1


def invitation_with_token(**fields) -> tuple[Invitation, str]:
    raw_token = secrets.token_urlsafe(32)
    return InvitationFactory(token_hash=token_digest(raw_token), **fields), raw_token


class CategoryFactory(ScopedFactory):
    class Meta:
        model = Category

    service = factory.SubFactory(ServiceFactory)
    tenant = factory.SelfAttribute("service.tenant")
    name = factory.Sequence(lambda n: f"Category {n}")


class AreaFactory(ScopedFactory):
    class Meta:
        model = Area

    service = factory.SubFactory(ServiceFactory)
    tenant = factory.SelfAttribute("service.tenant")
    name = factory.Sequence(lambda n: f"Area {n}")
    position = factory.Sequence(lambda n: n)


class ProductFactory(ScopedFactory):
    class Meta:
        model = Product

    service = factory.SubFactory(ServiceFactory)
    tenant = factory.SelfAttribute("service.tenant")
    name = factory.Sequence(lambda n: f"Product {n}")
    barcode = factory.Sequence(lambda n: f"{3760000000000 + n}")
    unit = "pcs"
    purchase_price = Decimal("2.5000")
    selling_price = Decimal("4.0000")


class StockCountFactory(ScopedFactory):
    class Meta:
        model = StockCount

    service = factory.SubFactory(ServiceFactory)
    tenant = factory.SelfAttribute("service.tenant")
    month = factory.Sequence(lambda n: date(2020 + n // 12, n % 12 + 1, 1))


class CountLineFactory(ScopedFactory):
    class Meta:
        model = CountLine

    count = factory.SubFactory(StockCountFactory)
    tenant = factory.SelfAttribute("count.tenant")
    product = factory.SubFactory(ProductFactory, service=factory.SelfAttribute("..count.service"))
    quantity = Decimal("3")
    unit_cost = factory.SelfAttribute("product.purchase_price")
    unit_price = factory.SelfAttribute("product.selling_price")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        line = super()._create(model_class, *args, **kwargs)
        # As the counting services do: the month keeps the number of its lines.
        with scopes_disabled():
            StockCount.objects.filter(pk=line.count_id).update(line_count=F("line_count") + 1)
        return line


class LossFactory(ScopedFactory):
    class Meta:
        model = Loss

    product = factory.SubFactory(ProductFactory)
    service = factory.SelfAttribute("product.service")
    tenant = factory.SelfAttribute("product.tenant")
    quantity = Decimal("1")
    unit = factory.SelfAttribute("product.unit")
    product_quantity = factory.SelfAttribute("quantity")
    unit_cost = factory.SelfAttribute("product.purchase_price")
    reason = "breakage"
    occurred_on = date(2019, 6, 15)


class ConversationFactory(ScopedFactory):
    """A member's conversation with the assistant (give `tenant` and `user`)."""

    class Meta:
        model = Conversation

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    scope = "inventory"
    last_exchange_at = factory.LazyFunction(timezone.now)
