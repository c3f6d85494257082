from celery import shared_task
from django.utils import timezone

from config.jobs import job_run


@shared_task(acks_late=True)
def run_job_task(name: str) -> str:
    return job_run(name=name, on=timezone.localdate())
