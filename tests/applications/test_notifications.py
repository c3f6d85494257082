import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings

from applications.messaging import LocMemSmsBackend
from applications.models import DeliveryStatus, Notification
from applications.notifications import (
    MAX_DELIVERY_ATTEMPTS,
    notification_deliver,
    notification_send,
    notifications_requeue_pending,
)
from tests.applications.conftest import bearer_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox():
    LocMemSmsBackend.outbox.clear()


def send(user, key="k1", **overrides):
    values = {
        "user": user,
        "kind": "accepted",
        "title": "申请已受理",
        "body": "您的申请已受理。",
        "short_text": "【医保慢特病】您的申请已受理，请登录查看。",
        "dedupe_key": key,
    }
    values.update(overrides)
    return notification_send(**values)


def test_notification_is_recorded_and_sent_by_sms_on_commit(django_capture_on_commit_callbacks):
    user = UserFactory(phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.SENT
    assert LocMemSmsBackend.outbox == [("13912345678", "【医保慢特病】您的申请已受理，请登录查看。")]


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


@override_settings(NOTIFY_EMAIL=True)
def test_email_sent_when_enabled_and_address_known():
    user = UserFactory(email="zhang@example.cn")
    notification = send(user)
    notification_deliver(notification_id=notification.pk)
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT


def test_email_skipped_by_default():
    notification = send(UserFactory(email="zhang@example.cn"))
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_gateway_failure_keeps_sms_pending_and_raises_for_retry():
    notification = send(UserFactory())
    with mock.patch.object(LocMemSmsBackend, "send", side_effect=ConnectionError("gateway down")):
        with pytest.raises(ConnectionError):
            notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.PENDING
    assert notification.delivery_attempts == 1


def test_gateway_failure_gives_up_after_max_attempts():
    notification = send(UserFactory())
    type(notification).objects.filter(pk=notification.pk).update(delivery_attempts=MAX_DELIVERY_ATTEMPTS - 1)
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
