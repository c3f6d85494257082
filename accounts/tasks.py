"""Staff's background work: an Excel export too long to make while they wait (config/export_jobs.py)."""

from celery import shared_task
from django.utils import timezone

from config.export_jobs import export_job_run, exports_expire


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1860)
def export_job_task(job_id: str) -> str:
    job = export_job_run(job_id=job_id)
    return f"export {job.pk}: {job.status}, {job.rows_done} rows"


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def exports_expire_task() -> str:
    return exports_expire(on=timezone.localdate())
