from django_tasks import task


@task()
def process_stripe_event(event_id: int) -> None:
    """Processes one stored Stripe event (by row id); a no-op if it already ran or is not due."""
    from stockscan.billing.services.events import stripe_event_process  # the services queue this task

    stripe_event_process(event_id=event_id)
