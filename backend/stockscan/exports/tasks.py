from django_tasks import task


@task()
def send_emailed_export(job_id: int) -> None:
    """Builds and emails one queued export (`services.emailed_export_send`)."""
    from stockscan.exports.services import emailed_export_send  # the services queue this task

    emailed_export_send(job_id=job_id)
