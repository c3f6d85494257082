"""The working-day calendar: seeding from the official data and counting deadlines (DESIGN §6).

2026 dates are those of 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): 元旦 1/1–1/3 (1/4 上班),
春节 2/15–2/23 (2/14、2/28 上班), 清明 4/4–4/6, 劳动节 5/1–5/5 (5/9 上班), 端午 6/19–6/21,
中秋 9/25–9/27, 国庆 10/1–10/7 (9/20、10/10 上班) — the same as chinesecalendar 1.11.0.
"""

from datetime import date, timedelta

import pytest

from config.domain import InvalidInput
from reviews.calendar import (
    calendar_day_save,
    calendar_provisional_years,
    calendar_seed,
    is_working_day,
    provisional_holidays,
    working_days_add,
    working_days_between,
)
from reviews.models import CalendarDay, CalendarDayKind, CalendarDaySource, CalendarYear

pytestmark = pytest.mark.django_db


def _days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


# --- seeding -------------------------------------------------------------------------------------


def test_seed_loads_the_2026_holidays_and_makeup_days_and_marks_the_year_official(official_calendar):
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.is_working_day) == ("holiday", "国庆节", False)
    assert national_day.source == CalendarDaySource.OFFICIAL
    assert CalendarDay.objects.get(date=date(2026, 9, 25)).name == "中秋节"
    makeup = CalendarDay.objects.get(date=date(2026, 9, 20))
    assert (makeup.kind, makeup.name, makeup.is_working_day) == ("makeup_workday", "国庆节调休", True)
    makeup_days = CalendarDay.objects.filter(date__year=2026, kind=CalendarDayKind.MAKEUP_WORKDAY)
    assert sorted(makeup_days.values_list("date", flat=True)) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert CalendarDay.objects.filter(date__year=2026, kind=CalendarDayKind.HOLIDAY).count() == 33
    assert CalendarYear.objects.get(year=2026).is_official
    assert official_calendar.years_marked_official == [2025, 2026]


def test_seeding_twice_changes_nothing(official_calendar):
    before = list(CalendarDay.objects.values_list("date", "kind", "name", "source", "updated_at"))

    again = calendar_seed(years=[2025, 2026])

    assert (again.created, again.updated, again.deleted, again.years_marked_official) == (0, 0, 0, [])
    assert not again.changed
    assert list(CalendarDay.objects.values_list("date", "kind", "name", "source", "updated_at")) == before


def test_seeding_all_years_by_default_covers_2004_to_2026(db):
    result = calendar_seed()

    assert result.years == list(range(2004, 2027))
    assert set(CalendarYear.objects.filter(is_official=True).values_list("year", flat=True)) == set(range(2004, 2027))


def test_reseed_keeps_a_day_an_admin_edited(official_calendar):
    day = CalendarDay.objects.get(date=date(2026, 10, 7))
    day.kind, day.name = CalendarDayKind.MAKEUP_WORKDAY, "本地调整上班"
    calendar_day_save(day=day)

    result = calendar_seed(years=[2026])

    day.refresh_from_db()
    assert (day.kind, day.name, day.source, day.is_working_day) == ("makeup_workday", "本地调整上班", "manual", True)
    assert result.kept_manual == 1
    assert not result.changed


def test_reseed_restores_an_official_day_that_was_changed_outside_the_admin(official_calendar):
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(name="错误")

    result = calendar_seed(years=[2026])

    assert result.updated == 1
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"


def test_reseed_removes_an_official_day_the_package_does_not_have(official_calendar):
    CalendarDay.objects.create(
        date=date(2026, 3, 3), kind=CalendarDayKind.HOLIDAY, name="旧数据", source=CalendarDaySource.OFFICIAL
    )

    result = calendar_seed(years=[2026])

    assert result.deleted == 1
    assert not CalendarDay.objects.filter(date=date(2026, 3, 3)).exists()


def test_seed_refuses_a_year_the_package_has_no_data_for(db):
    with pytest.raises(InvalidInput) as excinfo:
        calendar_seed(years=[2026, 2027])

    assert "2027" in excinfo.value.message
    assert not CalendarDay.objects.exists()


def test_load_calendar_command_reports_what_it_did(db, capsys):
    from django.core.management import call_command

    call_command("load_calendar", "--year", "2026")
    first = capsys.readouterr().out
    call_command("load_calendar", "--year", "2026")
    second = capsys.readouterr().out

    assert "calendar 2026: 39 created" in first
    assert "marked official: 2026" in first
    assert "nothing to change" in second


# --- provisional years -----------------------------------------------------------------------------


def test_provisional_holidays_2027_follow_the_statutory_rule():
    holidays = provisional_holidays(year=2027)

    assert holidays == {
        date(2027, 1, 1): "元旦",
        # 除夕 2/5, 正月初一 2/6 (public sources: Spring Festival 2027 is 6 February)
        **{day: "春节" for day in _days("2027-02-05", "2027-02-08")},
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        **{day: "国庆节" for day in _days("2027-10-01", "2027-10-03")},
    }


def test_provisional_holidays_name_both_festivals_when_they_fall_on_one_day():
    # 2028: 中秋 (lunar 8/15) is 3 October
    assert provisional_holidays(year=2028)[date(2028, 10, 3)] == "国庆节、中秋节"


def test_provisional_holidays_agree_with_the_official_2026_statutory_days(official_calendar):
    official_off = set(CalendarDay.objects.filter(date__year=2026, kind="holiday").values_list("date", flat=True))

    # every statutory day is inside an official holiday period (the notice adds 调休 around them)
    assert set(provisional_holidays(year=2026)) <= official_off


def test_calendar_provisional_years(official_calendar):
    assert calendar_provisional_years(years=[2025, 2026, 2027]) == [2027]


# --- working_days_add ------------------------------------------------------------------------------


def test_20_working_days_over_mid_autumn_and_national_day_2026(official_calendar):
    result = working_days_add(start=date(2026, 9, 18), days=20)

    assert result.deadline == date(2026, 10, 22)
    assert result.provisional is False


def test_skipped_days_are_listed_with_their_reason_and_makeup_days_are_not(official_calendar):
    result = working_days_add(start=date(2026, 9, 18), days=20)

    assert [(s.date, s.reason) for s in result.skipped] == [
        (date(2026, 9, 19), "周末"),
        (date(2026, 9, 25), "中秋节"),
        (date(2026, 9, 26), "中秋节"),
        (date(2026, 9, 27), "中秋节"),
        *[(day, "国庆节") for day in _days("2026-10-01", "2026-10-07")],
        (date(2026, 10, 11), "周末"),
        (date(2026, 10, 17), "周末"),
        (date(2026, 10, 18), "周末"),
    ]
    skipped = {s.date for s in result.skipped}
    assert date(2026, 9, 20) not in skipped  # 调休上班 (Sunday)
    assert date(2026, 10, 10) not in skipped  # 调休上班 (Saturday)


def test_5_working_days_over_spring_festival_2026(official_calendar):
    result = working_days_add(start=date(2026, 2, 10), days=5)

    assert result.deadline == date(2026, 2, 24)
    assert [s.date for s in result.skipped] == _days("2026-02-15", "2026-02-23")
    assert {s.reason for s in result.skipped} == {"春节"}
    assert result.provisional is False


def test_the_start_day_itself_never_counts(official_calendar):
    friday = date(2026, 3, 6)

    assert working_days_add(start=friday, days=1).deadline == date(2026, 3, 9)  # Monday
    assert working_days_add(start=date(2026, 3, 9), days=1).deadline == date(2026, 3, 10)
    assert working_days_add(start=date(2026, 3, 7), days=1).deadline == date(2026, 3, 9)  # from a Saturday


def test_one_working_day_from_a_friday_before_a_holiday_monday(official_calendar):
    # Qingming 2026: Saturday 4/4 to Monday 4/6
    result = working_days_add(start=date(2026, 4, 3), days=1)

    assert result.deadline == date(2026, 4, 7)
    assert [(s.date, s.reason) for s in result.skipped] == [
        (date(2026, 4, 4), "清明节"),
        (date(2026, 4, 5), "清明节"),
        (date(2026, 4, 6), "清明节"),
    ]


def test_zero_working_days_is_the_start_day(official_calendar):
    assert working_days_add(start=date(2026, 10, 1), days=0).deadline == date(2026, 10, 1)


def test_a_range_within_2026_is_not_provisional(official_calendar):
    result = working_days_add(start=date(2026, 12, 1), days=20)

    assert result.deadline == date(2026, 12, 29)
    assert result.provisional is False


def test_a_range_reaching_into_2027_is_provisional_and_skips_new_years_day(official_calendar):
    result = working_days_add(start=date(2026, 12, 25), days=5)

    assert result.deadline == date(2027, 1, 4)
    assert result.provisional is True
    assert [(s.date, s.reason) for s in result.skipped] == [
        (date(2026, 12, 26), "周末"),
        (date(2026, 12, 27), "周末"),
        (date(2027, 1, 1), "元旦"),
        (date(2027, 1, 2), "周末"),
        (date(2027, 1, 3), "周末"),
    ]


def test_provisional_spring_festival_2027_is_skipped(official_calendar):
    result = working_days_add(start=date(2027, 2, 4), days=1)

    assert result.deadline == date(2027, 2, 9)
    assert [(s.date, s.reason) for s in result.skipped] == [(day, "春节") for day in _days("2027-02-05", "2027-02-08")]
    assert result.provisional is True


def test_days_entered_for_a_provisional_year_take_precedence(official_calendar):
    CalendarDay.objects.create(date=date(2027, 2, 20), kind=CalendarDayKind.MAKEUP_WORKDAY, name="春节调休")
    CalendarDay.objects.create(date=date(2027, 2, 9), kind=CalendarDayKind.HOLIDAY, name="春节")

    result = working_days_add(start=date(2027, 2, 4), days=9)

    # 2/5–2/9 off; 2/10–2/12 (3), 2/15–2/19 (8), Saturday 2/20 is a make-up day (9)
    assert result.deadline == date(2027, 2, 20)
    assert result.provisional is True


def test_an_official_year_uses_the_table_alone(official_calendar):
    CalendarYear.objects.create(year=2027, is_official=True, source="测试")

    result = working_days_add(start=date(2026, 12, 31), days=1)

    assert result.deadline == date(2027, 1, 1)  # no rows entered for 2027: New Year's Day is not assumed
    assert result.provisional is False


def test_unseeded_years_are_provisional(db):
    result = working_days_add(start=date(2026, 9, 18), days=20)

    assert result.provisional is True
    assert date(2026, 9, 20) in {s.date for s in result.skipped}  # no make-up days without official data


@pytest.mark.parametrize("days", [-1, 366, 10_000])
def test_nonsense_day_counts_are_rejected(db, days):
    with pytest.raises(InvalidInput):
        working_days_add(start=date(2026, 1, 5), days=days)


def test_a_datetime_is_not_a_date(db):
    from datetime import datetime

    with pytest.raises(TypeError):
        working_days_add(start=datetime(2026, 1, 5, 9, 0), days=1)


def test_365_working_days_span_more_than_a_year(official_calendar):
    result = working_days_add(start=date(2026, 1, 1), days=365)

    assert result.provisional is True
    assert working_days_between(start=date(2026, 1, 1), end=result.deadline) == 365


@pytest.mark.parametrize("days", [20, 200])
def test_the_query_count_does_not_grow_with_the_number_of_days(official_calendar, django_assert_num_queries, days):
    with django_assert_num_queries(2):
        working_days_add(start=date(2026, 1, 5), days=days)


# --- working_days_between and is_working_day -------------------------------------------------------


def test_working_days_between_counts_after_start_up_to_and_including_end(official_calendar):
    assert working_days_between(start=date(2026, 9, 18), end=date(2026, 10, 22)) == 20
    assert working_days_between(start=date(2026, 2, 10), end=date(2026, 2, 24)) == 5
    assert working_days_between(start=date(2026, 3, 6), end=date(2026, 3, 9)) == 1  # Friday to Monday
    assert working_days_between(start=date(2026, 10, 1), end=date(2026, 10, 7)) == 0  # all National Day
    assert working_days_between(start=date(2026, 10, 9), end=date(2026, 10, 10)) == 1  # Saturday make-up day


def test_working_days_between_the_same_day_is_zero(db):
    assert working_days_between(start=date(2026, 5, 6), end=date(2026, 5, 6)) == 0


def test_working_days_between_refuses_an_end_before_the_start(db):
    with pytest.raises(InvalidInput):
        working_days_between(start=date(2026, 5, 6), end=date(2026, 5, 5))


def test_working_days_between_agrees_with_working_days_add(official_calendar):
    for offset in range(0, 400, 7):
        start = date(2025, 11, 1) + timedelta(days=offset)
        for days in (1, 5, 20):
            deadline = working_days_add(start=start, days=days).deadline
            assert working_days_between(start=start, end=deadline) == days, (start, days)


def test_working_days_between_uses_a_constant_number_of_queries(official_calendar, django_assert_num_queries):
    with django_assert_num_queries(2):
        working_days_between(start=date(2025, 1, 1), end=date(2026, 12, 31))


def test_is_working_day(official_calendar):
    assert is_working_day(day=date(2026, 10, 10)) is True  # Saturday, 调休上班
    assert is_working_day(day=date(2026, 10, 11)) is False  # Sunday
    assert is_working_day(day=date(2026, 10, 5)) is False  # Monday, 国庆节
    assert is_working_day(day=date(2026, 10, 12)) is True
    assert is_working_day(day=date(2027, 1, 1)) is False  # provisional 元旦
