from django_tasks import task


@task()
def email_send(email_id: int) -> None:
    """Sends one outbox row; the row itself records the outcome and any retry."""
    from stockscan.mail.services import email_deliver  # the services queue this task

    email_deliver(email_id=email_id)
