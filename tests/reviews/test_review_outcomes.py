"""Expert review services: the round's outcome from the panel's opinions, splits and their escalation,
the officer's decision, and the refusals of a decision that does not apply."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.models import ApplicationEvent, ApplicationStatus
from applications.services import application_withdraw
from config.domain import Conflict, InvalidInput, InvalidState, NotFound
from notifications.models import Notification
from reviews.models import AssignmentRole, ClockSuspension, ReviewAssignment
from reviews.selectors import assignment_is_pending
from reviews.services import review_assign_additional, review_decide, review_decide_as_officer, review_reassign
from tests.reviews.expert_review_helpers import ON, outcome_events, split
from tests.reviews.review_helpers import accepted, at, decide, expert, officer, panel, pending_load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_review_today")]


def test_first_opinion_alone_changes_nothing(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    decide(panel(app)[0], "reject", "不符合认定标准")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert outcome_events(app) == []


def test_both_approve_approves_as_the_expert_panel(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    for assignment in panel(app):
        decide(assignment, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    [event] = outcome_events(app)
    assert (event.to_status, event.actor, event.actor_label) == ("approved", None, "评审专家组")


def test_both_reject_rejects_with_both_reasons(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "reject", "空腹血糖未达诊断标准")
    decide(second, "reject", "缺少糖化血红蛋白结果")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    [event] = outcome_events(app)
    assert event.actor_label == "评审专家组"
    assert "空腹血糖未达诊断标准" in event.reason and "缺少糖化血红蛋白结果" in event.reason


@pytest.mark.parametrize("other", ["approve", "reject", "request_supplement"])
def test_any_request_supplement_sends_the_case_back_with_the_reason_as_a_problem(endocrine, two_experts, other):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "request_supplement", "请补充近三个月糖化血红蛋白检验报告")
    decide(second, other, "" if other == "approve" else "另需眼底检查报告")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT
    problem = app.problems[0]
    assert problem["code"] == "expert_request"
    assert "请补充近三个月糖化血红蛋白检验报告" in problem["message"]
    assert len(app.problems) == (2 if other == "request_supplement" else 1)
    [event] = outcome_events(app)
    assert event.data["problems"] == app.problems


def test_request_supplement_opens_a_clock_suspension(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "approve")
    with at(ON + dt.timedelta(days=2)):
        decide(second, "request_supplement", "请补充检验报告")
    [suspension] = ClockSuspension.objects.filter(application=app)
    assert (suspension.started_on, suspension.ended_on, suspension.working_days) == (
        ON + dt.timedelta(days=2),
        None,
        0,
    )


def test_split_is_escalated_to_a_further_expert_not_on_the_panel(endocrine, two_experts):
    third = expert(endocrine)
    app = accepted(cat=endocrine, on=ON)
    split(app)
    assert app.status == ApplicationStatus.UNDER_REVIEW and not app.officer_decision_needed
    escalation = ReviewAssignment.objects.get(application=app, role=AssignmentRole.ESCALATION)
    assert escalation.expert == third and escalation.round == 1 and assignment_is_pending(escalation)
    assert Notification.objects.filter(user=third, application=app, kind="escalation_assigned").count() == 1
    assert outcome_events(app) == []


def test_split_escalation_skips_experts_of_another_category_and_at_capacity(endocrine, tumour, two_experts):
    expert(tumour)
    full = expert(endocrine, capacity=1)
    pending_load(full, count=1, cat=endocrine)
    app = accepted(cat=endocrine, on=ON)
    split(app)
    assert not ReviewAssignment.objects.filter(application=app, role=AssignmentRole.ESCALATION).exists()
    assert app.officer_decision_needed


@pytest.mark.parametrize(("decision", "status"), [("approve", "approved"), ("reject", "rejected")])
def test_escalation_expert_decision_decides_the_split(endocrine, two_experts, decision, status):
    expert(endocrine)
    app = accepted(cat=endocrine, on=ON)
    split(app)
    escalation = ReviewAssignment.objects.get(application=app, role=AssignmentRole.ESCALATION)
    decide(escalation, decision, "" if decision == "approve" else "复核认为不符合标准")
    app.refresh_from_db()
    assert app.status == status
    [event] = outcome_events(app)
    assert event.actor_label == "评审专家组"


def test_split_with_no_further_expert_needs_the_officer_and_notifies_officers(endocrine, two_experts):
    boss = officer()
    app = accepted(cat=endocrine, on=ON)
    split(app)
    assert app.status == ApplicationStatus.UNDER_REVIEW and app.officer_decision_needed
    assert Notification.objects.filter(user=boss, application=app, kind="split").count() == 1
    assert outcome_events(app) == []


@pytest.mark.parametrize(("decision", "status"), [("approve", "approved"), ("reject", "rejected")])
def test_officer_decision_settles_a_split(endocrine, two_experts, decision, status):
    boss = officer()
    app = accepted(cat=endocrine, on=ON)
    split(app)
    review_decide_as_officer(application_id=app.pk, officer=boss, decision=decision, reason="经办人员裁决")
    app.refresh_from_db()
    assert app.status == status and not app.officer_decision_needed
    [event] = outcome_events(app)
    assert (event.actor, event.actor_label) == (boss, "经办人员")


def test_officer_decision_needs_a_reason(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    split(app)
    with pytest.raises(InvalidInput) as raised:
        review_decide_as_officer(application_id=app.pk, officer=officer(), decision="approve", reason=" ")
    assert raised.value.status_code == 400
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert outcome_events(app) == []


def test_officer_may_add_an_expert_whose_decision_settles_the_split(endocrine, two_experts):
    boss = officer()
    app = accepted(cat=endocrine, on=ON)
    split(app)
    newcomer = expert(endocrine)
    added = review_assign_additional(application_id=app.pk, expert=newcomer, by=boss)
    assert (added.role, added.round, added.assigned_by) == (AssignmentRole.ESCALATION, 1, boss)
    app.refresh_from_db()
    assert not app.officer_decision_needed
    decide(added, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


@pytest.mark.parametrize("decision", ["reject", "request_supplement"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_or_supplement_without_reason_is_invalid_input(endocrine, two_experts, decision, reason):
    app = accepted(cat=endocrine, on=ON)
    assignment = panel(app)[0]
    with pytest.raises(InvalidInput) as raised:
        decide(assignment, decision, reason)
    assert raised.value.status_code == 400
    assert raised.value.errors[0]["field"] == "reason"
    assignment.refresh_from_db()
    assert assignment.decision == ""


def test_approve_needs_no_reason(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    assignment = decide(panel(app)[0], "approve")
    assert (assignment.decision, assignment.reason) == ("approve", "")


def test_unknown_decision_is_invalid_input(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    with pytest.raises(InvalidInput) as raised:
        decide(panel(app)[0], "maybe", "不确定")
    assert raised.value.errors[0]["field"] == "decision"


def test_decision_on_another_experts_assignment_is_refused(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    with pytest.raises(NotFound):
        review_decide(assignment_id=first.pk, expert=second.expert, decision="approve")
    first.refresh_from_db()
    assert first.decision == ""


def test_second_decision_by_the_same_expert_is_a_conflict_and_changes_nothing(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, _ = panel(app)
    decide(first, "approve")
    with pytest.raises(Conflict) as raised:
        decide(first, "reject", "改变主意")
    assert raised.value.status_code == 409
    first.refresh_from_db()
    assert (first.decision, first.reason) == ("approve", "")


def test_second_decision_after_the_round_closed_is_a_conflict_and_adds_no_event(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "approve")
    decide(second, "approve")
    events = ApplicationEvent.objects.filter(application=app).count()
    notifications = Notification.objects.filter(user=app.applicant).count()
    with pytest.raises(Conflict):
        decide(second, "approve")
    assert ApplicationEvent.objects.filter(application=app).count() == events
    assert Notification.objects.filter(user=app.applicant).count() == notifications
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_decision_on_a_reassigned_assignment_is_invalid_state(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, _ = panel(app)
    review_reassign(assignment_id=first.pk, expert=expert(endocrine), by=officer())
    with pytest.raises(InvalidState) as raised:
        decide(first, "approve")
    assert raised.value.code == "assignment_closed"
    first.refresh_from_db()
    assert first.decision == ""


def test_decision_when_the_application_is_not_under_review_is_invalid_state(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    application_withdraw(application=app, user=app.applicant)
    first, _ = panel(app)
    with pytest.raises(InvalidState) as raised:
        decide(first, "approve")
    assert raised.value.code == "not_under_review"
    first.refresh_from_db()
    assert first.decision == ""


@pytest.mark.parametrize(
    ("decisions", "kind"),
    [
        (("approve", "approve"), "approved"),
        (("reject", "reject"), "rejected"),
        (("request_supplement", "approve"), "supplement_requested"),
    ],
)
def test_applicant_is_notified_of_the_outcome(endocrine, two_experts, decisions, kind):
    app = accepted(cat=endocrine, on=ON)
    for assignment, decision in zip(panel(app), decisions, strict=True):
        decide(assignment, decision, "" if decision == "approve" else "理由")
    outcome_kinds = set(
        Notification.objects.filter(user=app.applicant, application=app)
        .exclude(kind="accepted")
        .values_list("kind", flat=True)
    )
    assert outcome_kinds == {kind}
    assert Notification.objects.filter(user=app.applicant, application=app, kind=kind).count() == 1


def test_applicant_is_not_notified_of_a_single_opinion(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    decide(panel(app)[0], "reject", "不符合标准")
    assert list(Notification.objects.filter(user=app.applicant).values_list("kind", flat=True)) == ["accepted"]
