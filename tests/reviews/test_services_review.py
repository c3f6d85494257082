"""Expert review services: panel assignment, the round's outcome, blind opinions, reassignment.

Acceptance runs through the real completeness check (`application_check` calls `review_accept`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from applications.models import ApplicationEvent, ApplicationStatus
from applications.services import application_withdraw
from config.domain import Conflict, InvalidInput, InvalidState, NotFound
from notifications.models import Notification
from reviews.models import AssignmentRole, ClockSuspension, ReviewAssignment
from reviews.selectors import assignment_is_pending, experts_available, opinions_visible_to
from reviews.services import review_assign_additional, review_decide, review_decide_as_officer, review_reassign
from tests.factories import UserFactory
from tests.reviews.review_helpers import (
    accepted,
    at,
    category,
    decide,
    expert,
    officer,
    panel,
    pending_load,
    resubmit,
)

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 9, 14)  # a Monday, far from any holiday


@pytest.fixture(autouse=True)
def _today():
    with at(ON):
        yield


@pytest.fixture
def endocrine():
    return category("endocrine", "内分泌系统疾病")


@pytest.fixture
def tumour():
    return category("malignant_tumour", "恶性肿瘤")


@pytest.fixture
def two_experts(endocrine):
    return [expert(endocrine, username="expert_a"), expert(endocrine, username="expert_b")]


def experts_of(assignments):
    return {assignment.expert for assignment in assignments}


def outcome_events(app):
    return list(ApplicationEvent.objects.filter(application=app, from_status=ApplicationStatus.UNDER_REVIEW))


def split(app):
    first, second = panel(app)
    decide(first, "approve")
    decide(second, "reject", "诊断依据不足")
    app.refresh_from_db()
    return first, second


# --- assignment ------------------------------------------------------------------------------------


def test_panel_of_two_is_chosen_among_experts_of_the_disease_category(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    assignments = panel(app)
    assert experts_of(assignments) == set(two_experts)
    assert [(a.round, a.role, a.decision) for a in assignments] == [(1, AssignmentRole.PANEL, "")] * 2
    assert app.review_round == 1 and not app.officer_decision_needed


def test_expert_of_another_category_is_never_chosen(endocrine, tumour):
    oncologists = [expert(tumour) for _ in range(3)]
    endocrinologist = expert(endocrine)
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == {endocrinologist}
    assert not ReviewAssignment.objects.filter(expert__in=oncologists).exists()


def test_expert_with_several_specialties_is_chosen_for_any_of_them(endocrine, tumour):
    both = expert(tumour, endocrine)
    only_tumour = expert(tumour)
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == {both}
    assert only_tumour not in experts_available(application=app)


def test_least_loaded_experts_are_chosen_first(endocrine):
    busy = expert(endocrine, username="busy")  # the lowest id: it would win a tie
    pending_load(busy, count=3, cat=endocrine)
    quiet = [expert(endocrine), expert(endocrine)]
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == set(quiet)


def test_load_counts_only_undecided_assignments(endocrine):
    veteran = expert(endocrine, username="veteran")
    pending_load(veteran, count=3, cat=endocrine)
    ReviewAssignment.objects.filter(expert=veteran).update(decision="approve")
    newcomer = expert(endocrine)
    loaded = expert(endocrine)
    pending_load(loaded, count=1, cat=endocrine)
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == {veteran, newcomer}


def test_expert_at_capacity_is_skipped(endocrine):
    full = expert(endocrine, capacity=2)
    pending_load(full, count=2, cat=endocrine)
    others = [expert(endocrine), expert(endocrine)]
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == set(others)
    assert full not in experts_available(application=app)


def test_inactive_expert_is_skipped(endocrine):
    off_duty = expert(endocrine, active=False)
    others = [expert(endocrine), expert(endocrine)]
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == set(others)
    assert off_duty not in experts_available(application=app)


def test_expert_whose_account_is_disabled_is_skipped(endocrine):
    disabled = expert(endocrine, is_active=False)
    app = accepted(cat=endocrine, on=ON)
    assert disabled not in experts_of(panel(app))


def test_undecided_assignment_of_a_withdrawn_application_does_not_count_as_load(endocrine):
    only = expert(endocrine, capacity=1)
    first = accepted(cat=endocrine, on=ON)
    application_withdraw(application=first, user=first.applicant)
    second = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(second)) == {only}


def test_assigned_experts_are_notified(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    for member in two_experts:
        assert Notification.objects.filter(user=member, application=app, kind="assigned").count() == 1


def test_fewer_experts_than_the_panel_assigns_the_available_ones_and_needs_the_officer(endocrine):
    lone = expert(endocrine)
    app = accepted(cat=endocrine, on=ON)
    assert experts_of(panel(app)) == {lone}
    assert app.officer_decision_needed


def test_officers_are_notified_when_the_panel_is_short(endocrine):
    officers = [officer(), officer()]
    not_an_officer = UserFactory(is_staff=True, id_number="")
    expert(endocrine)
    app = accepted(cat=endocrine, on=ON)
    for user in officers:
        assert Notification.objects.filter(user=user, application=app, kind="unassigned").count() == 1
    assert not Notification.objects.filter(user=not_an_officer).exists()


def test_no_expert_at_all_leaves_the_case_under_review_for_the_officer(endocrine, tumour):
    expert(tumour)
    boss = officer()
    app = accepted(cat=endocrine, on=ON)
    assert panel(app) == []
    assert app.status == ApplicationStatus.UNDER_REVIEW and app.officer_decision_needed
    assert Notification.objects.filter(user=boss, kind="unassigned").exists()


@override_settings(REVIEW_PANEL_SIZE=3)
def test_panel_size_setting_of_three_assigns_three_experts(endocrine):
    experts = [expert(endocrine) for _ in range(4)]
    app = accepted(cat=endocrine, on=ON)
    assert len(panel(app)) == 3
    assert experts_of(panel(app)) <= set(experts)
    assert not app.officer_decision_needed


@override_settings(REVIEW_PANEL_SIZE=3)
def test_panel_of_three_needs_all_three_opinions(endocrine):
    [expert(endocrine) for _ in range(3)]
    app = accepted(cat=endocrine, on=ON)
    first, second, third = panel(app)
    decide(first, "approve")
    decide(second, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW
    decide(third, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_next_round_after_a_supplement_keeps_the_previous_experts(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    # Two idle newcomers would win on load alone.
    expert(endocrine)
    expert(endocrine)
    decide(first, "request_supplement", "请补充近三个月糖化血红蛋白检验报告")
    decide(second, "approve")
    app = resubmit(app, on=ON + dt.timedelta(days=2))
    assert app.status == ApplicationStatus.UNDER_REVIEW and app.review_round == 2
    assert experts_of(panel(app)) == set(two_experts)
    assert {a.round for a in panel(app)} == {2}


def test_next_round_replaces_a_previous_expert_who_went_off_duty(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    replacement = expert(endocrine)
    decide(first, "request_supplement", "请补充检验报告")
    decide(second, "approve")
    first.expert.expert_profile.is_active = False
    first.expert.expert_profile.save()
    app = resubmit(app, on=ON + dt.timedelta(days=2))
    assert experts_of(panel(app)) == {second.expert, replacement}


# --- outcomes --------------------------------------------------------------------------------------


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


# --- blind opinions --------------------------------------------------------------------------------


def test_decided_expert_sees_nothing_of_a_colleague_who_has_not_decided(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, _ = panel(app)
    decide(first, "approve")
    assert opinions_visible_to(assignment=first) == []


def test_undecided_expert_does_not_see_the_opinion_already_given(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "reject", "不符合标准")
    assert opinions_visible_to(assignment=second) == []


def test_opinions_are_visible_once_every_panel_opinion_is_in(endocrine, two_experts):
    expert(endocrine)  # the split goes to them, so the round stays open
    app = accepted(cat=endocrine, on=ON)
    first, second = split(app)
    assert opinions_visible_to(assignment=first) == [second]
    assert opinions_visible_to(assignment=second) == [first]


def test_escalation_expert_sees_both_panel_opinions(endocrine, two_experts):
    expert(endocrine)
    app = accepted(cat=endocrine, on=ON)
    first, second = split(app)
    escalation = ReviewAssignment.objects.get(application=app, role=AssignmentRole.ESCALATION)
    assert {a.pk for a in opinions_visible_to(assignment=escalation)} == {first.pk, second.pk}


def test_previous_round_opinions_are_visible_in_the_next_round(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "request_supplement", "请补充检验报告")
    decide(second, "approve")
    app = resubmit(app, on=ON + dt.timedelta(days=2))
    for assignment in panel(app):
        assert {a.pk for a in opinions_visible_to(assignment=assignment)} == {first.pk, second.pk}


def test_previous_round_is_visible_but_the_current_round_stays_blind(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "request_supplement", "请补充检验报告")
    decide(second, "approve")
    app = resubmit(app, on=ON + dt.timedelta(days=2))
    a2, b2 = panel(app)
    decide(a2, "reject", "补充材料仍不符合标准")
    assert {a.pk for a in opinions_visible_to(assignment=b2)} == {first.pk, second.pk}


def test_old_round_assignment_does_not_reveal_the_current_round(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    decide(first, "request_supplement", "请补充检验报告")
    decide(second, "approve")
    app = resubmit(app, on=ON + dt.timedelta(days=2))
    round_two = {a.expert: a for a in panel(app)}
    colleague_now = decide(round_two[second.expert], "reject", "补充材料仍不符合标准")
    # first.expert has not decided round 2 yet; reading their round-1 case must not show it.
    assert colleague_now.pk not in {a.pk for a in opinions_visible_to(assignment=first)}


# --- reassignment ----------------------------------------------------------------------------------


def test_reassign_deactivates_the_old_assignment_and_creates_one_for_the_new_expert(endocrine, two_experts):
    boss = officer()
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    newcomer = expert(endocrine)
    new = review_reassign(assignment_id=first.pk, expert=newcomer, by=boss)
    first.refresh_from_db()
    assert not first.is_active
    assert (new.expert, new.round, new.role, new.assigned_by, assignment_is_pending(new)) == (
        newcomer,
        1,
        AssignmentRole.PANEL,
        boss,
        True,
    )
    assert experts_of(panel(app)) == {newcomer, second.expert}
    assert Notification.objects.filter(user=newcomer, application=app, kind="assigned").count() == 1


def test_new_experts_opinion_completes_the_round_after_reassignment(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    new = review_reassign(assignment_id=first.pk, expert=expert(endocrine), by=officer())
    decide(second, "approve")
    decide(new, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_reassign_refuses_a_decided_assignment(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, _ = panel(app)
    decide(first, "approve")
    with pytest.raises(InvalidState):
        review_reassign(assignment_id=first.pk, expert=expert(endocrine), by=officer())
    first.refresh_from_db()
    assert first.is_active
    assert ReviewAssignment.objects.filter(application=app).count() == 2


def test_reassign_refuses_a_user_who_is_not_an_expert(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, _ = panel(app)
    with pytest.raises(InvalidInput) as raised:
        review_reassign(assignment_id=first.pk, expert=UserFactory(is_staff=True, id_number=""), by=officer())
    assert raised.value.code == "not_an_expert"
    first.refresh_from_db()
    assert first.is_active


def test_reassign_refuses_an_expert_who_is_off_duty(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    with pytest.raises(InvalidInput):
        review_reassign(assignment_id=panel(app)[0].pk, expert=expert(endocrine, active=False), by=officer())


def test_reassign_refuses_an_expert_already_on_the_panel(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, second = panel(app)
    with pytest.raises(Conflict):
        review_reassign(assignment_id=first.pk, expert=second.expert, by=officer())
    first.refresh_from_db()
    assert first.is_active
