"""The review clock on the official 2026 calendar: 20 working days from acceptance, stopped while the
case waits for the applicant's supplement, the deadline pushed back by the suspended working days.

The dates, worked out by hand from the State Council notice for 2026:
- Mid-Autumn Festival: Fri 25 Sep – Sun 27 Sep off (25 Sep is the holiday itself, not a working day).
- National Day: Thu 1 Oct – Wed 7 Oct off; Sun 20 Sep and Sat 10 Oct are make-up working days.
- Accepted Fri 18 Sep: working days 9/20, 9/21–9/24, 9/28–9/30, 10/8, 10/9, 10/10, 10/12–10/16,
  10/19–10/22 → the 20th is Thu 22 Oct.
- Supplement requested 25 Sep, re-accepted Fri 9 Oct: the suspended working days after 25 Sep up to
  and including 9 Oct are 9/28, 9/29, 9/30, 10/8, 10/9 → 5.
- 22 Oct pushed back by 5 working days: 10/23, 10/26, 10/27, 10/28, 10/29 → Thu 29 Oct.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import ApplicationStatus
from reviews.calendar import calendar_seed, working_days_add, working_days_between
from reviews.clock import review_deadline_explain
from reviews.models import ClockSuspension
from reviews.selectors import assignment_is_pending
from tests.reviews.review_helpers import (
    accepted,
    add_document,
    at,
    category,
    check,
    complete_application,
    decide,
    expert,
    panel,
    resubmit,
)

pytestmark = pytest.mark.django_db

ACCEPTED = dt.date(2026, 9, 18)  # Friday
REQUESTED = dt.date(2026, 9, 25)  # Friday, Mid-Autumn Festival (a holiday)
REACCEPTED = dt.date(2026, 10, 9)  # Friday, the day before the National Day make-up Saturday
FIRST_DEADLINE = dt.date(2026, 10, 22)
SUSPENDED = 5
MOVED_DEADLINE = dt.date(2026, 10, 29)


@pytest.fixture(autouse=True)
def official_2026(db):
    calendar_seed(years=[2026])


@pytest.fixture
def endocrine():
    cat = category()
    expert(cat, username="expert_a")
    expert(cat, username="expert_b")
    return cat


def request_supplement(app, *, on=REQUESTED):
    first, second = panel(app)
    with at(on):
        decide(first, "request_supplement", "请补充近三个月糖化血红蛋白检验报告")
        decide(second, "approve")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT
    return first, second


def test_the_hand_counted_dates_agree_with_the_calendar():
    assert working_days_add(start=ACCEPTED, days=20).deadline == FIRST_DEADLINE
    assert working_days_between(start=REQUESTED, end=REACCEPTED) == SUSPENDED
    assert working_days_add(start=FIRST_DEADLINE, days=SUSPENDED).deadline == MOVED_DEADLINE


def test_acceptance_on_18_september_sets_the_deadline_to_22_october(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    assert timezone.localdate(app.accepted_at) == ACCEPTED
    assert app.review_deadline == FIRST_DEADLINE


def test_supplement_request_on_the_mid_autumn_holiday_opens_the_ledger_on_that_day(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    [suspension] = ClockSuspension.objects.filter(application=app)
    assert (suspension.started_on, suspension.ended_on, suspension.working_days) == (REQUESTED, None, 0)
    assert "糖化血红蛋白" in suspension.reason


def test_open_suspension_does_not_move_the_deadline_yet(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    explanation = review_deadline_explain(application=app)
    assert (explanation.suspended_working_days, explanation.deadline) == (0, FIRST_DEADLINE)


def test_re_acceptance_closes_the_suspension_with_the_working_days_suspended(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    resubmit(app, on=REACCEPTED)
    [suspension] = ClockSuspension.objects.filter(application=app)
    assert (suspension.started_on, suspension.ended_on, suspension.working_days) == (
        REQUESTED,
        REACCEPTED,
        SUSPENDED,
    )


def test_deadline_moves_by_the_suspended_working_days_across_national_day(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    app = resubmit(app, on=REACCEPTED)
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.review_deadline == MOVED_DEADLINE
    assert working_days_between(start=FIRST_DEADLINE, end=app.review_deadline) == SUSPENDED


def test_deadline_explanation_gives_acceptance_day_working_days_suspension_and_deadline(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    app = resubmit(app, on=REACCEPTED)
    explanation = review_deadline_explain(application=app)
    assert (
        explanation.accepted_on,
        explanation.working_days,
        explanation.suspended_working_days,
        explanation.deadline,
        explanation.provisional,
    ) == (ACCEPTED, 20, SUSPENDED, MOVED_DEADLINE, False)


def test_re_acceptance_keeps_the_first_acceptance_time(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    first_accepted_at = app.accepted_at
    request_supplement(app)
    app = resubmit(app, on=REACCEPTED)
    assert app.accepted_at == first_accepted_at


def test_re_acceptance_opens_round_two_with_the_same_experts(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    round_one = {a.expert for a in panel(app)}
    expert(endocrine)  # idle, would win on load alone
    request_supplement(app)
    app = resubmit(app, on=REACCEPTED)
    assert app.review_round == 2
    assert {a.expert for a in panel(app)} == round_one
    assert all(assignment_is_pending(a) for a in panel(app))


def test_failed_completeness_check_after_the_request_keeps_the_clock_stopped(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    app.documents.filter(kind="application_form").delete()
    app = resubmit(app, on=dt.date(2026, 10, 8))
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT
    assert ClockSuspension.objects.get(application=app).ended_on is None
    add_document(app, "application_form")
    app = resubmit(app, on=REACCEPTED)
    [suspension] = ClockSuspension.objects.filter(application=app)
    assert (suspension.ended_on, suspension.working_days) == (REACCEPTED, SUSPENDED)
    assert app.review_deadline == MOVED_DEADLINE


def test_second_suspension_adds_to_the_first(endocrine):
    app = accepted(cat=endocrine, on=ACCEPTED)
    request_supplement(app)
    app = resubmit(app, on=REACCEPTED)
    # Round 2: asked again on Mon 12 Oct, re-accepted Wed 14 Oct: 13 and 14 Oct are suspended.
    request_supplement(app, on=dt.date(2026, 10, 12))
    app = resubmit(app, on=dt.date(2026, 10, 14))
    ledger = list(ClockSuspension.objects.filter(application=app).values_list("started_on", "ended_on", "working_days"))
    assert ledger == [
        (REQUESTED, REACCEPTED, SUSPENDED),
        (dt.date(2026, 10, 12), dt.date(2026, 10, 14), 2),
    ]
    # 29 Oct + 2 working days: Fri 30 Oct, Mon 2 Nov.
    assert app.review_deadline == dt.date(2026, 11, 2)
    assert review_deadline_explain(application=app).suspended_working_days == SUSPENDED + 2
    assert app.review_round == 3


def test_days_waiting_before_first_acceptance_are_never_counted(endocrine):
    app = complete_application(cat=endocrine, on=dt.date(2026, 9, 1))
    app.documents.filter(kind="insurance_card").delete()
    app = check(app, on=dt.date(2026, 9, 1))
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT
    add_document(app, "insurance_card")
    app = resubmit(app, on=ACCEPTED)
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert not ClockSuspension.objects.filter(application=app).exists()
    assert app.review_deadline == FIRST_DEADLINE
    explanation = review_deadline_explain(application=app)
    assert (explanation.accepted_on, explanation.suspended_working_days) == (ACCEPTED, 0)


def test_not_yet_accepted_application_has_no_deadline_explanation(endocrine):
    app = complete_application(cat=endocrine, on=ACCEPTED)
    assert review_deadline_explain(application=app) is None
