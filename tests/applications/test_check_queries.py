"""The queries of one completeness check (`application_check`), pinned: the check runs once per
submission on the workers, so a query added to it is paid by every submission (bench/check_throughput.py).

Counted inside the test's transaction (savepoints instead of BEGIN/COMMIT). The counts do not grow with
the number of documents, experts or family accounts."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import FamilyLink
from applications.models import ApplicationStatus
from applications.services import application_check
from notifications.models import Notification, NotificationKind
from reviews.models import ReviewAssignment
from tests.factories import UserFactory
from tests.reviews.review_helpers import add_document, at, category, complete_application, expert

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 9, 18)

# A passing check: the row locked; documents, designated points, the registry, duplicates (one query);
# the event; the calendar (2); the panel (experts, one insert, one update per expert); the row saved once;
# the experts told (notification_send: 6 each); the applicant told (family accounts, dedupe, insert: 5).
PASSING_QUERIES = 32
# A check that finds problems: the row locked; documents, designated points, registry, duplicates; the
# event; the row saved; the applicant told.
PROBLEM_QUERIES = 14


@pytest.fixture
def panel(official_calendar):
    cat = category()
    return cat, [expert(cat), expert(cat), expert(cat)]


@pytest.mark.parametrize("extra_documents", [0, 6])
def test_a_passing_check_costs_a_fixed_number_of_queries(panel, django_assert_num_queries, extra_documents):
    cat, _ = panel
    app = complete_application(cat=cat, on=ON)
    for _ in range(extra_documents):
        add_document(app, "medical_record", issued_on=ON - dt.timedelta(days=5), hospital=app.diagnosing_hospital)
    with at(ON), django_assert_num_queries(PASSING_QUERIES):
        checked = application_check(application_id=app.pk, on=ON)
    assert checked is not None and checked.status == ApplicationStatus.UNDER_REVIEW
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW and app.problems == []
    assert app.review_round == 1 and app.review_deadline == dt.date(2026, 10, 22)
    assert app.accepted_at is not None and app.review_clock_start == ON and not app.officer_decision_needed
    assert ReviewAssignment.objects.filter(application=app, round=1).count() == 2
    kinds = sorted(Notification.objects.filter(application=app).values_list("kind", flat=True))
    assert kinds == sorted([NotificationKind.ACCEPTED, NotificationKind.ASSIGNED, NotificationKind.ASSIGNED])


def test_a_family_account_is_told_too_at_no_extra_query(panel, django_assert_num_queries):
    cat, _ = panel
    app = complete_application(cat=cat, on=ON)
    owner = UserFactory()
    FamilyLink.objects.create(owner=owner, member=app.applicant, relationship="子女", status=FamilyLink.Status.BOUND)
    with at(ON), django_assert_num_queries(PASSING_QUERIES):
        application_check(application_id=app.pk, on=ON)
    told = Notification.objects.filter(application=app, kind=NotificationKind.ACCEPTED)
    assert sorted(told.values_list("user_id", flat=True)) == sorted([app.applicant_id, owner.pk])
    assert len({(n.title, n.body) for n in told}) == 1


def test_a_check_that_finds_problems_costs_a_fixed_number_of_queries(panel, django_assert_num_queries):
    cat, _ = panel
    app = complete_application(cat=cat, on=ON)
    app.documents.filter(kind__in=["id_card_back", "exam_report"]).delete()
    app.applicant.name = "李四"  # not the registry's name
    app.applicant.save(update_fields=["name"])
    with at(ON), django_assert_num_queries(PROBLEM_QUERIES):
        checked = application_check(application_id=app.pk, on=ON)
    assert checked is not None and checked.status == ApplicationStatus.NEEDS_SUPPLEMENT
    app.refresh_from_db()
    codes = [p["code"] for p in app.problems]
    assert codes == ["document_missing", "document_missing", "name_mismatch"], codes
    notice = Notification.objects.get(application=app)
    assert notice.kind == NotificationKind.NEEDS_SUPPLEMENT and notice.user_id == app.applicant_id
    assert not ReviewAssignment.objects.filter(application=app).exists()


def test_a_second_check_of_the_same_submission_reads_one_row(panel, django_assert_num_queries):
    cat, _ = panel
    app = complete_application(cat=cat, on=ON)
    with at(ON):
        application_check(application_id=app.pk, on=ON)
    with at(ON), django_assert_num_queries(3):  # the lock, between the savepoint and its release
        application_check(application_id=app.pk, on=ON)
