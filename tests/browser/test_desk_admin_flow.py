"""In a real browser: a hospital's 医保办 clerk finds an elderly walk-in person in the registry, starts
their application, sees what is missing, uploads the signed consent, opens it (logged) and submits;
the completeness check then lists, on the same page, everything still missing (一次性告知)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application, ApplicationStatus, DeskPost, DocumentAccess
from tests.browser.admin_login import log_in
from tests.factories import DiseaseFactory, HospitalFactory, InsuredPersonFactory, UserFactory, make_id_number
from tests.samples import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WALK_IN = make_id_number("620902", dt.date(1944, 2, 9), 71)


def test_a_clerk_files_for_a_walk_in_person_in_the_admin(new_page, tmp_path):
    home = HospitalFactory(level=3, name="酒泉市人民医院")
    disease = DiseaseFactory(name="慢性肾功能衰竭（透析）")
    clerk = UserFactory(username="clerk1", name="医保办一", is_staff=True, id_number="")
    DeskPost.objects.create(user=clerk, hospital=home)
    InsuredPersonFactory(id_number=WALK_IN, name="赵桂兰")
    scan = tmp_path / "授权书.png"
    scan.write_bytes(png_bytes((320, 200), "teal"))

    page = new_page()
    log_in(page, "clerk1")
    page.locator("#content-main").get_by_role("link", name="代办申请（医院医保办、经办窗口）").click()
    expect(page.locator("#content h1")).to_have_text("代办申请")
    page.locator("#desk-lookup").click()

    page.fill("#id_id_number", WALK_IN[:-1] + ("0" if WALK_IN[-1] != "0" else "1"))  # a typo in the last digit
    page.locator("input[value=查询]").click()
    expect(page.locator("#lookup-form .errorlist")).to_contain_text("校验位不正确")
    page.fill("#id_id_number", WALK_IN)
    page.locator("input[value=查询]").click()
    expect(page.locator("#person")).to_contain_text("赵桂兰")
    expect(page.locator("#person")).to_contain_text("未注册")

    page.fill("#id_phone", "137 0000 0071")
    page.select_option("#id_disease", disease.code)
    page.fill("#id_diagnosis_date", str(timezone.localdate() - dt.timedelta(days=20)))
    page.select_option("#id_diagnosing_hospital", home.code)
    page.select_option("#id_point_1", home.code)
    page.locator("input[value=建立申请]").click()

    expect(page.locator(".messagelist")).to_contain_text("已为赵桂兰建立申请")
    application = Application.objects.get()
    expect(page.locator("#facts")).to_contain_text(application.reference)
    expect(page.locator("#facts")).to_contain_text(application.get_channel_display())
    missing = page.locator("#missing")
    expect(missing).to_contain_text("申请人签字的授权书")
    expect(missing).to_contain_text("疾病诊断证明")

    page.select_option("#id_kind", "consent_form")
    page.set_input_files("#id_file", str(scan))
    page.locator("input[value=上传]").click()
    expect(page.locator(".messagelist")).to_contain_text("已上传“申请人签字的授权书”")
    expect(page.locator("#documents")).to_contain_text("授权书.png")
    expect(missing).not_to_contain_text("申请人签字的授权书")
    expect(missing).to_contain_text("疾病诊断证明")

    link = page.locator("#documents a", has_text="授权书.png")
    opened = page.context.request.get(link.get_attribute("href"))
    assert opened.status == 200 and opened.body()[:4] == b"\x89PNG"
    consent = application.documents.get()
    assert DocumentAccess.objects.filter(document=consent, user=clerk, role="desk").count() == 1
    assert DocumentAccess.objects.filter(application=application, user=clerk, role="desk").exists()

    page.locator("input[value=提交申请]").click()
    expect(page.locator(".messagelist")).to_contain_text(f"已提交 {application.reference}")
    application.refresh_from_db()
    # The check ran (eagerly here) and sent the case back with everything still missing at once.
    assert application.status == ApplicationStatus.NEEDS_SUPPLEMENT
    expect(page.locator("#facts")).to_contain_text("待补正")
    expect(missing).to_contain_text("疾病诊断证明")
    expect(missing).to_contain_text("检验报告")

    page.locator(".breadcrumbs").get_by_role("link", name="代办申请（医院医保办、经办窗口）").click()
    row = page.locator("#result_list tbody tr", has_text=application.reference)
    expect(row).to_contain_text("赵*兰")
    expect(row.locator("td.field-next_step")).to_contain_text("补正")
