from django_tasks import task


@task()
def password_reset_send(email: str, language: str) -> None:
    """Looks the address up and emails its reset link, if it has one: outside the request, so
    the answer takes the same time whether the address has an account or not."""
    from stockscan.accounts.services import password_reset_email  # the services queue this task

    password_reset_email(email=email, language=language)
