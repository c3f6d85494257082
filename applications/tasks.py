"""Thin Celery tasks: take ids, call one service of the same name, safe to run twice; and the
applicant side's periodic job (`retry_stuck`) as its own task with its own time limits."""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from applications import jobs, retention, services

RETRY = {
    "autoretry_for": (DatabaseError, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, **RETRY)
def application_check_task(application_id: str) -> None:
    services.application_check(application_id=application_id)


@shared_task(acks_late=True, soft_time_limit=100, time_limit=115)
def retry_stuck_task() -> str:
    # Runs every 2 minutes: it must end well before the next run starts.
    return jobs.retry_stuck(on=timezone.localdate())


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1860)
def retention_task() -> str:
    # Deletes in batches; a big backlog (the first run on an old database) may take many minutes.
    return retention.retention_sweep(on=timezone.localdate())
