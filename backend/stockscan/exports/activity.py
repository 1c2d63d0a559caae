"""What the activity feed says of exports."""

from django.utils.translation import gettext_lazy as _

from stockscan.core.activity import register_activity


def _format(entry) -> dict:
    return {"format": str(entry.after.get("format", "")).upper()}


def register() -> None:
    register_activity("export.downloaded", _("%(actor)s downloaded an export (%(format)s)"), _format)
    register_activity("export.email_queued", _("%(actor)s sent an export by email (%(format)s)"), _format)
    register_activity("export.emailed", _("An emailed export was delivered to its recipients"))
    register_activity("export.email_failed", _("An emailed export could not be sent"))
