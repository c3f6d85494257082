"""Entering a year's State Council notice in one go: the text is read as ranges, every mistake is named
by field and line, the preview shows what changes (days and running deadlines) without writing, and
the confirmed write moves the same deadlines the preview showed."""

import datetime as dt

import pytest

from certification.remote import remote_filing_decide_by
from config.domain import Conflict, InvalidInput
from reviews.announcements import announcement_ends_on
from reviews.calendar import working_days_add
from reviews.calendar_notice import (
    ADDED,
    CHANGED,
    REMOVED,
    UNCHANGED,
    calendar_notice_apply,
    calendar_notice_initial,
    calendar_notice_parse,
    calendar_notice_preview,
)
from reviews.models import CalendarDay, CalendarDayKind, CalendarDaySource, CalendarYear
from tests.certification.factories import RemoteFilingFactory
from tests.reviews.factories import AnnouncementBatchFactory
from tests.reviews.review_helpers import accepted, at, category, expert

pytestmark = pytest.mark.django_db

ACCEPTED_ON = dt.date(2026, 12, 28)  # a Monday: the 20 working days run into January 2027
HOLIDAYS = "元旦 2027-01-01 2027-01-03\n春节 2027-02-06 2027-02-13\n清明节 2027-04-05"
MAKEUP = "2027-01-09\n2027-02-20 春节调休"  # two Saturdays


def parse(holidays: str = HOLIDAYS, makeup_days: str = MAKEUP, **kwargs):
    return calendar_notice_parse(year=2027, holidays=holidays, makeup_days=makeup_days, **kwargs)


def messages_of(excinfo) -> list[tuple[str, str]]:
    return [(error["field"], error["message"]) for error in excinfo.value.errors]


@pytest.fixture
def case(official_calendar):
    cat = category()
    expert(cat), expert(cat)
    return accepted(cat=cat, on=ACCEPTED_ON)


# --- reading the text --------------------------------------------------------------------------------


def test_ranges_single_days_and_makeup_days_are_read_and_unnamed_makeups_take_the_nearest_holiday():
    notice = parse()

    assert [(h.name, h.first, h.last) for h in notice.holidays] == [
        ("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3)),
        ("春节", dt.date(2027, 2, 6), dt.date(2027, 2, 13)),
        ("清明节", dt.date(2027, 4, 5), dt.date(2027, 4, 5)),
    ]
    assert [(m.day, m.name) for m in notice.makeups] == [
        (dt.date(2027, 1, 9), "元旦调休"),
        (dt.date(2027, 2, 20), "春节调休"),
    ]


def test_the_notice_text_itself_can_be_pasted():
    notice = parse(
        "二、春节：2月6日（农历除夕）至13日（农历正月初八）放假调休，共8天。\n"
        "国庆节、中秋节 2027年10月1日 至 2027年10月7日",
        "2月20日（星期六）、2月21日（星期日）上班。",
    )

    assert [(h.name, h.first, h.last) for h in notice.holidays] == [
        ("春节", dt.date(2027, 2, 6), dt.date(2027, 2, 13)),
        ("国庆节、中秋节", dt.date(2027, 10, 1), dt.date(2027, 10, 7)),
    ]
    assert [(m.day, m.name) for m in notice.makeups] == [
        (dt.date(2027, 2, 20), "春节调休"),
        (dt.date(2027, 2, 21), "春节调休"),
    ]


def test_every_mistake_is_reported_at_its_field_and_line_at_once():
    with pytest.raises(InvalidInput) as excinfo:
        parse(
            "春节 2027-02-13 2027-02-06\n"  # 1: to before from
            " 2027-04-05\n"  # 2: no name
            "国庆节 2027-10-01 2028-01-02\n"  # 3: outside the year
            "元旦 2027-01-01 2027-01-03\n"
            "新年 2027-01-03 2027-01-04\n"  # 5: overlaps line 4
            "劳动节 2027-02-30",  # 6: no such day
            "2027-01-04\n2027-01-02\n2027-01-09\n2027-01-09",  # Monday; inside 元旦; fine; twice
        )

    assert messages_of(excinfo) == [
        ("holidays", "第1行：结束日期 2027-02-06 早于开始日期 2027-02-13"),
        ("holidays", "第2行：缺少节日名称，例如：春节 2027-02-06 2027-02-13"),
        ("holidays", "第3行：2028-01-02 不在2027年内"),
        ("holidays", "第5行：与第4行（元旦）的日期重叠"),
        ("holidays", "第6行：日期“2027-02-30”不存在"),
        ("makeup_days", "第1行：2027-01-04 是周一，本来就上班；调休上班日应是周六或周日"),
        ("makeup_days", "第2行：2027-01-02 在第4行的假期（元旦）之内"),
        ("makeup_days", "第4行：2027-01-09 与第3行重复"),
    ]


def test_an_empty_notice_and_a_year_out_of_range_are_refused():
    with pytest.raises(InvalidInput) as excinfo:
        parse("  \n", "")
    assert messages_of(excinfo) == [("holidays", "请至少填写一段假期，每行一段，例如：春节 2027-02-06 2027-02-13")]

    with pytest.raises(InvalidInput) as excinfo:
        calendar_notice_parse(year=2100, holidays=HOLIDAYS)
    assert excinfo.value.errors[0]["field"] == "year"


def test_a_cross_year_new_year_holiday_is_pointed_to_the_previous_year():
    with pytest.raises(InvalidInput) as excinfo:
        parse("元旦 2026-12-31 2027-01-01", "")
    assert "上一年的日期请录入上一年度" in messages_of(excinfo)[0][1]


# --- preview and write -------------------------------------------------------------------------------


def test_the_preview_shows_the_days_and_the_deadline_that_would_move_but_writes_nothing(case):
    before = case.review_deadline

    plan = calendar_notice_preview(notice=parse())

    spring = plan.holidays[1]
    assert [(d.day.day, d.weekday, d.action) for d in spring.days][:2] == [(6, "周六", ADDED), (7, "周日", ADDED)]
    assert spring.weekdays_off == 5
    assert plan.year_before == "未建立"
    [move] = plan.moves
    assert (move.what, move.label, move.old) == ("评审期限", f"受理编号 {case.reference}", before)
    assert move.new == before - dt.timedelta(days=1)  # Saturday 2027-01-09 is worked
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    case.refresh_from_db()
    assert case.review_deadline == before


def test_confirming_writes_the_days_marks_the_year_and_moves_the_deadlines_the_preview_showed(case):
    notice = parse(source="国办发明电〔2026〕7号")
    preview = calendar_notice_preview(notice=notice)

    saved = calendar_notice_apply(notice=notice, expected=preview.fingerprint)

    year = CalendarYear.objects.get(year=2027)
    assert year.is_official and year.source == "国办发明电〔2026〕7号"
    days = CalendarDay.objects.filter(date__year=2027)
    assert days.count() == 3 + 8 + 1 + 2
    assert set(days.values_list("source", flat=True)) == {CalendarDaySource.MANUAL}
    assert days.get(date=dt.date(2027, 1, 9)).is_working_day
    case.refresh_from_db()
    assert case.review_deadline == working_days_add(start=ACCEPTED_ON, days=20).deadline
    assert [(m.pk, m.old, m.new) for m in saved.moves] == [(m.pk, m.old, m.new) for m in preview.moves]
    assert saved.moves[0].new == case.review_deadline
    assert saved.recomputed.review_deadlines == 1


def test_entering_it_again_changes_edits_and_removes_exactly_the_differences(db):
    first = parse()
    calendar_notice_apply(notice=first, expected=calendar_notice_preview(notice=first).fingerprint)

    plan = calendar_notice_preview(
        notice=parse("元旦 2027-01-01 2027-01-03\n春节 2027-02-06 2027-02-13\n清明 2027-04-05", "2027-02-20")
    )

    assert plan.removed == [plan.removed[0]] and plan.removed[0].day == dt.date(2027, 1, 9)
    assert plan.removed[0].action == REMOVED
    qingming = plan.holidays[2].days[0]
    assert (qingming.action, qingming.before) == (CHANGED, "法定节假日 清明节")
    assert {d.action for d in plan.holidays[0].days} == {UNCHANGED}
    assert plan.changed_days == 2


def test_a_stale_preview_is_refused_and_nothing_is_written(db):
    notice = parse()
    preview = calendar_notice_preview(notice=notice)
    CalendarDay.objects.create(date=dt.date(2027, 3, 1), kind=CalendarDayKind.HOLIDAY, name="他人录入")

    with pytest.raises(Conflict):
        calendar_notice_apply(notice=notice, expected=preview.fingerprint)

    assert list(CalendarDay.objects.filter(date__year=2027).values_list("name", flat=True)) == ["他人录入"]


def test_leaving_the_box_unticked_keeps_the_year_provisional(db):
    CalendarYear.objects.create(year=2027, is_official=False, source="旧来源")
    notice = parse(is_official=False)

    plan = calendar_notice_apply(notice=notice, expected=calendar_notice_preview(notice=notice).fingerprint)

    year = CalendarYear.objects.get(year=2027)
    assert (year.is_official, year.source, plan.year_before) == (False, "旧来源", "临时")


def test_the_form_opens_with_the_table_as_ranges_and_reading_it_back_changes_nothing(official_calendar):
    initial = calendar_notice_initial(year=2026)

    assert "春节 2026-02-15 2026-02-23" in initial["holidays"].splitlines()
    assert "2026-02-14 春节调休" in initial["makeup_days"].splitlines()
    notice = calendar_notice_parse(year=2026, holidays=initial["holidays"], makeup_days=initial["makeup_days"])
    plan = calendar_notice_preview(notice=notice)
    assert plan.changed_days == 0
    assert plan.moves == []


def test_announcement_periods_and_remote_filings_that_would_move_are_listed_too(official_calendar):
    published = dt.date(2026, 12, 31)
    batch = AnnouncementBatchFactory(published_on=published, ends_on=announcement_ends_on(published_on=published))
    with at(published):
        filing = RemoteFilingFactory(long_term=True, decide_by=remote_filing_decide_by(filed_on=published))
    notice = parse("元旦 2027-01-01 2027-01-04", "")  # Monday the 4th off as well

    plan = calendar_notice_preview(notice=notice)

    assert {(m.what, m.pk, m.old) for m in plan.moves} == {
        ("公示截止日期", batch.pk, batch.ends_on),
        ("异地备案办结时限", filing.pk, filing.decide_by),
    }
    assert all(m.new > m.old for m in plan.moves)
    calendar_notice_apply(notice=notice, expected=plan.fingerprint)
    batch.refresh_from_db()
    filing.refresh_from_db()
    assert {batch.ends_on, filing.decide_by} == {m.new for m in plan.moves}


def test_a_day_entered_without_a_name_opens_as_a_named_holiday_line(db):
    CalendarDay.objects.create(date=dt.date(2027, 3, 1), kind=CalendarDayKind.HOLIDAY, name="")
    assert calendar_notice_initial(year=2027)["holidays"] == "法定节假日 2027-03-01 2027-03-01"
