from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from stockscan.mail.models import EmailStatus, OutboundEmail

# A row left "sending" longer than this lost its sender (a worker killed mid-send) and is sent
# again. Far above the transport's HTTP timeout (anymail's REQUESTS_TIMEOUT, 30 s).
SENDING_STALE_AFTER = timedelta(minutes=15)


def emails_due(now) -> QuerySet:
    """Rows to send now: queued and due, or abandoned while sending."""
    return OutboundEmail.objects.with_scopes_disabled().filter(
        Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now)
        | Q(status=EmailStatus.SENDING, claimed_at__lte=now - SENDING_STALE_AFTER)
    )


def due_email_ids(*, limit: int) -> list[int]:
    """The emails the sweeper sends now, oldest due first."""
    due = emails_due(timezone.now()).order_by("next_attempt_at", "id")
    return list(due.values_list("pk", flat=True)[:limit])
