"""The console email backend (no email provider configured): whole emails in development,
so a reset link can be followed from the quick start; masked in the log anywhere else."""

import logging

from django.core.mail import EmailMessage

from stockscan.core.email_backends import MaskedConsoleEmailBackend

LINK = "https://app.stockscan.test/reset-password?uid=MQ&token=c4f-9a1b2c3d4e5f"


def _send():
    message = EmailMessage("Réinitialisation", f"Suivez ce lien : {LINK}", to=["awa.diallo@bistro.test"])
    return MaskedConsoleEmailBackend().send_messages([message])


def test_in_development_the_email_is_printed_whole(settings, capsys, caplog):
    settings.DEBUG = True

    with caplog.at_level(logging.INFO, logger="stockscan.mail"):
        assert _send() == 1

    printed = capsys.readouterr().err
    assert LINK in printed
    assert "awa.diallo@bistro.test" in printed
    assert LINK not in caplog.text


def test_without_debug_the_log_masks_the_token_and_the_address(settings, capsys, caplog):
    settings.DEBUG = False

    with caplog.at_level(logging.INFO, logger="stockscan.mail"):
        assert _send() == 1

    assert "c4f-9a1b2c3d4e5f" not in caplog.text
    assert "awa.diallo@bistro.test" not in caplog.text
    assert "token=[masked]" in caplog.text
    assert capsys.readouterr().err == ""
