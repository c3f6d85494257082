"""The certification side's periodic job as its own task, with the time it needs on a big day
(the annual-review sweep runs for minutes when a whole cohort falls due)."""

from celery import shared_task
from django.utils import timezone

from certification.jobs import annual_reviews


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1860)
def annual_reviews_task() -> str:
    return annual_reviews(on=timezone.localdate())


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def platform_dispatch_task() -> str:
    """Send the platform messages that are due (queued after each change, and every minute by beat)."""
    from certification.platform.outbox import platform_dispatch

    return str(platform_dispatch())


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1860)
def platform_reconcile_task() -> str:
    from certification.platform.reconcile import platform_reconcile

    return platform_reconcile(on=timezone.localdate())
