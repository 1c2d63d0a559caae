from stockscan.accounts import api
from stockscan.core.routing import route

urlpatterns = [
    route("refresh/", api.RefreshView.as_view(), "token-refresh"),
    route("logout/", api.LogoutView.as_view(), "logout"),
    route("password/change/", api.PasswordChangeView.as_view(), "password-change"),
    route("password-reset/", api.PasswordResetView.as_view(), "password-reset"),
    route("password-reset/confirm/", api.PasswordResetConfirmView.as_view(), "password-reset-confirm"),
    route("email/confirm/", api.EmailConfirmView.as_view(), "email-confirm"),
]
