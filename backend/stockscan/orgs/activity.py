"""What the activity feed says of the organisation's audit actions."""

from django.utils.translation import gettext_lazy as _

from stockscan.core.activity import register_activity
from stockscan.orgs.models import Role


def _name(entry) -> dict:
    return {"name": entry.after.get("name") or entry.before.get("name", "")}


def _role(entry) -> dict:
    role = entry.after.get("role") or entry.before.get("role")
    return {"role": Role(role).label.lower() if role in Role.values else _("member")}


def _invited(entry) -> dict:
    return {"email": entry.after.get("email", ""), **_role(entry)}


def register() -> None:
    register_activity("tenant.created", _("%(actor)s created the business %(name)s"), _name)
    register_activity("tenant.updated", _("%(actor)s changed the business's settings"))
    register_activity("service.created", _("%(actor)s created the service %(name)s"), _name)
    register_activity("service.updated", _("%(actor)s changed the service %(name)s"), _name)
    register_activity("service.deleted", _("%(actor)s deleted the service %(name)s"), _name)
    register_activity("membership.updated", _("%(actor)s changed a member's role or service"))
    register_activity("membership.removed", _("%(actor)s removed a member"))
    register_activity("invitation.created", _("%(actor)s invited %(email)s as %(role)s"), _invited)
    register_activity("invitation.resent", _("%(actor)s sent an invitation again"))
    register_activity("invitation.revoked", _("%(actor)s revoked an invitation"))
    register_activity("invitation.accepted", _("%(actor)s joined the business as %(role)s"), _role)
    register_activity("invitation.declined", _("An invitation was declined"))
