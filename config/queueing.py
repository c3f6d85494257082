"""Queue Celery work after the transaction commits, never losing the commit to a broker outage.

If the broker is down the task is not sent; the row stays in its state and the `retry_stuck` job
queues it again. The request that caused it still succeeds: what the applicant did is committed.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def send_task_safely(task: Task, *args: Any) -> bool:
    try:
        task.apply_async(args=args)
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning("could not queue %s (%s); the retry_stuck job will pick it up", task.name, type(exc).__name__)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any) -> None:
    transaction.on_commit(lambda: send_task_safely(task, *args))
