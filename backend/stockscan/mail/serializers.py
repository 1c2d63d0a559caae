from rest_framework import serializers


class SendGridEventSerializer(serializers.Serializer):
    """The fields of a SendGrid event this endpoint reads (SendGrid sends more)."""

    event = serializers.CharField()
    sg_event_id = serializers.CharField()
    sg_message_id = serializers.CharField()
    timestamp = serializers.IntegerField()
    email = serializers.EmailField(required=False)
    reason = serializers.CharField(required=False)
    response = serializers.CharField(required=False)
    type = serializers.CharField(required=False)


class SendGridWebhookResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    applied = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    ignored = serializers.IntegerField()
