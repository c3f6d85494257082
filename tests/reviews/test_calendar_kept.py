"""The working-day calendar kept between requests (`reviews.calendar._Kept`, `reviews.calendar_version`): a
second read of the same years costs no query, and every way the calendar is written — an officer's day,
a bulk seed, a notice, a queryset update or delete — is seen by the very next read; a write rolled back (the
notice's preview) leaves nothing behind; without the cache every read goes to the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from reviews import calendar
from reviews.calendar import calendar_day_save, calendar_seed, working_days_add
from reviews.calendar_notice import calendar_notice_apply, calendar_notice_parse, calendar_notice_preview
from reviews.models import CalendarDay, CalendarDayKind, CalendarYear

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2027, 3, 1)
WEDNESDAY = dt.date(2027, 3, 3)


def third_working_day() -> dt.date:
    """Counted from Monday 2027-03-01: Thursday the 4th, unless a day in between is off."""
    return working_days_add(start=MONDAY, days=3).deadline


def test_a_second_read_of_the_same_years_costs_no_query(django_assert_num_queries):
    third_working_day()
    with django_assert_num_queries(0):
        assert third_working_day() == dt.date(2027, 3, 4)


def test_rows_kept_too_long_are_read_again_and_kept_anew(monkeypatch, django_assert_num_queries):
    now = [1000.0]
    monkeypatch.setattr(calendar.time, "monotonic", lambda: now[0])
    third_working_day()
    now[0] += calendar.KEEP_SECONDS + 1
    with django_assert_num_queries(2):  # read again
        third_working_day()
    with django_assert_num_queries(0):  # and kept from then on
        assert third_working_day() == dt.date(2027, 3, 4)


def test_an_officers_day_is_seen_by_the_next_read(django_assert_num_queries):
    assert third_working_day() == dt.date(2027, 3, 4)
    calendar_day_save(day=CalendarDay(date=WEDNESDAY, kind=CalendarDayKind.HOLIDAY, name="测试假日"))
    assert third_working_day() == dt.date(2027, 3, 5)
    CalendarDay.objects.get(date=WEDNESDAY).delete()
    assert third_working_day() == dt.date(2027, 3, 4)


def test_a_queryset_update_and_delete_are_seen_by_the_next_read():
    CalendarDay.objects.create(date=WEDNESDAY, kind=CalendarDayKind.MAKEUP_WORKDAY, name="调休")
    assert third_working_day() == dt.date(2027, 3, 4)
    CalendarDay.objects.filter(date=WEDNESDAY).update(kind=CalendarDayKind.HOLIDAY)
    assert third_working_day() == dt.date(2027, 3, 5)
    CalendarDay.objects.filter(date=WEDNESDAY).delete()
    assert third_working_day() == dt.date(2027, 3, 4)


def test_a_bulk_seed_and_the_years_official_mark_are_seen_by_the_next_read():
    before = working_days_add(start=dt.date(2026, 9, 30), days=5)  # kept: 2026 provisional, statutory days only
    calendar_seed(years=[2026])  # the State Council's 2026 notice: 国庆 with its make-up days
    after = working_days_add(start=dt.date(2026, 9, 30), days=5)
    assert before.provisional and not after.provisional
    assert after.deadline != before.deadline
    CalendarYear.objects.filter(year=2026).update(is_official=False)
    assert working_days_add(start=dt.date(2026, 9, 30), days=5).provisional


def test_the_notices_preview_leaves_nothing_kept_and_its_apply_is_seen():
    notice = calendar_notice_parse(year=2027, holidays="测试假日 2027-03-03 2027-03-03", makeup_days="")
    assert third_working_day() == dt.date(2027, 3, 4)
    plan = calendar_notice_preview(notice=notice)  # written, read, rolled back
    assert third_working_day() == dt.date(2027, 3, 4)
    calendar_notice_apply(notice=notice, expected=plan.fingerprint)
    assert third_working_day() == dt.date(2027, 3, 5)


def test_after_a_preview_the_calendar_is_kept_again(django_assert_num_queries, django_capture_on_commit_callbacks):
    notice = calendar_notice_parse(year=2027, holidays="测试假日 2027-03-03 2027-03-03", makeup_days="")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_notice_preview(notice=notice)  # wrote under a version of its own, rolled back
    third_working_day()
    with django_assert_num_queries(0):
        assert third_working_day() == dt.date(2027, 3, 4)


def test_rows_read_inside_a_transaction_that_wrote_are_not_kept():
    assert third_working_day() == dt.date(2027, 3, 4)
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=WEDNESDAY, kind=CalendarDayKind.HOLIDAY, name="未保存")
        assert third_working_day() == dt.date(2027, 3, 5)  # this transaction sees its own row
        raise RuntimeError("rolled back")
    assert third_working_day() == dt.date(2027, 3, 4)


def test_without_the_cache_every_read_goes_to_the_database(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(calendar, "calendar_version", lambda: None)
    third_working_day()
    with django_assert_num_queries(2):  # the official years, the days
        assert third_working_day() == dt.date(2027, 3, 4)
