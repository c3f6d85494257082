"""The review side's periodic jobs, each as its own task with the time it needs."""

from celery import shared_task
from django.utils import timezone

from reviews.announcements import announcements_daily
from reviews.cohorts import statistics_warm
from reviews.jobs import sla_sweep


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def sla_sweep_task() -> str:
    return sla_sweep(on=timezone.localdate())


@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def announcements_daily_task() -> str:
    return announcements_daily(on=timezone.localdate())


@shared_task(acks_late=True, soft_time_limit=240, time_limit=270)
def statistics_warm_task() -> str:
    return statistics_warm(on=timezone.localdate())
