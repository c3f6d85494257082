"""The admin's statistics page (统计分析): officers see the period's figures, tables and charts drawn as
inline SVG (no script); a wrong period is said on the form; experts and desk staff get 403; the officer's
start page links to it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from applications.models import Application, ApplicationEvent, ApplicationStatus, DeskPost
from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.review_helpers import SHANGHAI, at, expert, officer

pytestmark = pytest.mark.django_db
PAGE = "/admin/statistics/"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def decided_case(official_calendar):
    accepted = dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI)
    application = ApplicationFactory(
        status=ApplicationStatus.APPROVED,
        submitted_at=accepted,
        accepted_at=accepted,
        review_deadline=dt.date(2026, 10, 28),
        review_round=1,
        channel="window",
    )
    event = ApplicationEvent.objects.create(
        application=application, actor_label="系统", from_status="under_review", to_status="approved"
    )
    decided = dt.datetime(2026, 10, 9, 15, tzinfo=SHANGHAI)
    ApplicationEvent.objects.filter(pk=event.pk).update(at=decided)
    Application.objects.filter(pk=application.pk).update(decided_at=decided)  # as the workflow stamps it
    return application


def test_officers_see_figures_tables_and_svg_charts(decided_case):
    with at(dt.date(2026, 12, 7)):
        response = client_for(officer()).get(PAGE, {"date_from": "2026-09-01", "date_to": "2026-10-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "统计区间：2026-09-01 至 2026-10-31" in html
    assert html.count('<svg class="chart"') == 6 and "<script" not in html.split('id="content-main"')[1]
    assert '<div class="stats-figure"><span class="label">办结率</span><span class="value">100.0%</span>' in html
    assert '<span class="value">2个工作日</span>' in html  # median across National Day
    figures = response.context["figures"]
    assert [f["value"] for f in figures] == ["100.0%", "0.0%", "2个工作日", "2个工作日", "—"]
    window = next(row for row in response.context["tables"][3]["rows"] if row[0] == "经办窗口代为申请")
    assert window == ["经办窗口代为申请", 1, 1, 1, 0, 0, 0, 1, 0, "100.0%", "0.0%"]
    assert "<title>2026-09 收件：1</title>" in html  # the bar of September's one case


def test_the_period_defaults_to_this_year(decided_case):
    with at(dt.date(2026, 12, 7)):
        response = client_for(officer()).get(PAGE)
    assert response.context["stats"]["date_from"] == dt.date(2026, 1, 1)
    assert response.context["stats"]["date_to"] == dt.date(2026, 12, 7)
    assert len(response.context["stats"]["by_month"]) == 12


def test_a_backwards_period_is_said_on_the_form(db):
    response = client_for(officer()).get(PAGE, {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert response.status_code == 200
    assert "起始日期不能晚于截止日期。" in response.content.decode()
    assert "stats" not in response.context


def test_only_officers_open_it(db):
    assert client_for(expert()).get(PAGE).status_code == 403
    clerk = UserFactory(is_staff=True, id_number="", username="clerk")
    DeskPost.objects.create(user=clerk)
    assert client_for(clerk).get(PAGE).status_code == 403
    assert Client().get(PAGE).status_code == 302  # to the login page


def test_the_officers_start_page_links_to_it(db):
    html = client_for(officer()).get("/admin/").content.decode()
    assert f'href="{PAGE}" id="statistics-link"' in html
    assert 'id="statistics-link"' not in client_for(expert(username="e2")).get("/admin/").content.decode()


def test_the_page_shows_the_ratings_the_api_reports(official_calendar):
    from applications.models import ServiceRating
    from reviews.statistics import application_statistics

    with at(dt.date(2026, 10, 12)):
        for score in (1, 2, 5, 5):
            application = ApplicationFactory(approved=True)
            ServiceRating.objects.create(application=application, user=application.applicant, score=score)
    with at(dt.date(2026, 12, 7)):
        response = client_for(officer()).get(PAGE, {"date_from": "2026-09-01", "date_to": "2026-10-31"})
        api = application_statistics(date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 10, 31))["ratings"]
    html = response.content.decode()
    ratings = html[html.index('id="ratings"') :]
    assert api["count"] == 4 and api["low"] == 2 and api["average"] == 3.25
    head = ["评价数", "平均分", "差评（2分及以下）", "1分", "2分", "3分", "4分", "5分"]
    assert re.findall(r'<th class="num">([^<]+)</th>', ratings.split("</thead>")[0]) == head
    cells = re.findall(r'<td class="num">([^<]+)</td>', ratings.split("</tbody>")[0])
    assert cells == ["4", "3.25分", "2", "1", "1", "0", "0", "2"]
    chart = ratings[ratings.index('id="chart-ratings"') :]
    assert '<svg class="chart"' in chart and "<title>5分：2</title>" in chart and "<title>3分：0</title>" in chart


def test_a_rate_of_nothing_reads_a_dash_in_the_chart_as_in_its_tile(decided_case):
    """No annual review was due in the period: its completion rate is no number, not 0 %."""
    body = client_for(officer()).get(PAGE, {"date_from": "2026-01-01", "date_to": "2026-12-07"}).content.decode()
    rates = re.search(r"<svg[^>]*>\s*<title>办结率、超期率与年度复核完成率</title>.*?</svg>", body, re.S)
    assert rates is not None
    assert "年度复核完成率：—" in rates.group(0)
    assert "年度复核完成率：0.0%" not in rates.group(0)
