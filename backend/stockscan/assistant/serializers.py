from rest_framework import serializers

from stockscan.assistant.errors import FallbackReason
from stockscan.assistant.models import Conversation, Mode, Scope
from stockscan.assistant.services.rules import SEVERITIES
from stockscan.core.fields import refuse_invisible_characters
from stockscan.core.months import MonthField

MAX_QUESTION_LENGTH = 500
# What an action is: an SPA route to open, or an action key the SPA runs.
ACTION_KINDS = ["navigate", "run"]
_ALLOWED_CONTROLS = frozenset("\n\t")


def refuse_hidden_characters(value: str) -> None:
    """A question may span lines; other control and invisible format characters (which hide
    or reorder text) are refused, as in names."""
    refuse_invisible_characters("".join(character for character in value if character not in _ALLOWED_CONTROLS))


class AssistantQuestionSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.INVENTORY)
    month = MonthField(required=False, help_text="YYYY-MM; this month by default.")
    service = serializers.CharField(
        required=False, max_length=20, help_text='A service id, or "all" (every service the member sees).'
    )
    question = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUESTION_LENGTH,
        trim_whitespace=True,
        validators=[refuse_hidden_characters],
    )
    conversation = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Continue this conversation of yours."
    )


class InsightSerializer(serializers.Serializer):
    title = serializers.CharField()
    detail = serializers.CharField()
    severity = serializers.ChoiceField(choices=SEVERITIES)
    facts = serializers.ListField(child=serializers.CharField(), help_text="Ids of the facts it rests on.")


class ActionSerializer(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=ACTION_KINDS)
    href = serializers.CharField(allow_null=True, help_text="An SPA route (kind navigate).")
    action_key = serializers.CharField(allow_null=True, help_text="What the SPA runs (kind run).")
    requires_confirmation = serializers.BooleanField()


class FactSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(help_text="A decimal number, in `unit`.")
    unit = serializers.CharField(help_text='The tenant\'s currency, "%", "count", "days", "months" or a product unit.')


class UsageSerializer(serializers.Serializer):
    used = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True, help_text="null: unlimited.")


class AssistantAnswerSerializer(serializers.Serializer):
    message = serializers.CharField()
    insights = InsightSerializer(many=True)
    actions = ActionSerializer(many=True)
    question = serializers.CharField(allow_null=True)
    mode = serializers.ChoiceField(choices=Mode.choices)
    reason = serializers.ChoiceField(choices=[reason.value for reason in FallbackReason], allow_null=True)
    facts = FactSerializer(many=True)
    usage = UsageSerializer()
    request_id = serializers.UUIDField()
    conversation = serializers.IntegerField(
        allow_null=True, help_text="The conversation this exchange belongs to (null without a question)."
    )


class ConversationSerializer(serializers.ModelSerializer):
    exchanges = serializers.IntegerField(source="exchange_count", read_only=True)

    class Meta:
        model = Conversation
        fields = ["id", "scope", "created_at", "last_exchange_at", "exchanges"]
        read_only_fields = fields
