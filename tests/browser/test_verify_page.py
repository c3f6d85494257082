"""In a real browser on a phone-sized screen: the page a certificate's QR code opens says 有效 with the
masked holder and the designated points, fits the screen, and runs under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.certification.helpers import certified, holder
from tests.factories import HospitalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 375, "height": 812}


def test_a_pharmacist_scans_the_qr_code_and_reads_valid_on_a_phone(new_page):
    point = HospitalFactory(name="酒泉市人民医院", level=3)
    certification = certified(holder(name="张三丰"), application_fields={"designated_points": [point.code]})
    page = new_page()
    page.set_viewport_size(PHONE)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)

    page.goto(f"/verify/{certification.code}/")

    expect(page.locator(".verdict")).to_have_text("✔ 有效")
    expect(page.locator("dl.facts")).to_contain_text("张*丰")
    expect(page.locator("dl.facts")).to_contain_text("1. 酒泉市人民医院")
    assert "张三丰" not in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"
    assert violations == []
