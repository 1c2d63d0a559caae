"""The activity feed's words: each app registers, for the audit actions it writes, the
sentence a person reads (« Awa a supprimé une perte »). core holds the registry and imports
no app; apps fill it from their AppConfig.ready."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from stockscan.core.models import AuditEntry

_SENTENCES: dict[str, tuple[str, Callable[[AuditEntry], dict] | None]] = {}


def register_activity(action: str, sentence: str, details: Callable[[AuditEntry], dict] | None = None) -> None:
    """`sentence` (lazily translated) names `%(actor)s` and any key `details(entry)` returns."""
    _SENTENCES[action] = (sentence, details)


def activity_actions() -> list[str]:
    return sorted(_SENTENCES)


def activity_kinds() -> list[str]:
    return sorted({action.split(".", 1)[0] for action in _SENTENCES})


def actor_name(entry: AuditEntry) -> str:
    if entry.actor_id is None:
        # Written by the system (a Stripe event, a scheduled job): accounts are never deleted.
        return _("StockScan")
    actor = entry.actor
    return actor.get_full_name() or actor.username


def activity_message(entry: AuditEntry) -> str:
    sentence, details = _SENTENCES[entry.action]
    # `sentence % …`, not `str(sentence) % …`: a plural sentence (ngettext_lazy with a number
    # key) picks its form from the values.
    return str(sentence % {"actor": actor_name(entry), **(details(entry) if details else {})})
