"""The review workbench in the Django admin: the expert's queue (only their own cases), its deadline
column and filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.calendar import working_days_add
from tests.reviews.workbench_helpers import ON, assignment, decide_url, page, row_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_workbench_today")]


# --- the expert sees their own cases and nothing else -----------------------------------------------


def test_expert_changelist_lists_only_their_active_assignments(client, expert1, expert2):
    mine = assignment(expert1)
    theirs = assignment(expert2)
    reassigned_away = assignment(expert1, is_active=False)
    client.force_login(expert1)

    html = page(client)

    assert mine.application.reference in html
    assert theirs.application.reference not in html
    assert reassigned_away.application.reference not in html
    assert "我的评审案件" in html


def test_changelist_shows_a_masked_applicant_and_the_disease(client, expert1):
    mine = assignment(expert1, application__applicant__name="张三丰")
    client.force_login(expert1)

    row = row_of(page(client), mine.application.reference)

    assert "张*丰" in row and "张三丰" not in row
    applicant_id = mine.application.applicant.id_number
    assert applicant_id[:4] + "*" * 10 + applicant_id[-4:] in row and applicant_id not in row
    assert mine.application.disease.name in row
    assert "第1轮" in row


def test_another_experts_case_page_is_not_found_and_shows_nothing(client, expert1, expert2):
    theirs = assignment(expert2)
    client.force_login(expert1)

    response = client.get(reverse("admin:reviews_reviewassignment_change", args=[theirs.pk]), follow=True)

    assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/"
    body = response.content.decode()
    assert theirs.application.reference not in body
    assert theirs.application.disease.name not in body


def test_expert_cannot_decide_another_experts_assignment(client, expert1, expert2):
    theirs = assignment(expert2)
    client.force_login(expert1)

    response = client.post(decide_url(theirs), {"decision": "approve"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.decision == ""


def test_expert_cannot_edit_the_assignment_itself(client, expert1):
    mine = assignment(expert1)
    client.force_login(expert1)

    response = client.post(
        reverse("admin:reviews_reviewassignment_change", args=[mine.pk]), {"decision": "approve", "is_active": ""}
    )

    assert response.status_code == 403
    mine.refresh_from_db()
    assert (mine.decision, mine.is_active) == ("", True)


def test_expert_cannot_open_the_officer_pages(client, expert1):
    mine = assignment(expert1)
    client.force_login(expert1)

    case = client.get(reverse("admin:reviews_reviewassignment_case", args=[mine.application_id]))
    applications = client.get("/admin/applications/application/")

    assert case.status_code == 403
    assert applications.status_code == 403


# --- the deadline column and filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("working_days", "css", "text"),
    [
        (6, "days-left--ok", "剩6个工作日"),
        (5, "days-left--soon", "剩5个工作日"),
        (1, "days-left--soon", "剩1个工作日"),
        (0, "days-left--overdue", "今日到期"),
    ],
)
def test_working_days_left_cell_is_coloured(client, expert1, working_days, css, text):
    mine = assignment(expert1, deadline=working_days_add(start=ON, days=working_days).deadline)
    client.force_login(expert1)

    row = row_of(page(client), mine.application.reference)

    assert f'class="days-left {css}"' in row
    assert text in row


def test_overdue_cell_says_by_how_many_working_days(client, expert1):
    mine = assignment(expert1, deadline=ON - dt.timedelta(days=7))  # the Monday before: 5 working days ago
    client.force_login(expert1)

    row = row_of(page(client), mine.application.reference)

    assert 'class="days-left days-left--overdue"' in row
    assert "超期5个工作日" in row


def test_overdue_filter_lists_only_pending_cases_past_their_deadline(client, expert1):
    overdue = assignment(expert1, deadline=ON - dt.timedelta(days=1))
    due_today = assignment(expert1, deadline=ON)
    decided_late = assignment(expert1, deadline=ON - dt.timedelta(days=1), approved=True)
    client.force_login(expert1)

    html = page(client, deadline="overdue")

    assert overdue.application.reference in html
    assert due_today.application.reference not in html
    assert decided_late.application.reference not in html


def test_due_soon_filter_lists_pending_cases_within_five_working_days(client, expert1):
    soon = assignment(expert1, deadline=working_days_add(start=ON, days=5).deadline)
    later = assignment(expert1, deadline=working_days_add(start=ON, days=6).deadline)
    client.force_login(expert1)

    html = page(client, deadline="soon")

    assert soon.application.reference in html
    assert later.application.reference not in html


def test_opinion_filter_separates_pending_from_decided(client, expert1):
    pending = assignment(expert1)
    decided = assignment(expert1, approved=True)
    client.force_login(expert1)

    pending_page = page(client, opinion="pending")
    decided_page = page(client, opinion="decided")

    assert pending.application.reference in pending_page and decided.application.reference not in pending_page
    assert decided.application.reference in decided_page and pending.application.reference not in decided_page


def test_changelist_queries_do_not_grow_with_the_rows(client, expert1):
    client.force_login(expert1)
    for _ in range(2):
        assignment(expert1)
    page(client)  # warm-up: session, content types
    with CaptureQueriesContext(connection) as two:
        page(client)
    for days in range(8):
        assignment(expert1, deadline=working_days_add(start=ON, days=days + 1).deadline)
    with CaptureQueriesContext(connection) as ten:
        html = page(client)

    assert html.count('class="days-left ') == 10
    assert len(ten) == len(two), [query["sql"] for query in ten]
