"""Open expert work, defined once (`reviews.selectors.pending_work`) and kept per expert in
`ExpertProfile.open_load`, never counted over every assignment they ever had (the plan of choosing a
panel: tests/reviews/test_panel_choice_scale.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import ReviewAssignment
from reviews.selectors import assignment_is_pending, experts_available, experts_with_load, pending_work
from tests.factories import ApplicationFactory, DiseaseFactory
from tests.reviews.factories import ReviewAssignmentFactory
from tests.reviews.review_helpers import category, expert

pytestmark = pytest.mark.django_db


def past_work(user, cat) -> None:
    """Assignments that are no longer work: decided, reassigned away, an old round, a withdrawn case."""
    ReviewAssignmentFactory(expert=user, approved=True)
    ReviewAssignmentFactory(expert=user, inactive=True)
    old_round = ReviewAssignmentFactory(expert=user, application__review_round=2, round=1)
    assert old_round.round < old_round.application.review_round
    ReviewAssignmentFactory(expert=user, application=ApplicationFactory(withdrawn=True, review_round=1))


def test_only_open_work_counts_towards_the_load():
    cat = category()
    busy = expert(cat)
    past_work(busy, cat)
    open_case = ReviewAssignmentFactory(expert=busy, application__disease=DiseaseFactory(category=cat))
    loads = {user.pk: user.load for user in experts_with_load()}
    assert loads[busy.pk] == 1
    assert list(ReviewAssignment.objects.filter(pending_work(), expert=busy)) == [open_case]
    assert [a.pk for a in ReviewAssignment.objects.filter(expert=busy) if assignment_is_pending(a)] == [open_case.pk]


def test_an_expert_at_capacity_is_not_offered_however_old_their_past_work():
    cat = category()
    full, free = expert(cat, capacity=1), expert(cat, capacity=1)
    ReviewAssignmentFactory(expert=full)
    past_work(free, cat)
    application = ApplicationFactory(under_review=True, disease=DiseaseFactory(category=cat))
    assert experts_available(application=application) == [free]


def test_choosing_a_panel_is_one_query_however_many_experts():
    cat = category()
    for _ in range(6):
        past_work(expert(cat), cat)
    application = ApplicationFactory(under_review=True, disease=DiseaseFactory(category=cat))
    with CaptureQueriesContext(connection) as queries:
        assert len(experts_available(application=application)) == 6
    assert len(queries) == 1
