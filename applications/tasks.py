"""Thin Celery tasks: take ids, call one service of the same name, safe to run twice."""

from celery import shared_task
from django.db import DatabaseError

from applications import notifications, services

RETRY = {
    "autoretry_for": (DatabaseError, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(acks_late=True, **RETRY)
def application_check_task(application_id: str) -> None:
    services.application_check(application_id=application_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=7)
def notification_deliver_task(notification_id: int) -> None:
    notifications.notification_deliver(notification_id=notification_id)
