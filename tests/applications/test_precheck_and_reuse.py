"""预审 and 减证便民: `POST /applications/{id}/precheck/` gives the problem list the next real check will
give and changes nothing; an annual review or a change application uses the identity and insurance
scans of the person's earlier accepted application instead of asking for them again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    Document,
    DocumentKind,
)
from applications.services import application_check
from notifications.models import Notification
from tests.api import bearer_client
from tests.applications.check_helpers import ON, application
from tests.factories import ApplicationFactory, DocumentFactory
from tests.reviews.review_helpers import at

pytestmark = pytest.mark.django_db


def precheck(app: Application):  # type: ignore[no-untyped-def]
    return bearer_client(app.applicant).post(f"/api/v1/applications/{app.pk}/precheck/")


def test_precheck_lists_what_the_next_check_will_find_and_changes_nothing():
    app = application(base_kinds=("id_card_front",), evidence_kinds=("diagnosis_certificate",))
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.DRAFT, submitted_at=None)
    before = (ApplicationEvent.objects.count(), Notification.objects.count(), Application.objects.get(pk=app.pk))
    with at(ON):
        response = precheck(app)
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is False and body["reused_documents"] == []
    assert ApplicationEvent.objects.count() == before[0] and Notification.objects.count() == before[1]
    unchanged = Application.objects.get(pk=app.pk)
    assert (unchanged.status, unchanged.updated_at, unchanged.problems) == (
        ApplicationStatus.DRAFT,
        before[2].updated_at,
        before[2].problems,
    )

    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.SUBMITTED, submitted_at=timezone.now())
    with at(ON):
        checked = application_check(application_id=app.pk, on=ON)
    assert checked.status == ApplicationStatus.NEEDS_SUPPLEMENT
    assert checked.problems == body["problems"]


def test_a_complete_draft_prechecks_complete():
    app = application()
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.DRAFT)
    with at(ON):
        assert precheck(app).json() == {"complete": True, "problems": [], "reused_documents": []}


def test_precheck_refuses_a_case_already_with_the_bureau():
    app = application()  # submitted
    with at(ON):
        response = precheck(app)
    assert response.status_code == 409


def earlier_accepted(app: Application, *, uploaded_days_ago: int = 200) -> list[Document]:
    """The person's earlier, effective application with its identity and insurance scans."""
    earlier = ApplicationFactory(applicant=app.applicant, status=ApplicationStatus.EFFECTIVE, disease=app.disease)
    scans = [
        DocumentFactory(application=earlier, kind=kind)
        for kind in (DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK, DocumentKind.INSURANCE_CARD)
    ]
    then = timezone.make_aware(dt.datetime.combine(ON - dt.timedelta(days=uploaded_days_ago), dt.time(9)))
    Document.objects.filter(application=earlier).update(uploaded_at=then)
    return scans


def test_an_annual_review_asks_only_for_what_the_bureau_does_not_hold():
    review = application(
        kind=ApplicationKind.ANNUAL_REVIEW, base_kinds=("application_form",), evidence_kinds=()
    )  # no identity or insurance scans uploaded
    scans = earlier_accepted(review)
    Application.objects.filter(pk=review.pk).update(status=ApplicationStatus.DRAFT)
    with at(ON):
        body = precheck(review).json()
    asked = {kind for problem in body["problems"] for kind in problem["kinds"]}
    assert not asked & {"id_card_front", "id_card_back", "insurance_card"}
    assert {r["document"] for r in body["reused_documents"]} == {str(s.pk) for s in scans}
    assert {r["kind_display"] for r in body["reused_documents"]} == {DocumentKind(s.kind).label for s in scans}
    detail = bearer_client(review.applicant).get(f"/api/v1/applications/{review.pk}/").json()
    assert len(detail["reused_documents"]) == 3


def test_a_scan_older_than_the_policy_allows_is_asked_for_again(settings):
    settings.DOCUMENT_REUSE_MAX_AGE_DAYS = 365
    change = application(kind=ApplicationKind.CHANGE, base_kinds=("application_form",))
    earlier_accepted(change, uploaded_days_ago=400)
    with at(ON):
        problems = application_problems_of(change)
    assert {"id_card_front", "id_card_back", "insurance_card"} <= {k for p in problems for k in p["kinds"]}


def test_a_new_application_never_reuses_scans():
    new = application(base_kinds=("application_form",))
    earlier_accepted(new)
    with at(ON):
        problems = application_problems_of(new)
    assert {"id_card_front", "id_card_back", "insurance_card"} <= {k for p in problems for k in p["kinds"]}


def application_problems_of(app: Application) -> list[dict]:
    from applications.checks import application_problems

    return application_problems(application=Application.objects.get(pk=app.pk), on=ON)
