"""What the activity feed says of plan changes."""

from django.utils.translation import gettext_lazy as _

from stockscan.core.activity import register_activity
from stockscan.entitlements.plans import PlanCode


def plan_name(code) -> str:
    return PlanCode(code).label if code in PlanCode.__members__ else str(code or "")


def register() -> None:
    register_activity("plan.changed", _("The plan is now %(plan)s"), lambda e: {"plan": plan_name(e.after.get("plan"))})
    register_activity("plan.override_saved", _("StockScan support changed the plan's terms"))
