"""The sweep's two paths write the same rows: on PostgreSQL the set-based statements
(certification/sweep_sql.py: UPDATE … RETURNING feeding INSERT … SELECT of the events, the reminders one
INSERT … SELECT … ON CONFLICT DO NOTHING per page with the text rendered once per disease), elsewhere the
portable one (tests/certification/test_sweep_set_based.py runs it on SQLite). Here, on PostgreSQL, both run
on the same data, each in a transaction rolled back, and must leave the same statuses, events and
notifications."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection, transaction

from applications.services import annual_review_open
from certification import jobs
from certification.models import Certification, CertificationEvent, CertificationStatus
from notifications import services
from notifications.models import Notification
from tests.certification.annual_review_helpers import DUE
from tests.certification.helpers import at, certified, holder
from tests.factories import DiseaseFactory, HospitalFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_calendar", "_empty_sms_outbox"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's"),
]
MARK_DAY = dt.date(2026, 12, 1)  # 30 days before DUE


def state() -> tuple[list, list, list]:
    notifications = Notification.objects.values_list(
        "user_id",
        "application_id",
        "kind",
        "title",
        "body",
        "short_text",
        "dedupe_key",
        "read_at",
        "sms_status",
        "email_status",
        "agent_sms_status",
        "delivery_attempts",
        "claimed_until",
    )
    events = CertificationEvent.objects.values_list(
        "certification_id", "actor_id", "actor_label", "from_status", "to_status", "reason"
    )
    statuses = Certification.objects.values_list("pk", "status", "status_reason")
    return sorted(notifications, key=repr), sorted(events, key=repr), sorted(statuses, key=repr)


def sweep(day: dt.date, *, set_based: bool) -> tuple[str, tuple[list, list, list]]:
    with (
        transaction.atomic(),
        at(day, hour=7),
        mock.patch.object(jobs, "_set_based", return_value=set_based),
    ):
        report = jobs.annual_reviews(on=day)
        result = state()
        transaction.set_rollback(True)
    return report, result


@pytest.fixture
def mixed() -> list[Certification]:
    """Two diseases, due dates at each reminder stage and beyond the window, one with a review open, one
    whose benefit period ends before its due date, one revoked."""
    diabetes, hypertension = DiseaseFactory(name="糖尿病"), DiseaseFactory(name="高血压")
    hospital = HospitalFactory(level=3)
    certifications = [
        certified(holder(), disease=disease, hospital=hospital, due=due)
        for disease in (diabetes, hypertension)
        for due in (MARK_DAY, MARK_DAY + dt.timedelta(days=5), DUE, DUE, DUE + dt.timedelta(days=1))
    ]
    with at(MARK_DAY):
        annual_review_open(certification=certifications[2], user=certifications[2].holder)
    Certification.objects.filter(pk=certifications[3].pk).update(benefit_ends_on=DUE - dt.timedelta(days=1))
    Certification.objects.filter(pk=certifications[7].pk).update(status=CertificationStatus.REVOKED)
    return certifications


def test_both_paths_mark_and_remind_alike(mixed):
    portable = sweep(MARK_DAY, set_based=False)
    set_based = sweep(MARK_DAY, set_based=True)

    assert set_based == portable
    report, (notifications, events, statuses) = set_based
    # 10 certifications: one revoked, one whose period ends before its due date and two due after the
    # window are not marked; of the 6 marked, the one with a review open is not reminded.
    assert report.startswith("6 marked review_due, 5 reminders recorded")
    assert sum(status == CertificationStatus.REVIEW_DUE for _, status, _ in statuses) == 6
    assert sum(event[4] == CertificationStatus.REVIEW_DUE for event in events) == 6
    assert {row[6].rsplit(":", 1)[1] for row in notifications} == {"d0", "d7", "d30"}
    assert {"糖尿病", "高血压"} == {
        body.split("门诊")[0].removeprefix("您的") for *_, body, _ in [r[:6] for r in notifications]
    }


def test_both_paths_agree_on_a_later_day_and_on_a_rerun(mixed):
    later = MARK_DAY + dt.timedelta(days=2)
    with at(MARK_DAY, hour=7):
        jobs.annual_reviews(on=MARK_DAY)  # marked and reminded on the set-based path

    assert sweep(later, set_based=True) == sweep(later, set_based=False)
    rerun = sweep(MARK_DAY, set_based=True)
    assert rerun[0].startswith("0 marked review_due, 0 reminders recorded (0 queued), 0 lapsed")


def test_the_reminders_of_a_due_date_are_paged_and_each_page_queued(mixed, django_capture_on_commit_callbacks):
    # Pages of 2 certifications, tasks of 2 ids: every reminder recorded once and queued once.
    others = [
        certified(holder(), disease=mixed[0].disease, hospital=HospitalFactory(level=3), due=DUE) for _ in range(3)
    ]
    sent: list[object] = []
    with (
        mock.patch.object(jobs, "SET_BATCH", 2),
        mock.patch.object(services, "BULK_BATCH", 2),
        mock.patch.object(services, "send_task_safely", side_effect=lambda task, arg: sent.append(arg) or True),
        at(MARK_DAY, hour=7),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = jobs.annual_reviews(on=MARK_DAY)

    reminders = sorted(Notification.objects.values_list("pk", flat=True))
    assert report.startswith(f"{6 + len(others)} marked review_due, {5 + len(others)} reminders recorded")
    assert len(reminders) == 5 + len(others)
    queued = [pk for task in sent for pk in (task if isinstance(task, list) else [task])]
    assert sorted(queued) == reminders
    assert all(len(task) <= 2 for task in sent if isinstance(task, list))
