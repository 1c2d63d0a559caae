"""Outside recipients (an accountant without a seat): an owner adds up to three; each confirms
its address through the link emailed to it before it can receive exports; the link works
once, expires, and every dead link answers alike; a removed recipient receives nothing more."""

import io
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection  # noqa: F401  (read by the skipif conditions)
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from stockscan.core.models import AuditEntry
from stockscan.entitlements.plans import Metric, PlanCode
from stockscan.exports.models import EmailedExport, EmailedExportStatus, ExportRecipient, ExportRecipientStatus
from stockscan.orgs.models import Role
from tests.backend.core.responses import assert_error
from tests.backend.exports.conftest import EXPORTS, XLSX_TYPE, quota_used
from tests.conftest import client_for, make_workspace
from tests.plans import set_plan
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

RECIPIENTS = "/api/exports/recipients/"
CONFIRM = "/api/exports/recipients/confirm/"
ACCOUNTANT = "compta@cabinet-diallo.test"
OCTOBER = {"from": "2026-10", "to": "2026-10"}


def add(client, capture, email=ACCOUNTANT, name="Cabinet Diallo"):
    """POST a recipient as the SPA does; the email leaves as the request's transaction commits."""
    with capture(execute=True):
        return client.post(RECIPIENTS, {"name": name, "email": email}, format="json")


def token_in(message) -> str:
    """The link of a confirmation email, from its HTML part (what a mail client follows); the
    text part carries the same."""
    [(html, _)] = message.alternatives
    [href] = re.findall(r'href="([^"]+)"', html)
    link = unescape(href)
    assert link in message.body, "the text part does not carry the same link"
    assert link.startswith(f"{settings.FRONTEND_URL}/exports/recipients/confirm?token=")
    return parse_qs(urlparse(link).query)["token"][0]


def confirm(token):
    return APIClient().post(CONFIRM, {"token": token}, format="json")


def send_export(stock, capture, email, role=Role.OWNER, **body):
    with capture(execute=True):
        return stock.client(role).post(EXPORTS, {**OCTOBER, "format": "xlsx", "email": email, **body}, format="json")


def recipient(pk) -> ExportRecipient:
    with scopes_disabled():
        return ExportRecipient.objects.get(pk=pk)


@pytest.fixture
def confirmed(stock, django_capture_on_commit_callbacks) -> int:
    """The accountant, added by the owner and confirmed through the emailed link."""
    response = add(stock.client(), django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    assert confirm(token_in(mail.outbox[-1])).status_code == 200
    mail.outbox.clear()
    return response.json()["id"]


def test_an_added_recipient_waits_for_the_link_emailed_to_it(stock, django_capture_on_commit_callbacks):
    response = add(stock.client(), django_capture_on_commit_callbacks, email="Compta@Cabinet-Diallo.test")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["email"], body["status"]) == ("Cabinet Diallo", ACCOUNTANT, "pending")
    assert body["added_by"] and body["token_expires_at"]
    [message] = mail.outbox
    assert message.to == [ACCOUNTANT]
    token = token_in(message)
    assert token not in str(body)
    stored = recipient(body["id"])
    assert token not in stored.token_hash, "only the token's digest is stored"
    listed = stock.client().get(RECIPIENTS).json()["results"]
    assert [(row["email"], row["status"]) for row in listed] == [(ACCOUNTANT, "pending")]


def test_a_waiting_recipient_receives_no_export(stock, django_capture_on_commit_callbacks):
    add(stock.client(), django_capture_on_commit_callbacks)
    mail.outbox.clear()

    response = send_export(stock, django_capture_on_commit_callbacks, ACCOUNTANT)

    body = assert_error(response, 400, "RECIPIENT_NOT_ALLOWED")
    assert body["fields"]["email"] == [
        f"{ACCOUNTANT} is neither a member of this business nor one of its confirmed recipients."
    ]
    assert mail.outbox == []
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0


def test_a_confirmed_recipient_receives_the_file(stock, django_capture_on_commit_callbacks, confirmed):
    response = send_export(stock, django_capture_on_commit_callbacks, ACCOUNTANT.upper(), role=Role.MANAGER)

    assert response.status_code == 202, response.content
    assert response.json()["recipients"] == [ACCOUNTANT]
    [message] = mail.outbox
    assert message.to == [ACCOUNTANT]
    assert "Cabinet Diallo" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert mimetype == XLSX_TYPE and filename.endswith(".xlsx")
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[0]
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 1
    assert recipient(confirmed).status == ExportRecipientStatus.CONFIRMED


def test_members_and_a_recipient_receive_one_export_together(stock, django_capture_on_commit_callbacks, confirmed):
    owner = stock.ws.user(Role.OWNER).email

    response = send_export(stock, django_capture_on_commit_callbacks, f"{owner}, {ACCOUNTANT}")

    assert response.status_code == 202, response.content
    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner, ACCOUNTANT])
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 1


def test_the_link_confirms_once_and_every_dead_link_answers_alike(stock, django_capture_on_commit_callbacks):
    response = add(stock.client(), django_capture_on_commit_callbacks)
    token = token_in(mail.outbox[-1])

    first = confirm(token)
    again = confirm(token)
    unknown = confirm("x" * 43)
    too_long = confirm("x" * 129)

    assert first.status_code == 200, first.content
    assert first.json()["business"] == "Le Comptoir"
    assert recipient(response.json()["id"]).status == ExportRecipientStatus.CONFIRMED
    body = assert_error(again, 410, "RECIPIENT_LINK_INVALID")
    assert unknown.json() == body
    assert assert_error(too_long, 400, "VALIDATION_ERROR")["fields"] == {
        "token": [too_long.json()["fields"]["token"][0]]
    }
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="export.recipient_confirmed", tenant=stock.ws.tenant).count() == 1


def test_an_expired_link_answers_like_an_unknown_one_and_a_resend_revives_it(stock, django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        added = add(stock.client(), django_capture_on_commit_callbacks).json()
        old = token_in(mail.outbox[-1])
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        expired = confirm(old)
        with django_capture_on_commit_callbacks(execute=True):
            resent = stock.client().post(f"{RECIPIENTS}{added['id']}/resend/", format="json")
        fresh = token_in(mail.outbox[-1])
        old_again = confirm(old)
        confirmed = confirm(fresh)

    assert expired.json() == confirm("unknown-token").json()
    assert expired.status_code == 410
    assert resent.status_code == 200, resent.content
    assert fresh != old
    assert old_again.status_code == 410, "a resend retires the previous link"
    assert confirmed.status_code == 200


def test_resending_is_spaced_and_limited(stock, django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        added = add(stock.client(), django_capture_on_commit_callbacks).json()
        too_soon = stock.client().post(f"{RECIPIENTS}{added['id']}/resend/")
    answers = []
    for minutes in (11, 22, 33):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                answers.append(stock.client().post(f"{RECIPIENTS}{added['id']}/resend/"))

    body = assert_error(too_soon, 429, "THROTTLED")
    assert body["retry_after"] == 600
    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert assert_error(answers[2], 409, "RECIPIENT_SEND_LIMIT")["limit"] == 3
    assert len(mail.outbox) == 3


def test_a_confirmed_recipient_is_not_resent(stock, django_capture_on_commit_callbacks, confirmed):
    assert_error(stock.client().post(f"{RECIPIENTS}{confirmed}/resend/"), 409, "RECIPIENT_NOT_PENDING")
    assert mail.outbox == []


def test_at_most_three_recipients_and_removing_one_frees_its_place(stock, django_capture_on_commit_callbacks):
    client = stock.client()
    added = [add(client, django_capture_on_commit_callbacks, email=f"c{i}@cabinet.test") for i in range(3)]
    fourth = add(client, django_capture_on_commit_callbacks, email="c3@cabinet.test")

    assert [response.status_code for response in added] == [201, 201, 201]
    assert assert_error(fourth, 409, "RECIPIENT_LIMIT_REACHED")["limit"] == 3
    assert len(mail.outbox) == 3

    assert client.delete(f"{RECIPIENTS}{added[0].json()['id']}/").status_code == 204
    assert add(client, django_capture_on_commit_callbacks, email="c3@cabinet.test").status_code == 201
    assert len(client.get(RECIPIENTS).json()["results"]) == 3


def test_one_place_per_address_and_members_need_none(stock, django_capture_on_commit_callbacks):
    client = stock.client()
    add(client, django_capture_on_commit_callbacks)

    twice = add(client, django_capture_on_commit_callbacks, email=ACCOUNTANT.upper())
    member = add(client, django_capture_on_commit_callbacks, email=stock.ws.user(Role.MANAGER).email)

    assert_error(twice, 409, "RECIPIENT_ALREADY_ADDED")
    assert_error(member, 409, "RECIPIENT_IS_MEMBER")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Cabinet", "email": "not-an-address"}, "email"),
        ({"name": "   ", "email": ACCOUNTANT}, "name"),
        ({"email": ACCOUNTANT}, "name"),
        ({"name": "x" * 121, "email": ACCOUNTANT}, "name"),
        ({"name": "Cabinet", "email": ["a@b.test"]}, "email"),
    ],
)
def test_a_bad_recipient_is_a_validation_error(stock, body, field):
    response = stock.client().post(RECIPIENTS, body, format="json")

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["fields"]
    assert mail.outbox == []


def test_a_removed_recipient_receives_nothing_more(stock, django_capture_on_commit_callbacks, confirmed):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = stock.client().post(EXPORTS, {**OCTOBER, "format": "xlsx", "email": ACCOUNTANT}, format="json")
    assert queued.status_code == 202

    removed = stock.client().delete(f"{RECIPIENTS}{confirmed}/")
    for callback in callbacks:  # the task runs after the removal
        callback()
    later = send_export(stock, django_capture_on_commit_callbacks, ACCOUNTANT)

    assert removed.status_code == 204
    assert mail.outbox == []
    with scopes_disabled():
        job = EmailedExport.objects.get(pk=queued.json()["export"])
    assert job.status == EmailedExportStatus.FAILED
    assert quota_used(stock.ws.tenant, Metric.EXPORT_XLSX) == 0, "the export that could not be sent gave its unit back"
    assert_error(later, 400, "RECIPIENT_NOT_ALLOWED")
    assert stock.client().get(RECIPIENTS).json()["results"] == []


def test_a_removed_recipients_link_is_dead(stock, django_capture_on_commit_callbacks):
    added = add(stock.client(), django_capture_on_commit_callbacks).json()
    token = token_in(mail.outbox[-1])

    stock.client().delete(f"{RECIPIENTS}{added['id']}/")

    assert_error(confirm(token), 410, "RECIPIENT_LINK_INVALID")


def test_only_the_owner_manages_recipients_and_managers_read_them(stock, django_capture_on_commit_callbacks):
    added = add(stock.client(), django_capture_on_commit_callbacks).json()
    manager, operator = stock.client(Role.MANAGER), stock.client(Role.OPERATOR)

    assert manager.get(RECIPIENTS).status_code == 200
    assert_error(add(manager, django_capture_on_commit_callbacks, email="x@cabinet.test"), 403, "PERMISSION_DENIED")
    assert_error(manager.delete(f"{RECIPIENTS}{added['id']}/"), 403, "PERMISSION_DENIED")
    assert_error(manager.post(f"{RECIPIENTS}{added['id']}/resend/"), 403, "PERMISSION_DENIED")
    assert_error(operator.get(RECIPIENTS), 403, "PERMISSION_DENIED")
    assert recipient(added["id"]).status == ExportRecipientStatus.PENDING


def test_recipients_need_the_emailed_exports_entitlement(stock, django_capture_on_commit_callbacks):
    set_plan(stock.ws.tenant, PlanCode.BOUTIQUE)

    response = add(stock.client(), django_capture_on_commit_callbacks)

    assert assert_error(response, 403, "FEATURE_NOT_INCLUDED")["feature"] == "exports_email"
    assert mail.outbox == []


def test_another_business_recipient_is_neither_seen_nor_usable(stock, django_capture_on_commit_callbacks):
    theirs = add(stock.other.client(Role.OWNER), django_capture_on_commit_callbacks).json()
    assert confirm(token_in(mail.outbox[-1])).status_code == 200
    mail.outbox.clear()

    listed = stock.client().get(RECIPIENTS).json()["results"]
    response = send_export(stock, django_capture_on_commit_callbacks, ACCOUNTANT)

    assert listed == []
    assert_error(stock.client().get(f"{RECIPIENTS}{theirs['id']}/"), 404, "NOT_FOUND")
    assert_error(stock.client().delete(f"{RECIPIENTS}{theirs['id']}/"), 404, "NOT_FOUND")
    assert_error(response, 400, "RECIPIENT_NOT_ALLOWED")
    assert recipient(theirs["id"]).status == ExportRecipientStatus.CONFIRMED
    assert mail.outbox == []


@override_settings(EXPORT_RECIPIENTS_PER_DAY=2)
def test_additions_are_limited_per_day_removed_ones_included(stock, django_capture_on_commit_callbacks):
    client = stock.client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = add(client, django_capture_on_commit_callbacks, email="a@cabinet.test").json()
        client.delete(f"{RECIPIENTS}{first['id']}/")
        add(client, django_capture_on_commit_callbacks, email="b@cabinet.test")
        third = add(client, django_capture_on_commit_callbacks, email="c@cabinet.test")
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        later = add(stock.client(), django_capture_on_commit_callbacks, email="c@cabinet.test")

    body = assert_error(third, 429, "RECIPIENT_RATE_LIMITED")
    assert body["retry_after"] == 24 * 3600
    assert third["Retry-After"] == str(24 * 3600)
    assert later.status_code == 201
    assert len(mail.outbox) == 3


def test_the_activity_feed_tells_the_recipients_story(stock, django_capture_on_commit_callbacks, confirmed):
    stock.client().delete(f"{RECIPIENTS}{confirmed}/")

    feed = stock.client().get("/api/activity/").json()["results"]

    messages = [row["message"] for row in feed]
    assert any(f"added {ACCOUNTANT} as a recipient of exports" in message for message in messages), messages
    assert f"{ACCOUNTANT} confirmed that they will receive exports" in messages
    assert any(f"removed {ACCOUNTANT} from the recipients of exports" in message for message in messages)


LIST_QUERIES = 2  # the page's count and its rows (the member's context comes from the cache)


@pytest.mark.parametrize("recipients", [1, 3])
def test_the_list_costs_the_same_queries_for_one_or_three(
    stock, django_capture_on_commit_callbacks, django_assert_num_queries, recipients
):
    client = stock.client()
    for index in range(recipients):
        add(client, django_capture_on_commit_callbacks, email=f"c{index}@cabinet.test")
    client.get(RECIPIENTS)  # warms the tenant context cache

    with django_assert_num_queries(LIST_QUERIES):
        assert len(client.get(RECIPIENTS).json()["results"]) == recipients


# --- Concurrency (PostgreSQL)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions need PostgreSQL")
def test_eight_concurrent_additions_make_exactly_three_recipients():
    workspace = make_workspace("Concurrent recipients")
    set_plan(workspace.tenant, PlanCode.PRO)
    owner = workspace.user(Role.OWNER)

    def add_one(index):
        response = client_for(owner).post(
            RECIPIENTS, {"name": f"Cabinet {index}", "email": f"c{index}@cabinet.test"}, format="json"
        )
        return response.status_code, response.json().get("code")

    results = run_concurrently(8, add_one)

    assert sorted(results, key=str) == sorted([(201, None)] * 3 + [(409, "RECIPIENT_LIMIT_REACHED")] * 5, key=str)
    with scopes_disabled():
        assert ExportRecipient.objects.filter(tenant=workspace.tenant).count() == 3
