"""The desk's admin pages (代办申请): only desk staff see them, each desk only what it filed; starting,
uploading, removing and submitting go through the services (their refusals shown on the page); every
page of cases and every case page read is in the person's access record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from applications.models import Application, DeskPost, DocumentAccess
from tests.applications.check_helpers import ON
from tests.factories import DiseaseFactory, HospitalFactory, InsuredPersonFactory, UserFactory, make_id_number
from tests.reviews.review_helpers import officer
from tests.samples import png_bytes

pytestmark = pytest.mark.django_db
WALK_IN = make_id_number("620902", dt.date(1946, 5, 4), 61)
LIST = "/admin/applications/deskapplication/"
LOOKUP = LIST + "lookup/"


def desk_client(hospital=None, username: str = "clerk") -> Client:  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, is_staff=True, id_number="", name="医保办一")
    DeskPost.objects.create(user=user, hospital=hospital)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk():
    home = HospitalFactory(level=3, name="酒泉市人民医院")
    InsuredPersonFactory(id_number=WALK_IN, name="赵桂兰")
    return {"home": home, "clerk": desk_client(home), "disease": DiseaseFactory()}


def start(client: Client, desk: dict, **changes):  # type: ignore[no-untyped-def]
    body = {
        "id_number": WALK_IN,
        "phone": "13700000066",
        "disease": desk["disease"].code,
        "diagnosis_date": str(ON - dt.timedelta(days=30)),
        "diagnosing_hospital": desk["home"].code,
        "point_1": desk["home"].code,
        **changes,
    }
    return client.post(LOOKUP, body)


def record(application: Application) -> list[str]:
    return list(DocumentAccess.objects.filter(application=application).values_list("role", flat=True))


def test_only_desk_staff_see_the_pages(desk, client):
    client.force_login(officer())
    assert client.get(LIST).status_code == 403
    assert client.get("/admin/").content.decode().count("代办申请") == 0
    index = desk["clerk"].get("/admin/").content.decode()
    assert "代办申请（医院医保办、经办窗口）" in index and "参保人员" not in index


def test_the_clerk_finds_the_person_and_starts_an_application(desk):
    found = desk["clerk"].get(LOOKUP, {"id_number": WALK_IN})
    assert found.status_code == 200 and "赵桂兰" in found.content.decode()
    unknown = desk["clerk"].get(LOOKUP, {"id_number": make_id_number()}).content.decode()
    assert "未查询到该身份证号码的参保登记" in unknown and "建立申请" not in unknown
    created = start(desk["clerk"], desk)
    application = Application.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"/{application.pk}/change/")
    assert (application.channel, application.applicant.name, application.designated_points) == (
        "hospital",
        "赵桂兰",
        [desk["home"].code],
    )
    case = desk["clerk"].get(created["Location"]).content.decode()
    assert "还缺什么" in case and "申请人签字的授权书" in case
    assert record(application) == ["desk"]


def test_a_refusal_is_shown_at_its_field_and_nothing_is_created(desk):
    future = start(desk["clerk"], desk, diagnosis_date=str(ON + dt.timedelta(days=400)), phone="12345")
    page = future.content.decode()
    assert future.status_code == 200 and "请输入有效的11位中国大陆手机号码" in page
    assert not Application.objects.exists()


def test_upload_remove_and_submit_through_the_services(desk):
    start(desk["clerk"], desk)
    application = Application.objects.get()
    case = f"{LIST}{application.pk}/change/"
    consent = SimpleUploadedFile("consent.png", png_bytes(), "image/png")
    uploaded = desk["clerk"].post(case, {"action": "upload", "kind": "consent_form", "file": consent})
    assert uploaded.status_code == 302 and application.documents.get().kind == "consent_form"
    broken = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\nbroken", "image/png")
    refused = desk["clerk"].post(case, {"action": "upload", "kind": "exam_report", "file": broken})
    assert refused.status_code == 200 and application.documents.count() == 1
    assert 'class="errorlist' in refused.content.decode()
    document = application.documents.get()
    assert desk["clerk"].get(f"{LIST}{application.pk}/documents/{document.pk}/").status_code == 200
    assert DocumentAccess.objects.filter(document=document, role="desk").count() == 1
    removed = desk["clerk"].post(case, {"action": "delete", "document": str(document.pk)})
    assert removed.status_code == 302 and not application.documents.exists()
    submitted = desk["clerk"].post(case, {"action": "submit"})
    application.refresh_from_db()
    assert submitted.status_code == 302 and application.status != "draft" and application.submitted_at is not None


def test_another_desk_cannot_open_the_case(desk):
    start(desk["clerk"], desk)
    application = Application.objects.get()
    window = desk_client(None, "window")
    assert window.get(f"{LIST}{application.pk}/change/").status_code == 404
    assert application.reference not in window.get(LIST).content.decode()
    listed = desk["clerk"].get(LIST).content.decode()
    assert application.reference in listed and "赵*兰" in listed
    assert record(application) == ["desk"]  # the list page read it; the other desk read nothing


@pytest.mark.cjk_font
def test_the_desk_prints_the_filled_form_for_the_person_to_sign(desk):
    from io import BytesIO

    from pypdf import PdfReader

    start(desk["clerk"], desk)
    application = Application.objects.get()
    printed = desk["clerk"].get(f"{LIST}{application.pk}/form/")
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(b"".join(printed.streaming_content))).pages[0].extract_text()
    assert "签字" in text and "在线核对" not in text and "赵桂兰" in text
    assert record(application) == ["desk"]
    assert desk_client(None, "window").get(f"{LIST}{application.pk}/form/").status_code == 404


def test_the_points_are_chosen_later_in_order_and_a_case_address_that_is_not_one_is_a_404(desk):
    start(desk["clerk"], desk, point_1="")
    application = Application.objects.get()
    assert application.designated_points == []
    second = HospitalFactory(level=2, name="肃州区人民医院")
    case = f"{LIST}{application.pk}/change/"
    saved = desk["clerk"].post(case, {"action": "points", "point_1": second.code, "point_2": desk["home"].code})
    application.refresh_from_db()
    assert saved.status_code == 302 and application.designated_points == [second.code, desk["home"].code]
    assert desk["clerk"].get(f"{LIST}nonsense/change/").status_code == 404


def test_a_hospital_document_needs_its_date_and_issuer(desk):
    start(desk["clerk"], desk)
    application = Application.objects.get()
    scan = SimpleUploadedFile("diagnosis.png", png_bytes(), "image/png")
    refused = desk["clerk"].post(
        f"{LIST}{application.pk}/change/", {"action": "upload", "kind": "diagnosis_certificate", "file": scan}
    )
    page = refused.content.decode()
    assert refused.status_code == 200 and "医院出具的材料请填写出具日期" in page and "请填写出具医院" in page
    assert not application.documents.exists()


def test_the_desk_finds_its_cases_by_id_number_or_name(desk):
    start(desk["clerk"], desk)
    reference = Application.objects.get().reference
    assert reference in desk["clerk"].get(LIST, {"q": WALK_IN}).content.decode()
    assert reference in desk["clerk"].get(LIST, {"q": "桂兰"}).content.decode()
    assert reference not in desk["clerk"].get(LIST, {"q": make_id_number()}).content.decode()
