"""好差评: after the decision the applicant rates the service once (1–5, a comment); not before, not
twice, not by a desk; a score out of range is a 400 on `score` in Chinese; the statistics count the
ratings and the officers' dashboard shows the low ones, linking to them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from applications.models import DeskPost, ServiceRating
from tests.api import bearer_client
from tests.factories import ApplicationFactory, HospitalFactory, UserFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db


def rate(client, application, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/applications/{application.pk}/rating/", body, format="json")


def test_the_applicant_rates_once_after_the_decision():
    decided = ApplicationFactory(rejected=True)
    client = bearer_client(decided.applicant)
    given = rate(client, decided, score=2, comment="  等待时间太长  ")
    assert given.status_code == 201 and given.json()["score"] == 2 and given.json()["comment"] == "等待时间太长"
    again = rate(client, decided, score=5)
    assert again.status_code == 409 and again.json()["type"] == "already_rated"
    assert ServiceRating.objects.get().score == 2


def test_not_before_the_decision_nor_out_of_range_nor_by_someone_else():
    open_case = ApplicationFactory(under_review=True)
    client = bearer_client(open_case.applicant)
    assert rate(client, open_case, score=4).json()["type"] == "not_decided"
    decided = ApplicationFactory(effective=True)
    owner = bearer_client(decided.applicant)
    for bad in (0, 6, "很好"):
        refused = rate(owner, decided, score=bad)
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "score"
        assert "评分应为1至5" in refused.json()["errors"][0]["message"]
    assert rate(bearer_client(UserFactory()), decided, score=5).status_code == 404
    clerk = UserFactory(is_staff=True, id_number="")
    DeskPost.objects.create(user=clerk, hospital=HospitalFactory())
    assert rate(bearer_client(clerk), decided, score=5).status_code == 404  # not the desk's case either
    assert not ServiceRating.objects.exists()


def test_the_statistics_count_the_ratings_and_officers_see_the_low_ones():
    for score in (1, 2, 5, 5):
        application = ApplicationFactory(effective=True)
        ServiceRating.objects.create(application=application, user=application.applicant, score=score)
    old = ServiceRating.objects.filter(score=1).get()
    ServiceRating.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    staff = officer()
    today = timezone.localdate()
    body = bearer_client(staff).get("/api/v1/stats/", {"date_from": str(today - dt.timedelta(days=10))}).json()
    assert body["ratings"]["count"] == 3 and body["ratings"]["low"] == 1 and body["ratings"]["average"] == 4.0
    assert [row["count"] for row in body["ratings"]["by_score"]] == [0, 1, 0, 0, 2]
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/").content.decode()
    url, count = re.search(
        r'href="([^"]+)"><span class="count">(\d+)</span><span class="label">近30天差评', page
    ).groups()
    assert count == "1"
    listed = client.get(url.replace("&amp;", "&")).content.decode()
    assert listed.count("field-score") == 1  # the low rating of the last 30 days, as counted (not the old one)
