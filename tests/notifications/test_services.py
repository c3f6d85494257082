import datetime as dt
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from notifications.channels import LocMemSmsBackend
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import (
    MAX_DELIVERY_ATTEMPTS,
    notification_deliver,
    notification_send,
    notifications_requeue_pending,
    notify_officers,
)
from tests.api import bearer_client
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db

ACCEPTED_SMS = "【医保慢特病】您的申请MT1已受理，请登录查看评审进度。"


@pytest.fixture(autouse=True)
def _empty_outbox():
    LocMemSmsBackend.outbox.clear()


def send(user, key="k1"):
    return notification_send(
        user=user,
        kind=NotificationKind.ACCEPTED,
        params={"reference": "MT1", "working_days": 20, "deadline": dt.date(2026, 12, 30)},
        dedupe_key=key,
    )


def test_notification_is_recorded_from_the_catalogue_and_sent_by_sms_on_commit(django_capture_on_commit_callbacks):
    user = UserFactory(phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
    notification.refresh_from_db()
    assert (notification.kind, notification.title) == ("accepted", "申请MT1已受理")
    assert "2026年12月30日" in notification.body
    assert notification.sms_status == DeliveryStatus.SENT
    assert LocMemSmsBackend.outbox == [("13912345678", ACCEPTED_SMS)]


def test_nothing_is_sent_before_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(UserFactory())
    assert LocMemSmsBackend.outbox == []
    assert len(callbacks) == 1


def test_same_event_never_notifies_twice(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert send(user) is not None
        assert send(user) is None
    assert Notification.objects.count() == 1
    assert len(LocMemSmsBackend.outbox) == 1


def test_delivering_twice_sends_once():
    notification = send(UserFactory())
    notification_deliver(notification_id=notification.pk)
    notification_deliver(notification_id=notification.pk)
    assert len(LocMemSmsBackend.outbox) == 1


def test_a_delivery_finding_the_row_claimed_by_another_run_sends_nothing():
    notification = send(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(claimed_until=timezone.now() + dt.timedelta(minutes=4))
    assert notification_deliver(notification_id=notification.pk) is None
    notification.refresh_from_db()
    assert (notification.sms_status, notification.delivery_attempts) == (DeliveryStatus.PENDING, 0)
    assert LocMemSmsBackend.outbox == []


def test_a_claim_left_by_a_run_that_died_expires_and_the_next_run_sends():
    notification = send(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1), delivery_attempts=1
    )
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.sms_status, notification.delivery_attempts, notification.claimed_until) == (
        DeliveryStatus.SENT,
        2,
        None,
    )


@override_settings(NOTIFY_EMAIL=True)
def test_email_sent_when_enabled_and_address_known():
    user = UserFactory(email="zhang@example.cn")
    notification = send(user)
    notification_deliver(notification_id=notification.pk)
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    assert mail.outbox[0].body == ACCEPTED_SMS  # the neutral text, never the in-app body
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT


def test_email_skipped_by_default():
    notification = send(UserFactory(email="zhang@example.cn"))
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_gateway_failure_keeps_sms_pending_releases_the_claim_and_raises_for_retry():
    notification = send(UserFactory())
    with mock.patch.object(LocMemSmsBackend, "send", side_effect=ConnectionError("gateway down")):
        with pytest.raises(ConnectionError):
            notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.PENDING
    assert notification.delivery_attempts == 1
    assert notification.claimed_until is None  # the task's retry may claim it at once


def test_gateway_failure_gives_up_after_max_attempts():
    notification = send(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(delivery_attempts=MAX_DELIVERY_ATTEMPTS - 1)
    with mock.patch.object(LocMemSmsBackend, "send", side_effect=ConnectionError("gateway down")):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.FAILED


def test_pending_deliveries_are_requeued_by_the_sweeper():
    notification = send(UserFactory())  # on_commit not run: the delivery was never queued
    Notification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at - dt.timedelta(minutes=10)
    )
    assert notifications_requeue_pending(older_than=dt.timedelta(minutes=5)) == 1
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.SENT  # eager Celery in tests ran the delivery


def test_the_sweeper_leaves_a_delivery_that_is_being_sent_alone():
    notification = send(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at - dt.timedelta(minutes=10),
        claimed_until=timezone.now() + dt.timedelta(minutes=1),
    )
    assert notifications_requeue_pending(older_than=dt.timedelta(minutes=5)) == 0


def test_officers_are_each_told_once():
    first, second = officer(), officer()
    UserFactory(is_staff=True)  # staff, not an officer: not told
    for _ in range(2):
        notify_officers(kind=NotificationKind.SPLIT, params={"reference": "MT1"}, dedupe_key="split:1")
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted([first.pk, second.pk])


def test_sms_text_never_names_the_disease():
    from applications.services import application_check
    from tests.factories import ApplicationFactory, DiseaseFactory

    application = ApplicationFactory(submitted=True, disease=DiseaseFactory(name="艾滋病"))
    application_check(application_id=application.pk)
    texts = list(Notification.objects.values_list("short_text", flat=True))
    assert texts and all("艾滋病" not in text for text in texts)


def test_api_lists_only_own_notifications_and_marks_read():
    user, other = UserFactory(), UserFactory()
    mine = send(user)
    send(other, key="other")
    client = bearer_client(user)
    body = client.get("/api/v1/notifications/").json()
    assert [n["id"] for n in body["results"]] == [mine.pk]
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["read_at"]
    other_id = Notification.objects.get(user=other).pk
    assert client.post(f"/api/v1/notifications/{other_id}/read/").status_code == 404


# --- no lock across the gateway call (PostgreSQL: row locks) ---------------------------------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_row_lock_is_held_while_the_sms_gateway_is_called():
    notification = NotificationFactory()  # recorded, its delivery not run yet
    seen: dict[str, object] = {}

    def gateway(*, phone: str, text: str) -> None:
        # Another connection (another worker, an officer's page) must get the row at once.
        def other() -> None:
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute(
                        f"SELECT id FROM {Notification._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT",
                        [notification.pk],
                    )
                    seen["locked"] = False
            except Exception as exc:  # LockNotAvailable if the delivery held the row
                seen["locked"] = type(exc).__name__
            try:
                seen["second_run"] = notification_deliver(notification_id=notification.pk)
            finally:
                connections.close_all()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=20)

    with mock.patch.object(LocMemSmsBackend, "send", side_effect=gateway):
        notification_deliver(notification_id=notification.pk)

    assert seen["locked"] is False
    assert seen["second_run"] is None  # the concurrent run found the claim and sent nothing
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.SENT


def test_the_agent_gets_every_sms_the_applicant_gets_about_the_application_and_no_officer_message(
    django_capture_on_commit_callbacks,
):
    from tests.factories import ApplicationFactory

    applicant = UserFactory(phone="13912345678")
    application = ApplicationFactory(
        applicant=applicant, agent_name="王五", agent_phone="13800138000", agent_relationship="子女"
    )
    application.agent_id_number = "620902199002031234"
    application.save()
    staff = officer()
    with django_capture_on_commit_callbacks(execute=True):
        to_applicant = notification_send(
            user=applicant,
            kind=NotificationKind.ACCEPTED,
            params={"reference": "MT1", "working_days": 20, "deadline": dt.date(2026, 12, 30)},
            dedupe_key="accepted",
            application=application,
        )
        notify_officers(
            kind=NotificationKind.CHECK_STUCK,
            params={"reference": "MT1", "attempts": 5},
            dedupe_key="stuck",
            application=application,
        )
    assert to_applicant is not None
    to_applicant.refresh_from_db()
    assert to_applicant.agent_sms_status == DeliveryStatus.SENT
    assert [(phone, text) for phone, text in LocMemSmsBackend.outbox if phone != staff.phone] == [
        ("13912345678", ACCEPTED_SMS),
        ("13800138000", ACCEPTED_SMS),
    ]
    officer_copy = Notification.objects.get(user=staff)
    assert officer_copy.agent_sms_status == DeliveryStatus.SKIPPED


def test_without_an_agent_the_agent_copy_is_skipped(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(UserFactory(phone="13912345678"))
    notification.refresh_from_db()
    assert notification.agent_sms_status == DeliveryStatus.SKIPPED
