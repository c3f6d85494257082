"""Shared by the annual-review tests (reminders, lapse, the review through the API, revocation).

The daily job is `certification.jobs.annual_reviews(on=…)`, also run as
`manage.py run_jobs annual_reviews --on YYYY-MM-DD`. Deliveries are queued when the job's writes
commit; the helpers run the commit callbacks and Celery runs eagerly, so the SMS outbox fills during
the call. The fixtures (the 2026 calendar and an empty SMS outbox, which every annual-review module uses,
the holder `person` and their `certification`) are in this folder's conftest.py.
"""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.test import TestCase
from rest_framework.test import APIClient

from certification.jobs import annual_reviews
from tests.certification.helpers import API, at

DUE = dt.date(2026, 12, 31)

REVIEW_DAY = dt.date(2026, 12, 7)


def run(day: dt.date) -> str:
    """The daily job as it runs on `day` (today is `day`), its deliveries sent as its writes commit."""
    with at(day, hour=7), TestCase.captureOnCommitCallbacks(execute=True):
        return annual_reviews(on=day)


def run_command(day: dt.date, *, today: dt.date | None = None) -> None:
    """`manage.py run_jobs annual_reviews --on day`, run on `today` (default: that same day)."""
    with at(today or day, hour=7), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("run_jobs", "annual_reviews", "--on", day.isoformat(), stdout=_Discard())


class _Discard:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def verify(code: str) -> dict:
    response = APIClient().get(f"{API}/certificates/verify/{code}/")
    assert response.status_code == 200
    return response.json()


def open_review(client: APIClient, certification) -> object:
    response = client.post(f"{API}/certificates/{certification.pk}/reviews/")
    assert response.status_code == 201, response.content
    return response.json()
