"""Helpers shared by the invitation and member test modules."""

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.core import mail
from django_scopes import scopes_disabled

from stockscan.orgs.models import Invitation

INVITE_URL = "/api/auth/memberships/"
ACCEPT_URL = "/api/auth/invitations/accept/"
DECLINE_URL = "/api/auth/invitations/decline/"
SUMMARY_URL = "/api/auth/members/summary/"
NEW_PASSWORD = "Betterave-Rouge-Fondante-71"


def invite(client, capture, email: str, role: str = "operator", **body):
    """POST an invitation as the SPA does; the email task runs as the request's transaction commits."""
    with capture(execute=True):
        return client.post(INVITE_URL, {"email": email, "role": role, **body}, format="json")


def link_in(message) -> str:
    """The link of an invitation email, from its HTML part (what a mail client follows); the
    plain-text part must carry the same, unescaped."""
    [(html, _)] = message.alternatives
    [href] = re.findall(r'href="([^"]+)"', html)
    link = unescape(href)
    assert link in message.body, "the text part does not carry the same link"
    return link


def token_in(message) -> str:
    link = link_in(message)
    assert link.startswith(f"{settings.FRONTEND_URL}/invitations/accept?token=")
    return parse_qs(urlparse(link).query)["token"][0]


def last_token() -> str:
    return token_in(mail.outbox[-1])


def token_of_link(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def accept_as_new_person(client, token: str, username: str = "nouvelle.recrue", **extra):
    return client.post(
        ACCEPT_URL,
        {"token": token, "username": username, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, **extra},
        format="json",
    )


def invitation_row(pk: int) -> Invitation:
    with scopes_disabled():
        return Invitation.objects.get(pk=pk)
