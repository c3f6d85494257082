"""The 按通知录入全年 page in the admin, as an officer: form, preview, confirm, errors at their line."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from reviews.models import CalendarDay, CalendarYear
from tests.reviews.review_helpers import accepted, category, expert, officer
from tests.test_admin_language import english_words

pytestmark = pytest.mark.django_db

USERNAME_WORDS = {"officer", "cal"}  # the signed-in user's name, shown in the header: data
URL = "/admin/reviews/calendaryear/notice/2027/"
NOTICE = {
    "holidays": "元旦 2027-01-01 2027-01-03\n春节：2月6日（农历除夕）至13日放假调休，共8天。",
    "makeup_days": "2027-01-09",
    "is_official": "on",
    "source": "国办发明电〔2026〕7号",
}


@pytest.fixture
def officer_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer(username="officer_cal"))
    return client


@pytest.fixture
def case(official_calendar):
    cat = category()
    expert(cat), expert(cat)
    return accepted(cat=cat, on=dt.date(2026, 12, 28))


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel("2026-11-25 10:00 +0800")
def test_the_changelist_links_to_next_years_notice(officer_client):
    body = page(officer_client.get("/admin/reviews/calendaryear/"))
    assert 'href="/admin/reviews/calendaryear/notice/2027/"' in body and "按通知录入全年" in body


def test_the_form_opens_with_the_years_days_already_in_the_table(officer_client, official_calendar):
    body = page(officer_client.get("/admin/reviews/calendaryear/notice/2026/"))
    assert "春节 2026-02-15 2026-02-23" in body
    assert english_words(body, data=USERNAME_WORDS) == set()


def test_preview_lists_days_with_weekdays_and_the_moving_deadline_and_writes_nothing(officer_client, case):
    old = case.review_deadline

    body = page(officer_client.post(URL, {**NOTICE, "preview": "1"}))

    assert "春节：2027-02-06 至 2027-02-13，共 8 天" in body
    assert "<td>2027-02-06</td><td>周六</td>" in body
    assert f"受理编号 {case.reference}" in body and old.isoformat() in body
    assert (old - dt.timedelta(days=1)).isoformat() in body
    assert 'name="confirm"' in body and 'name="fingerprint"' in body
    assert english_words(body, data={case.reference, *USERNAME_WORDS}) == set()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_confirm_writes_and_lists_the_deadlines_that_changed(officer_client, case):
    preview = officer_client.post(URL, {**NOTICE, "preview": "1"})
    fingerprint = preview.context["plan"].fingerprint

    body = page(officer_client.post(URL, {**NOTICE, "confirm": "1", "fingerprint": fingerprint}))

    assert "已保存2027年节假日安排：2 段假期，1 个调休上班日" in body
    assert "已变动的期限" in body and f"受理编号 {case.reference}" in body
    assert CalendarYear.objects.get(year=2027).is_official
    assert CalendarDay.objects.filter(date__year=2027).count() == 3 + 8 + 1
    case.refresh_from_db()
    assert case.review_deadline.isoformat() in body


def test_confirm_after_editing_the_text_shows_a_new_preview_instead_of_saving(officer_client, db):
    fingerprint = officer_client.post(URL, {**NOTICE, "preview": "1"}).context["plan"].fingerprint

    edited = {**NOTICE, "makeup_days": "2027-01-09\n2027-02-20", "confirm": "1", "fingerprint": fingerprint}
    body = page(officer_client.post(URL, edited))

    assert "预览之后有变化" in body and 'name="confirm"' in body
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_bad_lines_are_shown_in_chinese_at_their_field_and_the_text_is_kept(officer_client, db):
    typed = "春节 2027-02-13 2027-02-06\n国庆节 2027-10-01 2027-10-07\n中秋 2027-10-05 2027-10-06"
    body = page(officer_client.post(URL, {"holidays": typed, "makeup_days": "2027-02-22", "preview": "1"}))

    assert "第1行：结束日期 2027-02-06 早于开始日期 2027-02-13" in body
    assert "第3行：与第2行（国庆节）的日期重叠" in body
    assert "第1行：2027-02-22 是周一" in body
    assert typed in body and "2027-02-22</textarea>" in body
    assert 'name="confirm"' not in body
    assert english_words(body, data=USERNAME_WORDS) == set()


def test_a_staff_member_without_calendar_rights_is_refused(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, id_number=""))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {**NOTICE, "preview": "1"}).status_code == 403


def test_the_year_switcher_goes_to_the_typed_year_and_refuses_nonsense(officer_client):
    assert officer_client.get("/admin/reviews/calendaryear/notice/?year=2030")["Location"].endswith("/notice/2030/")
    response = officer_client.get("/admin/reviews/calendaryear/notice/?year=abc", follow=True)
    assert "年份须在1900年至2099年之间" in page(response)
    assert officer_client.get("/admin/reviews/calendaryear/notice/3000/").status_code == 404


def test_a_notice_without_every_statutory_holiday_is_warned_about(officer_client, db):
    partial = officer_client.post(URL, {**NOTICE, "preview": "1"})
    body = page(partial)
    assert "以下法定节假日不在录入的放假安排中" in body
    assert "清明节（4月5日）" in body and "国庆节（10月1日）" in body and "元旦（1月1日）" not in body
    whole = {
        **NOTICE,
        "holidays": "\n".join(
            [
                "元旦 2027-01-01 2027-01-03",
                "春节 2027-02-05 2027-02-13",
                "清明节 2027-04-03 2027-04-05",
                "劳动节 2027-05-01 2027-05-05",
                "端午节 2027-06-09 2027-06-11",
                "中秋节 2027-09-15 2027-09-17",
                "国庆节 2027-10-01 2027-10-07",
            ]
        ),
        "makeup_days": "",
    }
    assert "以下法定节假日不在录入的放假安排中" not in page(officer_client.post(URL, {**whole, "preview": "1"}))
