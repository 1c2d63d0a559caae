"""What the activity feed says of exports and of the business's outside recipients."""

from django.utils.translation import gettext_lazy as _

from stockscan.core.activity import register_activity


def _format(entry) -> dict:
    return {"format": str(entry.after.get("format", "")).upper()}


def _recipient(entry) -> dict:
    return {"email": entry.after.get("email") or entry.before.get("email", "")}


def register() -> None:
    register_activity("export.downloaded", _("%(actor)s downloaded an export (%(format)s)"), _format)
    register_activity("export.email_queued", _("%(actor)s sent an export by email (%(format)s)"), _format)
    register_activity("export.emailed", _("An emailed export was delivered to its recipients"))
    register_activity("export.email_failed", _("An emailed export could not be sent"))
    register_activity("export.recipient_added", _("%(actor)s added %(email)s as a recipient of exports"), _recipient)
    register_activity(
        "export.recipient_resent", _("%(actor)s sent the confirmation link to %(email)s again"), _recipient
    )
    register_activity("export.recipient_confirmed", _("%(email)s confirmed that they will receive exports"), _recipient)
    register_activity(
        "export.recipient_removed", _("%(actor)s removed %(email)s from the recipients of exports"), _recipient
    )
