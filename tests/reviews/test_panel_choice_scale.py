"""Choosing a panel at any history size: each expert's open work is a counter on their profile
(`ExpertProfile.open_load`) that the services keep in the transaction that opens or closes an assignment.
It stays equal to a fresh count through a case's whole life, and the panel query never reads the
assignments, however many an expert has had (its PostgreSQL plan, not a clock)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationStatus
from applications.services import application_appeal, application_withdraw
from reviews.experts import expert_load_recount
from reviews.models import AssignmentRole, Decision, ExpertProfile, ReviewAssignment
from reviews.selectors import experts_available, experts_with_load
from reviews.services import review_assign_additional, review_decide_as_officer, review_reassign
from tests.factories import ApplicationFactory, DiseaseFactory
from tests.reviews.expert_review_helpers import ON, split
from tests.reviews.review_helpers import accepted, category, decide, expert, officer, panel, resubmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_review_today")]


def loads(*experts) -> list[int]:  # type: ignore[no-untyped-def]
    return [ExpertProfile.objects.get(user=e).open_load for e in experts]


def in_line() -> int:
    """The counters equal a fresh count of the assignments; their total."""
    assert expert_load_recount() == []
    return sum(ExpertProfile.objects.values_list("open_load", flat=True))


# --- the counter through a case's life ---------------------------------------------------------------


def test_the_counter_follows_assignment_decisions_reassignment_escalation_supplement_and_appeal(endocrine):
    boss = officer()
    experts = [expert(endocrine, username=f"e{n}") for n in range(6)]
    app = accepted(cat=endocrine, on=ON)
    assert in_line() == 2

    first, second = panel(app)
    third = next(e for e in experts if e not in {first.expert, second.expert})
    moved = review_reassign(assignment_id=second.pk, expert=third, by=boss)
    assert loads(second.expert, third) == [0, 1]
    assert in_line() == 2

    decide(first, Decision.REQUEST_SUPPLEMENT, "请补充检验报告")
    assert in_line() == 1
    decide(moved, Decision.APPROVE)  # the panel is complete: the case waits for the supplement
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT and in_line() == 0

    app = resubmit(app, on=ON + dt.timedelta(days=2))
    assert app.review_round == 2 and in_line() == 2
    split(app)  # one approves, one rejects: an expert not yet involved is added to settle it
    [escalation] = ReviewAssignment.objects.filter(application=app, round=2, role=AssignmentRole.ESCALATION)
    assert loads(escalation.expert) == [1] and in_line() == 1
    involved = set(ReviewAssignment.objects.filter(application=app).values_list("expert_id", flat=True))
    extra = next(e for e in experts if e.pk not in involved)
    review_assign_additional(application_id=app.pk, expert=extra, by=boss)
    assert in_line() == 2

    decide(escalation, Decision.REJECT, "复核认为不符合标准")  # settles the round; `extra` never decided
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert loads(extra) == [0] and in_line() == 0

    application_appeal(application=app, user=app.applicant, reason="已补充新的诊断证明")
    app.refresh_from_db()
    assert app.review_round == 3 and in_line() == 2

    application_withdraw(application=app, user=app.applicant)
    assert in_line() == 0


def test_the_counter_is_released_when_the_officer_settles_a_split(endocrine, two_experts):
    app = accepted(cat=endocrine, on=ON)
    first, _ = panel(app)
    decide(first, Decision.APPROVE)
    review_assign_additional(application_id=app.pk, expert=expert(endocrine), by=officer())  # a panel of three
    app.refresh_from_db()
    app.officer_decision_needed = True  # e.g. the split the panel could not settle
    app.save(update_fields=["officer_decision_needed"])
    assert in_line() == 2

    review_decide_as_officer(application_id=app.pk, officer=officer(), decision="approve", reason="经办人员裁决")

    assert in_line() == 0


def test_a_profile_saved_from_an_older_copy_keeps_the_counter(endocrine):
    only = expert(endocrine)
    stale = ExpertProfile.objects.get(user=only)
    accepted(cat=endocrine, on=ON)
    stale.capacity = 10
    stale.save()  # as the admin's form saves it
    assert loads(only) == [1] and in_line() == 1


def test_drift_is_reported_and_fixed_by_the_recount(endocrine):
    busy = expert(endocrine)
    accepted(cat=endocrine, on=ON)
    ExpertProfile.objects.filter(user=busy).update(open_load=7)

    [mismatch] = expert_load_recount()
    assert (mismatch.expert_id, mismatch.stored, mismatch.counted) == (busy.pk, 7, 1)
    with pytest.raises(SystemExit):
        call_command("expert_load_recount")
    call_command("expert_load_recount", "--fix")
    assert loads(busy) == [1] and expert_load_recount() == []


def test_the_pickers_and_the_panel_read_the_counter(endocrine):
    full, free = expert(endocrine, capacity=3), expert(endocrine, capacity=3)
    ExpertProfile.objects.filter(user=full).update(open_load=3)
    app = ApplicationFactory(under_review=True, disease=DiseaseFactory(category=endocrine))
    assert experts_available(application=app) == [free]
    assert {u.pk: u.load for u in experts_with_load()} == {free.pk: 0, full.pk: 3}


# --- the plan does not grow with history (PostgreSQL) ------------------------------------------------


def _history(experts, *, each: int, start: int) -> None:  # type: ignore[no-untyped-def]
    """`each` decided assignments per expert, on one closed case each, rounds start..start+each-1."""
    rows = []
    for user in experts:
        case = ApplicationFactory(approved=True, review_round=1)
        rows += [
            ReviewAssignment(
                application=case, expert=user, round=r, decision=Decision.APPROVE, decided_at=case.updated_at
            )
            for r in range(start, start + each)
        ]
    ReviewAssignment.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reviews_reviewassignment")


def _plan(application) -> dict:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        experts_available(application=application)
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
        return cursor.fetchone()[0][0]["Plan"]


def _relations(plan: dict) -> set[str]:
    found = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= _relations(child)
    return found


def _shape(plan: dict) -> list[str]:
    return [plan["Node Type"], *(node for child in plan.get("Plans", []) for node in _shape(child))]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_panel_plan_never_reads_the_assignments_however_long_the_history():
    cat = category()
    experts = [expert(cat) for _ in range(3)]
    application = ApplicationFactory(under_review=True, disease=DiseaseFactory(category=cat))

    _history(experts, each=100, start=1)
    small = _plan(application)
    _history(experts, each=4900, start=101)
    assert ReviewAssignment.objects.filter(expert__in=experts).count() == 15_000
    large = _plan(application)

    for plan in (small, large):
        assert "reviews_reviewassignment" not in _relations(plan), json.dumps(plan, indent=1)
        assert "reviews_expertprofile" in _relations(plan)
    assert _shape(large) == _shape(small)
    assert experts_available(application=application) == sorted(experts, key=lambda u: u.pk)
