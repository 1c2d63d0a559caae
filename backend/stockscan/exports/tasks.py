from django_tasks import task

from stockscan.exports import services


@task()
def send_emailed_export(job_id: int) -> None:
    """Builds and emails one queued export (`services.emailed_export_send`)."""
    services.emailed_export_send(job_id=job_id)
