"""Excel export of an admin list: the file opens with openpyxl and holds the rows the list shows, as
filtered, searched and sorted on screen, with personal data masked; the 公示名单 of one batch; a list
too long for one file is refused with a message, not cut short."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.factories import ApplicationFactory, UserFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
APPLICATIONS = "/admin/applications/application/"
REFERENCE = re.compile(r"MT\d{16}")


@pytest.fixture
def client_of_officer() -> Client:
    client = Client()
    client.force_login(officer())
    return client


def sheet_rows(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_the_export_has_the_rows_the_filtered_list_shows(client_of_officer):
    person = UserFactory(name="马秀兰")
    for _ in range(3):
        ApplicationFactory(under_review=True)
    ApplicationFactory(under_review=True, applicant=person)
    ApplicationFactory(rejected=True)
    ApplicationFactory(submitted=True)
    query = "?status__exact=under_review&o=1"
    page = client_of_officer.get(APPLICATIONS + query).content.decode()
    shown = list(dict.fromkeys(REFERENCE.findall(page)))
    assert len(shown) == 4
    assert 'id="export-xlsx"' in page and "export/?o=1&amp;status__exact=under_review" in page
    header, *rows = sheet_rows(client_of_officer.get(APPLICATIONS + "export/" + query))
    assert header[:3] == ("受理编号", "申请人", "身份证号码")
    assert [row[0] for row in rows] == shown  # the same rows, in the same order
    assert {row[6] for row in rows} == {"专家评审中"}
    assert "马*兰" in [row[1] for row in rows] and "马秀兰" not in str(rows)  # masked: a file leaves the system


def test_certifications_and_the_announcement_list_of_a_batch_export_too(client_of_officer):
    certified = ApplicationFactory(effective=True)
    ApplicationFactory(in_announcement=True)
    header, *rows = sheet_rows(client_of_officer.get("/admin/certification/certification/export/"))
    assert header[0] == "凭证核验码" and [row[0] for row in rows] == [certified.certification.code]
    batch = certified.announcement_entries.get().batch
    header, *rows = sheet_rows(
        client_of_officer.get(f"/admin/reviews/announcemententry/export/?batch__id__exact={batch.pk}")
    )
    assert header == ("公示批次", "姓名", "身份证号码", "病种", "区县", "状态")
    assert len(rows) == 1 and rows[0][1] == certified.announcement_entries.get().masked_name


def test_a_list_too_long_for_one_file_is_refused_with_a_message(client_of_officer, settings):
    settings.EXPORT_MAX_ROWS = 1
    ApplicationFactory(submitted=True)
    ApplicationFactory(submitted=True)
    refused = client_of_officer.get(APPLICATIONS + "export/", follow=True)
    assert refused.redirect_chain and "超过一次导出的上限1条" in refused.content.decode()


def test_only_staff_who_may_see_the_list_export_it():
    client = Client()
    client.force_login(UserFactory(is_staff=True, id_number=""))
    assert client.get(APPLICATIONS + "export/").status_code == 403


def test_a_filter_the_list_does_not_offer_is_sent_back_not_a_server_error(client_of_officer):
    refused = client_of_officer.get(APPLICATIONS + "export/?bogus=1", follow=True)
    assert refused.status_code == 200 and "筛选条件无效" in refused.content.decode()


def test_the_columns_are_wide_enough_for_their_values(client_of_officer):
    ApplicationFactory(under_review=True)
    response = client_of_officer.get(APPLICATIONS + "export/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    widths = {label: sheet.column_dimensions[chr(ord("A") + i)].width for i, label in enumerate(header)}
    assert widths["受理编号"] >= 18 + 2  # an 18-character reference shows whole, not as ####
    assert all(6 <= width <= 62 for width in widths.values())
