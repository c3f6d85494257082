"""The calendar in the Django admin: provisional-year warnings, seeding, hand edits stay manual."""

import re
from datetime import date

import pytest
import time_machine
from django.contrib.messages import get_messages

from reviews.models import CalendarDay, CalendarDaySource, CalendarYear

pytestmark = pytest.mark.django_db

WARNING_2027 = "2027年尚未录入国务院节假日安排通知，期限按法定节日推算，为临时结果"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@time_machine.travel("2026-11-25 10:00 +0800")
def test_year_changelist_warns_about_next_year_without_the_notice(admin_client, official_calendar):
    response = admin_client.get("/admin/reviews/calendaryear/")

    assert response.status_code == 200
    assert WARNING_2027 in _messages(response)
    assert not any(message.startswith("2026年") for message in _messages(response))
    assert "载入官方节假日数据" in response.content.decode()


@time_machine.travel("2026-11-25 10:00 +0800")
def test_day_changelist_warns_too_and_marks_provisional_rows(admin_client, official_calendar):
    CalendarDay.objects.create(date=date(2027, 2, 20), kind="makeup_workday", name="春节调休")

    response = admin_client.get("/admin/reviews/calendarday/")

    assert response.status_code == 200
    assert WARNING_2027 in _messages(response)
    assert "⚠ 临时" in response.content.decode()


def test_provisional_year_row_shows_the_warning_in_its_column(admin_client):
    CalendarYear.objects.create(year=2028)

    response = admin_client.get("/admin/reviews/calendaryear/")

    assert "2028年尚未录入国务院节假日安排通知" in response.content.decode()


def test_seed_button_loads_the_official_data(admin_client, db):
    response = admin_client.post("/admin/reviews/calendaryear/seed/")

    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2026).is_official
    assert CalendarDay.objects.filter(date=date(2026, 10, 1), name="国庆节").exists()
    assert any("新增" in message for message in _messages(response))


def test_seed_button_refuses_get(admin_client, db):
    assert admin_client.get("/admin/reviews/calendaryear/seed/").status_code == 405
    assert not CalendarDay.objects.exists()


def test_reseed_action_on_selected_years(admin_client, official_calendar):
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    CalendarYear.objects.create(year=2027)

    response = admin_client.post(
        "/admin/reviews/calendaryear/",
        {"action": "reseed_selected", "_selected_action": ["2026", "2027"]},
        follow=True,
    )

    assert CalendarDay.objects.filter(date=date(2026, 10, 1)).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("2027年" in message and "人工录入" in message for message in messages)


def test_editing_a_day_in_the_admin_makes_it_manual(admin_client, official_calendar):
    day = CalendarDay.objects.get(date=date(2026, 10, 7))

    response = admin_client.post(
        f"/admin/reviews/calendarday/{day.pk}/change/",
        {"date": "2026-10-07", "kind": "makeup_workday", "name": "本地调整"},
    )

    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.source, day.kind, day.is_working_day) == (CalendarDaySource.MANUAL, "makeup_workday", True)


def test_adding_a_day_in_the_admin(admin_client, db):
    assert admin_client.get("/admin/reviews/calendarday/add/").status_code == 200

    response = admin_client.post(
        "/admin/reviews/calendarday/add/", {"date": "2027-02-20", "kind": "makeup_workday", "name": "春节调休"}
    )

    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).source == CalendarDaySource.MANUAL


def test_official_days_cannot_be_deleted_in_the_admin(admin_client, official_calendar):
    day = CalendarDay.objects.get(date=date(2026, 10, 1))

    assert admin_client.get(f"/admin/reviews/calendarday/{day.pk}/delete/").status_code == 403
    assert "delete_selected" not in admin_client.get("/admin/reviews/calendarday/").content.decode()


def test_the_working_day_column_its_filter_and_the_day_page_read_in_chinese(official_calendar):
    from django.test import Client

    from tests.reviews.review_helpers import officer

    client = Client()
    client.force_login(officer())
    listed = client.get("/admin/reviews/calendarday/", {"date__year": 2026})
    html = listed.content.decode()
    assert listed.status_code == 200 and not re.search(r">\s*(True|False)\s*<", html)
    assert '<td class="field-working">上班</td>' in html and '<td class="field-working">休息</td>' in html
    filter_block = html[html.index('id="changelist-filter"') :]
    assert ">上班</a>" in filter_block and ">休息</a>" in filter_block
    working = client.get("/admin/reviews/calendarday/", {"is_working_day__exact": "1"}).context["cl"]
    assert working.result_count == CalendarDay.objects.filter(is_working_day=True).count() > 0
    assert all(day.is_working_day for day in working.result_list)
    makeup = CalendarDay.objects.get(date=date(2026, 10, 10))  # 国庆节调休: a working Saturday
    page = client.get(f"/admin/reviews/calendarday/{makeup.pk}/change/").content.decode()
    assert '<div class="readonly">上班</div>' in page and not re.search(r">\s*(True|False)\s*<", page)
