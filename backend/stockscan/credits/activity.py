"""What the activity feed says of the credit book's audit actions."""

from django.utils.translation import gettext_lazy as _

from stockscan.core.activity import register_activity


def _after(*keys: str):
    return lambda entry: {key: entry.after.get(key, entry.before.get(key, "")) for key in keys}


def register() -> None:
    register_activity("customer.created", _("%(actor)s added the customer %(name)s"), _after("name"))
    register_activity("customer.updated", _("%(actor)s changed the customer %(name)s"), _after("name"))
    register_activity("customer.archived", _("%(actor)s archived the customer %(name)s"), _after("name"))
    register_activity("customer.deleted", _("%(actor)s deleted the customer %(name)s"), _after("name"))
    register_activity("customer.access_code", _("%(actor)s gave %(name)s a new access code"), _after("name"))
    register_activity("customer.statement_link", _("%(actor)s shared a statement link with %(name)s"), _after("name"))
    register_activity(
        "customer.statement_links_revoked", _("%(actor)s revoked the statement links of %(name)s"), _after("name")
    )
    register_activity(
        "credit.recorded", _("%(actor)s recorded a credit of %(amount)s for %(name)s"), _after("amount", "name")
    )
    register_activity(
        "payment.recorded", _("%(actor)s recorded a payment of %(amount)s from %(name)s"), _after("amount", "name")
    )
    register_activity(
        "entry.reversed", _("%(actor)s reversed an entry of %(amount)s for %(name)s"), _after("amount", "name")
    )
    register_activity("customer.statement_emailed", _("%(actor)s emailed %(name)s their statement"), _after("name"))
    register_activity("customer.reminded", _("%(actor)s sent %(name)s a reminder"), _after("name"))
    register_activity("credit_settings.updated", _("%(actor)s changed the credit book settings"))
