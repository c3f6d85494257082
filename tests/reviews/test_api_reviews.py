"""The reviewer API: GET /reviews/, GET /reviews/{id}/, POST /reviews/{id}/decision/."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from applications.models import ApplicationEvent, ApplicationStatus, DocumentAccess
from reviews.calendar import calendar_seed
from reviews.models import ClockSuspension, Decision, ReviewAssignment
from tests.api import bearer_client
from tests.factories import ApplicationFactory, DocumentFactory, UserFactory, make_id_number
from tests.reviews.factories import ExpertFactory, ReviewAssignmentFactory

pytestmark = pytest.mark.django_db
QUEUE = "/api/v1/reviews/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def case_url(assignment) -> str:
    return f"{QUEUE}{assignment.pk}/"


def decision_url(assignment) -> str:
    return f"{QUEUE}{assignment.pk}/decision/"


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def panel(size: int = 2, **application_fields) -> list[ReviewAssignment]:
    """`size` experts assigned to round 1 of one application under review."""
    application_fields.setdefault("review_deadline", timezone.localdate() + dt.timedelta(days=28))
    application = ApplicationFactory(under_review=True, review_round=1, **application_fields)
    return [ReviewAssignmentFactory(application=application) for _ in range(size)]


@pytest.fixture
def expert():
    return ExpertFactory(name="王医生")


@pytest.fixture
def expert_client(expert):
    return bearer_client(expert)


@pytest.fixture
def calendar_2026():
    calendar_seed(years=[2026])


# --- the queue -------------------------------------------------------------------------------------


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

    assert [(e["from"], e["to"], e["problems"]) for e in events] == [("submitted", "needs_supplement", problems)]


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


# --- decisions -------------------------------------------------------------------------------------


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


# --- concurrency (PostgreSQL: row locks) -----------------------------------------------------------

# SQLite has no row locks and one writer at a time: the race cannot be staged there.
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


def _post_at_once(requests: list[tuple[APIClient, str, dict]]) -> list[int]:
    """Send the requests from one thread each, released together; the status codes in order."""
    barrier = threading.Barrier(len(requests))
    codes: list[int | None] = [None] * len(requests)

    def send(index: int, client: APIClient, url: str, data: dict) -> None:
        try:
            barrier.wait(timeout=10)
            codes[index] = client.post(url, data, format="json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes  # type: ignore[return-value]


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
