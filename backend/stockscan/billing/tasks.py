from django_tasks import task

from stockscan.billing.services import events


@task()
def process_stripe_event(event_id: int) -> None:
    """Processes one stored Stripe event (by row id); a no-op if it already ran or is not due."""
    events.stripe_event_process(event_id=event_id)
