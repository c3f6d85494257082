"""The review workbench in the Django admin: an expert's queue and case page, the officer's overview."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import ApplicationStatus, DocumentAccess
from reviews.calendar import working_days_add
from reviews.models import AssignmentRole, Decision, ReviewAssignment
from tests.factories import ApplicationFactory, DocumentFactory
from tests.reviews.factories import ReviewAssignmentFactory
from tests.reviews.review_helpers import accepted, at, category, expert, officer, panel
from tests.samples import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 9, 14)  # a Monday, far from any holiday
CHANGELIST = "/admin/reviews/reviewassignment/"


@pytest.fixture(autouse=True)
def _today():
    with at(ON):
        yield


@pytest.fixture
def endocrine():
    return category("endocrine", "内分泌系统疾病")


@pytest.fixture
def expert1(endocrine):
    return expert(endocrine, username="expert1", name="专家一")


@pytest.fixture
def expert2(endocrine):
    return expert(endocrine, username="expert2", name="专家二")


@pytest.fixture
def officer1():
    return officer(username="officer1", name="经办员一")


def assignment(expert_user, *, deadline: dt.date | None = None, **fields) -> ReviewAssignment:
    """A pending round-1 assignment of `expert_user` on its own application under review."""
    deadline = deadline or working_days_add(start=ON, days=15).deadline
    return ReviewAssignmentFactory(expert=expert_user, application__review_deadline=deadline, **fields)


def page(client, url: str = CHANGELIST, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def row_of(html: str, reference: str) -> str:
    """The changelist row (<tr>…</tr>) that shows `reference`."""
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S) if reference in row]
    assert len(rows) == 1, f"{reference}: {len(rows)} rows"
    return rows[0]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def decide_url(assignment_: ReviewAssignment) -> str:
    return reverse("admin:reviews_reviewassignment_decide", args=[assignment_.pk])


def file_url(document) -> str:
    return reverse("admin:applications_document_file", args=[document.pk])


def read(response) -> bytes:
    return b"".join(response.streaming_content)


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


# --- the case page and the decision ----------------------------------------------------------------


def test_case_page_shows_the_check_the_clock_the_documents_and_the_form(client, endocrine, expert1, expert2):
    app = accepted(cat=endocrine, on=ON)
    mine = next(a for a in panel(app) if a.expert == expert1)
    client.force_login(expert1)

    html = page(client, reverse("admin:reviews_reviewassignment_change", args=[mine.pk]))

    assert "完整性检查结果" in html and "材料齐全，予以受理" in html
    assert "评审时限" in html and f"{app.review_deadline:%Y年%-m月%-d日}" in html
    for document in app.documents.all():
        assert f'src="{file_url(document)}"' in html
    assert 'name="decision"' in html and decide_url(mine) in html
    assert "盲审" in html
    assert 'name="_save"' not in html  # nothing of the assignment itself is editable


def test_case_page_shows_the_supplement_problems_of_an_earlier_check(client, expert1):
    mine = assignment(expert1)
    mine.application.events.create(
        actor_label="系统",
        from_status=ApplicationStatus.SUBMITTED,
        to_status=ApplicationStatus.NEEDS_SUPPLEMENT,
        reason="材料不全或不符合要求，共1项，请一次性补正后重新提交。",
        data={
            "problems": [{"code": "document_missing", "field": "documents.exam_report", "message": "缺少“检验报告”。"}]
        },
    )
    client.force_login(expert1)

    html = page(client, reverse("admin:reviews_reviewassignment_change", args=[mine.pk]))

    assert "缺少“检验报告”。" in html


def test_pdf_is_previewed_in_a_frame_the_file_view_allows(client, expert1):
    mine = assignment(expert1)
    pdf = DocumentFactory(
        application=mine.application,
        file__data=pdf_bytes(),
        file__filename="x.pdf",
        content_type="application/pdf",
        original_name="诊断证明.pdf",
    )
    client.force_login(expert1)

    html = page(client, reverse("admin:reviews_reviewassignment_change", args=[mine.pk]))
    response = client.get(file_url(pdf))

    assert f'<iframe class="doc-preview" src="{file_url(pdf)}"' in html
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Disposition"].startswith("inline")
    assert read(response).startswith(b"%PDF")


def test_decision_form_approves_through_the_service(client, endocrine, expert1, expert2):
    app = accepted(cat=endocrine, on=ON)
    first, second = sorted(panel(app), key=lambda a: a.expert.username)

    client.force_login(expert1)
    response = client.post(decide_url(first), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST  # back to the queue
    assert f"已提交评审意见：通过（{app.reference}）。" in messages_of(response)

    client.force_login(expert2)
    client.post(decide_url(second), {"decision": "approve"})

    first.refresh_from_db()
    app.refresh_from_db()
    assert first.decision == Decision.APPROVE and first.decided_at is not None
    assert app.status == ApplicationStatus.APPROVED


def test_rejection_without_a_reason_is_refused_with_the_services_message(client, expert1):
    mine = assignment(expert1)
    client.force_login(expert1)

    response = client.post(decide_url(mine), {"decision": "reject", "reason": "  "})

    assert "不通过或要求补充材料时必须填写理由。" in messages_of(response)
    mine.refresh_from_db()
    assert mine.decision == ""


def test_second_decision_is_refused_and_the_form_is_gone(client, expert1):
    mine = assignment(expert1, approved=True)
    client.force_login(expert1)

    response = client.post(decide_url(mine), {"decision": "reject", "reason": "改主意"})
    html = page(client, reverse("admin:reviews_reviewassignment_change", args=[mine.pk]))

    assert "您已对该案件提交过评审意见，不能重复提交。" in messages_of(response)
    assert 'name="decision"' not in html
    mine.refresh_from_db()
    assert mine.decision == Decision.APPROVE


def test_other_opinions_show_once_the_panel_is_complete(client, endocrine, expert1, expert2):
    app = accepted(cat=endocrine, on=ON)
    first, second = sorted(panel(app), key=lambda a: a.expert.username)
    client.force_login(expert2)
    client.post(decide_url(second), {"decision": "reject", "reason": "诊断依据不足"})

    client.force_login(expert1)
    before = page(client, reverse("admin:reviews_reviewassignment_change", args=[first.pk]))
    client.post(decide_url(first), {"decision": "approve"})
    after = page(client, reverse("admin:reviews_reviewassignment_change", args=[first.pk]))

    assert "诊断依据不足" not in before
    assert "诊断依据不足" in after


# --- documents: the logged preview -----------------------------------------------------------------


def test_expert_previews_a_document_of_an_assigned_case_and_the_access_is_logged(client, expert1):
    mine = assignment(expert1)
    scan = DocumentFactory(application=mine.application, file__data=png_bytes())
    client.force_login(expert1)

    response = client.get(file_url(scan))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert read(response) == png_bytes()
    access = DocumentAccess.objects.get(document=scan)
    assert (access.user, access.role) == (expert1, "expert")


def test_expert_cannot_preview_a_document_of_a_case_not_assigned_to_them(client, expert1, expert2):
    theirs = assignment(expert2)
    scan = DocumentFactory(application=theirs.application, file__data=png_bytes())
    client.force_login(expert1)

    response = client.get(file_url(scan))

    assert response.status_code == 404
    assert not DocumentAccess.objects.exists()


def test_expert_loses_the_preview_once_the_case_is_reassigned(client, expert1, expert2, officer1):
    mine = assignment(expert1)
    scan = DocumentFactory(application=mine.application, file__data=png_bytes())
    client.force_login(officer1)
    client.post(reverse("admin:reviews_reviewassignment_reassign", args=[mine.pk]), {"expert": expert2.pk})

    client.force_login(expert1)

    assert client.get(file_url(scan)).status_code == 404


# --- the officer -----------------------------------------------------------------------------------


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
