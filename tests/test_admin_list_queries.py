"""The officers' admin lists stay fast at a million rows (config/admin_paginator.py): a page costs the
same number of queries whatever the number of rows on it (no query per row), and on PostgreSQL the
applications' page is read in the order of an index and counted from the planner's estimate, never by a
`COUNT(*)` of the whole table."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationStatus,
    DocumentAccess,
    PersonSearch,
    ReaderRole,
    SearchKind,
    ServiceRating,
)
from certification.models import Certification, PlatformMessage, RemoteFiling
from reviews.models import AnnouncementBatch, AnnouncementEntry, EntryStatus, Objection
from tests.factories import ApplicationFactory, DocumentFactory, UserFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
serial = itertools.count(1)


def _application() -> Application:
    return ApplicationFactory(status=ApplicationStatus.EFFECTIVE, submitted_at=timezone.now())


def _certification() -> Certification:
    app = _application()
    return Certification.objects.create(
        code=f"BENCH{next(serial):019d}",
        holder=app.applicant,
        application=app,
        disease=app.disease,
        insurance_type="employee",
        effective_on=dt.date(2026, 2, 1),
        benefit_start_date=dt.date(2026, 2, 1),
        valid_until=dt.date(2028, 2, 1),
        next_review_due=dt.date(2027, 2, 1),
        reimbursement_ratio=Decimal("0.80"),
        annual_limit=10000,
    )


def _entry(batch: AnnouncementBatch | None = None, **fields: object) -> AnnouncementEntry:
    published_on = dt.date(2026, 1, 5) + dt.timedelta(days=next(serial))
    batch = batch or AnnouncementBatch.objects.create(
        region_code="620902", region_name="肃州区", published_on=published_on, ends_on=published_on + dt.timedelta(7)
    )
    return AnnouncementEntry.objects.create(
        **fields,
        batch=batch,
        application=_application(),
        masked_name="张*",
        masked_id_number="6209**********0011",
        disease_name="糖尿病",
        district="肃州区",
    )


# Each builder writes one row of its list with related rows of its own (a per-row query would show).
LISTS: dict[str, Callable[[], object]] = {
    "applications_application": _application,
    "applications_document": lambda: DocumentFactory(application=_application()),
    "applications_documentaccess": lambda: DocumentAccess.objects.create(
        application=_application(), user=UserFactory(), role=ReaderRole.OFFICER
    ),
    "applications_personsearch": lambda: PersonSearch.objects.create(
        user=UserFactory(), where="申请", kind=SearchKind.NAME, term="张三", results=1
    ),
    "applications_servicerating": lambda: ServiceRating.objects.create(
        application=(app := _application()), user=app.applicant, score=2
    ),
    "certification_certification": _certification,
    "certification_remotefiling": lambda: RemoteFiling.objects.create(
        holder=UserFactory(), type="long_term", place="兰州市", start_date=dt.date(2026, 3, 1), status="pending"
    ),
    "certification_platformmessage": lambda: PlatformMessage.objects.create(
        msgid=f"BENCH{next(serial):025d}",
        infno="2503",
        certification=_certification(),
        person_key="x",
        data={},
        next_attempt_at=timezone.now(),
    ),
    "reviews_announcementbatch": _entry,
    "reviews_announcemententry": _entry,
    "reviews_objection": lambda: Objection.objects.create(
        entry=_entry(), reason="情况不实", contact_name="李四", contact_phone="13800000000"
    ),
}


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", LISTS)
def test_an_officer_list_costs_the_same_queries_for_3_rows_as_for_30(name: str) -> None:
    client = Client()
    client.force_login(officer())
    url = reverse(f"admin:{name}_changelist")
    for _ in range(3):
        LISTS[name]()
    client.get(url)  # the first request fills the per-process caches (content types, permissions)
    with_3 = _queries(client, url)
    for _ in range(27):
        LISTS[name]()
    with_30 = _queries(client, url)
    assert with_3 == with_30, f"{name}: {with_3} queries with 3 rows, {with_30} with 30"


def test_the_batch_list_counts_the_entries_of_each_batch() -> None:
    client = Client()
    client.force_login(officer())
    batch = _entry().batch
    for status in (EntryStatus.HELD, EntryStatus.WITHDRAWN, EntryStatus.WITHDRAWN):
        _entry(batch, status=status)
    _entry()  # another batch
    response = client.get(reverse("admin:reviews_announcementbatch_changelist"))
    rows = {
        row.pk: (row.entry_total, row.held_total, row.withdrawn_total) for row in response.context["cl"].result_list
    }
    assert rows[batch.pk] == (4, 1, 2)
    assert sorted(rows.values()) == [(1, 0, 0), (4, 1, 2)]


def test_a_reference_search_of_the_applications_asks_the_reference_only() -> None:
    client = Client()
    client.force_login(officer())
    app = _application()
    _application()
    url = reverse("admin:applications_application_changelist")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"q": app.reference.lower()})
    assert list(response.context["cl"].result_list) == [app]
    page = next(q["sql"] for q in captured if 'FROM "applications_application"' in q["sql"] and "ORDER BY" in q["sql"])
    assert '"accounts_user"."name"' not in page.split("WHERE")[1]  # no OR over the applicant's fields


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate and plans are PostgreSQL's")
@override_settings(ADMIN_LIST_EXACT_COUNT_BELOW=1)
def test_the_applications_page_is_read_by_index_and_counted_by_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin.site.get_model_admin(Application), "list_per_page", 2)  # pages, as at scale
    client = Client()
    client.force_login(officer())
    for _ in range(5):
        _application()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
    url = reverse("admin:applications_application_changelist")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.context["cl"].paginator.approximate
    assert "约 " in response.content.decode()
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "applications_application" in q["sql"]]
    assert counts == []  # neither the page's count nor the unfiltered one
    page = next(q["sql"] for q in captured if 'FROM "applications_application"' in q["sql"] and "LIMIT" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here: ask what an index gives
        cursor.execute(f"EXPLAIN {page}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "application_created_idx" in plan, plan
    assert "Sort" not in plan, plan  # the order is the index's, not a sort of the whole table
