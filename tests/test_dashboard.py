"""The admin's start page per role: an officer's counts of the work waiting, each linking to the list it
counts (the list then shows that many), the most overdue cases with their working days overdue; an
expert's open cases, overdue first; nothing for staff without either role."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.factories import ReviewAssignmentFactory
from tests.reviews.review_helpers import category, expert, officer

pytestmark = pytest.mark.django_db
TILE = re.compile(
    r'<a class="tile[^"]*" href="([^"]+)"><span class="count">(\d+)</span><span class="label">([^<]+)</span>'
)


def tiles(page: str) -> dict[str, tuple[int, str]]:
    return {label: (int(count), url.replace("&amp;", "&")) for url, count, label in TILE.findall(page)}


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_officer_sees_the_work_waiting_and_each_number_opens_its_list(official_calendar):
    today = timezone.localdate()
    ApplicationFactory(submitted=True)
    ApplicationFactory(submitted=True, submitted_at=timezone.now() - dt.timedelta(days=40))
    late = ApplicationFactory(under_review=True, review_deadline=today - dt.timedelta(days=10))
    ApplicationFactory(under_review=True)
    client = signed_in(officer())
    page = client.get("/admin/").content.decode()
    shown = tiles(page)
    assert shown["今日收件"][0] == 3 and shown["待完整性检查"][0] == 2  # received today: 1 submitted, 2 accepted
    assert shown["专家评审中"][0] == 2 and shown["评审超期"][0] == 1
    for label in ("今日收件", "待完整性检查", "专家评审中", "评审超期"):
        count, url = shown[label]
        listed = client.get(url).content.decode()
        assert len(set(re.findall(r"MT\d{16}", listed))) == count, (label, url, re.findall(r"MT\d{16}", listed))
    overdue = page[page.index("评审超期最久的案件") :]
    assert late.reference in overdue and '<td class="late">' in overdue


def test_the_officer_is_told_when_next_years_holidays_are_not_entered():
    from reviews.models import CalendarYear

    next_year = timezone.localdate().year + 1
    client = signed_in(officer())
    CalendarYear.objects.filter(year=next_year).delete()
    assert f"{next_year}年节假日未录入" in tiles(client.get("/admin/").content.decode())
    CalendarYear.objects.create(year=next_year, is_official=True)
    assert f"{next_year}年节假日未录入" not in tiles(client.get("/admin/").content.decode())


def test_the_expert_sees_their_open_cases_overdue_first(official_calendar):
    today = timezone.localdate()
    specialty = category("endocrine", "内分泌系统疾病")
    reviewer = expert(specialty, username="expert9")
    soon = ApplicationFactory(under_review=True, review_deadline=today + dt.timedelta(days=7))
    late = ApplicationFactory(under_review=True, review_deadline=today - dt.timedelta(days=3))
    for case in (soon, late):
        ReviewAssignmentFactory(application=case, expert=reviewer)
    page = signed_in(reviewer).get("/admin/").content.decode()
    board = page[page.index('id="expert-dashboard"') :]
    assert board.index(late.reference) < board.index(soon.reference)
    assert tiles(board)["已超期"][0] == 1 and tiles(board)["待评审"][0] == 2
    assert 'id="officer-dashboard"' not in page


def test_staff_without_a_role_see_no_numbers():
    page = signed_in(UserFactory(is_staff=True, id_number="")).get("/admin/").content.decode()
    assert 'id="officer-dashboard"' not in page and 'id="expert-dashboard"' not in page


def _rating(score: int, *, days_ago: int = 0):  # type: ignore[no-untyped-def]
    from applications.models import ServiceRating

    application = ApplicationFactory(approved=True)
    rating = ServiceRating.objects.create(application=application, user=application.applicant, score=score)
    ServiceRating.objects.filter(pk=rating.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return rating


def test_open_batches_and_recent_low_ratings_open_lists_of_exactly_what_they_count():
    from tests.reviews.factories import AnnouncementBatchFactory

    AnnouncementBatchFactory(region_code="620902", region_name="肃州区")
    AnnouncementBatchFactory(region_code="620921", region_name="金塔县")
    AnnouncementBatchFactory(ended=True)  # closed: not 公示中
    _rating(1)
    _rating(2, days_ago=29)
    _rating(1, days_ago=45)  # low, but before the last 30 days
    _rating(5)  # recent, not low
    client = signed_in(officer())
    shown = tiles(client.get("/admin/").content.decode())
    assert shown["公示中批次"][0] == 2 and shown["近30天差评"][0] == 2
    for label in ("公示中批次", "近30天差评"):
        count, url = shown[label]
        listed = client.get(url)
        assert listed.status_code == 200 and listed.context["cl"].result_count == count, (label, url)
    # The ratings list shows which of its own date choices the link chose.
    listed = client.get(shown["近30天差评"][1]).content.decode()
    assert re.search(r'<li class="selected">\s*<a href="[^"]*"[^>]*>过去30天</a>', listed)
