"""Thin Celery tasks: take ids, call one service of the same name, safe to run twice.

Deliveries run on their own queue (`DELIVERY_QUEUE`, see CELERY_TASK_ROUTES) so that a day of a
million reminders never waits in front of the completeness checks.
"""

from celery import shared_task

from notifications import services


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=7,
    # A batch of the daily jobs (up to notifications.services.BULK_BATCH messages) fits in the limit.
    soft_time_limit=600,
    time_limit=660,
)
def notification_deliver_task(notification_id: int | list[int]) -> None:
    """One notification (its id) or a batch of them (a list of ids: the daily jobs queue one task per batch)."""
    if isinstance(notification_id, list):
        services.notifications_deliver(notification_ids=notification_id)
    else:
        services.notification_deliver(notification_id=notification_id)
