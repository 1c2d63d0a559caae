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
