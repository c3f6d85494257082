"""The review workbench in the Django admin: the officer's overview, reassignment, settling a split,
escalation, and the experts' load."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from applications.models import ApplicationStatus
from reviews.models import AssignmentRole, ReviewAssignment
from tests.factories import ApplicationFactory
from tests.reviews.review_helpers import accepted, expert, panel
from tests.reviews.workbench_helpers import ON, assignment, decide_url, messages_of, page, row_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_workbench_today")]


def test_officer_sees_every_assignment_with_the_expert(client, expert1, expert2, officer1):
    first, second = assignment(expert1), assignment(expert2)
    client.force_login(officer1)

    html = page(client)

    assert "评审案件（全部分派）" in html
    assert "专家一" in row_of(html, first.application.reference)
    assert "专家二" in row_of(html, second.application.reference)


def test_officer_reassigns_an_undecided_assignment(client, endocrine, expert1, expert2, officer1):
    expert3 = expert(endocrine, username="expert3", name="专家三")
    app = accepted(cat=endocrine, on=ON)
    old = next(a for a in panel(app) if a.expert == expert1)
    client.force_login(officer1)

    case_page = page(client, reverse("admin:reviews_reviewassignment_case", args=[app.pk]))
    response = client.post(reverse("admin:reviews_reviewassignment_reassign", args=[old.pk]), {"expert": expert3.pk})

    assert "专家三（expert3，在办 0/30）" in case_page
    assert response["Location"] == reverse("admin:reviews_reviewassignment_case", args=[app.pk])
    old.refresh_from_db()
    assert not old.is_active
    new = ReviewAssignment.objects.get(application=app, expert=expert3)
    assert (new.round, new.is_active, new.assigned_by) == (1, True, officer1)
    client.force_login(expert3)
    assert app.reference in page(client)


def test_reassigning_to_a_panel_member_shows_the_services_message(client, endocrine, expert1, expert2, officer1):
    app = accepted(cat=endocrine, on=ON)
    old = next(a for a in panel(app) if a.expert == expert1)
    client.force_login(officer1)

    response = client.post(reverse("admin:reviews_reviewassignment_reassign", args=[old.pk]), {"expert": expert2.pk})

    assert "该专家已在本轮评审组中。" in messages_of(response)
    old.refresh_from_db()
    assert old.is_active


def test_officer_settles_a_split(client, endocrine, expert1, expert2, officer1):
    app = accepted(cat=endocrine, on=ON)  # no third expert: a split goes to the officer
    first, second = sorted(panel(app), key=lambda a: a.expert.username)
    client.force_login(expert1)
    client.post(decide_url(first), {"decision": "approve"})
    client.force_login(expert2)
    client.post(decide_url(second), {"decision": "reject", "reason": "诊断依据不足"})
    app.refresh_from_db()
    assert app.officer_decision_needed

    client.force_login(officer1)
    case_page = page(client, reverse("admin:reviews_reviewassignment_case", args=[app.pk]))
    response = client.post(
        reverse("admin:reviews_reviewassignment_settle", args=[app.pk]),
        {"decision": "approve", "reason": "复核病历后认定符合标准"},
    )

    assert "经办人员裁决" in case_page
    assert "已裁决：通过。" in messages_of(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_settle_form_is_shown_only_when_the_officer_must_decide(client, endocrine, expert1, expert2, officer1):
    app = accepted(cat=endocrine, on=ON)
    client.force_login(officer1)

    html = page(client, reverse("admin:reviews_reviewassignment_case", args=[app.pk]))

    assert "提交裁决" not in html
    assert "增派专家" in html


def test_officer_adds_an_escalation_expert(client, endocrine, expert1, expert2, officer1):
    expert3 = expert(endocrine, username="expert3", name="专家三")
    app = accepted(cat=endocrine, on=ON)
    client.force_login(officer1)

    client.post(reverse("admin:reviews_reviewassignment_add_expert", args=[app.pk]), {"expert": expert3.pk})

    added = ReviewAssignment.objects.get(application=app, expert=expert3)
    assert (added.role, added.round, added.assigned_by) == (AssignmentRole.ESCALATION, 1, officer1)


def test_application_page_shows_the_opinions_to_the_officer(client, endocrine, expert1, expert2, officer1):
    app = accepted(cat=endocrine, on=ON)
    first, second = sorted(panel(app), key=lambda a: a.expert.username)
    client.force_login(expert1)
    client.post(decide_url(first), {"decision": "approve", "reason": "符合认定标准"})
    client.force_login(expert2)
    client.post(decide_url(second), {"decision": "approve", "reason": "同意"})
    client.force_login(officer1)

    html = page(client, reverse("admin:applications_application_change", args=[app.pk]))

    assert "评审通过" in html
    assert "专家评审意见" in html and "符合认定标准" in html and "同意" in html
    assert reverse("admin:reviews_reviewassignment_case", args=[app.pk]) in html


def test_overdue_overview_lists_applications_past_their_deadline(client, officer1):
    late = ApplicationFactory(under_review=True, review_deadline=ON - dt.timedelta(days=1))
    flagged = ApplicationFactory(under_review=True, review_deadline=ON + dt.timedelta(days=3), overdue_since=ON)
    in_time = ApplicationFactory(under_review=True, review_deadline=ON + dt.timedelta(days=3))
    decided = ApplicationFactory(status=ApplicationStatus.APPROVED, review_deadline=ON - dt.timedelta(days=1))
    client.force_login(officer1)

    html = page(client, "/admin/applications/application/", review="overdue")

    assert late.reference in html and flagged.reference in html
    assert in_time.reference not in html and decided.reference not in html


def test_expert_profiles_show_the_current_load(client, endocrine, expert1, officer1):
    assignment(expert1)
    assignment(expert1, approved=True)
    client.force_login(officer1)

    row = row_of(page(client, "/admin/reviews/expertprofile/"), "expert1")

    assert "1/30" in row
    assert "内分泌系统疾病" in row
