"""One reset link submitted ten times at the same moment (a double-click, a retrying client,
someone who intercepted the link racing its owner) changes the password once: the others
find the link spent. Real threads on PostgreSQL, each with its own connection and transaction."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from stockscan.accounts.services import password_reset_confirm
from tests.conftest import make_workspace
from tests.factories import UserFactory
from tests.support.concurrency import run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
]

SUBMISSIONS = 10


def test_ten_simultaneous_submissions_of_one_reset_link_change_the_password_once():
    make_workspace("Other tenant")
    user = UserFactory(email="gerant@bistro.test")
    bystander = UserFactory()
    bystander_password = bystander.password
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    passwords = [f"Fromage-Comte-Affine-{index:02}" for index in range(SUBMISSIONS)]

    results = run_concurrently(
        SUBMISSIONS, lambda index: password_reset_confirm(uid=uid, token=token, new_password=passwords[index])
    )

    succeeded = [index for index, result in enumerate(results) if not isinstance(result, Exception)]
    assert len(succeeded) == 1, results
    refused = [result for result in results if isinstance(result, Exception)]
    assert {getattr(result, "error_code", None) for result in refused} == {"RESET_TOKEN_INVALID"}, refused
    user.refresh_from_db()
    assert [index for index, password in enumerate(passwords) if user.check_password(password)] == succeeded
    assert get_user_model().objects.get(pk=bystander.pk).password == bystander_password
