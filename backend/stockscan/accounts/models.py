from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class StockScanUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person. What they may see and do comes from their memberships, never from here."""

    email = models.EmailField(_("email address"))
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="fr")

    objects = StockScanUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_unique_email_ci"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_unique_username_ci"),
        ]


class EmailChangeRequest(models.Model):
    """A change of login address waiting for its link to be followed. The link is sent to the new
    address; its token is random (256 bits) and only its SHA-256 is stored. It works once, until
    `expires_at`; asking again voids the earlier links."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_changes")
    new_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("email change request")
        verbose_name_plural = _("email change requests")

    def __str__(self):
        return f"#{self.pk} user {self.user_id}"


class RevokedSession(models.Model):
    """A logged-out session (the `sid` claim its access and refresh tokens share): its access
    tokens are refused until `expires_at`, when the last of them has expired anyway."""

    session_id = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("revoked session")
        verbose_name_plural = _("revoked sessions")

    def __str__(self):
        return self.session_id
