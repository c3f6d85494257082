"""The annual review's reminders (30 and 7 days before the due date, and on it, each once) and the
`review_due` status, set by the daily job and by `run_jobs annual_reviews`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError

from applications.models import ApplicationStatus
from applications.services import annual_review_open
from certification.jobs import annual_reviews
from certification.models import CertificationStatus
from notifications.channels import LocMemSmsBackend
from notifications.models import DeliveryStatus, Notification
from tests.certification.annual_review_helpers import DUE, days, run, run_command
from tests.certification.helpers import at, certified, holder, notifications, reminder_stages, sms_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_calendar", "_empty_sms_outbox")]


def test_thirty_days_before_the_due_date_the_certification_becomes_review_due(certification):
    run(dt.date(2026, 12, 1))

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVIEW_DUE


def test_thirty_days_before_the_due_date_the_first_reminder_is_sent(certification, person):
    run(dt.date(2026, 12, 1))

    assert reminder_stages(certification) == ["d30"]
    (reminder,) = notifications(person, "annual_review_reminder")
    assert "2026年12月31日" in reminder.body
    assert "糖尿病" in reminder.body


def test_thirty_one_days_before_the_due_date_nothing_happens(certification):
    run(dt.date(2026, 11, 30))

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE
    assert reminder_stages(certification) == []


def test_replaying_the_same_day_sends_no_second_reminder(certification, person):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 1))

    assert reminder_stages(certification) == ["d30"]
    assert len(sms_to(person)) == 1


def test_seven_days_before_the_due_date_the_second_reminder_is_sent(certification):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 24))

    assert reminder_stages(certification) == ["d30", "d7"]


def test_on_the_due_date_the_third_reminder_is_sent(certification):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 24))
    run(dt.date(2026, 12, 31))

    assert reminder_stages(certification) == ["d30", "d7", "d0"]


def test_daily_runs_replayed_twice_a_day_send_each_reminder_exactly_once(certification, person):
    for day in days(dt.date(2026, 11, 25), dt.date(2027, 1, 10)):
        run(day)
        run(day)

    assert reminder_stages(certification) == ["d30", "d7", "d0"]
    assert len(sms_to(person)) == 3


def test_run_jobs_command_sends_each_reminder_once_across_replays(certification, person):
    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 24), dt.date(2026, 12, 31)):
        run_command(day)
        run_command(day)
    # An operator replays the whole month afterwards: nothing new goes out.
    for day in days(dt.date(2026, 12, 1), dt.date(2026, 12, 31)):
        run_command(day, today=dt.date(2027, 1, 2))

    assert reminder_stages(certification) == ["d30", "d7", "d0"]
    assert len(sms_to(person)) == 3


def test_run_jobs_refuses_to_act_as_a_future_day_outside_demo_mode(certification, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="later than today"):
        run_command(dt.date(2026, 12, 1), today=dt.date(2026, 11, 30))

    assert reminder_stages(certification) == []


def test_in_demo_mode_run_jobs_may_act_as_a_future_day(certification, settings):
    settings.DEMO_MODE = True  # a newcomer reaches the end of an announcement period at once
    run_command(dt.date(2026, 12, 1), today=dt.date(2026, 11, 30))
    assert reminder_stages(certification) == ["d30"]


def test_a_missed_thirty_day_run_is_caught_up_on_the_next_run(certification):
    # The job did not run on 12-01; its first run is on 12-05.
    run(dt.date(2026, 12, 5))

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVIEW_DUE
    assert reminder_stages(certification) == ["d30"]


def test_a_caught_up_reminder_states_the_days_really_left(certification, person):
    run(dt.date(2026, 12, 5))

    (reminder,) = notifications(person, "annual_review_reminder")
    assert "30天后" not in reminder.body


def test_a_caught_up_reminder_is_never_sent_again(certification, person):
    for day in days(dt.date(2026, 12, 5), dt.date(2026, 12, 23)):
        run(day)

    assert reminder_stages(certification) == ["d30"]
    assert len(sms_to(person)) == 1


def test_reminders_go_out_by_sms_too(certification, person):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 24))
    run(dt.date(2026, 12, 31))

    texts = sms_to(person)
    assert len(texts) == 3
    assert all("年度复核" in text for text in texts)
    # SMS carries no disease name (sensitive medical data).
    assert not any("糖尿病" in text for text in texts)


def test_bulk_created_reminders_are_marked_delivered(certification):
    run(dt.date(2026, 12, 1))

    (reminder,) = Notification.objects.filter(kind="annual_review_reminder")
    assert reminder.sms_status == DeliveryStatus.SENT
    assert reminder.delivery_attempts == 1


def test_one_reminder_per_certification_in_a_batch(person):
    others = [certified(holder(), due=DUE) for _ in range(3)]
    mine = certified(person, due=DUE)

    run(dt.date(2026, 12, 1))

    for certification in [*others, mine]:
        assert reminder_stages(certification) == ["d30"]
    assert len(LocMemSmsBackend.outbox) == 4


def test_no_reminder_while_an_annual_review_is_open(certification, person):
    with at(dt.date(2026, 12, 1)):
        annual_review_open(certification=certification, user=person)

    run(dt.date(2026, 12, 1))

    assert reminder_stages(certification) == []
    assert sms_to(person) == []


def test_reminders_resume_when_the_open_review_is_withdrawn(certification, person):
    with at(dt.date(2026, 12, 1)):
        review = annual_review_open(certification=certification, user=person)
    run(dt.date(2026, 12, 1))
    review.status = ApplicationStatus.WITHDRAWN
    review.save(update_fields=["status"])

    run(dt.date(2026, 12, 2))

    assert reminder_stages(certification) == ["d30"]


@pytest.mark.parametrize("status", [CertificationStatus.REVOKED, CertificationStatus.LAPSED])
def test_a_dead_certification_gets_no_reminder(person, status):
    certification = certified(person, due=DUE, status=status)

    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 24), dt.date(2026, 12, 31)):
        run(day)

    certification.refresh_from_db()
    assert certification.status == status
    assert reminder_stages(certification) == []
    assert sms_to(person) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_report_counts_the_reminders_this_run_recorded_and_queued(certification, person):
    # Committed for real (no test transaction): the deliveries are queued as each batch commits.
    with at(dt.date(2026, 12, 1), hour=7):
        first = annual_reviews(on=dt.date(2026, 12, 1))
        replay = annual_reviews(on=dt.date(2026, 12, 1))

    assert first == "1 marked review_due, 1 reminders recorded (1 queued), 0 lapsed, 0 ended at the end of their period"
    assert (
        replay == "0 marked review_due, 0 reminders recorded (0 queued), 0 lapsed, 0 ended at the end of their period"
    )
    assert len(sms_to(person)) == 1
