"""The reviewer API's decisions, POST /reviews/{id}/decision/: their effect, the refusals, and
simultaneous decisions (PostgreSQL row locks)."""

import pytest
from rest_framework.test import APIClient

from applications.models import ApplicationEvent, ApplicationStatus
from reviews.models import Decision, ReviewAssignment
from tests.api import bearer_client
from tests.concurrency import at_once, postgres_only
from tests.reviews.factories import ReviewAssignmentFactory
from tests.reviews.reviewer_api_helpers import decision_url, panel

pytestmark = pytest.mark.django_db


def test_approval_by_both_panel_members_approves_the_application():
    first, second = panel()

    bearer_client(first.expert).post(decision_url(first), {"decision": "approve"}, format="json")
    response = bearer_client(second.expert).post(decision_url(second), {"decision": "approve"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["my_opinion"]["decision"] == "approve"
    first.application.refresh_from_db()
    assert first.application.status == ApplicationStatus.APPROVED


def test_one_approval_of_two_leaves_the_application_under_review(expert, expert_client):
    mine, _theirs = panel()
    ReviewAssignment.objects.filter(pk=mine.pk).update(expert=expert)

    response = expert_client.post(decision_url(mine), {"decision": "approve"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "under_review"
    assert response.json()["my_opinion"]["decision_display"] == "通过"


def test_reject_without_a_reason_is_400_naming_reason(expert, expert_client):
    assignment = ReviewAssignmentFactory(expert=expert)

    response = expert_client.post(decision_url(assignment), {"decision": "reject", "reason": "  "}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assignment.refresh_from_db()
    assert assignment.decision == ""


def test_an_unknown_decision_is_400_naming_decision(expert, expert_client):
    assignment = ReviewAssignmentFactory(expert=expert)

    response = expert_client.post(decision_url(assignment), {"decision": "maybe"}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["decision"]


def test_a_second_decision_is_409_and_changes_nothing(expert, expert_client):
    mine, _theirs = panel()
    ReviewAssignment.objects.filter(pk=mine.pk).update(expert=expert)
    assert expert_client.post(decision_url(mine), {"decision": "approve"}, format="json").status_code == 200
    mine.refresh_from_db()
    events = ApplicationEvent.objects.filter(application=mine.application).count()

    response = expert_client.post(decision_url(mine), {"decision": "reject", "reason": "改变主意"}, format="json")

    assert response.status_code == 409
    assert response.json()["type"] == "already_decided"
    decided = ReviewAssignment.objects.get(pk=mine.pk)
    assert (decided.decision, decided.reason, decided.decided_at) == (Decision.APPROVE, "", mine.decided_at)
    assert ApplicationEvent.objects.filter(application=mine.application).count() == events


def test_a_decision_on_a_case_no_longer_under_review_is_409(expert, expert_client):
    assignment = ReviewAssignmentFactory(expert=expert, application__status=ApplicationStatus.WITHDRAWN)

    response = expert_client.post(decision_url(assignment), {"decision": "approve"}, format="json")

    assert response.status_code == 409
    assert response.json()["type"] == "not_under_review"


def test_another_expert_gets_404_on_the_decision_and_nothing_changes(expert_client):
    assignment = ReviewAssignmentFactory()

    response = expert_client.post(decision_url(assignment), {"decision": "approve"}, format="json")

    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.decision == ""


def test_request_supplement_sends_the_case_back_to_the_applicant(expert, expert_client):
    mine, theirs = panel()
    ReviewAssignment.objects.filter(pk=mine.pk).update(expert=expert)
    bearer_client(theirs.expert).post(decision_url(theirs), {"decision": "approve"}, format="json")

    response = expert_client.post(
        decision_url(mine),
        {"decision": "request_supplement", "reason": "请补充近半年的糖化血红蛋白检验报告"},
        format="json",
    )

    assert response.json()["status"] == "needs_supplement"
    assert response.json()["working_days_left"] is None  # the clock stands still


# --- concurrency (PostgreSQL: row locks; SQLite has one writer at a time, so no race to stage) ------


def _post_at_once(requests: list[tuple[APIClient, str, dict]]) -> list[int]:
    """Send the requests together; the status codes in order."""
    return at_once(
        *[(lambda c=client, u=url, d=data: c.post(u, d, format="json").status_code) for client, url, data in requests]
    )


@pytest.mark.integration
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_experts_two_simultaneous_decisions_apply_once():
    assignment, _other = panel()
    client_a, client_b = bearer_client(assignment.expert), bearer_client(assignment.expert)
    url = decision_url(assignment)

    codes = _post_at_once(
        [(client_a, url, {"decision": "approve"}), (client_b, url, {"decision": "reject", "reason": "并发"})]
    )

    assert sorted(codes) == [200, 409]
    assert ReviewAssignment.objects.filter(pk=assignment.pk).exclude(decision="").count() == 1
    assert ReviewAssignment.objects.get(pk=assignment.pk).decision == ("approve" if codes[0] == 200 else "reject")


@pytest.mark.integration
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_panel_experts_deciding_at_once_close_the_round_exactly_once():
    for _attempt in range(5):
        first, second = panel()

        codes = _post_at_once(
            [
                (bearer_client(first.expert), decision_url(first), {"decision": "approve"}),
                (bearer_client(second.expert), decision_url(second), {"decision": "approve"}),
            ]
        )

        assert codes == [200, 200]
        application = first.application
        application.refresh_from_db()
        assert application.status == ApplicationStatus.APPROVED
        assert ApplicationEvent.objects.filter(application=application, to_status="approved").count() == 1
