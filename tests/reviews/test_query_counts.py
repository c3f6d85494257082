"""Query counts (not timings) of the pages an expert or an applicant opens most, and of choosing a panel:
each is the same with 2 items as with 20 (experts, assignments, documents, events, earlier opinions), so
none of them issues a query per row. A regression here is an N+1 before it is a slow page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationEvent, ApplicationStatus
from reviews.selectors import experts_available
from tests.api import bearer_client
from tests.factories import ApplicationFactory, DiseaseFactory, DocumentFactory
from tests.reviews.factories import ReviewAssignmentFactory
from tests.reviews.review_helpers import category, expert
from tests.reviews.reviewer_api_helpers import QUEUE, case_url

pytestmark = pytest.mark.django_db


def queries_of(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def get_ok(client, url: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def documents_and_events(application, count: int) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        DocumentFactory(application=application, kind="medical_record", original_name=f"病历{n}.pdf")
        ApplicationEvent.objects.create(
            application=application,
            actor_label="系统",
            from_status=ApplicationStatus.UNDER_REVIEW,
            to_status=ApplicationStatus.UNDER_REVIEW,
            reason=f"第{n}条记录",
        )


def test_choosing_a_panel_is_one_query_with_2_or_20_experts():
    cat = category()
    application = ApplicationFactory(under_review=True, disease=DiseaseFactory(category=cat))
    for _ in range(2):
        expert(cat)
    with_two = queries_of(lambda: experts_available(application=application))
    for _ in range(18):
        expert(cat)
    with_twenty = queries_of(lambda: experts_available(application=application))
    assert len(experts_available(application=application)) == 20
    assert with_two == with_twenty == 1


def test_the_expert_queue_costs_the_same_with_2_or_20_cases(expert, expert_client):
    for _ in range(2):
        ReviewAssignmentFactory(expert=expert)
    get_ok(expert_client, QUEUE)  # first call: the calendar and the token's user warm up
    with_two = queries_of(lambda: get_ok(expert_client, QUEUE))
    for _ in range(18):
        ReviewAssignmentFactory(expert=expert)
    with_twenty = queries_of(lambda: get_ok(expert_client, QUEUE))
    assert get_ok(expert_client, QUEUE)["count"] == 20
    assert with_two == with_twenty
    assert with_two == 4  # the user, the expert's profile, the count, the page (the calendar is kept)


def test_the_case_costs_the_same_with_2_or_20_documents_events_and_earlier_opinions(expert, expert_client):
    application = ApplicationFactory(under_review=True, review_round=30)
    mine = ReviewAssignmentFactory(expert=expert, application=application, round=30)

    def grow(count: int, first_round: int) -> None:
        documents_and_events(application, count)
        for round_ in range(first_round, first_round + count):
            ReviewAssignmentFactory(application=application, round=round_, approved=True)

    grow(2, first_round=1)
    get_ok(expert_client, case_url(mine))
    with_two = queries_of(lambda: get_ok(expert_client, case_url(mine)))
    grow(18, first_round=3)
    with_twenty = queries_of(lambda: get_ok(expert_client, case_url(mine)))
    body = get_ok(expert_client, case_url(mine))
    assert len(body["documents"]) == 20 and len(body["other_opinions"]) == 20
    assert len(body["events"]) >= 20
    assert with_two == with_twenty
    # The user, the expert's profile, the assignment with its case, documents, events and clock stops, the
    # other opinions with the round's completeness (one query); the calendar is kept between requests.
    assert with_two == 7


def test_the_application_detail_costs_the_same_with_2_or_20_documents_and_events():
    application = ApplicationFactory(under_review=True, review_round=1)
    client = bearer_client(application.applicant)
    url = f"/api/v1/applications/{application.pk}/"
    documents_and_events(application, 2)
    get_ok(client, url)
    with_two = queries_of(lambda: get_ok(client, url))
    documents_and_events(application, 18)
    with_twenty = queries_of(lambda: get_ok(client, url))
    body = get_ok(client, url)
    assert len(body["documents"]) == 20 and len(body["events"]) >= 20
    assert with_two == with_twenty
