"""The reviewer API's queue, GET /reviews/: whose assignments, their order and summary, working days
left, and who may call it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from applications.models import ApplicationStatus
from tests.api import bearer_client
from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.factories import ReviewAssignmentFactory
from tests.reviews.reviewer_api_helpers import QUEUE, case_url, decision_url, on

pytestmark = pytest.mark.django_db


def test_queue_lists_only_own_pending_assignments_soonest_deadline_first(expert, expert_client):
    today = timezone.localdate()
    late = ReviewAssignmentFactory(expert=expert, application__review_deadline=today + dt.timedelta(days=20))
    soon = ReviewAssignmentFactory(expert=expert, application__review_deadline=today + dt.timedelta(days=3))
    middle = ReviewAssignmentFactory(expert=expert, application__review_deadline=today + dt.timedelta(days=10))
    ReviewAssignmentFactory(expert=expert, approved=True)  # decided
    ReviewAssignmentFactory(expert=expert, inactive=True)  # reassigned to someone else
    ReviewAssignmentFactory(expert=expert, application__status=ApplicationStatus.WITHDRAWN)
    ReviewAssignmentFactory()  # another expert's

    response = expert_client.get(QUEUE)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert [row["id"] for row in response.json()["results"]] == [soon.pk, middle.pk, late.pk]


def test_queue_leaves_out_an_undecided_assignment_of_an_earlier_round(expert, expert_client):
    # An officer settled round 1 before this expert decided, then an appeal opened round 2.
    application = ApplicationFactory(under_review=True, review_round=2)
    ReviewAssignmentFactory(application=application, expert=expert, round=1)
    current = ReviewAssignmentFactory(application=application, expert=expert, round=2)

    rows = expert_client.get(QUEUE).json()["results"]

    assert [row["id"] for row in rows] == [current.pk]


def test_queue_row_carries_the_case_summary(expert, expert_client):
    assignment = ReviewAssignmentFactory(
        expert=expert, application__disease__code="M01600", application__disease__name="糖尿病"
    )

    row = expert_client.get(QUEUE).json()["results"][0]

    application = assignment.application
    assert row["application"] == str(application.pk)
    assert row["reference"] == application.reference
    assert row["disease"] == {"code": "M01600", "name": "糖尿病"}
    assert row["category"] == "endocrine"
    assert (row["round"], row["role"]) == (1, "panel")
    assert row["review_deadline"] == application.review_deadline.isoformat()
    assert {"assigned_at", "working_days_left", "overdue"} <= row.keys()


@pytest.mark.parametrize(
    ("deadline", "left", "overdue"),
    [
        # 9/25 is Mid-Autumn Festival: 9/24, 9/28, 9/29, 9/30.
        (dt.date(2026, 9, 30), 4, False),
        # National Day 10/1–10/7 is off, Saturday 10/10 is a make-up working day: + 10/8, 10/9, 10/10, 10/12.
        (dt.date(2026, 10, 12), 8, False),
        (dt.date(2026, 9, 23), 0, False),
        (dt.date(2026, 9, 21), -2, True),
    ],
)
def test_queue_counts_working_days_left_on_the_official_calendar(
    calendar_2026, expert, expert_client, deadline, left, overdue
):
    ReviewAssignmentFactory(expert=expert, application__review_deadline=deadline)

    with on(dt.date(2026, 9, 23)):
        row = bearer_client(expert).get(QUEUE).json()["results"][0]

    assert (row["working_days_left"], row["overdue"]) == (left, overdue)


def test_queue_with_state_decided_lists_own_decided_assignments(expert, expert_client):
    decided = ReviewAssignmentFactory(expert=expert, rejected=True)
    ReviewAssignmentFactory(expert=expert)

    rows = expert_client.get(QUEUE, {"state": "decided"}).json()["results"]

    assert [(row["id"], row["decision"]) for row in rows] == [(decided.pk, "reject")]


def test_queue_rejects_an_unknown_state(expert_client):
    response = expert_client.get(QUEUE, {"state": "everything"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "state"


def test_queue_uses_the_same_number_of_queries_for_2_and_12_assignments(calendar_2026, expert, expert_client):
    def queue_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert expert_client.get(QUEUE).status_code == 200
        return len(queries)

    deadlines = [dt.date(2026, 10, 8) + dt.timedelta(days=n) for n in range(12)]
    for deadline in deadlines[:2]:
        ReviewAssignmentFactory(expert=expert, application__review_deadline=deadline)
    few = queue_queries()
    for deadline in deadlines[2:]:
        ReviewAssignmentFactory(expert=expert, application__review_deadline=deadline)
    many = queue_queries()

    assert many == few


def test_non_expert_staff_gets_403_on_the_queue():
    officer = UserFactory(is_staff=True)

    response = bearer_client(officer).get(QUEUE)

    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"
    assert response.json()["status"] == 403


def test_anonymous_caller_gets_401():
    assert APIClient().get(QUEUE).status_code == 401


def test_applicant_cannot_use_the_reviewer_api_even_on_their_own_case():
    assignment = ReviewAssignmentFactory()
    client = bearer_client(assignment.application.applicant)

    responses = [
        client.get(QUEUE),
        client.get(case_url(assignment)),
        client.post(decision_url(assignment), {"decision": "approve"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assignment.refresh_from_db()
    assert assignment.decision == ""
