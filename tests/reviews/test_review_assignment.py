"""Expert review services: choosing the panel (category, load, capacity, duty), its size, a short panel,
the panel of the next round, and reassigning an undecided assignment to another expert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from applications.models import ApplicationStatus
from applications.services import application_withdraw
from config.domain import Conflict, InvalidInput, InvalidState
from notifications.models import Notification
from reviews.experts import expert_load_recount
from reviews.models import AssignmentRole, ReviewAssignment
from reviews.selectors import assignment_is_pending, experts_available
from reviews.services import review_reassign
from tests.factories import UserFactory
from tests.reviews.expert_review_helpers import ON, experts_of
from tests.reviews.review_helpers import accepted, decide, expert, officer, panel, pending_load, resubmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_review_today")]


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
    expert_load_recount(fix=True, expert_ids=[veteran.pk])  # decided past the services
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
