from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username or the email address, both case-insensitively."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("email") or "").strip()
        if not identifier or password is None:
            return None
        user_model = get_user_model()
        lookup = {"email__iexact": identifier} if "@" in identifier else {"username__iexact": identifier}
        user = user_model._default_manager.filter(**lookup).first()
        if user is None:
            # Spend the same time as a real check so unknown accounts cannot be told apart.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
