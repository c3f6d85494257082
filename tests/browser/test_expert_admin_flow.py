"""In a real browser: two experts each open the case from their workbench, look at a scan through the
logged preview and approve; the officer then finds the application approved with both opinions."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import ApplicationStatus, DocumentAccess, DocumentKind
from tests.browser.admin_login import log_in
from tests.reviews.review_helpers import accepted, category, expert, officer
from tests.samples import pdf_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCAN_SIZE = (320, 200)


def wait_for_frame(page, url: str) -> None:
    """A frame showing `url` (a frame refused by X-Frame-Options shows chrome-error:// instead)."""
    for _ in range(100):
        if any(frame.url.endswith(url) for frame in page.frames):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame shows {url}: {[frame.url for frame in page.frames]}")


def approve_from_the_workbench(
    page, *, username: str, reference: str, scan_url: str, pdf_url: str, reason: str
) -> None:
    log_in(page, username)
    page.get_by_role("link", name="评审分派").first.click()
    expect(page.locator("#content h1")).to_have_text("我的评审案件")
    page.get_by_role("link", name=reference).click()

    expect(page.locator("#completeness")).to_contain_text("材料齐全，予以受理")
    scan = page.locator(f'img[src="{scan_url}"]')
    scan.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=scan.element_handle())
    assert scan.evaluate("img => [img.naturalWidth, img.naturalHeight]") == list(SCAN_SIZE)
    page.locator(f'iframe[src="{pdf_url}"]').scroll_into_view_if_needed()
    wait_for_frame(page, pdf_url)

    approve = page.locator("input[name=decision][value=approve]")
    approve.scroll_into_view_if_needed()
    approve.check()
    page.fill("textarea[name=reason]", reason)
    page.get_by_role("button", name="提交评审意见").click()
    expect(page.locator(".messagelist")).to_contain_text(f"已提交评审意见：通过（{reference}）。")
    expect(page.locator("#content h1")).to_have_text("我的评审案件")  # back in the queue
    expect(page.locator("#result_list tbody tr", has_text=reference).locator("td.field-opinion")).to_have_text("通过")


def test_experts_approve_in_the_admin_and_the_officer_sees_the_decision(new_page):
    endocrine = category("endocrine", "内分泌系统疾病")
    expert1 = expert(endocrine, username="expert1", name="专家一")
    expert2 = expert(endocrine, username="expert2", name="专家二")
    officer(username="officer1", name="经办员一")
    application = accepted(cat=endocrine, on=timezone.localdate())
    # Real bytes behind the documents: PNG scans, and the diagnosis certificate as a PDF.
    for document in application.documents.all():
        if document.kind == DocumentKind.DIAGNOSIS_CERTIFICATE:
            data, name, content_type = pdf_bytes(), "诊断证明.pdf", "application/pdf"
        else:
            data, name, content_type = png_bytes(SCAN_SIZE, "teal"), f"{document.kind}.png", "image/png"
        document.file.save(name, ContentFile(data), save=False)
        document.original_name, document.content_type, document.size = name, content_type, len(data)
        document.save()
    scan = application.documents.get(kind=DocumentKind.ID_CARD_FRONT)
    scan_url = reverse("admin:applications_document_file", args=[scan.pk])
    certificate = application.documents.get(kind=DocumentKind.DIAGNOSIS_CERTIFICATE)
    pdf_url = reverse("admin:applications_document_file", args=[certificate.pk])

    for user, reason in ((expert1, "符合认定标准"), (expert2, "诊断依据充分")):
        approve_from_the_workbench(
            new_page(),
            username=user.username,
            reference=application.reference,
            scan_url=scan_url,
            pdf_url=pdf_url,
            reason=reason,
        )
        for document in (scan, certificate):
            assert DocumentAccess.objects.filter(document=document, user=user, role="expert").exists()

    page = new_page()
    log_in(page, "officer1")
    page.goto("/admin/applications/application/")
    page.get_by_role("link", name=application.reference).click()
    expect(page.locator(".field-status")).to_contain_text("评审通过")
    opinions = page.locator("#assignments-group")
    expect(opinions).to_contain_text("专家评审意见")
    for text in ("专家一", "专家二", "符合认定标准", "诊断依据充分"):
        expect(opinions).to_contain_text(text)
    expect(opinions.locator("td.field-decision")).to_have_text(["通过", "通过"])

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
