"""In a real browser on a phone-sized screen: the public announcement page lists the batch, shows the
entries masked and nothing personal, and a visitor files an objection through the form."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviews.models import EntryStatus, Objection
from tests.factories import HospitalFactory, UserFactory, make_id_number
from tests.reviews.public_helpers import approved, entry_of, experts_for, published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
PEOPLE = [  # name, masked, phone
    ("欧阳锦绣", "欧**绣", "13912345678"),
    ("张晓明", "张*明", "15811223344"),
    ("李雷", "李*", "18677889900"),
]


@pytest.fixture
def batch_and_people():  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    experts_for()
    hospital = HospitalFactory(name="酒泉市机密测试医院", level=3)
    apps = [
        approved(
            on=today,
            applicant=UserFactory(name=name, id_number=make_id_number(), phone=phone),
            diagnosing_hospital=hospital,
        )
        for name, _, phone in PEOPLE
    ]
    return published(*apps, on=today), apps


def test_public_page_shows_masked_entries_and_nothing_personal(new_page, batch_and_people, tmp_path):
    batch, apps = batch_and_people
    page = new_page()
    page.set_viewport_size(PHONE)

    page.goto("/gongshi/")
    expect(page).to_have_title("门诊慢特病认定结果公示")
    card = page.locator(".card", has_text="公示人数：3人")
    expect(card).to_contain_text("公示中")
    card.get_by_role("link").click()

    page.wait_for_url(f"**/gongshi/{batch.pk}/")
    rows = page.locator("tr.entry")
    expect(rows).to_have_count(len(PEOPLE))
    expect(page.locator("#entry-count")).to_have_text(str(len(PEOPLE)))
    expect(rows.locator("td:nth-child(2)")).to_have_text([masked for _, masked, _ in PEOPLE])
    for row, app in zip(rows.all(), apps, strict=True):
        number = app.applicant.id_number
        expect(row.locator("td:nth-child(3)")).to_have_text(f"{number[:4]}{'*' * 10}{number[-4:]}")
        expect(row.locator("td:nth-child(4)")).to_have_text(app.disease.name)
        expect(row.locator("td:nth-child(5)")).to_have_text("肃州区")

    text, html = page.locator("body").inner_text(), page.content()
    for app, (name, _, phone) in zip(apps, PEOPLE, strict=True):
        number = app.applicant.id_number
        for secret in (name, number, number[4:14], phone, app.reference, "酒泉市机密测试医院"):
            assert secret not in text and secret not in html, secret

    # Phone-sized: the page itself never scrolls sideways; only the table does, inside its box.
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], page_width
    screenshot = tmp_path / "gongshi-375.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    print(f"screenshot of {page.url} at {PHONE['width']}px: {screenshot}")


def test_a_visitor_files_an_objection_from_the_page(new_page, batch_and_people):
    batch, apps = batch_and_people
    entry = entry_of(apps[1])
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"/gongshi/{batch.pk}/")

    page.locator("tr.entry", has_text="张*明").get_by_role("link", name="提出异议").click()
    expect(page.locator("#id_entry")).to_have_value(str(entry.pk))

    page.fill("#id_contact_name", "赵六")
    page.fill("#id_contact_phone", "12345")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator(".errorlist")).to_contain_text(["请填写异议理由。", "请输入有效的11位中国大陆手机号码。"])
    expect(page.locator("#id_contact_name")).to_have_value("赵六")

    page.fill("#id_reason", "该人员已长期在外地居住。")
    page.fill("#id_contact_phone", "138 0013 8000")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("h1")).to_have_text("异议已提交")

    objection = Objection.objects.get()
    assert (objection.entry_id, objection.contact_phone) == (entry.pk, "13800138000")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.HELD
