"""GET /api/v1/calendar/deadline/ — public deadline arithmetic on the working-day calendar."""

import pytest
from rest_framework.test import APIClient

URL = "/api/v1/calendar/deadline/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _error_fields(response) -> dict[str, str]:
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["status"] == 400
    return {error["field"]: error["message"] for error in body["errors"]}


def test_deadline_answers_with_the_deadline_and_the_skipped_days(api, official_calendar):
    response = api.get(URL, {"from": "2026-09-18", "working_days": "20"})

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "from": "2026-09-18",
        "working_days": 20,
        "deadline": "2026-10-22",
        "provisional": False,
        "skipped": body["skipped"],
    }
    assert body["skipped"][:2] == [
        {"date": "2026-09-19", "reason": "周末"},
        {"date": "2026-09-25", "reason": "中秋节"},
    ]
    assert {"date": "2026-10-01", "reason": "国庆节"} in body["skipped"]
    assert len(body["skipped"]) == 14


def test_deadline_across_spring_festival(api, official_calendar):
    body = api.get(URL, {"from": "2026-02-10", "working_days": "5"}).json()

    assert body["deadline"] == "2026-02-24"
    assert body["provisional"] is False


def test_deadline_reaching_into_a_year_without_the_official_notice_is_provisional(api, official_calendar):
    body = api.get(URL, {"from": "2026-12-25", "working_days": "5"}).json()

    assert body["deadline"] == "2027-01-04"
    assert body["provisional"] is True
    assert {"date": "2027-01-01", "reason": "元旦"} in body["skipped"]


def test_deadline_needs_no_login_and_ignores_a_bad_token(api, official_calendar):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api.get(URL, {"from": "2026-03-06", "working_days": "1"})

    assert response.status_code == 200
    assert response.json()["deadline"] == "2026-03-09"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"working_days": "5"}, "from"),
        ({"from": "", "working_days": "5"}, "from"),
        ({"from": "2026-02-30", "working_days": "5"}, "from"),
        ({"from": "18/09/2026", "working_days": "5"}, "from"),
        ({"from": "2026-09-18T08:00:00", "working_days": "5"}, "from"),
        ({"from": "1999-12-31", "working_days": "5"}, "from"),
        ({"from": "2026-09-18"}, "working_days"),
        ({"from": "2026-09-18", "working_days": "-1"}, "working_days"),
        ({"from": "2026-09-18", "working_days": "366"}, "working_days"),
        ({"from": "2026-09-18", "working_days": "99999999999999999999"}, "working_days"),
        ({"from": "2026-09-18", "working_days": "1.5"}, "working_days"),
        ({"from": "2026-09-18", "working_days": "twenty"}, "working_days"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field_in_chinese(api, params, field):
    response = api.get(URL, params)

    assert response.status_code == 400
    errors = _error_fields(response)
    assert list(errors) == [field]
    assert any("\u4e00" <= char <= "\u9fff" for char in errors[field]), errors[field]


def test_both_parameters_missing_are_both_reported(api):
    errors = _error_fields(api.get(URL))

    assert errors == {
        "from": "请提供起算日期 from（格式 YYYY-MM-DD）。",
        "working_days": "请提供工作日天数 working_days。",
    }


def test_negative_working_days_message(api):
    errors = _error_fields(api.get(URL, {"from": "2026-09-18", "working_days": "-3"}))

    assert errors == {"working_days": "工作日天数不能为负数。"}


def test_messages_stay_chinese_whatever_the_browser_language(api):
    response = api.get(URL, {"from": "bad", "working_days": "5"}, HTTP_ACCEPT_LANGUAGE="en")

    assert _error_fields(response) == {"from": "起算日期 from 的格式应为 YYYY-MM-DD，例如 2026-09-18。"}


def test_only_get_is_allowed(api):
    assert api.post(URL, {"from": "2026-09-18", "working_days": 5}).status_code == 405
