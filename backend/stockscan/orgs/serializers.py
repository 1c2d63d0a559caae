import zoneinfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stockscan.accounts.serializers import NewAccountSerializer, TokenPairSerializer, UserSerializer
from stockscan.core.activity import activity_kinds, activity_message, actor_name
from stockscan.core.fields import EmailField, refuse_invisible_characters
from stockscan.core.money import CURRENCIES
from stockscan.core.serializers import TenantRelatedField
from stockscan.mail.models import DeliveryStatus, EmailStatus
from stockscan.orgs.models import (
    COUNTRY_CODES,
    BusinessType,
    Domain,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    Service,
    Tenant,
)
from stockscan.orgs.presets import FEATURE_KEYS, CountingMode, ServiceType

NOT_SENT = "not_sent"
LOGGED = "logged"
EMAIL_STATUS_CHOICES = [
    (NOT_SENT, _("Not emailed (invitation emails are off)")),
    (LOGGED, _("Logged, not sent (no email provider is configured)")),
    *EmailStatus.choices,
    *[(value, label) for value, label in DeliveryStatus.choices if value],
]


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "business_type", "domain", "currency", "locale", "timezone"]
        read_only_fields = fields


class TenantSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = [
            "id",
            "name",
            "slug",
            "business_type",
            "domain",
            "currency",
            "locale",
            "timezone",
            "country",
            "prices_include_vat",
            "operators_see_costs",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "currency": {"help_text": "ISO 4217 code; amounts are rounded to its minor unit (EUR 0.01, XOF 1)."},
            "timezone": {"help_text": "IANA time zone: months and expiry dates follow the business's own day."},
            "country": {"help_text": "ISO 3166 alpha-2 code: the default region of customers' phone numbers."},
            "prices_include_vat": {
                "help_text": "Selling prices are entered including VAT (TTC); purchase prices always exclude it."
            },
            "operators_see_costs": {
                "help_text": (
                    "When false, no answer to an operator contains a purchase cost or a value computed from it."
                )
            },
        }


class TenantSettingsUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, validators=[refuse_invisible_characters])
    currency = serializers.ChoiceField(choices=CURRENCIES, required=False)
    locale = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    timezone = serializers.CharField(max_length=64, required=False, help_text="IANA time zone, e.g. Africa/Dakar.")
    country = serializers.ChoiceField(
        choices=COUNTRY_CODES, required=False, help_text="ISO 3166 alpha-2, e.g. SN: phone numbers' default region."
    )
    prices_include_vat = serializers.BooleanField(required=False)
    operators_see_costs = serializers.BooleanField(required=False)

    def validate_timezone(self, value):
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(_("Unknown time zone."))
        return value


class FeaturesField(serializers.DictField):
    child = serializers.BooleanField()

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(FEATURE_KEYS))
        if unknown:
            raise serializers.ValidationError(_("Unknown features: %(names)s.") % {"names": ", ".join(unknown)})
        return value


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name", "service_type", "counting_mode", "features", "created_at"]
        read_only_fields = fields


class ServiceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, validators=[refuse_invisible_characters])
    service_type = serializers.ChoiceField(choices=ServiceType.choices, default=ServiceType.OTHER)
    counting_mode = serializers.ChoiceField(choices=CountingMode.choices, required=False)
    features = FeaturesField(required=False)


class ServiceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, validators=[refuse_invisible_characters])
    counting_mode = serializers.ChoiceField(choices=CountingMode.choices, required=False)
    features = FeaturesField(required=False)


class MembershipUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    last_login = serializers.DateTimeField(allow_null=True)


class MembershipSerializer(serializers.ModelSerializer):
    user = MembershipUserSerializer(read_only=True)
    service = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Null: every service (owners, and members not limited to one)."
    )
    service_name = serializers.CharField(source="service.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "service", "service_name", "status", "created_at"]
        read_only_fields = fields


class InviteSerializer(serializers.Serializer):
    email = EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    service = TenantRelatedField(Service, required=False, allow_null=True)


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    service = TenantRelatedField(Service, required=False, allow_null=True)


class InviterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class InvitationSerializer(serializers.ModelSerializer):
    service = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Null: every service (owners, and members not limited to one)."
    )
    service_name = serializers.CharField(source="service.name", read_only=True, default=None, allow_null=True)
    invited_by = InviterSerializer(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()
    email_status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "service",
            "service_name",
            "status",
            "expires_at",
            "invited_by",
            "email_status",
            "send_count",
            "last_sent_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=InvitationStatus.choices))
    def get_status(self, invitation) -> str:
        """A pending invitation past its expiry reads as expired (it no longer holds a seat)."""
        if invitation.status == InvitationStatus.PENDING and not invitation.is_open():
            return InvitationStatus.EXPIRED
        return invitation.status

    @extend_schema_field(serializers.ChoiceField(choices=EMAIL_STATUS_CHOICES))
    def get_email_status(self, invitation) -> str:
        """Where its latest email is: not_sent (invitation emails off), the outbox status
        (queued, sending, sent, failed), logged (written out by the console backend, not
        sent: no email provider), or what SendGrid reported since (delivered, deferred,
        bounced, dropped, spam_report)."""
        email = invitation.email_message
        if email is None:
            return NOT_SENT
        if email.status == EmailStatus.SENT and email.logged_only:
            return LOGGED
        return email.delivery_status or email.status


class InvitationCreatedSerializer(InvitationSerializer):
    link = serializers.SerializerMethodField(
        help_text="The invitation link, only when invitation emails are off (INVITATIONS_SEND_EMAILS=false): "
        "share it with the person yourself. Null when it was emailed."
    )

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "link"]
        read_only_fields = fields

    def get_link(self, invitation) -> str | None:
        return self.context.get("link")


class SeatsSerializer(serializers.Serializer):
    used = serializers.IntegerField(help_text="Active members and pending invitations not yet expired.")
    allowed = serializers.IntegerField(allow_null=True, help_text="The plan's max_users; null: unlimited.")


class MembersSummarySerializer(serializers.Serializer):
    members = MembershipSerializer(many=True)
    invitations = InvitationSerializer(many=True)
    seats = SeatsSerializer()


class InvitationTokenSerializer(serializers.Serializer):
    # No length limit here: a token of any length is answered like an unknown one.
    token = serializers.CharField()


class InvitationPreviewSerializer(serializers.Serializer):
    tenant_name = serializers.CharField(source="tenant.name")
    role = serializers.ChoiceField(choices=Role.choices)
    service_name = serializers.CharField(source="service.name", default=None, allow_null=True)
    invited_by = serializers.SerializerMethodField()
    email = serializers.EmailField()
    expires_at = serializers.DateTimeField()
    account_exists = serializers.SerializerMethodField(
        help_text="True: the person logs in with this address to accept; false: they create an account."
    )

    def get_invited_by(self, invitation) -> str | None:
        inviter = invitation.invited_by
        return (inviter.get_full_name() or inviter.username) if inviter is not None else None

    def get_account_exists(self, invitation) -> bool:
        return self.context["account_exists"]


class InvitationAcceptRequestSerializer(InvitationTokenSerializer):
    """The accept body as documented: a caller logged in with the invited address sends the
    token only; a new person adds the account to create (all three fields, then required)."""

    username = serializers.CharField(required=False)
    password = serializers.CharField(required=False, write_only=True)
    password_confirm = serializers.CharField(required=False, write_only=True)


MAX_EXTRA_SERVICES = 4


class ExtraServiceSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, validators=[refuse_invisible_characters])
    service_type = serializers.ChoiceField(choices=ServiceType.choices)


class RegisterSerializer(NewAccountSerializer):
    email = EmailField()
    tenant_name = serializers.CharField(max_length=120, validators=[refuse_invisible_characters])
    business_type = serializers.ChoiceField(choices=BusinessType.choices, default=BusinessType.OTHER)
    domain = serializers.ChoiceField(choices=Domain.choices, default=Domain.FOOD)
    service_type = serializers.ChoiceField(choices=ServiceType.choices, default=ServiceType.OTHER)
    service_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, validators=[refuse_invisible_characters]
    )
    extra_services = ExtraServiceSerializer(many=True, required=False, max_length=MAX_EXTRA_SERVICES)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        first_name = (attrs.get("service_name") or "").strip() or ServiceType(attrs["service_type"]).label
        names = [str(first_name)] + [spec["name"].strip() for spec in attrs.get("extra_services", [])]
        if len({name.lower() for name in names}) != len(names):
            raise serializers.ValidationError({"extra_services": [_("Each service needs its own name.")]})
        attrs["service_name"] = str(first_name)
        return attrs


class MembershipSummarySerializer(serializers.Serializer):
    tenant = TenantSerializer()
    role = serializers.CharField()
    service = serializers.IntegerField(source="service_id", allow_null=True)


class CurrentTenantSerializer(TenantSerializer):
    role = serializers.SerializerMethodField()

    class Meta(TenantSerializer.Meta):
        fields = [*TenantSerializer.Meta.fields, "role"]
        read_only_fields = fields

    def get_role(self, tenant) -> str | None:
        return self.context.get("role")


class AuthResponseSerializer(TokenPairSerializer):
    user = UserSerializer()
    tenant = CurrentTenantSerializer(allow_null=True)


class RegisterResponseSerializer(AuthResponseSerializer):
    services = ServiceSerializer(many=True)


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    memberships = MembershipSummarySerializer(many=True)
    tenant = CurrentTenantSerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    service = serializers.IntegerField(allow_null=True)


class ActivityFilterSerializer(serializers.Serializer):
    actor = serializers.IntegerField(required=False, min_value=1, help_text="Only what this user (id) did.")
    kind = serializers.CharField(required=False, help_text="Only this kind of activity: loss, count, product…")

    def validate_kind(self, value):
        if value not in activity_kinds():
            raise serializers.ValidationError(_("Unknown kind of activity."))
        return value


class ActivityActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="actor_id")
    name = serializers.SerializerMethodField()

    def get_name(self, entry) -> str:
        return actor_name(entry)


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.SerializerMethodField()
    action = serializers.CharField()
    actor = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField(help_text="What happened, in the request's language.")

    def get_kind(self, entry) -> str:
        return entry.action.split(".", 1)[0]

    @extend_schema_field(ActivityActorSerializer(allow_null=True))
    def get_actor(self, entry):
        return None if entry.actor_id is None else ActivityActorSerializer(entry).data

    def get_message(self, entry) -> str:
        return activity_message(entry)


class MeUpdatedSerializer(MeSerializer):
    pending_email = serializers.EmailField(
        allow_null=True,
        help_text="The address a confirmation link was just sent to: the login address becomes it "
        "when the link is followed. Null when the email was not changed.",
    )
