"""What the activity feed says of the inventory's audit actions."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from stockscan.core.activity import register_activity
from stockscan.inventory.models import LossReason


def _name(key: str):
    return lambda entry: {"name": entry.after.get(key) or entry.before.get(key, "")}


def _reason(entry) -> dict:
    reason = entry.after.get("reason") or entry.before.get("reason")
    return {"reason": LossReason(reason).label.lower() if reason in LossReason.values else ""}


def register() -> None:
    register_activity("product.created", _("%(actor)s added the product %(name)s"), _name("name"))
    register_activity("product.updated", _("%(actor)s changed a product"))
    register_activity("product.archived", _("%(actor)s archived a product"))
    register_activity("product.deleted", _("%(actor)s deleted the product %(name)s"), _name("name"))
    register_activity("category.created", _("%(actor)s created the category %(name)s"), _name("name"))
    register_activity("category.updated", _("%(actor)s renamed the category %(name)s"), _name("name"))
    register_activity("category.deleted", _("%(actor)s deleted the category %(name)s"), _name("name"))
    register_activity("count.started", _("%(actor)s started the count of %(month)s"), _name("month"))
    register_activity(
        "count.lines_counted",
        ngettext_lazy(
            "%(actor)s counted %(lines)s product in %(service)s (%(month)s)",
            "%(actor)s counted %(lines)s products in %(service)s (%(month)s)",
            "lines",
        ),
        lambda e: {key: e.after.get(key, "") for key in ("lines", "service", "month")},
    )
    register_activity("count.deleted", _("%(actor)s deleted the empty count of %(month)s"), _name("month"))
    register_activity(
        "count.line_recounted",
        _("%(actor)s recounted %(name)s: %(before)s → %(after)s"),
        lambda e: {
            "name": e.after.get("product", ""),
            "before": e.before.get("quantity", ""),
            "after": e.after.get("quantity", ""),
        },
    )
    register_activity("area.created", _("%(actor)s created the area %(name)s"), _name("name"))
    register_activity("area.updated", _("%(actor)s changed the area %(name)s"), _name("name"))
    register_activity("area.deleted", _("%(actor)s deleted the area %(name)s"), _name("name"))
    register_activity("count.closed", _("%(actor)s closed a month's count"))
    register_activity("count.reopened", _("%(actor)s reopened a month's count"))
    register_activity("loss.recorded", _("%(actor)s recorded a loss (%(reason)s)"), _reason)
    register_activity("loss.updated", _("%(actor)s changed a loss"))
    register_activity("loss.deleted", _("%(actor)s deleted a loss (%(reason)s)"), _reason)
