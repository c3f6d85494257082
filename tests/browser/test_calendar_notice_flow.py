"""In a real browser set to English: an officer opens 按通知录入全年 from the calendar years, types the
2027 notice as ranges, first makes a mistake (shown at its line, text kept), previews the days and the
case deadline that would move, confirms, and reads which deadline changed."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reviews.calendar import calendar_seed
from reviews.models import CalendarDay, CalendarYear
from tests.browser.admin_login import log_in
from tests.reviews.review_helpers import accepted, category, expert, officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_officer_enters_a_years_notice_with_preview(new_page):
    calendar_seed(years=[2026])
    cat = category()
    expert(cat), expert(cat)
    case = accepted(cat=cat, on=dt.date(2026, 12, 28))
    officer(username="officer1")

    page = new_page()
    page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    log_in(page, "officer1")
    page.goto("/admin/reviews/calendaryear/")
    page.get_by_role("link", name="按通知录入全年").click()
    page.fill("#id_switch_year", "2027")
    page.get_by_role("button", name="换一年").click()
    page.wait_for_url("**/notice/2027/")

    page.fill("#id_holidays", "元旦 2027-01-01 2027-01-03\n春节 2027-02-13 2027-02-06")
    page.fill("#id_makeup_days", "2027-01-09")
    page.get_by_role("button", name="预览变动").click()
    expect(page.locator(".errorlist")).to_contain_text("第2行：结束日期 2027-02-06 早于开始日期 2027-02-13")
    expect(page.locator("#id_holidays")).to_have_value("元旦 2027-01-01 2027-01-03\n春节 2027-02-13 2027-02-06")

    page.fill("#id_holidays", "元旦 2027-01-01 2027-01-03\n春节 2027-02-06 2027-02-13")
    page.get_by_role("button", name="预览变动").click()
    plan = page.locator(".notice-plan")
    expect(plan).to_contain_text("春节：2027-02-06 至 2027-02-13，共 8 天")
    expect(plan.locator(".notice-moves")).to_contain_text(case.reference)
    assert not CalendarDay.objects.filter(date__year=2027).exists()

    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".messagelist")).to_contain_text("已保存2027年节假日安排")
    expect(page.locator(".notice-moves")).to_contain_text(case.reference)
    assert CalendarYear.objects.get(year=2027).is_official
    assert CalendarDay.objects.filter(date__year=2027).count() == 3 + 8 + 1
