"""A task for the core task-queue tests: it records each run in the audit log, a real table."""

from django_tasks import task

from stockscan.core.audit import audit_record


@task()
def record_run(tenant_id: int, label: str) -> None:
    audit_record(tenant_id=tenant_id, actor=None, action=f"test.task_ran.{label}")
