"""Builders for the public announcement (公示) and objection tests: applications approved through the
real review flow, published with the real `announcement_publish`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import EXPERTS, OFFICERS
from applications.models import Application, ApplicationStatus
from reviews.announcements import announcement_publish
from reviews.models import AnnouncementBatch, AnnouncementEntry
from tests.factories import ApplicationFactory, UserFactory, make_id_number
from tests.reviews.review_helpers import accepted, at, category, decide, expert, panel

ON = dt.date(2026, 9, 14)  # a Monday; the 5 working days of the period end on Monday 21 September


def experts_for(cat=None) -> list[User]:  # type: ignore[no-untyped-def]
    """A full panel of experts for `cat` (endocrine by default)."""
    # The staff groups come from a migration; get_or_create also survives a transactional test's flush
    # when serialized rollback is not in effect (see tests/browser/conftest.py).
    for name in (EXPERTS, OFFICERS):
        Group.objects.get_or_create(name=name)
    cat = cat or category()
    return [expert(cat) for _ in range(settings.REVIEW_PANEL_SIZE)]


def approved(*, on: dt.date = ON, applicant: User | None = None, **fields) -> Application:
    """An application accepted on `on` and approved by its whole panel (experts must exist)."""
    applicant = applicant or UserFactory(id_number=make_id_number())
    app = accepted(on=on, applicant=applicant, **fields)
    with at(on):
        for assignment in panel(app):
            decide(assignment, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    return app


def published(*apps: Application, on: dt.date = ON) -> AnnouncementBatch:
    """Publish the approved applications on `on`; all must land in one batch (same region)."""
    with at(on):
        batches = announcement_publish(on=on)
    assert len(batches) == 1, batches
    for app in apps:
        app.refresh_from_db()
        assert app.status == ApplicationStatus.IN_ANNOUNCEMENT
    return batches[0]


def entry_of(app: Application) -> AnnouncementEntry:
    return AnnouncementEntry.objects.get(application=app)


def other_batch(*, published_on: dt.date, ends_on: dt.date, region_code: str = "620900", **entry) -> AnnouncementBatch:
    """A batch with one entry, written directly (for listing order and window tests)."""
    batch = AnnouncementBatch.objects.create(
        region_code=region_code, region_name="酒泉市", published_on=published_on, ends_on=ends_on
    )
    entry.setdefault("masked_name", "王*")
    entry.setdefault("masked_id_number", "6209**********0011")
    entry.setdefault("disease_name", "糖尿病")
    entry.setdefault("district", "肃州区")
    AnnouncementEntry.objects.create(
        batch=batch, application=ApplicationFactory(status=ApplicationStatus.IN_ANNOUNCEMENT), **entry
    )
    return batch
