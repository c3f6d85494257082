"""A case has one deadline: when the calendar of a year is entered or changed, the stored deadlines still
running (review cases, announcement periods, remote filings) are recomputed, and the API never shows
two different ones."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from certification.remote import remote_filing_decide_by
from reviews.announcements import announcement_ends_on
from reviews.calendar import working_days_add
from reviews.deadlines import calendar_day_remove, calendar_day_update, calendar_year_update
from reviews.models import CalendarDay, CalendarDayKind, CalendarYear, ClockSuspension
from tests.api import bearer_client
from tests.certification.factories import RemoteFilingFactory
from tests.reviews.factories import AnnouncementBatchFactory
from tests.reviews.review_helpers import accepted, at, category, expert

pytestmark = pytest.mark.django_db

ACCEPTED_ON = dt.date(2026, 12, 28)  # a Monday: the 20 working days run into 2027, a provisional year
NEW_HOLIDAY = dt.date(2027, 1, 4)  # a Monday inside that period


@pytest.fixture
def case(official_calendar):
    cat = category()
    expert(cat), expert(cat)
    return accepted(cat=cat, on=ACCEPTED_ON)


def holiday(day: dt.date, name: str = "测试假日") -> CalendarDay:
    return CalendarDay(date=day, kind=CalendarDayKind.HOLIDAY, name=name)


def shown(application) -> tuple[str, str]:
    body = bearer_client(application.applicant).get(f"/api/v1/applications/{application.pk}/").json()
    return body["review_deadline"], body["deadline_explanation"]["deadline"]


def test_a_holiday_entered_inside_a_running_period_moves_the_stored_deadline(case):
    before = case.review_deadline
    assert before > NEW_HOLIDAY

    recomputed = calendar_day_update(day=holiday(NEW_HOLIDAY))

    case.refresh_from_db()
    assert case.review_deadline == working_days_add(start=ACCEPTED_ON, days=20).deadline
    assert case.review_deadline > before
    assert recomputed.review_deadlines == 1
    assert shown(case) == (case.review_deadline.isoformat(),) * 2


def test_removing_the_day_again_moves_it_back(case):
    before = case.review_deadline
    calendar_day_update(day=holiday(NEW_HOLIDAY))
    calendar_day_remove(day=CalendarDay.objects.get(date=NEW_HOLIDAY))
    case.refresh_from_db()
    assert case.review_deadline == before
    assert shown(case) == (before.isoformat(),) * 2


def test_marking_the_year_official_recomputes_with_its_days_alone(case):
    # Official 2027 without any row: 元旦 (provisional until now) becomes a working day.
    before = case.review_deadline
    calendar_year_update(year=CalendarYear(year=2027, is_official=True, source="测试"))
    case.refresh_from_db()
    assert case.review_deadline < before
    assert shown(case) == (case.review_deadline.isoformat(),) * 2


def test_the_working_days_of_a_finished_clock_stop_are_recounted(case):
    ClockSuspension.objects.create(
        application=case, started_on=dt.date(2027, 1, 1), ended_on=dt.date(2027, 1, 6), working_days=3
    )
    calendar_day_update(day=holiday(NEW_HOLIDAY))
    assert ClockSuspension.objects.get(application=case).working_days == 2  # 1/5 and 1/6; 1/1 and 1/4 off


def test_a_finished_case_keeps_the_deadline_it_had(case):
    type(case).objects.filter(pk=case.pk).update(status="approved")
    before = case.review_deadline
    calendar_day_update(day=holiday(NEW_HOLIDAY))
    case.refresh_from_db()
    assert case.review_deadline == before


def test_a_running_announcement_period_is_recomputed_and_a_closed_one_is_not(official_calendar):
    published = dt.date(2026, 12, 31)
    running = AnnouncementBatchFactory(published_on=published, ends_on=announcement_ends_on(published_on=published))
    closed = AnnouncementBatchFactory(
        region_code="620901", published_on=published, ends_on=running.ends_on, closed_at=dt.datetime.now(tz=dt.UTC)
    )
    before = running.ends_on
    calendar_day_update(day=holiday(NEW_HOLIDAY))
    running.refresh_from_db()
    closed.refresh_from_db()
    assert running.ends_on == announcement_ends_on(published_on=published) > before
    assert closed.ends_on == before


def test_a_pending_remote_filing_gets_its_time_limit_recomputed(official_calendar):
    with at(dt.date(2026, 12, 31)):
        filing = RemoteFilingFactory(long_term=True, decide_by=remote_filing_decide_by(filed_on=dt.date(2026, 12, 31)))
    before = filing.decide_by
    calendar_day_update(day=holiday(NEW_HOLIDAY))
    filing.refresh_from_db()
    assert filing.decide_by > before


def test_the_admin_change_recomputes_and_says_how_many(case, admin_client):
    response = admin_client.post(
        "/admin/reviews/calendarday/add/",
        {"date": NEW_HOLIDAY.isoformat(), "kind": CalendarDayKind.HOLIDAY, "name": "测试假日"},
    )
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("评审案件 1 件" in m for m in messages)
    case.refresh_from_db()
    assert shown(case) == (case.review_deadline.isoformat(),) * 2
