"""申诉: a rejected applicant may appeal once, with a reason and optionally new documents uploaded first;
the application goes back to expert review for a full new period and the panel sees the earlier opinions."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.models import Application, ApplicationStatus
from reviews.selectors import opinions_visible_to
from tests.certification.helpers import API, at, client_for, error, upload, upload_ok
from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.review_helpers import accepted, decide, panel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2026")]

ACCEPTED_ON = dt.date(2026, 3, 2)  # Monday
REJECTED_ON = dt.date(2026, 3, 10)
APPEALED_ON = dt.date(2026, 3, 16)  # Monday
# 20 working days after 03-16, passing over the Qingming holiday (04-04 to 04-06).
APPEAL_DEADLINE = dt.date(2026, 4, 14)
REASON = "补充了上级医院的复查报告，诊断明确"


@pytest.fixture
def rejected(cat, experts) -> Application:
    """An application both panel experts rejected."""
    application = accepted(cat=cat, on=ACCEPTED_ON)
    with at(REJECTED_ON):
        for assignment in panel(application):
            decide(assignment, "reject", f"{assignment.expert.username}：诊断依据不足")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    return application


@pytest.fixture
def client(rejected):
    return client_for(rejected.applicant)


def appeal(client, application, reason: str | None = REASON, *, on: dt.date = APPEALED_ON):
    data = {} if reason is None else {"reason": reason}
    with at(on):
        return client.post(f"{API}/applications/{application.pk}/appeal/", data, format="json")


def test_a_rejected_applicant_may_upload_new_material_before_appealing(client, rejected):
    with at(APPEALED_ON):
        response = upload(client, rejected.pk, "exam_report")

    assert response.status_code == 201, response.content
    assert rejected.documents.filter(kind="exam_report").count() == 2


def test_an_appeal_sends_the_application_back_to_review(client, rejected):
    response = appeal(client, rejected)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "under_review"
    assert body["events"][-1]["to"] == "under_review"
    assert body["events"][-1]["reason"] == f"申诉：{REASON}"
    rejected.refresh_from_db()
    assert rejected.appealed_at is not None


def test_an_appeal_opens_a_new_review_round(client, rejected):
    appeal(client, rejected)

    rejected.refresh_from_db()
    assert rejected.review_round == 2
    assert len(panel(rejected)) == 2


def test_an_appeal_restarts_the_review_deadline_from_the_appeal_day(client, rejected):
    response = appeal(client, rejected)

    assert response.json()["review_deadline"] == APPEAL_DEADLINE.isoformat()
    rejected.refresh_from_db()
    assert rejected.review_clock_start == APPEALED_ON
    assert rejected.review_deadline == APPEAL_DEADLINE


def test_the_appeal_panel_sees_the_earlier_rounds_opinions(client, rejected):
    appeal(client, rejected)

    for assignment in panel(rejected):
        visible = opinions_visible_to(assignment=assignment)
        assert [(o.round, o.decision) for o in visible] == [(1, "reject"), (1, "reject")]


def test_the_appeal_panel_sees_the_earlier_opinions_through_the_reviewer_api(client, rejected):
    appeal(client, rejected)
    assignment = panel(rejected)[0]

    with at(APPEALED_ON):
        response = client_for(assignment.expert).get(f"{API}/reviews/{assignment.pk}/")

    assert response.status_code == 200, response.content
    opinions = response.json()["other_opinions"]
    assert sorted(o["reason"] for o in opinions) == ["expert-a：诊断依据不足", "expert-b：诊断依据不足"]
    assert {o["round"] for o in opinions} == {1}


def test_the_appeal_rounds_opinions_stay_blind_until_all_are_in(client, rejected):
    appeal(client, rejected)
    first, second = panel(rejected)

    with at(APPEALED_ON + dt.timedelta(days=2)):
        decide(first, "approve")

    assert {o.round for o in opinions_visible_to(assignment=second)} == {1}


def test_an_appeal_approved_by_the_panel_goes_on_to_the_announcement(client, rejected):
    appeal(client, rejected)

    with at(APPEALED_ON + dt.timedelta(days=2)):
        for assignment in panel(rejected):
            decide(assignment, "approve")

    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.APPROVED


def test_a_second_appeal_while_under_review_is_refused(client, rejected):
    appeal(client, rejected)

    response = appeal(client, rejected, on=APPEALED_ON + dt.timedelta(days=1))

    assert response.status_code == 409
    rejected.refresh_from_db()
    assert rejected.review_round == 2


def test_a_second_appeal_after_a_second_rejection_is_refused(client, rejected):
    appeal(client, rejected)
    with at(APPEALED_ON + dt.timedelta(days=5)):
        for assignment in panel(rejected):
            decide(assignment, "reject", "申诉材料仍不足以证明诊断")

    response = appeal(client, rejected, on=APPEALED_ON + dt.timedelta(days=6))

    assert response.status_code == 409
    assert response.json()["type"] == "already_appealed"
    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.REJECTED
    assert rejected.review_round == 2


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_appeal_needs_a_reason(client, rejected, reason):
    response = appeal(client, rejected, reason)

    assert response.status_code == 400
    assert error(response)["field"] == "reason"
    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.REJECTED
    assert rejected.appealed_at is None


@pytest.mark.parametrize(
    "status", [ApplicationStatus.DRAFT, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.EFFECTIVE]
)
def test_only_a_rejected_application_can_be_appealed(status):
    application = ApplicationFactory(status=status)

    response = appeal(client_for(application.applicant), application)

    assert response.status_code == 409
    assert response.json()["type"] == "cannot_appeal"
    application.refresh_from_db()
    assert application.status == status


def test_someone_else_cannot_appeal(rejected):
    response = appeal(client_for(UserFactory(username="stranger")), rejected)

    assert response.status_code == 404
    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.REJECTED


def test_uploads_are_refused_once_the_appeal_is_under_review(client, rejected):
    appeal(client, rejected)

    with at(APPEALED_ON + dt.timedelta(days=1)):
        response = upload(client, rejected.pk, "exam_report")

    assert response.status_code == 409
    assert response.json()["type"] == "documents_locked"


def test_uploads_are_refused_after_the_appeal_is_rejected(client, rejected):
    appeal(client, rejected)
    with at(APPEALED_ON + dt.timedelta(days=5)):
        for assignment in panel(rejected):
            decide(assignment, "reject", "申诉材料仍不足以证明诊断")

        response = upload(client, rejected.pk, "exam_report")

    assert response.status_code == 409
    assert response.json()["type"] == "documents_locked"


def test_a_document_uploaded_before_the_appeal_is_shown_to_the_appeal_panel(client, rejected):
    with at(APPEALED_ON):
        added = upload_ok(client, rejected.pk, "imaging_report")
    appeal(client, rejected)
    assignment = panel(rejected)[0]

    with at(APPEALED_ON):
        response = client_for(assignment.expert).get(f"{API}/reviews/{assignment.pk}/")

    assert added["id"] in [document["id"] for document in response.json()["documents"]]


def test_an_appeal_is_refused_after_the_appeal_window(client, rejected, settings):
    settings.APPEAL_WINDOW_DAYS = 60
    too_late = REJECTED_ON + dt.timedelta(days=61)
    response = appeal(client, rejected, on=too_late)
    assert response.status_code == 409
    assert response.json()["type"] == "appeal_window_closed"
    with at(too_late):
        assert upload(client, rejected.pk, "exam_report").status_code == 409  # no appeal to upload for
    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.REJECTED and rejected.appealed_at is None


def test_an_appeal_on_the_last_day_of_the_window_is_taken(client, rejected, settings):
    settings.APPEAL_WINDOW_DAYS = 60
    response = appeal(client, rejected, on=REJECTED_ON + dt.timedelta(days=60))
    assert response.status_code == 200, response.json()
    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.UNDER_REVIEW
