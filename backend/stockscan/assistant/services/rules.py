"""The deterministic engine: rules over the facts that give the three to five points most
worth a look, each with its severity and the facts it rests on, the actions our code allows
(SPA routes, or an action key the SPA runs, kept to what the member's role may do) and a
question to ask next. It is the answer whenever the model is not used or fails, and what
the model is given to start from. Every number in its sentences is a fact, as formatted."""

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stockscan.assistant.formatting import format_fact
from stockscan.assistant.models import Scope
from stockscan.assistant.selectors.facts import FactSheet
from stockscan.core.months import format_month
from stockscan.inventory.models import CountStatus, LossReason
from stockscan.orgs.presets import ServiceType
from stockscan.orgs.tenancy.permissions import Perm, role_has

INFO, WARNING, CRITICAL = "info", "warning", "critical"
SEVERITIES = (INFO, WARNING, CRITICAL)
_SEVERITY_RANK = {CRITICAL: 3, WARNING: 2, INFO: 1}
MIN_INSIGHTS, MAX_INSIGHTS, MAX_ACTIONS = 3, 5, 4

# What the trade counts, in its own words: a bar counts bottles, a bakery its ingredients
# (flour, butter…), a pharmacy its lots.
TRADE_ITEMS = {
    ServiceType.BAR: (gettext_lazy("bottle"), gettext_lazy("bottles")),
    ServiceType.BAKERY: (gettext_lazy("ingredient"), gettext_lazy("ingredients")),
    ServiceType.KITCHEN: (gettext_lazy("ingredient"), gettext_lazy("ingredients")),
    ServiceType.PHARMACY_PARAPHARMACY: (gettext_lazy("lot"), gettext_lazy("lots")),
}
_DEFAULT_ITEMS = (gettext_lazy("product"), gettext_lazy("products"))


@dataclass(frozen=True)
class Action:
    """One action of the allow-list. `id` is what the model picks; the rest is ours."""

    id: str
    label: str
    kind: str  # "navigate" (href, an SPA route) or "run" (action_key, run by the SPA)
    href: str | None = None
    action_key: str | None = None
    requires_confirmation: bool = False

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "kind": self.kind,
            "href": self.href,
            "action_key": self.action_key,
            "requires_confirmation": self.requires_confirmation,
        }


@dataclass
class Insight:
    key: str
    title: str
    detail: str
    severity: str
    facts: list[str]
    rank: int
    actions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"title": self.title, "detail": self.detail, "severity": self.severity, "facts": self.facts}


@dataclass
class Answer:
    message: str
    insights: list[dict]
    actions: list[dict]
    question: str | None
    action_ids: list[str] = field(default_factory=list)


class Phrasing:
    """What the rules need to write: the facts as formatted, the trade's words, the month."""

    def __init__(self, sheet: FactSheet):
        self.sheet = sheet
        self.singular, self.plural = TRADE_ITEMS.get(sheet.service_type, _DEFAULT_ITEMS)

    def __getitem__(self, fact_id: str) -> str:
        return format_fact(self.sheet.facts[fact_id], self.sheet.currency)

    def has(self, *fact_ids: str) -> bool:
        return all(fact_id in self.sheet.facts for fact_id in fact_ids)

    def value(self, fact_id: str) -> Decimal:
        return self.sheet.value(fact_id) or Decimal(0)

    def items(self, fact_id: str) -> str:
        return str(self.singular if self.value(fact_id) == 1 else self.plural)

    @property
    def month(self) -> str:
        return date_format(self.sheet.month, "F Y")


def allowed_actions(sheet: FactSheet, *, role: str) -> dict[str, Action]:
    """The actions this member may be offered for this month, by id: SPA routes built here."""
    month = format_month(sheet.month)
    month_name = date_format(sheet.month, "F Y")
    service = {"service": sheet.service.pk} if sheet.service is not None else {}
    reason = sheet.top_loss_reason

    def href(path: str, **params) -> str:
        query = urlencode({**params, **service})
        return f"{path}?{query}" if query else path

    candidates = [
        (Perm.VIEW_CATALOG, Action("open_alerts", _("Open the alerts"), "navigate", href("/alerts", month=month))),
        (
            Perm.COUNT_STOCK,
            Action(
                "count_month",
                _("Continue the count of %(month)s") % {"month": month_name}
                if sheet.count_status
                else _("Start the count of %(month)s") % {"month": month_name},
                "navigate",
                href(f"/counts/{month}"),
            ),
        ),
        (
            Perm.EXPORT_DATA,
            Action(
                "export_month",
                _("Export %(month)s to Excel") % {"month": month_name},
                "run",
                action_key="export_month",
                requires_confirmation=True,
            ),
        ),
        (
            Perm.MANAGE_CATALOG,
            Action("set_minimums", _("Set minimum quantities"), "navigate", href("/products", missing="min_quantity")),
        ),
        (
            Perm.MANAGE_CATALOG,
            Action("price_products", _("Complete the prices"), "navigate", href("/products", missing="price")),
        ),
        (
            Perm.VIEW_CATALOG,
            Action(
                "review_dead_stock",
                _("See the products that do not move"),
                "navigate",
                href("/products", unchanged_months=3),
            ),
        ),
    ]
    if reason:
        label = _("Review the losses: %(reason)s") % {"reason": dict(LossReason.choices).get(reason, reason)}
        candidates.append(
            (
                Perm.RECORD_LOSSES,
                Action("review_losses", label, "navigate", href("/losses", month=month, reason=reason)),
            )
        )
    if sheet.credits_included:
        candidates += _credit_actions()
    return {action.id: action for perm, action in candidates if role_has(role, perm)}


def _credit_actions() -> list[tuple[Perm, Action]]:
    """The credit book's SPA routes (its customer list takes the API's filters, `owes` and
    `overdue`); `remind_overdue_customers` is run by the SPA, one
    `POST /api/customers/<id>/remind/` per overdue customer, after confirmation."""
    return [
        (
            Perm.VIEW_CREDITS,
            Action(
                "open_overdue_customers",
                _("Open the overdue customers"),
                "navigate",
                "/customers?" + urlencode({"overdue": "true"}),
            ),
        ),
        (
            Perm.RECORD_CREDITS,
            Action(
                "remind_overdue_customers",
                _("Send reminders to the overdue customers"),
                "run",
                action_key="remind_overdue_customers",
                requires_confirmation=True,
            ),
        ),
        (
            Perm.VIEW_CREDITS,
            Action("open_credit_book", _("Open the customers who owe"), "navigate", "/customers?owes=true"),
        ),
        (
            Perm.MANAGE_CREDITS,
            Action("credit_reminder_settings", _("Set up automatic reminders"), "navigate", "/credit-settings"),
        ),
    ]


# --- The rules: each looks at the facts and may give one insight.


def _expiry(p: Phrasing) -> Insight | None:
    if p.value("alerts.expiring.count") <= 0:
        return None
    days = p.value("alerts.expiring.soonest_days") if p.has("alerts.expiring.soonest_days") else None
    critical = days is not None and days <= 3
    count = {"count": p["alerts.expiring.count"]}
    detail = (
        ngettext(
            "%(count)s stock line reaches its date soon.",
            "%(count)s stock lines reach their date soon.",
            int(p.value("alerts.expiring.count")),
        )
        % count
    )
    facts = ["alerts.expiring.count"]
    if days is not None:
        facts.append("alerts.expiring.soonest_days")
        detail += " " + (
            _("The nearest is already past its date.")
            if days < 0
            else _("The nearest in %(days)s days: use it, sell it or record it as a loss.")
            % {"days": p["alerts.expiring.soonest_days"]}
        )
    return Insight(
        "expiry", _("Dates coming up"), detail, CRITICAL if critical else WARNING, facts, 100, ["open_alerts"]
    )


def _low_stock(p: Phrasing) -> Insight | None:
    count = p.value("alerts.low_stock.count")
    if count <= 0:
        return None
    detail = ngettext(
        "%(count)s %(items)s is below its minimum.", "%(count)s %(items)s are below their minimum.", int(count)
    ) % {
        "count": p["alerts.low_stock.count"],
        "items": p.items("alerts.low_stock.count"),
    }
    named = p.sheet.low_stock_products
    if named:
        names = ", ".join(_("“%(name)s”") % {"name": name} for name in named)
        detail += " " + _("Among them: %(names)s.") % {"names": names}
    facts = ["alerts.low_stock.count", *(f"alerts.low_stock.{i}" for i in range(1, len(named) + 1))]
    return Insight(
        "low_stock",
        _("Reorder"),
        detail,
        CRITICAL if count >= 10 else WARNING,
        facts,
        90,
        ["open_alerts", "set_minimums"],
    )


def _losses(p: Phrasing) -> Insight | None:
    reason = p.sheet.top_loss_reason
    if reason is None:
        return None
    reason_label = dict(LossReason.choices).get(reason, reason)
    if (
        p.has("losses.value_change", "losses.value")
        and p.value("losses.value_change") > 0
        and p.value("losses.value_previous") > 0
    ):
        detail = _(
            "Losses come to %(value)s this month, %(change)s more than last month; "
            "most of it: %(reason)s (%(reason_value)s)."
        ) % {
            "value": p["losses.value"],
            "change": p["losses.value_change"],
            "reason": reason_label,
            "reason_value": p[f"losses.{reason}.value"],
        }
        facts = ["losses.value", "losses.value_change", f"losses.{reason}.value"]
        return Insight("losses_up", _("Losses are rising"), detail, WARNING, facts, 80, ["review_losses"])
    if p.has("losses.value"):
        detail = _("%(count)s losses recorded this month, worth %(value)s; most of it: %(reason)s.") % {
            "count": p["losses.count"],
            "value": p["losses.value"],
            "reason": reason_label,
        }
        facts = ["losses.count", "losses.value", f"losses.{reason}.value"]
    else:
        detail = _("%(count)s losses recorded this month; most of them: %(reason)s.") % {
            "count": p["losses.count"],
            "reason": reason_label,
        }
        facts = ["losses.count", f"losses.{reason}.count"]
    return Insight("losses", _("Losses of the month"), detail, INFO, facts, 35, ["review_losses"])


def _no_losses(p: Phrasing) -> Insight | None:
    if p.sheet.top_loss_reason is not None:
        return None
    detail = _(
        "No loss recorded in %(month)s: breakage, expired stock or gifts recorded as losses "
        "explain the gaps of a count."
    ) % {"month": p.month}
    return Insight("no_losses", _("No losses recorded"), detail, INFO, ["losses.count"], 5)


def _dead_stock(p: Phrasing) -> Insight | None:
    count = p.value("dead_stock.count")
    if count <= 0:
        return None
    values = {"count": p["dead_stock.count"], "items": p.items("dead_stock.count"), "months": p["dead_stock.months"]}
    facts = ["dead_stock.count", "dead_stock.months"]
    if p.has("dead_stock.value"):
        detail = ngettext(
            "%(count)s %(items)s has not moved for %(months)s months: %(value)s of stock asleep.",
            "%(count)s %(items)s have not moved for %(months)s months: %(value)s of stock asleep.",
            int(count),
        ) % {
            **values,
            "value": p["dead_stock.value"],
        }
        facts.append("dead_stock.value")
        share = p.value("dead_stock.value") / p.value("stock.value") if p.value("stock.value") else Decimal(0)
        severity = WARNING if share >= Decimal("0.1") else INFO
    else:
        detail = (
            ngettext(
                "%(count)s %(items)s has not moved for %(months)s months.",
                "%(count)s %(items)s have not moved for %(months)s months.",
                int(count),
            )
            % values
        )
        severity = INFO
    return Insight("dead_stock", _("Stock that does not move"), detail, severity, facts, 60, ["review_dead_stock"])


def _missing_prices(p: Phrasing) -> Insight | None:
    if p.value("catalog.uncosted") > 0:
        detail = ngettext(
            "%(count)s %(items)s has no purchase price: the stock value leaves it out.",
            "%(count)s %(items)s have no purchase price: the stock value leaves them out.",
            int(p.value("catalog.uncosted")),
        ) % {
            "count": p["catalog.uncosted"],
            "items": p.items("catalog.uncosted"),
        }
        return Insight(
            "uncosted", _("Missing purchase prices"), detail, WARNING, ["catalog.uncosted"], 70, ["price_products"]
        )
    if p.value("catalog.unpriced") > 0:
        detail = ngettext(
            "%(count)s %(items)s has no selling price: the potential margin leaves it out.",
            "%(count)s %(items)s have no selling price: the potential margin leaves them out.",
            int(p.value("catalog.unpriced")),
        ) % {
            "count": p["catalog.unpriced"],
            "items": p.items("catalog.unpriced"),
        }
        return Insight(
            "unpriced", _("Missing selling prices"), detail, INFO, ["catalog.unpriced"], 40, ["price_products"]
        )
    return None


def _counting(p: Phrasing) -> Insight:
    status = p.sheet.count_status
    if status is None:
        detail = _("The count of %(month)s has not started yet.") % {"month": p.month}
        return Insight(
            "count_not_started", _("Count to start"), detail, WARNING, ["counting.counted"], 85, ["count_month"]
        )
    if status == CountStatus.CLOSED:
        detail = _("The count of %(month)s is closed: %(counted)s products counted.") % {
            "month": p.month,
            "counted": p["counting.counted"],
        }
        return Insight("count_closed", _("Month closed"), detail, INFO, ["counting.counted"], 20, ["export_month"])
    if p.has("counting.progress") and p.value("counting.progress") < 100:
        detail = _("%(progress)s of the catalog counted in %(month)s (%(counted)s of %(active)s).") % {
            "progress": p["counting.progress"],
            "month": p.month,
            "counted": p["counting.counted"],
            "active": p["catalog.active"],
        }
        facts = ["counting.progress", "counting.counted", "catalog.active"]
        return Insight("count_in_progress", _("Count in progress"), detail, INFO, facts, 50, ["count_month"])
    detail = _("Everything is counted for %(month)s: close the month to freeze its value.") % {"month": p.month}
    return Insight(
        "count_complete", _("Count complete"), detail, INFO, ["counting.counted"], 55, ["count_month", "export_month"]
    )


def _stock_value(p: Phrasing) -> Insight:
    if not p.has("stock.value"):
        detail = _("%(lines)s lines counted this month.") % {"lines": p["stock.lines"]}
        return Insight("stock_lines", _("Stock counted"), detail, INFO, ["stock.lines"], 10)
    if p.has("stock.value_change_percent"):
        change = p.value("stock.value_change_percent")
        values = {"value": p["stock.value"], "percent": p["stock.value_change_percent"].lstrip("-")}
        if change >= 0:
            detail = _("The stock is worth %(value)s, up %(percent)s on last month.") % values
        else:
            detail = _("The stock is worth %(value)s, down %(percent)s on last month.") % values
        big = abs(change) >= 15
        facts = ["stock.value", "stock.value_change_percent"]
        return Insight(
            "stock_value_change",
            _("Stock value"),
            detail,
            WARNING if abs(change) >= 30 else INFO,
            facts,
            40 if big else 12,
            ["export_month"],
        )
    detail = _("The stock is worth %(value)s.") % {"value": p["stock.value"]}
    return Insight("stock_value", _("Stock value"), detail, INFO, ["stock.value"], 11, ["export_month"])


def _concentration(p: Phrasing) -> Insight | None:
    if not p.has("category.top.share") or p.value("category.count") < 2 or p.value("category.top.share") < 50:
        return None
    detail = _("“%(category)s” holds %(share)s of the stock value (%(value)s).") % {
        "category": p.sheet.top_category,
        "share": p["category.top.share"],
        "value": p["category.top.value"],
    }
    return Insight(
        "concentration", _("Value concentrated"), detail, INFO, ["category.top.share", "category.top.value"], 30
    )


def _minimums(p: Phrasing) -> Insight | None:
    if p.value("catalog.no_minimum") <= 0 or p.value("alerts.low_stock.count") > 0:
        return None
    detail = ngettext(
        "%(count)s %(items)s has no minimum quantity: no alert can warn you before it runs out.",
        "%(count)s %(items)s have no minimum quantity: no alert can warn you before they run out.",
        int(p.value("catalog.no_minimum")),
    ) % {
        "count": p["catalog.no_minimum"],
        "items": p.items("catalog.no_minimum"),
    }
    return Insight("no_minimum", _("Minimums to set"), detail, INFO, ["catalog.no_minimum"], 45, ["set_minimums"])


def _credits_overdue(p: Phrasing) -> Insight | None:
    if not p.sheet.credits_included or p.value("credits.overdue") <= 0:
        return None
    detail = ngettext(
        "%(customers)s customer is past a due date: %(overdue)s overdue, out of %(outstanding)s owed.",
        "%(customers)s customers are past a due date: %(overdue)s overdue, out of %(outstanding)s owed.",
        int(p.value("credits.customers_overdue")),
    ) % {
        "customers": p["credits.customers_overdue"],
        "overdue": p["credits.overdue"],
        "outstanding": p["credits.outstanding"],
    }
    half = p.value("credits.overdue") * 2 >= p.value("credits.outstanding")
    facts = ["credits.customers_overdue", "credits.overdue", "credits.outstanding"]
    actions = ["remind_overdue_customers", "open_overdue_customers", "credit_reminder_settings"]
    return Insight("credits_overdue", _("Overdue credits"), detail, CRITICAL if half else WARNING, facts, 88, actions)


def _credits_old(p: Phrasing) -> Insight | None:
    if not p.sheet.credits_included or p.value("credits.ageing.90_plus") <= 0:
        return None
    # In words: a figure in a sentence must be a fact's (services/grounding.py).
    detail = _(
        "%(value)s is owed on credits older than three months: the longer a debt waits, the less it is paid."
    ) % {"value": p["credits.ageing.90_plus"]}
    return Insight(
        "credits_old", _("Old debts"), detail, WARNING, ["credits.ageing.90_plus"], 75, ["open_overdue_customers"]
    )


def _credits_outstanding(p: Phrasing) -> Insight | None:
    if not p.sheet.credits_included:
        return None
    values = {"outstanding": p["credits.outstanding"], "collected": p["credits.collected_this_month"]}
    if p.value("credits.outstanding") <= 0:
        detail = _("No customer owes you anything; %(collected)s collected this month.") % values
        facts = ["credits.outstanding", "credits.collected_this_month"]
        return Insight("credits_clear", _("Credit book"), detail, INFO, facts, 8)
    detail = ngettext(
        "%(customers)s customer owes you %(outstanding)s; %(collected)s collected this month.",
        "%(customers)s customers owe you %(outstanding)s; %(collected)s collected this month.",
        int(p.value("credits.customers_owing")),
    ) % {**values, "customers": p["credits.customers_owing"]}
    facts = ["credits.customers_owing", "credits.outstanding", "credits.collected_this_month"]
    return Insight("credits_outstanding", _("Credit book"), detail, INFO, facts, 25, ["open_credit_book"])


RULES = (
    _credits_overdue,
    _credits_old,
    _credits_outstanding,
    _expiry,
    _low_stock,
    _losses,
    _no_losses,
    _dead_stock,
    _missing_prices,
    _counting,
    _stock_value,
    _concentration,
    _minimums,
)
# Always given, so that a month with little to say still gets MIN_INSIGHTS.
_ALWAYS = {
    "count_not_started",
    "count_closed",
    "count_in_progress",
    "count_complete",
    "stock_value",
    "stock_value_change",
    "stock_lines",
    "losses",
    "losses_up",
    "no_losses",
}
_LOSS_KEYS = {"losses", "losses_up", "no_losses"}
_CREDIT_KEYS = {"credits_overdue", "credits_old", "credits_outstanding", "credits_clear"}

SUGGESTED_QUESTIONS = {
    "expiry": gettext_lazy("What should I do with the stock that reaches its date soon?"),
    "low_stock": gettext_lazy("Which products should I reorder first?"),
    "losses_up": gettext_lazy("Why are my losses rising, and how do I reduce them?"),
    "losses": gettext_lazy("How do I reduce my losses?"),
    "dead_stock": gettext_lazy("What can I do with the stock that does not move?"),
    "uncosted": gettext_lazy("Why does a missing purchase price change my stock value?"),
    "count_not_started": gettext_lazy("How do I start this month's count quickly?"),
    "count_in_progress": gettext_lazy("What is left to count this month?"),
    "credits_overdue": gettext_lazy("How do I get the overdue credits paid?"),
    "credits_old": gettext_lazy("What should I do about debts older than three months?"),
    "credits_outstanding": gettext_lazy("How much of what my customers owe is due soon?"),
}
_DEFAULT_QUESTION = gettext_lazy("How has my stock changed since last month?")


def _ranked(insights: list[Insight], scope: str) -> list[Insight]:
    for insight in insights:
        if (scope == Scope.LOSSES and insight.key in _LOSS_KEYS) or (
            scope == Scope.CREDITS and insight.key in _CREDIT_KEYS
        ):
            insight.rank += 200
    return sorted(
        insights, key=lambda insight: (-(insight.rank >= 200), -_SEVERITY_RANK[insight.severity], -insight.rank)
    )


def deterministic_insights(sheet: FactSheet, *, scope: str) -> list[Insight]:
    phrasing = Phrasing(sheet)
    found = [insight for rule in RULES if (insight := rule(phrasing)) is not None]
    # An empty credit book is news only to whoever asks about it.
    found = [insight for insight in found if insight.key != "credits_clear" or scope == Scope.CREDITS]
    ranked = _ranked(found, scope)
    chosen = ranked[:MAX_INSIGHTS]
    if len(chosen) < MIN_INSIGHTS:
        chosen += [insight for insight in ranked[MAX_INSIGHTS:] if insight.key in _ALWAYS][: MIN_INSIGHTS - len(chosen)]
    return chosen


def fallback_answer(
    sheet: FactSheet, *, scope: str, role: str, where: str
) -> tuple[Answer, list[Insight], dict[str, Action]]:
    """The deterministic answer, the insights it rests on, and the actions the member may be offered."""
    insights = deterministic_insights(sheet, scope=scope)
    allowed = allowed_actions(sheet, role=role)
    action_ids: list[str] = []
    for insight in insights:
        for action_id in insight.actions:
            if action_id in allowed and action_id not in action_ids:
                action_ids.append(action_id)
    action_ids = action_ids[:MAX_ACTIONS]
    month = Phrasing(sheet).month
    if scope == Scope.CREDITS and not sheet.credits_included:
        message = _("The credit book is not among what you may see; here is what your stock says for %(month)s.") % {
            "month": month
        }
    elif scope == Scope.CREDITS:
        message = ngettext(
            "%(count)s point to watch in your credit book and stock for %(month)s.",
            "%(count)s points to watch in your credit book and stock for %(month)s.",
            len(insights),
        ) % {"count": len(insights), "month": month}
    elif scope == Scope.SUPPORT:
        message = _("Here is where %(where)s stands for %(month)s; ask a question to go further.") % {
            "where": where,
            "month": month,
        }
    else:
        message = ngettext(
            "%(count)s point to watch for %(where)s in %(month)s.",
            "%(count)s points to watch for %(where)s in %(month)s.",
            len(insights),
        ) % {"count": len(insights), "where": where, "month": month}
    top = insights[0].key if insights else ""
    answer = Answer(
        message=message,
        insights=[insight.as_dict() for insight in insights],
        actions=[allowed[action_id].as_dict() for action_id in action_ids],
        question=str(SUGGESTED_QUESTIONS.get(top, _DEFAULT_QUESTION)),
        action_ids=action_ids,
    )
    return answer, insights, allowed
