import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import OFFICERS
from notifications.models import Notification
from reviews.calendar import calendar_seed
from reviews.jobs import sla_sweep
from reviews.models import ReviewAssignment
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def calendar_2026():
    calendar_seed(years=[2026])


@pytest.fixture
def officer():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICERS))
    return user


def case(deadline, decided=False):
    application = ApplicationFactory(under_review=True, review_deadline=deadline, review_round=1)
    expert = UserFactory(is_staff=True)
    ReviewAssignment.objects.create(
        application=application, expert=expert, round=1, decision="approve" if decided else ""
    )
    return application, expert


def test_expert_reminded_when_five_working_days_left():
    # 2026-10-22 is 5 working days after 2026-10-15 (Thu): 16, 19, 20, 21, 22.
    _application, expert = case(dt.date(2026, 10, 22))
    sla_sweep(on=dt.date(2026, 10, 15))
    assert Notification.objects.filter(user=expert, kind="sla_reminder").count() == 1


def test_no_reminder_with_more_working_days_left_across_the_holiday():
    # 17 calendar days, but National Day (10/1-10/7) is off: 9/30, 10/8, 10/9, 10/10 (make-up day) and
    # 10/12-10/16 leave 9 working days, so no reminder yet.
    _application, expert = case(dt.date(2026, 10, 16))
    sla_sweep(on=dt.date(2026, 9, 29))
    assert not Notification.objects.filter(user=expert).exists()


def test_reminder_sent_once_across_replays_of_the_same_day():
    _application, expert = case(dt.date(2026, 10, 22))
    for _ in range(2):
        call_command("run_jobs", "sla_sweep", "--on", "2026-10-16", stdout=StringIO())
    call_command("run_jobs", "sla_sweep", "--on", "2026-10-19", stdout=StringIO())
    assert Notification.objects.filter(user=expert, kind="sla_reminder").count() == 1


def test_decided_experts_are_not_reminded():
    _application, expert = case(dt.date(2026, 10, 22), decided=True)
    sla_sweep(on=dt.date(2026, 10, 20))
    assert not Notification.objects.filter(user=expert).exists()


def test_overdue_case_flagged_and_officers_told_once(officer):
    application, expert = case(dt.date(2026, 10, 22))
    sla_sweep(on=dt.date(2026, 10, 23))
    sla_sweep(on=dt.date(2026, 10, 23))
    sla_sweep(on=dt.date(2026, 10, 26))
    application.refresh_from_db()
    assert application.overdue_since == dt.date(2026, 10, 23)
    assert Notification.objects.filter(user=officer, kind="sla_overdue_officers").count() == 1
    assert Notification.objects.filter(user=expert, kind="sla_overdue").count() == 1


def test_deadline_day_itself_is_not_overdue(officer):
    application, _expert = case(dt.date(2026, 10, 22))
    sla_sweep(on=dt.date(2026, 10, 22))
    application.refresh_from_db()
    assert application.overdue_since is None
    assert not Notification.objects.filter(user=officer).exists()


def test_cases_waiting_for_supplement_are_not_swept(officer):
    application = ApplicationFactory(needs_supplement=True, review_deadline=dt.date(2026, 10, 1))
    sla_sweep(on=dt.date(2026, 10, 23))
    application.refresh_from_db()
    assert application.overdue_since is None


def test_sweep_query_count_does_not_grow_with_cases(django_assert_max_num_queries):
    for _ in range(3):
        case(dt.date(2026, 12, 31))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        sla_sweep(on=dt.date(2026, 11, 2))
    for _ in range(12):
        case(dt.date(2026, 12, 31))
    with CaptureQueriesContext(connection) as many:
        sla_sweep(on=dt.date(2026, 11, 2))
    assert len(many) == len(few)
