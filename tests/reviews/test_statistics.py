"""Officers' statistics: applications first submitted in a period, by month and by channel (every channel
listed), where they stand now; nobody else reads them; a wrong period is a 400 naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api import bearer_client
from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.review_helpers import expert, officer

pytestmark = pytest.mark.django_db
OCT, NOV = dt.datetime(2026, 10, 15, 10, tzinfo=dt.UTC), dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC)


@pytest.fixture
def cases():
    ApplicationFactory(submitted=True, submitted_at=OCT, channel="hospital")
    ApplicationFactory(rejected=True, submitted_at=OCT, channel="window")
    ApplicationFactory(under_review=True, submitted_at=NOV, channel="window")
    ApplicationFactory(withdrawn=True, submitted_at=NOV, channel="online")
    ApplicationFactory(submitted_at=None)  # a draft was never received
    ApplicationFactory(submitted=True, submitted_at=dt.datetime(2025, 12, 30, 10, tzinfo=dt.UTC))  # outside


def stats(user, **query):  # type: ignore[no-untyped-def]
    return bearer_client(user).get("/api/v1/stats/", {"date_from": "2026-01-01", "date_to": "2026-12-07", **query})


def test_counts_by_month_and_by_channel(cases):
    body = stats(officer()).json()
    assert body["totals"] == {
        **{"received": 4, "accepted": 2, "approved": 0, "rejected": 1, "withdrawn": 1, "open": 2},
        **{"decided": 1, "overdue": 0, "completion_rate": 0.5, "overdue_rate": 0.0},
    }
    months = [(m["month"], m["received"], m["rejected"]) for m in body["by_month"] if m["received"]]
    assert months == [("2026-10", 2, 1), ("2026-11", 2, 0)]
    assert [m["month"] for m in body["by_month"]][:2] == ["2026-01", "2026-02"]  # every month, zero or not
    assert len(body["by_month"]) == 12
    channels = {row["channel"]: row for row in body["by_channel"]}
    assert list(channels) == ["online", "family", "agent", "hospital", "window"]
    assert (channels["window"]["received"], channels["window"]["accepted"], channels["window"]["open"]) == (2, 2, 1)
    assert channels["window"]["channel_display"] == "经办窗口代为申请"
    assert (channels["hospital"]["received"], channels["family"]["received"]) == (1, 0)


def test_the_period_defaults_to_this_year_and_is_checked(cases):
    body = bearer_client(officer()).get("/api/v1/stats/").json()
    today = timezone.localdate()
    assert (body["date_from"], body["date_to"]) == (str(today.replace(month=1, day=1)), str(today))
    backwards = stats(officer(username="o2"), date_from="2026-12-01", date_to="2026-11-01")
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["field"] == "date_from"
    assert stats(officer(username="o3"), date_from="2026-13-01").status_code == 400


def test_only_officers_read_them(cases):
    assert stats(UserFactory()).status_code == 403
    assert stats(expert()).status_code == 403
