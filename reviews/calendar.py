"""The official working-day calendar (工作日) and deadline arithmetic.

"N working days from day D" is the N-th working day after D; D itself never counts (DESIGN §6).
A day is a working day by the plain rule (Monday–Friday) unless the `CalendarDay` table says otherwise.

Years marked official (`CalendarYear.is_official`) use the table alone. Any other year is
provisional: until the State Council notice is entered, the statutory holidays of the holiday law
as amended in 2024 (in force since 2025) are assumed, without make-up working days; rows an admin
already entered for that year take precedence. These rules are the fallback for data nobody has
entered yet, which is why they are code rather than table rows.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from django.db import transaction
from lunardate import LunarDate

from config.domain import InvalidInput
from reviews.calendar_version import calendar_version
from reviews.models import (
    CALENDAR_MAX_YEAR,
    CALENDAR_MIN_YEAR,
    CalendarDay,
    CalendarDayKind,
    CalendarDaySource,
    CalendarYear,
)

MAX_WORKING_DAYS = 365
WEEKEND = "周末"
UNNAMED_HOLIDAY = "法定节假日"
MAKEUP_SUFFIX = "调休"
OFFICIAL_SOURCE = f"chinesecalendar {chinese_calendar.__version__}（国务院办公厅节假日安排通知）"
PROVISIONAL_WARNING = "{year}年尚未录入国务院节假日安排通知，期限按法定节日推算，为临时结果"

# chinese_calendar names holidays in English; the official notices use these names.
_HOLIDAY_NAMES = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
}
_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class SkippedDay:
    date: datetime.date
    reason: str


@dataclass(frozen=True)
class DeadlineResult:
    deadline: datetime.date
    provisional: bool
    skipped: list[SkippedDay] = field(default_factory=list)


@dataclass(frozen=True)
class SeedResult:
    years: list[int]
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_manual: int = 0
    years_marked_official: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.years_marked_official)


# --- Seeding from the official data ----------------------------------------------------------------


def _holiday_name(value: str) -> str:
    if value in _HOLIDAY_NAMES:
        return _HOLIDAY_NAMES[value]
    try:
        return chinese_calendar.Holiday(value).chinese
    except ValueError:
        return value


def official_package_years() -> list[int]:
    """Years the installed chinese_calendar package has State Council data for."""
    return sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})


def _official_days(years: set[int]) -> dict[datetime.date, tuple[str, str]]:
    days: dict[datetime.date, tuple[str, str]] = {}
    for day, value in chinese_calendar.holidays.items():
        if day.year in years:
            days[day] = (CalendarDayKind.HOLIDAY, _holiday_name(value))
    # A make-up working day wins, as in the package's own is_workday().
    for day, value in chinese_calendar.workdays.items():
        if day.year in years:
            days[day] = (CalendarDayKind.MAKEUP_WORKDAY, _holiday_name(value) + MAKEUP_SUFFIX)
    return days


@transaction.atomic
def calendar_seed(*, years: Iterable[int] | None = None) -> SeedResult:
    """Load the official holidays and make-up working days from chinese_calendar; mark those years official.

    Idempotent. Rows an admin entered or edited (`source=manual`) are never touched; official rows the
    package no longer lists for a seeded year are removed.
    """
    available = official_package_years()
    wanted = sorted(set(available if years is None else years))
    missing = [year for year in wanted if year not in available]
    if missing:
        raise InvalidInput(
            f"官方节假日数据包（chinesecalendar {chinese_calendar.__version__}）没有以下年份的数据："
            + "、".join(str(year) for year in missing),
            field="years",
        )
    desired = _official_days(set(wanted))
    existing = {row.date: row for row in CalendarDay.objects.select_for_update().filter(date__year__in=wanted)}

    to_create: list[CalendarDay] = []
    to_update: list[CalendarDay] = []
    kept_manual = 0
    for day, (kind, name) in sorted(desired.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(CalendarDay(date=day, kind=kind, name=name, source=CalendarDaySource.OFFICIAL))
        elif row.source == CalendarDaySource.MANUAL:
            kept_manual += 1
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            to_update.append(row)
    stale = [row.pk for day, row in existing.items() if row.source == CalendarDaySource.OFFICIAL and day not in desired]

    CalendarDay.objects.bulk_create(to_create)
    CalendarDay.objects.bulk_update(to_update, ["kind", "name", "updated_at"])
    if stale:
        CalendarDay.objects.filter(pk__in=stale).delete()

    marked: list[int] = []
    known = {row.year: row for row in CalendarYear.objects.select_for_update().filter(year__in=wanted)}
    for year in wanted:
        year_row = known.get(year)
        if year_row is None:
            CalendarYear.objects.create(year=year, is_official=True, source=OFFICIAL_SOURCE)
            marked.append(year)
        elif not year_row.is_official:
            year_row.is_official = True
            year_row.source = year_row.source or OFFICIAL_SOURCE
            year_row.save(update_fields=["is_official", "source", "updated_at"])
            marked.append(year)

    return SeedResult(
        years=wanted,
        created=len(to_create),
        updated=len(to_update),
        deleted=len(stale),
        kept_manual=kept_manual,
        years_marked_official=marked,
    )


def calendar_day_save(*, day: CalendarDay) -> CalendarDay:
    """Save a day edited by hand: from now on it is the admin's, and re-seeding leaves it alone."""
    day.source = CalendarDaySource.MANUAL
    day.full_clean()
    day.save()
    return day


# --- Provisional rules for years without official data ----------------------------------------------


def provisional_holidays(*, year: int) -> dict[datetime.date, str]:
    """Statutory holidays of `year` under the holiday law in force since 2025, without any 调休.

    元旦 1 day; 春节 4 days (除夕 and 正月初一–初三); 清明节 (the solar term day); 劳动节 May 1–2;
    端午节 (5th of the 5th lunar month); 中秋节 (15th of the 8th lunar month); 国庆节 October 1–3.
    """
    days: dict[datetime.date, str] = {}

    def add(day: datetime.date, name: str) -> None:
        days[day] = f"{days[day]}、{name}" if day in days else name

    add(datetime.date(year, 1, 1), "元旦")
    for month, first, last, name in ((5, 1, 2, "劳动节"), (10, 1, 3, "国庆节")):
        for day_of_month in range(first, last + 1):
            add(datetime.date(year, month, day_of_month), name)
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        for offset in range(-1, 3):
            add(new_year + datetime.timedelta(days=offset), "春节")
        add(LunarDate(year, 5, 5).to_solar_date(), "端午节")
        add(LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    except ValueError:  # outside the lunar table (1900–2099): only the fixed-date holidays are known
        pass
    try:
        for day, term in chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 30)):
            if term == "清明":
                add(day, "清明节")
    except NotImplementedError:
        pass
    return days


def statutory_days_missing(*, year: int, days: set[datetime.date]) -> list[tuple[datetime.date, str]]:
    """The statutory holidays of `year` (provisional_holidays) not among `days`: what a notice entered
    without them would turn into working days."""
    return sorted((day, name) for day, name in provisional_holidays(year=year).items() if day not in days)


# --- Reading the calendar --------------------------------------------------------------------------


_YearRows = tuple[bool, dict[datetime.date, tuple[bool, str]]]  # official?, the exceptions of the year
KEEP_SECONDS = 600  # a safety net only: every write through the ORM moves the version at once


class _Kept:
    """The calendar's rows this process has read, by year, under one version (`calendar_version`): the
    expert's queue and case read the calendar on every answer, and it changes a few times a year."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: str | None = None
        self.since = 0.0
        self.years: dict[int, _YearRows] = {}

    def _current(self, version: str | None) -> bool:
        return version == self.version and time.monotonic() - self.since <= KEEP_SECONDS

    def get(self, version: str | None, years: range) -> dict[int, _YearRows]:
        with self.lock:
            if version is None or not self._current(version):
                return {}
            return {year: self.years[year] for year in years if year in self.years}

    def keep(self, version: str | None, rows: dict[int, _YearRows]) -> None:
        if version is None:
            return
        with self.lock:
            if not self._current(version):  # another version, or kept too long: start again from these rows
                self.version, self.since, self.years = version, time.monotonic(), {}
            self.years.update(rows)


_kept = _Kept()


def _calendar_rows(first_year: int, last_year: int) -> dict[int, _YearRows]:
    """The official flag and the stored exceptions of each year: kept ones, the others read (two queries)."""
    version = calendar_version()
    years = range(first_year, last_year + 1)
    found = _kept.get(version, years)
    missing = [year for year in years if year not in found]
    if missing:
        low, high = min(missing), max(missing)
        read: dict[int, _YearRows] = {year: (False, {}) for year in range(low, high + 1)}
        for year in CalendarYear.objects.filter(year__range=(low, high), is_official=True).values_list(
            "year", flat=True
        ):
            read[year] = (True, read[year][1])
        days = CalendarDay.objects.filter(date__range=(datetime.date(low, 1, 1), datetime.date(high, 12, 31)))
        for day, working, name in days.values_list("date", "is_working_day", "name"):
            read[day.year][1][day] = (working, name or ("" if working else UNNAMED_HOLIDAY))
        _kept.keep(version, read)
        found.update(read)
    return found


class _Window:
    """The calendar exceptions of a date range (`_calendar_rows`: kept between requests, or read)."""

    def __init__(self) -> None:
        self.exceptions: dict[datetime.date, tuple[bool, str]] = {}
        self.official_years: set[int] = set()
        self.last = datetime.date.min

    def load(self, *, first: datetime.date, last: datetime.date) -> None:
        for year, (official, days) in _calendar_rows(first.year, last.year).items():
            if official:
                self.official_years.add(year)
            self.exceptions.update((day, value) for day, value in days.items() if first <= day <= last)
        for year in range(first.year, last.year + 1):
            if year in self.official_years:
                continue
            for day, name in provisional_holidays(year=year).items():
                if first <= day <= last:
                    self.exceptions.setdefault(day, (False, name))
        self.last = last

    def day_off_reason(self, day: datetime.date) -> str | None:
        """None for a working day, otherwise why the day is off."""
        if day in self.exceptions:
            working, name = self.exceptions[day]
            return None if working else name
        return WEEKEND if day.weekday() >= 5 else None


def _check_date(value: datetime.date, name: str) -> None:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    if not CALENDAR_MIN_YEAR <= value.year <= CALENDAR_MAX_YEAR:
        raise InvalidInput(f"日期须在{CALENDAR_MIN_YEAR}年至{CALENDAR_MAX_YEAR}年之间。", field=name)


def working_days_add(*, start: datetime.date, days: int) -> DeadlineResult:
    """The `days`-th working day after `start` (which itself never counts), with every day off passed over."""
    _check_date(start, "start")
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, got {type(days).__name__}")
    if not 0 <= days <= MAX_WORKING_DAYS:
        raise InvalidInput(f"工作日天数须在0到{MAX_WORKING_DAYS}之间。", field="days")
    if days == 0:
        return DeadlineResult(deadline=start, provisional=False, skipped=[])

    # Two calendar days per working day plus a month covers any real holiday pattern in one load.
    span = datetime.timedelta(days=2 * days + 31)
    window = _Window()
    window.load(first=start + _ONE_DAY, last=start + span)
    skipped: list[SkippedDay] = []
    day, counted = start, 0
    while counted < days:
        day += _ONE_DAY
        if day > window.last:
            window.load(first=day, last=day + span)
        reason = window.day_off_reason(day)
        if reason is None:
            counted += 1
        else:
            skipped.append(SkippedDay(date=day, reason=reason))
    counted_years = range((start + _ONE_DAY).year, day.year + 1)
    provisional = any(year not in window.official_years for year in counted_years)
    return DeadlineResult(deadline=day, provisional=provisional, skipped=skipped)


def working_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """How many working days lie after `start` up to and including `end`."""
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期。", field="end")
    if end == start:
        return 0
    first = start + _ONE_DAY
    window = _Window()
    window.load(first=first, last=end)
    total = _weekdays_through(end) - _weekdays_through(start)
    for day, (working, _name) in window.exceptions.items():
        plain_working = day.weekday() < 5
        if working and not plain_working:
            total += 1
        elif not working and plain_working:
            total -= 1
    return total


def _weekdays_through(day: datetime.date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def is_working_day(*, day: datetime.date) -> bool:
    _check_date(day, "day")
    window = _Window()
    window.load(first=day, last=day)
    return window.day_off_reason(day) is None


def calendar_provisional_years(*, years: Iterable[int]) -> list[int]:
    """Those of `years` whose official calendar has not been entered."""
    wanted = sorted(set(years))
    official = set(CalendarYear.objects.filter(year__in=wanted, is_official=True).values_list("year", flat=True))
    return [year for year in wanted if year not in official]


def working_days_left_many(*, today: datetime.date, deadlines: Iterable[datetime.date]) -> dict[datetime.date, int]:
    """Working days from `today` to each deadline (negative once overdue), with one calendar load
    whatever the number of deadlines: for queues and admin lists."""
    wanted = sorted(set(deadlines))
    if not wanted:
        return {}
    first, last = min(wanted[0], today), max(wanted[-1], today)
    window = _Window()
    window.load(first=first, last=last)
    off = {day for day, (working, _) in window.exceptions.items() if not working}
    extra = {day for day, (working, _) in window.exceptions.items() if working and day.weekday() >= 5}

    def count(start: datetime.date, end: datetime.date) -> int:
        total = _weekdays_through(end) - _weekdays_through(start)
        total -= sum(1 for day in off if start < day <= end and day.weekday() < 5)
        total += sum(1 for day in extra if start < day <= end)
        return total

    return {deadline: count(today, deadline) if deadline >= today else -count(deadline, today) for deadline in wanted}


def working_days_left(*, today: datetime.date, deadline: datetime.date) -> int:
    return working_days_left_many(today=today, deadlines=[deadline])[deadline]
