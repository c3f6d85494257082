"""The certification side's periodic job as its own task, with the time it needs on a big day
(the annual-review sweep runs for minutes when a whole cohort falls due)."""

from celery import shared_task
from django.utils import timezone

from certification.jobs import annual_reviews


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1860)
def annual_reviews_task() -> str:
    return annual_reviews(on=timezone.localdate())
