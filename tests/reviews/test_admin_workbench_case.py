"""The review workbench in the Django admin: the expert's case page, the decision form, and the logged
document preview."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import ApplicationStatus, DocumentAccess
from reviews.models import Decision
from tests.factories import DocumentFactory
from tests.reviews.review_helpers import accepted, panel
from tests.reviews.workbench_helpers import CHANGELIST, ON, assignment, decide_url, file_url, messages_of, page, read
from tests.samples import pdf_bytes, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_workbench_today")]


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


def test_once_the_case_is_decided_the_expert_sees_the_list_of_documents_without_broken_previews(
    client, endocrine, expert1, expert2
):
    app = accepted(cat=endocrine, on=ON)
    mine = next(a for a in panel(app) if a.expert == expert1)
    type(app).objects.filter(pk=app.pk).update(status=ApplicationStatus.APPROVED)
    client.force_login(expert1)

    html = page(client, reverse("admin:reviews_reviewassignment_change", args=[mine.pk]))

    assert "本案已不在评审中" in html
    for document in app.documents.all():
        assert document.get_kind_display() in html  # the list stays
        assert file_url(document) not in html  # no preview or link that would answer 404
        assert client.get(file_url(document)).status_code == 404
