"""Expert review services: blind opinions (what each expert may see of the others, this round and earlier
rounds)."""

from __future__ import annotations

import datetime as dt

import pytest

from reviews.models import AssignmentRole, ReviewAssignment
from reviews.selectors import opinions_visible_to
from tests.reviews.expert_review_helpers import ON, split
from tests.reviews.review_helpers import accepted, decide, expert, panel, resubmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_review_today")]


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
