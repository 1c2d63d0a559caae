"""JWTs with a session id: the refresh token of a login carries `sid`, which every access token
made from it copies and every rotation keeps, so logging out can refuse the session's access
tokens as well as its refresh token (`selectors.session_is_revoked`)."""

from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

SESSION_CLAIM = "sid"


class SessionRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[SESSION_CLAIM] = token[jwt_settings.JTI_CLAIM]
        return token


def access_token_revoked(token) -> bool:
    """Whether the access token's session was logged out. Tokens made without a session id
    (before sessions had one) are left to expire."""
    session_id = token.get(SESSION_CLAIM)
    if not session_id:
        return False
    from stockscan.accounts.selectors import session_is_revoked  # DRF imports this module with its settings

    return session_is_revoked(session_id=str(session_id))
