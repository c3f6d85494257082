"""The annual-review sweep is set-based (certification/jobs.py): its number of queries depends on the
number of batches, never on the number of due certifications; each batch of reminders is queued for
delivery as one task; a day run twice changes nothing the second time; the texts are the catalogue's."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from certification import jobs
from certification.models import CertificationEvent, CertificationStatus
from notifications import services
from notifications.models import Notification, NotificationKind
from tests.certification.annual_review_helpers import DUE, run
from tests.certification.helpers import at, certified, holder
from tests.factories import DiseaseFactory, HospitalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_calendar", "_empty_sms_outbox")]
MARK_DAY = dt.date(2026, 12, 1)  # 30 days before DUE: marked review_due, the d30 reminder
LAPSE_DAY = DUE + dt.timedelta(days=31)  # past the 30-day grace period


def due_certifications(count: int, *, due: dt.date = DUE) -> list:
    disease, hospital = DiseaseFactory(name="糖尿病"), HospitalFactory(level=3)
    return [certified(holder(), disease=disease, hospital=hospital, due=due) for _ in range(count)]


def sweep_queries(day: dt.date) -> int:
    """The queries of one run of `day`, rolled back afterwards (the deliveries are not run)."""
    with transaction.atomic(), at(day, hour=7), CaptureQueriesContext(connection) as queries:
        jobs.annual_reviews(on=day)
        transaction.set_rollback(True)
    return len(queries)


def test_the_sweep_runs_the_same_queries_for_5_or_50_due_certifications():
    due_certifications(5)
    few = sweep_queries(MARK_DAY)
    due_certifications(45)
    many = sweep_queries(MARK_DAY)

    assert few == many


def test_lapsing_runs_the_same_queries_for_5_or_50_certifications():
    due_certifications(5)
    few = sweep_queries(LAPSE_DAY)
    due_certifications(45)
    many = sweep_queries(LAPSE_DAY)

    assert few == many


def test_each_batch_of_reminders_is_one_delivery_task(django_capture_on_commit_callbacks):
    certifications = due_certifications(25)
    sent: list[object] = []
    with (
        mock.patch.object(jobs, "BATCH", 10),
        mock.patch.object(services, "BULK_BATCH", 10),
        mock.patch.object(services, "send_task_safely", side_effect=lambda task, arg: sent.append(arg) or True),
        at(MARK_DAY, hour=7),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = jobs.annual_reviews(on=MARK_DAY)

    reminders = Notification.objects.filter(kind=NotificationKind.ANNUAL_REVIEW_REMINDER)
    assert report.startswith("25 marked review_due, 25 reminders recorded")
    assert [len(batch) for batch in sent] == [10, 10, 5]  # type: ignore[arg-type]
    assert sorted(pk for batch in sent for pk in batch) == sorted(reminders.values_list("pk", flat=True))  # type: ignore[attr-defined]
    assert CertificationEvent.objects.filter(to_status=CertificationStatus.REVIEW_DUE).count() == len(certifications)


def test_a_day_run_twice_changes_nothing_the_second_time():
    marked = due_certifications(3)
    overdue = due_certifications(2, due=DUE - dt.timedelta(days=61))
    run(MARK_DAY - dt.timedelta(days=60))  # the overdue ones are review_due, the others still active
    first = run(MARK_DAY)
    state = (
        sorted(Notification.objects.values_list("user_id", "dedupe_key", "body")),
        CertificationEvent.objects.count(),
    )

    second = run(MARK_DAY)

    assert first.startswith("3 marked review_due, 3 reminders recorded (0 queued), 2 lapsed")  # queued at commit
    assert second.startswith("0 marked review_due, 0 reminders recorded (0 queued), 0 lapsed")
    assert (
        sorted(Notification.objects.values_list("user_id", "dedupe_key", "body")),
        CertificationEvent.objects.count(),
    ) == state
    for certification in overdue:
        certification.refresh_from_db()
        assert certification.status == CertificationStatus.LAPSED
        changes = certification.events.order_by("at", "id").values_list("from_status", "to_status")
        assert [(source, target) for source, target in changes if source != target] == [
            ("", "active"),  # issued
            ("active", "review_due"),
            ("review_due", "lapsed"),
        ]
    for certification in marked:
        certification.refresh_from_db()
        assert certification.status == CertificationStatus.REVIEW_DUE


def test_the_texts_are_the_catalogues():
    certification = due_certifications(1)[0]
    run(MARK_DAY)
    run(LAPSE_DAY)

    reminder = Notification.objects.get(kind=NotificationKind.ANNUAL_REVIEW_REMINDER)
    lapsed = Notification.objects.get(kind=NotificationKind.CERTIFICATION_LAPSED)
    assert reminder.dedupe_key == f"annual-reminder:{certification.pk}:{DUE}:d30"
    assert reminder.body == (
        "您的糖尿病门诊慢特病待遇应于2026年12月31日（30天后）前完成年度资格复核，"
        "逾期30天未复核待遇将暂停。请在“我的凭证”中办理。"
    )
    assert lapsed.dedupe_key == f"lapsed:{certification.pk}:{DUE}"
    assert "糖尿病" in lapsed.body


def test_a_batch_delivery_sends_the_others_when_one_fails_and_then_raises_for_a_retry():
    delivered: list[int] = []

    def deliver(*, notification_id: int) -> None:
        delivered.append(notification_id)
        if notification_id == 2:
            raise ConnectionError("gateway down")

    with mock.patch.object(services, "notification_deliver", side_effect=deliver), pytest.raises(ConnectionError):
        services.notifications_deliver(notification_ids=[1, 2, 3])

    assert delivered == [1, 2, 3]
