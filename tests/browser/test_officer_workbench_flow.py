"""In a real browser set to English: an officer reads the dashboard (in Chinese), opens the cases under
review from it, finds a person by the ID number they give on the phone, opens the case and sees them
in full, then exports the filtered list to Excel and gets the rows the list showed."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from applications.models import PersonSearch
from tests.browser.admin_login import log_in
from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.review_helpers import officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ID_NUMBER = "62090219580314002X"


def test_dashboard_search_case_and_export(new_page, screenshot):
    person = UserFactory(name="马秀兰", id_number=ID_NUMBER, phone="13909370031")
    case = ApplicationFactory(applicant=person, under_review=True)
    others = [ApplicationFactory(under_review=True) for _ in range(2)]
    ApplicationFactory(submitted=True)
    officer(username="officer1")

    page = new_page()
    page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    log_in(page, "officer1")
    expect(page.locator("#site-name")).to_contain_text("门诊慢特病业务系统")
    board = page.locator("#officer-dashboard")
    expect(board).to_contain_text("经办工作台")
    screenshot(page, "dashboard")
    board.locator("a.tile", has_text="专家评审中").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    screenshot(page, "under review")

    page.fill("#searchbar", ID_NUMBER.lower())  # as typed on a phone keyboard
    page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    assert PersonSearch.objects.get().kind == "id_number"
    screenshot(page, "found by ID number")

    page.get_by_role("link", name=case.reference).click()
    identity = page.locator("#applicant-identity")
    expect(identity).to_contain_text("马秀兰")
    expect(identity).to_contain_text(ID_NUMBER)
    screenshot(page, "case")

    page.go_back()
    page.fill("#searchbar", "")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(3)
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True).active
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(exported) == sorted([case.reference, *(other.reference for other in others)])
