"""Objections: the entry held back until an officer decides, and the two resolutions (dismissed → it
takes effect; upheld → back to expert review)."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.models import ApplicationEvent, ApplicationStatus
from certification.models import Certification
from config.domain import InvalidInput, InvalidState
from reviews.announcements import announcement_close, objection_file, objection_resolve
from reviews.models import EntryStatus, ObjectionStatus, ReviewAssignment
from tests.reviews.objection_helpers import API, VALID, the_day_after
from tests.reviews.review_helpers import at, officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_fresh_cache", "_objection_today")]


def test_a_held_entry_does_not_take_effect_when_the_period_ends(batch, entry, app):
    objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})

    with at(the_day_after(batch)):
        assert announcement_close(on=the_day_after(batch)) == 0

    entry.refresh_from_db()
    app.refresh_from_db()
    batch.refresh_from_db()
    assert entry.status == EntryStatus.HELD
    assert app.status == ApplicationStatus.IN_ANNOUNCEMENT
    assert not Certification.objects.filter(application=app).exists()
    assert batch.closed_at is None


def test_dismissed_the_entry_takes_effect_at_the_next_close(batch, entry, app):
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    with at(the_day_after(batch)):
        announcement_close(on=the_day_after(batch))
        objection_resolve(objection_id=objection.pk, officer=officer(), upheld=False, resolution="经核实参保正常")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LISTED

    later = the_day_after(batch) + dt.timedelta(days=1)
    with at(later):
        assert announcement_close(on=later) == 1

    entry.refresh_from_db()
    app.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert entry.status == EntryStatus.EFFECTIVE
    assert app.status == ApplicationStatus.EFFECTIVE
    assert Certification.objects.filter(application=app).exists()


def test_dismissing_one_of_two_open_objections_keeps_the_entry_held(batch, entry):
    first = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13900139000"})

    objection_resolve(objection_id=first.pk, officer=officer(), upheld=False, resolution="不属实")

    entry.refresh_from_db()
    assert entry.status == EntryStatus.HELD


def test_upheld_the_application_goes_back_to_review_with_the_objection(client, batch, entry, app):
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    round_before = app.review_round

    objection_resolve(objection_id=objection.pk, officer=officer(), upheld=True, resolution="核实属实，重新评审")

    app.refresh_from_db()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.review_round == round_before + 1
    assert ReviewAssignment.objects.filter(application=app, round=app.review_round, is_active=True).count() == 2
    event = ApplicationEvent.objects.filter(application=app).latest("at", "id")
    assert (event.from_status, event.to_status) == ("in_announcement", "under_review")
    assert event.data["objection"] == {
        "id": objection.pk,
        "reason": VALID["reason"],
        "resolution": "核实属实，重新评审",
    }
    # The experts (and the applicant) read the objection itself in the event, not only the resolution.
    assert VALID["reason"] in event.reason and "核实属实，重新评审" in event.reason
    # Gone from the public list, and the close job leaves it alone.
    assert client.get(API).json()["results"] == []
    with at(the_day_after(batch)):
        assert announcement_close(on=the_day_after(batch)) == 0
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW


def test_resolving_needs_a_text_and_happens_once(entry):
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    with pytest.raises(InvalidInput):
        objection_resolve(objection_id=objection.pk, officer=officer(), upheld=False, resolution="  ")
    objection_resolve(objection_id=objection.pk, officer=officer(username="o2"), upheld=False, resolution="不属实")
    with pytest.raises(InvalidState):
        objection_resolve(objection_id=objection.pk, officer=officer(username="o3"), upheld=True, resolution="改判")


def test_objection_to_an_entry_of_another_batch_is_refused_by_the_service(entry):
    from config.domain import InvalidInput

    with pytest.raises(InvalidInput):
        objection_file(entry_id=entry.pk, batch_id=entry.batch_id + 1000, **{**VALID, "contact_phone": "13800138000"})
