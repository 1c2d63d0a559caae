"""How API requests authenticate: simplejwt's bearer tokens, the user read from the
request's cached tenant context (`tenancy.context_cache`) when it is there."""

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from stockscan.accounts.tokens import access_token_revoked
from stockscan.orgs.tenancy import context_cache


class CachedContextJWTAuthentication(JWTAuthentication):
    """simplejwt's JWTAuthentication, which takes the user from the request's cached tenant
    context when there is one: such a request reads neither the user nor the membership from
    the database. The user is held to simplejwt's checks either way (active, and the token
    revoked by a password change, compared with the context's digest of the password hash).
    On a miss, the generation the lookup gave is kept on the request: the tenant resolution
    stores the context it loads under it without asking the cache again."""

    def authenticate(self, request):
        self.request = request  # DRF makes one authenticator per request
        return super().authenticate(request)

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if access_token_revoked(token):
            raise InvalidToken(_("This session has been logged out."))
        return token

    def get_user(self, validated_token):
        context = self._cached_context(validated_token)
        if context is None:
            return super().get_user(validated_token)
        user = context.membership.user
        if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if (
            jwt_settings.CHECK_REVOKE_TOKEN
            and validated_token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != context.password_digest
        ):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        self.request.tenant_context = context
        return user

    def _cached_context(self, validated_token):
        # Imported here: DRF imports this module while loading its settings, before the
        # modules tenancy needs (core.errors imports DRF) are ready.
        from stockscan.orgs.tenancy.resolution import TenantNotFound, requested_tenant_id

        try:
            user_id = int(validated_token[jwt_settings.USER_ID_CLAIM])
            requested = requested_tenant_id(self.request)
        except (KeyError, TypeError, ValueError, TenantNotFound):
            return None  # simplejwt and the tenant resolution give the answer
        context, self.request.tenant_context_generation = context_cache.lookup(user_id, requested)
        return context
