"""Entering a year's State Council holiday notice (国务院办公厅关于节假日安排的通知) in one go.

The officer types the notice as it reads: one line per holiday with its name and its first and last
day (`春节 2027-02-06 2027-02-13`, or `春节：2月6日至13日`), and the make-up working days (调休上班).
This module checks that text line by line, shows what it would change (every day added, changed or
removed, and the running deadlines that would move) and writes it in one transaction.

The preview is the real write rolled back: the deadlines are recomputed by `reviews.deadlines`, never
by a second copy of its rules, and compared before and after. The days are saved one by one as hand
entries (`calendar_day_save`) and the year through `calendar_year_update`, which recomputes the
running deadlines of that year once for the whole notice rather than once per day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from applications.models import Application
from certification.models import RemoteFiling, RemoteFilingStatus
from config.domain import Conflict, InvalidInput
from reviews.calendar import MAKEUP_SUFFIX, UNNAMED_HOLIDAY, calendar_day_save, statutory_days_missing
from reviews.calendar_version import calendar_version_renew
from reviews.deadlines import OPEN_REVIEW_STATUSES, Recomputed, calendar_year_update
from reviews.models import (
    CALENDAR_MAX_YEAR,
    CALENDAR_MIN_YEAR,
    AnnouncementBatch,
    CalendarDay,
    CalendarDayKind,
    CalendarYear,
)

WEEKDAYS = "一二三四五六日"
HOLIDAYS_FIELD = "holidays"
MAKEUP_FIELD = "makeup_days"
MAX_HOLIDAY_DAYS = 15  # the longest notice so far gave 10 days (春节 2020); more is a typing error
MAX_NAME_LENGTH = 50
HOLIDAY_EXAMPLE = "春节 2027-02-06 2027-02-13"
ADDED, CHANGED, UNCHANGED, REMOVED = "新增", "修改", "不变", "删除"
CHANGED_SINCE_PREVIEW = "录入内容或本年度日历在预览之后有变化，请核对下面新的预览后再确认保存。"

# 2027-02-06, 2027/2/6, 2027.2.6, 2027年2月6日, or without the year: 2-6, 2月6日 (the notice's year).
_DATE = re.compile(r"(?<!\d)(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
# "至13日" right after a date: the same month, as the notices write a range.
_SAME_MONTH_DAY = re.compile(r"\s*(?:至|到|~|～|—|–|-)\s*(\d{1,2})\s*日")
_ASIDE = re.compile(r"[（(][^）)]*[）)]")  # （农历除夕）, （星期六）
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*")
_NOISE = re.compile(r"放假调休|调休上班|放假|上班|共\s*\d+\s*天")
_EDGES = " \t:：,，、。.;；至到~～—–-"


@dataclass(frozen=True)
class NoticeHoliday:
    line: int
    name: str
    first: dt.date
    last: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class NoticeMakeup:
    line: int
    day: dt.date
    name: str


@dataclass(frozen=True)
class Notice:
    """A year's notice as the officer entered it, checked."""

    year: int
    holidays: tuple[NoticeHoliday, ...]
    makeups: tuple[NoticeMakeup, ...]
    is_official: bool
    source: str


@dataclass(frozen=True)
class DayChange:
    day: dt.date
    action: str  # ADDED, CHANGED, UNCHANGED or REMOVED
    kind: str
    name: str
    before: str = ""  # what a changed day was

    @property
    def weekday(self) -> str:
        return weekday_name(self.day)

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def kind_label(self) -> str:
        return str(CalendarDayKind(self.kind).label)


@dataclass(frozen=True)
class HolidayChanges:
    holiday: NoticeHoliday
    days: list[DayChange]

    @property
    def weekdays_off(self) -> int:
        return sum(1 for day in self.days if not day.is_weekend)


@dataclass(frozen=True)
class DeadlineMove:
    what: str  # 评审期限, 公示截止日期, 异地备案办结时限
    label: str
    model: type[models.Model]
    pk: Any
    old: dt.date
    new: dt.date


@dataclass(frozen=True)
class NoticePlan:
    """What the notice changes (a preview) or changed (once applied)."""

    notice: Notice
    holidays: list[HolidayChanges]
    makeups: list[DayChange]
    removed: list[DayChange]
    year_before: str  # 正式, 临时 or 未建立
    moves: list[DeadlineMove]
    recomputed: Recomputed
    fingerprint: str

    @property
    def statutory_missing(self) -> list[tuple[dt.date, str]]:
        """Statutory holidays the notice leaves out: they would count as working days (a warning)."""
        return statutory_days_missing(year=self.notice.year, days={d.day for g in self.holidays for d in g.days})

    @property
    def changed_days(self) -> int:
        days = [day for group in self.holidays for day in group.days] + self.makeups + self.removed
        return sum(1 for day in days if day.action != UNCHANGED)


def weekday_name(day: dt.date) -> str:
    return "周" + WEEKDAYS[day.weekday()]


# --- Reading the text ---------------------------------------------------------------------------------


class _LineError(Exception):
    pass


def _scan(text: str, *, year: int) -> tuple[list[dt.date], str]:
    """The dates of one line, in order, and its name (the words before the first date, else after the last)."""
    text = _ASIDE.sub(" ", text)
    dates: list[dt.date] = []
    pieces: list[str] = []
    position = 0
    while match := _DATE.search(text, position):
        pieces.append(text[position : match.start()])
        dates.append(_date(int(match.group(1) or year), int(match.group(2)), int(match.group(3)), match.group(0)))
        position = match.end()
        if tail := _SAME_MONTH_DAY.match(text, position):
            last = dates[-1]
            dates.append(_date(last.year, last.month, int(tail.group(1)), tail.group(0)))
            position = tail.end()
    pieces.append(text[position:])
    before = _clean(pieces[0])
    return dates, before or (_clean(pieces[-1]) if len(pieces) > 1 else "")


def _date(year: int, month: int, day: int, typed: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _LineError(f"日期“{typed.strip()}”不存在") from None


def _clean(text: str) -> str:
    text = _NUMBERING.sub("", text.strip())
    return _NOISE.sub("", text).strip(_EDGES)


def _lines(text: str) -> list[tuple[int, str]]:
    return [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _check_in_year(day: dt.date, year: int) -> None:
    if day.year != year:
        hint = "；跨年的元旦假期，上一年的日期请录入上一年度" if day.year == year - 1 else ""
        raise _LineError(f"{day.isoformat()} 不在{year}年内{hint}")


def _parse_holiday(number: int, line: str, *, year: int) -> NoticeHoliday:
    dates, name = _scan(line, year=year)
    if not dates:
        raise _LineError(f"没有找到日期，请按“名称 开始日期 结束日期”填写，例如：{HOLIDAY_EXAMPLE}")
    if len(dates) > 2:
        hint = "；调休上班日请填在“调休上班日”一栏" if "上班" in line else ""
        raise _LineError(f"一行只填一段假期（名称、开始日期、结束日期），这一行有{len(dates)}个日期{hint}")
    first, last = dates[0], dates[-1]
    if not name:
        raise _LineError(f"缺少节日名称，例如：{HOLIDAY_EXAMPLE}")
    if len(name) > MAX_NAME_LENGTH:
        raise _LineError(f"节日名称不能超过{MAX_NAME_LENGTH}个字")
    if last < first:
        raise _LineError(f"结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}")
    _check_in_year(first, year)
    _check_in_year(last, year)
    if (last - first).days + 1 > MAX_HOLIDAY_DAYS:
        raise _LineError(f"一段假期不应超过{MAX_HOLIDAY_DAYS}天（这里是{(last - first).days + 1}天），请检查日期")
    return NoticeHoliday(line=number, name=name, first=first, last=last)


def _parse_makeups(number: int, line: str, *, year: int) -> list[tuple[dt.date, str]]:
    dates, name = _scan(line, year=year)
    if not dates:
        raise _LineError("没有找到日期，例如：2027-02-20 春节调休")
    if len(name) > MAX_NAME_LENGTH:
        raise _LineError(f"名称不能超过{MAX_NAME_LENGTH}个字")
    for day in dates:
        _check_in_year(day, year)
        if day.weekday() < 5:
            raise _LineError(f"{day.isoformat()} 是{weekday_name(day)}，本来就上班；调休上班日应是周六或周日")
    return [(day, name) for day in dates]


def _nearest(day: dt.date, holidays: list[NoticeHoliday]) -> NoticeHoliday | None:
    def distance(holiday: NoticeHoliday) -> int:
        return min(abs((day - holiday.first).days), abs((day - holiday.last).days))

    return min(holidays, key=distance, default=None)


def calendar_notice_parse(
    *, year: int, holidays: str, makeup_days: str = "", is_official: bool = True, source: str = ""
) -> Notice:
    """Check the officer's text; every problem is reported with its field and line (InvalidInput.errors)."""
    if not CALENDAR_MIN_YEAR <= year <= CALENDAR_MAX_YEAR:
        raise InvalidInput(f"年份须在{CALENDAR_MIN_YEAR}年至{CALENDAR_MAX_YEAR}年之间。", field="year")
    errors: list[dict[str, str]] = []

    def problem(field: str, number: int | None, message: str) -> None:
        prefix = f"第{number}行：" if number is not None else ""
        errors.append({"field": field, "code": "invalid", "message": prefix + message})

    parsed: list[NoticeHoliday] = []
    for number, line in _lines(holidays):
        try:
            holiday = _parse_holiday(number, line, year=year)
        except _LineError as exc:
            problem(HOLIDAYS_FIELD, number, str(exc))
            continue
        clash = next((other for other in parsed if holiday.first <= other.last and other.first <= holiday.last), None)
        if clash is not None:
            problem(HOLIDAYS_FIELD, number, f"与第{clash.line}行（{clash.name}）的日期重叠")
            continue
        parsed.append(holiday)
    if not _lines(holidays):
        problem(HOLIDAYS_FIELD, None, f"请至少填写一段假期，每行一段，例如：{HOLIDAY_EXAMPLE}")

    makeups: list[NoticeMakeup] = []
    for number, line in _lines(makeup_days):
        try:
            entries = _parse_makeups(number, line, year=year)
        except _LineError as exc:
            problem(MAKEUP_FIELD, number, str(exc))
            continue
        for day, name in entries:
            inside = next((h for h in parsed if h.first <= day <= h.last), None)
            twin = next((m for m in makeups if m.day == day), None)
            if inside is not None:
                problem(MAKEUP_FIELD, number, f"{day.isoformat()} 在第{inside.line}行的假期（{inside.name}）之内")
            elif twin is not None:
                problem(MAKEUP_FIELD, number, f"{day.isoformat()} 与第{twin.line}行重复")
            else:
                makeups.append(NoticeMakeup(line=number, day=day, name=name))

    if errors:
        raise InvalidInput("节假日安排有误，请按提示修改。", errors=errors)
    named = [_named(makeup, parsed) for makeup in makeups]
    return Notice(
        year=year,
        holidays=tuple(sorted(parsed, key=lambda h: h.first)),
        makeups=tuple(sorted(named, key=lambda m: m.day)),
        is_official=is_official,
        source=source.strip(),
    )


def _named(makeup: NoticeMakeup, holidays: list[NoticeHoliday]) -> NoticeMakeup:
    """A make-up day without a name takes the nearest holiday's: 春节调休."""
    name = makeup.name
    if not name:
        nearest = _nearest(makeup.day, holidays)
        name = nearest.name if nearest is not None else ""
    if not name.endswith(MAKEUP_SUFFIX):
        name += MAKEUP_SUFFIX
    return NoticeMakeup(line=makeup.line, day=makeup.day, name=name)


def calendar_notice_initial(*, year: int) -> dict[str, Any]:
    """The form filled in with what the table already holds for `year`, in the form's own format."""
    holidays: list[list[Any]] = []  # [name, first, last]
    makeups: list[str] = []
    for row in CalendarDay.objects.filter(date__year=year).order_by("date"):
        name = row.name or UNNAMED_HOLIDAY
        if row.kind == CalendarDayKind.MAKEUP_WORKDAY:
            makeups.append(f"{row.date.isoformat()} {row.name}".strip())
        elif holidays and holidays[-1][0] == name and holidays[-1][2] + dt.timedelta(days=1) == row.date:
            holidays[-1][2] = row.date
        else:
            holidays.append([name, row.date, row.date])
    year_row = CalendarYear.objects.filter(year=year).first()
    return {
        HOLIDAYS_FIELD: "\n".join(f"{name} {first.isoformat()} {last.isoformat()}" for name, first, last in holidays),
        MAKEUP_FIELD: "\n".join(makeups),
        "is_official": True,  # entering the whole notice is what makes a year official
        "source": year_row.source if year_row is not None else "",
    }


# --- Preview and write --------------------------------------------------------------------------------


def calendar_notice_preview(*, notice: Notice) -> NoticePlan:
    """What saving `notice` would do, deadlines included: the real write, rolled back."""
    with transaction.atomic():
        plan = _write(notice, expected=None)
        transaction.set_rollback(True)
    calendar_version_renew()
    return plan


@transaction.atomic
def calendar_notice_apply(*, notice: Notice, expected: str | None) -> NoticePlan:
    """Write the notice: its days, the year's official mark, the deadlines it moves.

    `expected` is the fingerprint of the preview the officer confirmed; if the text or the table
    changed since, nothing is written (Conflict) and the officer is shown the new preview.
    """
    return _write(notice, expected=expected)


def _write(notice: Notice, *, expected: str | None) -> NoticePlan:
    existing = {row.date: row for row in CalendarDay.objects.select_for_update().filter(date__year=notice.year)}
    year_row = CalendarYear.objects.select_for_update().filter(year=notice.year).first()
    holidays = [
        HolidayChanges(holiday=h, days=[_change(d, CalendarDayKind.HOLIDAY, h.name, existing) for d in h.days])
        for h in notice.holidays
    ]
    makeups = [_change(m.day, CalendarDayKind.MAKEUP_WORKDAY, m.name, existing) for m in notice.makeups]
    wanted = {day.day for group in holidays for day in group.days} | {day.day for day in makeups}
    removed = [
        DayChange(day=day, action=REMOVED, kind=row.kind, name=row.name)
        for day, row in sorted(existing.items())
        if day not in wanted
    ]
    year_before = "未建立" if year_row is None else "正式" if year_row.is_official else "临时"
    every_day = [day for group in holidays for day in group.days] + makeups + removed
    fingerprint = hashlib.sha256(
        repr((notice.year, notice.is_official, notice.source, year_before, every_day)).encode()
    ).hexdigest()[:16]
    if expected is not None and expected != fingerprint:
        raise Conflict(CHANGED_SINCE_PREVIEW, code="calendar_notice_changed")

    running = _running_deadlines(notice.year)
    for change in every_day:
        row = existing.get(change.day)
        if change.action == REMOVED and row is not None:
            row.delete()
        elif change.action in (ADDED, CHANGED):
            row = row or CalendarDay(date=change.day)
            row.kind, row.name = change.kind, change.name
            try:
                calendar_day_save(day=row)
            except ValidationError:  # the same day entered meanwhile by someone else
                raise Conflict(CHANGED_SINCE_PREVIEW, code="calendar_notice_changed") from None
    year_row = year_row or CalendarYear(year=notice.year)
    year_row.is_official = notice.is_official
    year_row.source = notice.source or year_row.source
    recomputed = calendar_year_update(year=year_row)
    return NoticePlan(
        notice=notice,
        holidays=holidays,
        makeups=makeups,
        removed=removed,
        year_before=year_before,
        moves=_moves(running),
        recomputed=recomputed,
        fingerprint=fingerprint,
    )


def _change(day: dt.date, kind: str, name: str, existing: dict[dt.date, CalendarDay]) -> DayChange:
    row = existing.get(day)
    if row is None:
        return DayChange(day=day, action=ADDED, kind=kind, name=name)
    if (row.kind, row.name) == (kind, name):
        return DayChange(day=day, action=UNCHANGED, kind=kind, name=name)
    before = f"{CalendarDayKind(row.kind).label} {row.name}".strip()
    return DayChange(day=day, action=CHANGED, kind=kind, name=name, before=before)


_Running = dict[tuple[type[models.Model], Any], tuple[str, str, dt.date]]


def _running_deadlines(year: int) -> _Running:
    """The stored deadlines `reviews.deadlines` may move for `year` (a superset of what it recomputes)."""
    first = dt.date(year, 1, 1)
    found: _Running = {}
    for pk, reference, deadline in Application.objects.filter(
        status__in=OPEN_REVIEW_STATUSES, review_deadline__gte=first
    ).values_list("pk", "reference", "review_deadline"):
        if deadline is not None:
            found[(Application, pk)] = ("评审期限", f"受理编号 {reference}", deadline)
    for batch in AnnouncementBatch.objects.filter(closed_at__isnull=True, ends_on__gte=first):
        found[(AnnouncementBatch, batch.pk)] = ("公示截止日期", str(batch), batch.ends_on)
    for filing in RemoteFiling.objects.filter(status=RemoteFilingStatus.PENDING, decide_by__gte=first):
        if filing.decide_by is not None:
            found[(RemoteFiling, filing.pk)] = ("异地备案办结时限", f"{filing}（#{filing.pk}）", filing.decide_by)
    return found


def _moves(running: _Running) -> list[DeadlineMove]:
    fields = {Application: "review_deadline", AnnouncementBatch: "ends_on", RemoteFiling: "decide_by"}
    moves: list[DeadlineMove] = []
    for model, field in fields.items():
        pks = [pk for kind, pk in running if kind is model]
        now = dict(model._default_manager.filter(pk__in=pks).values_list("pk", field))
        for pk in pks:
            what, label, old = running[(model, pk)]
            if now.get(pk) is not None and now[pk] != old:
                moves.append(DeadlineMove(what=what, label=label, model=model, pk=pk, old=old, new=now[pk]))
    return sorted(moves, key=lambda move: (move.what, move.new, move.label))
