"""Periodic jobs of the applicant side. Each takes the day it acts as and returns a one-line report."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from applications.services import applications_requeue_stuck
from notifications.services import notifications_requeue_pending


def retry_stuck(*, on: dt.date) -> str:
    """Pick up work left in a state: unchecked submissions and undelivered notifications."""
    older_than = dt.timedelta(minutes=settings.STUCK_AFTER_MINUTES)
    checks = applications_requeue_stuck(older_than=older_than)
    deliveries = notifications_requeue_pending(older_than=older_than)
    return f"re-queued {checks} checks, {deliveries} notification deliveries"
