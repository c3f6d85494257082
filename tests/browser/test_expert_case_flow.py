"""In a real browser, 1280 px wide: an expert opens a case from the queue, reads the facts on top (the
applicant only as sex and age), zooms and turns a scan, sends the decision form without its reason and
gets it back with the choice kept, then completes it and is back in the queue. Screenshots of each step
are kept (the `screenshot` fixture)."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import DocumentKind
from reviews.models import Decision, ReviewAssignment
from tests.browser.admin_login import log_in
from tests.reviews.review_helpers import accepted, category, expert, officer
from tests.samples import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCAN_SIZE = (640, 400)


def test_expert_reads_zooms_and_decides_with_the_form_kept_after_an_error(new_page, screenshot):
    endocrine = category("endocrine", "内分泌系统疾病")
    expert1 = expert(endocrine, username="expert1", name="专家一")
    expert(endocrine, username="expert2", name="专家二")
    officer(username="officer1", name="经办员一")
    application = accepted(cat=endocrine, on=timezone.localdate())
    for document in application.documents.all():
        data = png_bytes(SCAN_SIZE, "teal")
        document.file.save(f"{document.kind}.png", ContentFile(data), save=False)
        document.original_name, document.content_type, document.size = f"{document.kind}.png", "image/png", len(data)
        document.save()
    scan = application.documents.get(kind=DocumentKind.MEDICAL_RECORD)

    page = new_page()
    log_in(page, "expert1")
    page.get_by_role("link", name="评审分派").first.click()
    expect(page.locator("#content h1")).to_have_text("我的评审案件")
    screenshot(page, "queue")
    page.get_by_role("link", name=application.reference).click()

    # The facts on top, the applicant blind; the form beside the documents, in view without scrolling.
    facts = page.locator("#case-facts")
    expect(facts).to_contain_text(application.disease.name)
    expect(facts).to_contain_text(application.diagnosing_hospital.name)
    expect(facts.locator(".fact", has_text="申请人").locator("dd")).to_have_text(re.compile(r"^[男女] · \d+岁$"))
    expect(facts).not_to_contain_text(application.applicant.name[0] + "*")
    expect(page.locator("#decision")).to_be_in_viewport()
    expect(page.locator("#completeness")).to_contain_text("材料齐全，予以受理")
    screenshot(page, "case")

    # The scan viewer: larger, turned, back to the scan's own size.
    viewer = page.locator(f"#doc-{scan.pk} figure[data-case-viewer]")
    viewer.scroll_into_view_if_needed()
    image = viewer.locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(viewer.locator(".viewer-toolbar")).to_be_visible()
    fitted = image.evaluate("img => img.getBoundingClientRect().width")
    viewer.get_by_role("button", name="放大").click()
    viewer.get_by_role("button", name="放大").click()
    assert image.evaluate("img => img.getBoundingClientRect().width") > fitted * 1.5
    viewer.get_by_role("button", name="旋转").click()
    expect(viewer).to_have_attribute("data-rotation", "90")
    assert "matrix" in image.evaluate("img => getComputedStyle(img).transform")
    expect(page.locator("#decision")).to_be_in_viewport()  # the form stays beside the scrolled documents
    screenshot(page, "zoomed and turned")
    viewer.get_by_role("button", name="原始大小").click()
    expect(viewer).to_have_attribute("data-rotation", "0")
    expect(viewer.locator(".viewer-scale")).to_have_text("100%")
    assert image.evaluate("img => img.offsetWidth") == SCAN_SIZE[0]

    # Refused without a reason: the choice comes back selected, the error beside the field.
    page.locator("input[name=decision][value=reject]").check()
    page.get_by_role("button", name="提交评审意见").click()
    expect(page.locator("#reason-errors")).to_contain_text("不通过或要求补充材料时必须填写理由。")
    expect(page.locator("input[name=decision][value=reject]")).to_be_checked()
    expect(page.locator("#case-facts")).to_be_visible()
    screenshot(page, "refused without a reason")

    page.fill("textarea[name=reason]", "诊断依据不足，缺少近三个月的检验报告")
    page.get_by_role("button", name="提交评审意见").click()
    expect(page.locator(".messagelist")).to_contain_text(f"已提交评审意见：不通过（{application.reference}）。")
    expect(page.locator("#content h1")).to_have_text("我的评审案件")
    screenshot(page, "submitted")

    mine = ReviewAssignment.objects.get(application=application, expert=expert1)
    assert (mine.decision, mine.reason) == (Decision.REJECT, "诊断依据不足，缺少近三个月的检验报告")
