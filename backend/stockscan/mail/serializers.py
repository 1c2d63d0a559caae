from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The fields of a SendGrid event this endpoint reads (SendGrid sends more).
SENDGRID_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "minLength": 1, "description": "delivered, bounce, dropped, deferred…"},
        "sg_event_id": {"type": "string", "minLength": 1},
        "sg_message_id": {"type": "string", "minLength": 1, "description": "The X-Message-Id of the send, a suffix."},
        "timestamp": {"type": "integer", "description": "Unix time of the event."},
        "email": {"type": "string", "format": "email"},
        "reason": {"type": "string"},
        "response": {"type": "string"},
        "type": {"type": "string"},
    },
    "required": ["event", "sg_event_id", "sg_message_id", "timestamp"],
}


@extend_schema_field(
    {
        "description": (
            "One event as SendGrid posts it. An element this endpoint cannot read (not an object, a field "
            "missing or of another type, not a delivery event, not one of its emails) is counted `ignored`, "
            "never refused: SendGrid would post a refused batch again and again."
        ),
        "anyOf": [SENDGRID_EVENT, {}],
    }
)
class SendGridEventField(serializers.JSONField):
    pass


class SendGridEventsSerializer(serializers.ListSerializer):
    """The body SendGrid posts: a list of events (a body that is not a list is refused)."""

    child = SendGridEventField()


class SendGridWebhookResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    applied = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    ignored = serializers.IntegerField()
