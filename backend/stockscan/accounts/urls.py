from stockscan.accounts import api
from stockscan.core.urls import route

urlpatterns = [
    route("register/", api.RegisterView.as_view(), "register"),
    route("login/", api.LoginView.as_view(), "login"),
    route("refresh/", api.RefreshView.as_view(), "token-refresh"),
    route("logout/", api.LogoutView.as_view(), "logout"),
    route("me/", api.MeView.as_view(), "me"),
    route("password/change/", api.PasswordChangeView.as_view(), "password-change"),
    route("password-reset/", api.PasswordResetView.as_view(), "password-reset"),
    route("password-reset/confirm/", api.PasswordResetConfirmView.as_view(), "password-reset-confirm"),
]
