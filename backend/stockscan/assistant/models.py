import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stockscan.core.models import TenantOwnedModel


class Scope(models.TextChoices):
    INVENTORY = "inventory", _("Inventory")
    LOSSES = "losses", _("Losses")
    CREDITS = "credits", _("Credit book")
    SUPPORT = "support", _("Support")


class Mode(models.TextChoices):
    AI = "ai", _("AI")
    FALLBACK = "fallback", _("Fallback")


class AssistantRequest(TenantOwnedModel):
    """One question to the assistant, for the admin and for cost tracking: who asked, what
    kind of answer they got and why, and what the model cost. Never the prompt or the answer."""

    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    reason = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=100, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    model_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    tokens_in = models.PositiveIntegerField(null=True, blank=True)
    tokens_out = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistant request")
        verbose_name_plural = _("assistant requests")
        indexes = [models.Index(fields=["tenant", "-created_at"], name="assistant_request_recent_idx")]

    def __str__(self):
        return f"{self.request_id} {self.mode} {self.reason}"


class Conversation(TenantOwnedModel):
    """A member's thread with the assistant: private to that member (another member of the
    same business cannot read or continue it), its last MAX_EXCHANGES exchanges kept, deleted
    AI_CONVERSATION_RETENTION_DAYS after its last exchange."""

    MAX_EXCHANGES = 10

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    last_exchange_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_exchange_at", "-id"]
        verbose_name = _("assistant conversation")
        verbose_name_plural = _("assistant conversations")
        indexes = [models.Index(fields=["tenant", "user", "-last_exchange_at"], name="assistant_conv_member_idx")]

    def __str__(self):
        return f"{self.user_id} {self.scope} {self.last_exchange_at:%Y-%m-%d}"


class Exchange(TenantOwnedModel):
    """A question and the answer's message, as the member saw them."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="exchanges")
    question = models.TextField(blank=True)
    answer = models.TextField()
    mode = models.CharField(max_length=8, choices=Mode.choices)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("assistant exchange")
        verbose_name_plural = _("assistant exchanges")

    def __str__(self):
        return f"{self.conversation_id}: {self.question[:40]}"
