"""The decision letter (决定书): `GET /applications/{id}/decision-letter/` once the case is decided, a
signed PDF with the decision, a rejection's reasons, what follows an approval, and the routes of
redress with their time limits (the one appeal only while it can still be made)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from applications.models import Application, ApplicationEvent, ApplicationStatus
from tests.applications.test_appeals import ACCEPTED_ON, REJECTED_ON, appeal
from tests.certification.helpers import API, at, client_for
from tests.certification.test_api_certificates import issue_certificate, make_holder
from tests.certification.test_pdf import signature_status
from tests.factories import UserFactory
from tests.reviews.review_helpers import accepted, decide, panel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2026")]


def decided(cat, decision: str) -> Application:
    application = accepted(cat=cat, on=ACCEPTED_ON)
    with at(REJECTED_ON):
        for number, assignment in enumerate(panel(application)):
            decide(assignment, decision, f"理由{number + 1}：诊断依据不足" if decision == "reject" else "")
    application.refresh_from_db()
    return application


def letter(application: Application, user=None, *, on: dt.date = REJECTED_ON + dt.timedelta(days=1)):  # type: ignore[no-untyped-def]
    with at(on):
        return client_for(user or application.applicant).get(f"{API}/applications/{application.pk}/decision-letter/")


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s*\n\s*", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_a_rejection_letter_gives_the_reasons_and_every_route_of_redress(cat, experts, settings):
    settings.APPEAL_WINDOW_DAYS = 60
    application = decided(cat, "reject")
    assert application.status == ApplicationStatus.REJECTED
    response = letter(application)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    for expected in [
        "门诊慢特病待遇认定决定书",
        application.reference,
        application.applicant.name,
        "不予认定",
        "理由1：诊断依据不足",
        "理由2：诊断依据不足",
        "2026年5月9日前",  # 60 days after the decision of 2026-03-10: the in-system appeal
        "申诉一次",
        "六十日内依法向酒泉市人民政府申请行政复议",
        "六个月内依法向人民法院提起行政诉讼",
        settings.BUREAU_NAME,
        "2026年3月10日",
    ]:
        assert expected in text, expected
    assert application.applicant.id_number not in text  # masked: the letter travels
    status = signature_status(response.content)
    assert status.intact and status.valid and status.trusted

    detail = client_for(application.applicant).get(f"{API}/applications/{application.pk}/").json()
    assert detail["decision_letter"].endswith(f"/{application.pk}/decision-letter/")
    assert detail["appeal_deadline"] == "2026-05-09"


def test_after_the_appeal_the_letter_names_no_second_appeal(cat, experts):
    application = decided(cat, "reject")
    appeal(client_for(application.applicant), application)
    assert letter(application, on=dt.date(2026, 3, 17)).status_code == 409  # under review again: no decision
    application.refresh_from_db()
    with at(dt.date(2026, 3, 30)):
        for assignment in panel(application):
            decide(assignment, "reject", "申诉材料仍不足以证明诊断")
    text = text_of(letter(application, on=dt.date(2026, 3, 31)).content)
    assert "申诉材料仍不足以证明诊断" in text and "2026年3月30日" in text
    assert "申诉一次" not in text and "行政复议" in text


def test_an_approval_letter_says_what_follows(cat, experts):
    application = decided(cat, "approve")
    assert application.status == ApplicationStatus.APPROVED
    text = text_of(letter(application).content)
    assert "予以认定" in text and "公示" in text and "不予认定" not in text
    assert "申诉一次" not in text and "行政复议" in text


def test_an_effective_certification_is_in_the_letter():
    holder = make_holder()
    certification = issue_certificate(holder)
    ApplicationEvent.objects.create(
        application=certification.application,
        from_status=ApplicationStatus.UNDER_REVIEW,
        to_status=ApplicationStatus.APPROVED,
        actor_label="评审专家",
        reason="评审通过",
    )
    text = text_of(letter(certification.application).content)
    assert certification.code in text and "有效期至" in text and "经公示无异议" in text


def test_no_letter_before_a_decision_nor_for_anyone_else(cat, experts):
    application = accepted(cat=cat, on=ACCEPTED_ON)
    response = letter(application)
    assert response.status_code == 409 and response.json()["type"] == "not_decided"
    detail = client_for(application.applicant).get(f"{API}/applications/{application.pk}/").json()
    assert detail["decision_letter"] is None and detail["appeal_deadline"] is None
    rejected = decided(cat, "reject")
    assert letter(rejected, UserFactory(username="stranger")).status_code == 404
