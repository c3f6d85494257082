"""The reviewer API's case, GET /reviews/{id}/: what it shows, blind review, the logged document
download, and the deadline as the applicant sees it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationEvent, DocumentAccess
from reviews.models import ClockSuspension, ReviewAssignment
from tests.api import bearer_client
from tests.factories import ApplicationFactory, DocumentFactory, UserFactory, make_id_number
from tests.reviews.factories import ExpertFactory, ReviewAssignmentFactory
from tests.reviews.reviewer_api_helpers import SHANGHAI, case_url, decision_url, on, panel

pytestmark = pytest.mark.django_db


# --- the case --------------------------------------------------------------------------------------


def test_case_of_another_expert_is_404(expert_client):
    assignment = ReviewAssignmentFactory()

    response = expert_client.get(case_url(assignment))

    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_case_shows_the_documents_through_the_logged_download(expert, expert_client):
    assignment = ReviewAssignmentFactory(expert=expert)
    document = DocumentFactory(application=assignment.application, medical=True)

    body = expert_client.get(case_url(assignment)).json()

    application = assignment.application
    assert [d["id"] for d in body["documents"]] == [str(document.pk)]
    assert body["documents"][0]["file_url"] == f"/api/v1/applications/{application.pk}/documents/{document.pk}/file/"


def test_case_shows_the_applicant_masked_with_sex_and_age_but_no_phone(expert, expert_client):
    applicant = UserFactory(name="张三丰", id_number=make_id_number(birth=dt.date(1970, 5, 20), seq=123))
    assignment = ReviewAssignmentFactory(expert=expert, application__applicant=applicant)

    with on(dt.date(2026, 5, 19)):
        body = bearer_client(expert).get(case_url(assignment)).json()

    assert body["applicant"] == {
        "name": "张*丰",
        "id_number": applicant.id_number[:4] + "*" * 10 + applicant.id_number[-4:],
        "sex": "male",
        "age": 55,
    }
    assert applicant.phone not in str(body)


def test_case_explains_how_the_deadline_was_computed(calendar_2026, expert, expert_client):
    accepted = dt.datetime(2026, 9, 18, 10, tzinfo=SHANGHAI)
    assignment = ReviewAssignmentFactory(
        expert=expert, application__accepted_at=accepted, application__review_deadline=dt.date(2026, 10, 27)
    )
    ClockSuspension.objects.create(
        application=assignment.application,
        started_on=dt.date(2026, 9, 21),
        ended_on=dt.date(2026, 9, 24),
        working_days=3,
    )

    with on(dt.date(2026, 10, 22)):
        body = bearer_client(expert).get(case_url(assignment)).json()

    # 20 working days from Friday 9/18 (9/20 is a make-up Sunday, 9/25 and 10/1–10/7 are off) end on
    # 10/22; three suspended working days push the deadline to 10/27.
    assert body["deadline_explanation"] == {
        "accepted_on": "2026-09-18",
        "working_days": 20,
        "suspended_working_days": 3,
        "deadline": "2026-10-27",
        "provisional": False,
    }
    assert (body["review_deadline"], body["working_days_left"], body["overdue"]) == ("2026-10-27", 3, False)


def test_case_shows_the_completeness_check_events_with_their_problems(expert, expert_client):
    assignment = ReviewAssignmentFactory(expert=expert)
    problems = [{"code": "missing_document", "field": "documents", "message": "缺少身份证人像面"}]
    ApplicationEvent.objects.create(
        application=assignment.application,
        actor_label="系统",
        from_status="submitted",
        to_status="needs_supplement",
        data={"problems": problems},
    )

    events = expert_client.get(case_url(assignment)).json()["events"]

    shown = [{**problem, "kinds": []} for problem in problems]  # stored before problems named their kinds
    assert [(e["from"], e["to"], e["problems"]) for e in events] == [("submitted", "needs_supplement", shown)]


def test_case_uses_the_same_number_of_queries_for_1_and_6_documents(calendar_2026, expert, expert_client):
    accepted = dt.datetime(2026, 9, 18, 10, tzinfo=SHANGHAI)

    def case_queries(documents: int) -> int:
        assignment, _other = panel(accepted_at=accepted, review_deadline=dt.date(2026, 10, 22))
        ReviewAssignment.objects.filter(pk=assignment.pk).update(expert=expert)
        for _ in range(documents):
            DocumentFactory(application=assignment.application, medical=True)
        with CaptureQueriesContext(connection) as queries:
            assert expert_client.get(case_url(assignment)).status_code == 200
        return len(queries)

    assert case_queries(6) == case_queries(1)


# --- blind review ----------------------------------------------------------------------------------


def test_other_opinions_stay_hidden_until_the_whole_panel_has_decided(expert, expert_client):
    mine, theirs = panel()
    ReviewAssignment.objects.filter(pk=mine.pk).update(expert=expert)
    bearer_client(theirs.expert).post(
        decision_url(theirs), {"decision": "reject", "reason": "病历超过有效期"}, format="json"
    )

    before = expert_client.get(case_url(mine)).json()
    after = expert_client.post(decision_url(mine), {"decision": "reject", "reason": "缺少病理报告"}, format="json")

    assert before["other_opinions"] == []
    assert [(o["expert"], o["decision"], o["reason"]) for o in after.json()["other_opinions"]] == [
        (theirs.expert.name, "reject", "病历超过有效期")
    ]


def test_reading_back_an_earlier_round_does_not_reveal_the_current_rounds_opinions(expert, expert_client):
    application = ApplicationFactory(under_review=True, review_round=2)
    colleague = ExpertFactory()
    first = ReviewAssignmentFactory(application=application, expert=expert, round=1, approved=True)
    ReviewAssignmentFactory(application=application, expert=colleague, round=1, rejected=True)
    ReviewAssignmentFactory(application=application, expert=expert, round=2)
    ReviewAssignmentFactory(application=application, expert=colleague, round=2, approved=True)

    opinions = expert_client.get(case_url(first)).json()["other_opinions"]

    assert [(o["round"], o["decision"]) for o in opinions] == [(1, "reject")]


# --- documents -------------------------------------------------------------------------------------


def test_assigned_expert_downloads_a_document_and_the_access_is_logged_as_expert(expert, expert_client):
    assignment = ReviewAssignmentFactory(expert=expert)
    DocumentFactory(application=assignment.application)
    file_url = expert_client.get(case_url(assignment)).json()["documents"][0]["file_url"]

    response = expert_client.get(file_url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"placeholder"
    assert list(DocumentAccess.objects.values_list("user_id", "role")) == [(expert.pk, "expert")]


def test_expert_cannot_download_a_document_of_a_case_not_assigned_to_them(expert_client):
    document = DocumentFactory(application=ReviewAssignmentFactory().application)

    response = expert_client.get(f"/api/v1/applications/{document.application_id}/documents/{document.pk}/file/")

    assert response.status_code == 404
    assert not DocumentAccess.objects.exists()


# --- the applicant's side --------------------------------------------------------------------------


def test_applicant_sees_working_days_left_and_how_the_deadline_was_computed(calendar_2026):
    application = ApplicationFactory(
        under_review=True,
        accepted_at=dt.datetime(2026, 9, 18, 10, tzinfo=SHANGHAI),
        review_deadline=dt.date(2026, 10, 22),
    )

    with on(dt.date(2026, 10, 19)):
        body = bearer_client(application.applicant).get(f"/api/v1/applications/{application.pk}/").json()

    assert (body["review_deadline"], body["working_days_left"]) == ("2026-10-22", 3)
    assert body["deadline_explanation"] == {
        "accepted_on": "2026-09-18",
        "working_days": 20,
        "suspended_working_days": 0,
        "deadline": "2026-10-22",
        "provisional": False,
    }


def test_applicant_draft_has_no_deadline_yet():
    application = ApplicationFactory()

    body = bearer_client(application.applicant).get(f"/api/v1/applications/{application.pk}/").json()

    assert (body["working_days_left"], body["deadline_explanation"]) == (None, None)
