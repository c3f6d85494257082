"""The demo tells the whole story: after `bootstrap` in demo mode there is an application in every
state, a published announcement whose period has ended, and an effective certificate that verifies."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from applications.demo_stories import STORIES
from applications.models import Application
from certification.models import Certification
from reviews.models import AnnouncementBatch
from tests.reviews.review_helpers import at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = dt.date(2026, 9, 18)


@pytest.fixture
def seeded(settings):
    settings.DEMO_MODE = True
    with at(DAY):
        call_command("bootstrap", stdout=StringIO())


def test_every_state_has_its_demo_application(seeded):
    by_user = {a.applicant.username: a for a in Application.objects.select_related("applicant")}
    for state in STORIES:
        application = by_user[f"demo-{state.replace('_', '-')}"]
        assert application.status == state, (state, application.problems)
    supplement = by_user["demo-needs-supplement"]
    assert supplement.problems and all(problem["kinds"] for problem in supplement.problems)
    assert by_user["demo-under-review"].review_deadline is not None


def test_an_ended_announcement_and_an_effective_certificate_that_verifies(seeded, client):
    ended = AnnouncementBatch.objects.get(ends_on__lt=DAY)
    assert ended.closed_at is not None
    certification = Certification.objects.get(application__applicant__username="demo-effective")
    with at(DAY):
        page = client.get(f"/verify/{certification.code}/")
        announcements = client.get("/api/v1/announcements/").json()
    assert page.status_code == 200 and "有效" in page.content.decode()
    shown = announcements["results"] if isinstance(announcements, dict) else announcements
    assert {str(ended.published_on), str(DAY)} <= {batch["published_on"] for batch in shown}


def test_seeding_again_changes_nothing(seeded):
    before = (Application.objects.count(), Certification.objects.count(), AnnouncementBatch.objects.count())
    with at(DAY):
        out = StringIO()
        call_command("seed_demo", stdout=out)
    assert (Application.objects.count(), Certification.objects.count(), AnnouncementBatch.objects.count()) == before
    assert "kept demo story demo-effective" in out.getvalue()
