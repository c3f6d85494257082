"""The daily jobs' bulk messages (`notifications_send_bulk`): each recorded once, its delivery queued
once, and the outcome counts only what this call inserted and what reached the broker: a row a
concurrent run inserted first is neither counted nor queued again here."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from notifications import services
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import BulkMessage, notification_send, notifications_send_bulk
from tests.concurrency import at_once, postgres_only
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REMINDER = NotificationKind.ANNUAL_REVIEW_REMINDER
PARAMS = {"disease": "糖尿病", "due": dt.date(2027, 1, 1), "when": "7天后", "grace_days": 30}


def reminders(*users, key: str = "reminder:1") -> list[BulkMessage]:
    return [BulkMessage(user_id=user.pk, dedupe_key=key, params=PARAMS) for user in users]


def test_bulk_messages_are_recorded_once_and_delivered(django_capture_on_commit_callbacks):
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = notifications_send_bulk(kind=REMINDER, messages=reminders(first, second))
    again = notifications_send_bulk(kind=REMINDER, messages=reminders(first, second))

    assert (outcome.recorded, outcome.queued) == (2, 2)
    assert (again.recorded, again.queued) == (0, 0)
    assert Notification.objects.filter(sms_status=DeliveryStatus.SENT).count() == 2
    assert "糖尿病" in Notification.objects.filter(user=first).get().body


def test_with_the_broker_down_the_messages_are_recorded_and_none_counted_as_queued(
    django_capture_on_commit_callbacks,
):
    users = [UserFactory(), UserFactory()]
    with (
        mock.patch("notifications.tasks.notification_deliver_task.apply_async", side_effect=OperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = notifications_send_bulk(kind=REMINDER, messages=reminders(*users))

    assert (outcome.recorded, outcome.queued) == (2, 0)
    assert str(outcome) == "2 recorded (0 queued for delivery)"
    assert Notification.objects.filter(sms_status=DeliveryStatus.PENDING).count() == 2  # for retry_stuck


def test_a_message_another_run_records_meanwhile_is_neither_counted_nor_queued_here(
    django_capture_on_commit_callbacks,
):
    ours, theirs = UserFactory(), UserFactory()
    render = services.message_render

    other_run: list[object] = []

    def other_run_wins(**kwargs):  # type: ignore[no-untyped-def]
        # After this run looked for existing rows and before it inserts, the other run records one.
        if not other_run:
            other_run.append(None)
            notification_send(user=theirs, kind=REMINDER, dedupe_key="reminder:1", params=PARAMS)
        return render(**kwargs)

    with (
        mock.patch.object(services, "message_render", side_effect=other_run_wins),
        mock.patch.object(services, "deliveries_queue", wraps=services.deliveries_queue) as queue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = notifications_send_bulk(kind=REMINDER, messages=reminders(ours, theirs))

    assert (outcome.recorded, outcome.queued) == (1, 1)
    queued = [notification_id for call in queue.call_args_list for notification_id in call.args[0]]
    assert queued.count(Notification.objects.get(user=theirs).pk) == 1  # by the other run only
    assert queued.count(Notification.objects.get(user=ours).pk) == 1
    assert Notification.objects.count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_report_each_reminder_once_between_them():
    users = [UserFactory() for _ in range(30)]
    both_looked = threading.Barrier(2)
    render = services.message_render
    waited: set[int] = set()

    def after_the_look_up(**kwargs):  # type: ignore[no-untyped-def]
        # Both runs have read "nothing recorded yet" before either inserts: the race, every time.
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_looked.wait(timeout=10)
        return render(**kwargs)

    with mock.patch.object(services, "message_render", side_effect=after_the_look_up):
        outcomes = at_once(*[lambda: notifications_send_bulk(kind=REMINDER, messages=reminders(*users))] * 2)

    assert sum(outcome.recorded for outcome in outcomes) == 30
    assert sum(outcome.queued for outcome in outcomes) == 30
    assert Notification.objects.filter(sms_status=DeliveryStatus.SENT).count() == 30
