import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from applications.models import ApplicationStatus, InsuranceType
from certification.models import Certification, CertificationStatus
from certification.rules import verification_code_new
from certification.services import certification_issue
from tests.api import bearer_client
from tests.factories import ApplicationFactory, DiseaseFactory, InsuredPersonFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUED_ON = dt.date(2026, 9, 1)
HOLDER_ID = make_id_number(region="620902", birth=dt.date(1980, 5, 17), seq=123)


def at(day: dt.date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def issue_certificate(holder, *, disease=None, on: dt.date = ISSUED_ON, **changes) -> Certification:
    """An application that went through the announcement, and the certification it was issued."""
    with at(on):
        application = ApplicationFactory(
            applicant=holder,
            status=ApplicationStatus.EFFECTIVE,
            disease=disease or DiseaseFactory(),
            diagnosis_date=on - dt.timedelta(days=60),
            submitted_at=timezone.now() - dt.timedelta(days=30),
        )
        certification = certification_issue(application=application, on=on)
    if changes:
        Certification.objects.filter(pk=certification.pk).update(**changes)
        certification.refresh_from_db()
    return certification


def make_holder():
    """张三丰, insured as an employee (80 %, 10,000 yuan for the default disease rates)."""
    user = UserFactory(username="holder", name="张三丰", id_number=HOLDER_ID, phone="13912345678")
    InsuredPersonFactory(id_number=HOLDER_ID, name="张三丰", insurance_type=InsuranceType.EMPLOYEE)
    return user


def make_certification(holder) -> Certification:
    return issue_certificate(holder, disease=DiseaseFactory(code="M01600", name="糖尿病"))


@pytest.fixture
def holder(db):
    return make_holder()


@pytest.fixture
def certification(holder):
    return make_certification(holder)


@pytest.fixture
def holder_client(holder):
    return bearer_client(holder)


def verify(code: str, client: APIClient | None = None):
    return (client or APIClient()).get(f"/api/v1/certificates/verify/{code}/")


# --- the holder's own certificates -----------------------------------------------------------------


def test_list_shows_only_the_callers_certificates(holder_client, certification):
    issue_certificate(UserFactory(username="someone-else"))
    response = holder_client.get("/api/v1/certificates/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [str(certification.pk)]


def test_detail_has_the_contract_fields(holder_client, certification):
    response = holder_client.get(f"/api/v1/certificates/{certification.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == certification.code
    assert body["status"] == "active"
    assert body["disease"] == {"code": "M01600", "name": "糖尿病"}
    assert body["application"] == str(certification.application_id)
    assert body["insurance_type"] == "employee"
    assert body["effective_on"] == "2026-09-01"
    assert body["benefit_start_date"] == "2026-07-03"  # within 6 months of diagnosis: from the diagnosis
    assert body["next_review_due"] == "2027-09-01"
    assert body["valid_until"] == "2027-10-01"  # the review date plus the 30-day grace period
    assert body["reimbursement_ratio"] == "0.80"
    assert body["annual_limit"] == 10000
    assert body["pdf_url"] == f"/api/v1/certificates/{certification.pk}/pdf/"
    assert body["verify_url"] == f"http://127.0.0.1:8000/verify/{certification.code}/"


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_someone_elses_certificate_is_not_found(certification, suffix):
    response = bearer_client(UserFactory(username="stranger")).get(f"/api/v1/certificates/{certification.pk}/{suffix}")
    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.mark.parametrize("suffix", ["", "{pk}/", "{pk}/pdf/"])
def test_anonymous_caller_must_log_in(certification, suffix):
    response = APIClient().get("/api/v1/certificates/" + suffix.format(pk=certification.pk))
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401 and body["title"] == "请先登录"


def test_pdf_download_is_a_private_attachment(holder_client, certification):
    response = holder_client.get(f"/api/v1/certificates/{certification.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certification.code}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert certification.code in text
    assert "6209**********" + HOLDER_ID[-4:] in text
    assert HOLDER_ID not in text


# --- public verification ---------------------------------------------------------------------------


def test_valid_code_verifies_with_masked_holder_and_disease(certification):
    with at(dt.date(2027, 3, 1)):
        response = verify(certification.code)
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "status": "active",
        "holder": "张*丰",
        "disease": "糖尿病",
        "benefit_start_date": "2026-07-03",
        "valid_until": "2027-10-01",
        "designated_points": [certification.application.diagnosing_hospital.name],
    }
    assert response["Cache-Control"] == "no-store"


def test_unknown_code_says_not_valid_and_nothing_else(certification):
    unknown = verification_code_new()
    assert unknown != certification.code
    response = verify(unknown)
    assert response.status_code == 200
    assert response.json() == {"valid": False}


@pytest.mark.parametrize("garbage", ["x", "not-a-code", "A" * 200, "ABCD-EFGH-JKMN-PQRS-TV8U", "%2E%2E"])
def test_malformed_code_is_answered_like_an_unknown_one(garbage):
    response = verify(garbage)
    assert response.status_code == 200
    assert response.json() == {"valid": False}


@pytest.mark.parametrize("status", [CertificationStatus.LAPSED, CertificationStatus.REVOKED])
def test_lapsed_or_revoked_certificate_is_not_valid(holder, status):
    certification = issue_certificate(holder, status=status)
    with at(dt.date(2027, 3, 1)):
        body = verify(certification.code).json()
    assert body["valid"] is False
    assert body["status"] == status
    assert body["holder"] == "张*丰"


def test_certificate_past_its_valid_until_is_not_valid_even_before_the_lapse_job(certification):
    with at(certification.valid_until):
        assert verify(certification.code).json()["valid"] is True
    with at(certification.valid_until + dt.timedelta(days=1)):
        body = verify(certification.code).json()
    assert body["valid"] is False
    assert body["status"] == "active"  # the stored status; the lapse job has not run yet


def test_certificate_awaiting_its_annual_review_is_still_valid_in_the_grace_period(holder):
    certification = issue_certificate(holder, status=CertificationStatus.REVIEW_DUE)
    with at(certification.next_review_due + dt.timedelta(days=10)):
        body = verify(certification.code).json()
    assert body == {**body, "valid": True, "status": "review_due"}


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: code.replace("-", "").lower(),
        lambda code: code.replace("-", " "),
    ],
    ids=["lowercase", "without-dashes", "lowercase-without-dashes", "spaces"],
)
def test_code_typed_loosely_still_verifies(certification, typed):
    with at(dt.date(2027, 3, 1)):
        body = verify(typed(certification.code)).json()
    assert body["valid"] is True


def test_the_letters_o_i_and_l_typed_for_zero_and_one_still_verify(holder):
    issue_certificate(holder, code="0011-ABCD-EFGH-JKMN-PQRS")
    with at(dt.date(2027, 3, 1)):
        assert verify("oOiL-abcd-efgh-jkmn-pqrs").json()["valid"] is True


def test_a_code_printed_before_the_alphabet_changed_still_verifies_zero_typed_for_o_too(holder):
    issue_certificate(holder, code="OOOO-ABCD-EFGH-IJKL-MNOP")  # RFC 4648 base32, as printed until 2026-12
    with at(dt.date(2027, 3, 1)):
        assert verify("OOOO-ABCD-EFGH-IJKL-MNOP").json()["valid"] is True
        assert verify("0000ABCDEFGHIJKLMNOP").json()["valid"] is True


def test_verify_never_shows_the_full_name_id_number_or_phone(certification, holder):
    response = verify(certification.code)
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "张三丰" not in text
    assert holder.id_number not in text
    assert holder.id_number[-4:] not in text
    assert holder.phone not in text
    assert set(response.json()) == {
        "valid",
        "status",
        "holder",
        "disease",
        "benefit_start_date",
        "valid_until",
        "designated_points",
    }


def test_verify_needs_no_login_and_ignores_a_bad_token(certification):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = verify(certification.code, client)
    assert response.status_code == 200
    assert "valid" in response.json()


def test_codes_are_random_with_at_least_80_bits():
    codes = {verification_code_new() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        # 20 characters of a 32-letter alphabet (Crockford's): 100 bits, grouped by four for reading aloud.
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}", code)
    assert len(set("".join(codes).replace("-", ""))) == 32  # every symbol is in use


def test_two_certifications_get_different_codes(holder, certification):
    other = issue_certificate(holder)
    assert other.code != certification.code


def test_verify_is_throttled_in_the_one_error_format(certification, monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "verify": "2/minute"}
    rest_framework = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    # DRF copies the rates onto the throttle class at import, so override_settings alone does not reach
    # a running process: the class attribute is patched for the duration of the test too.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    with override_settings(REST_FRAMEWORK=rest_framework):
        assert verify(certification.code).status_code == 200
        assert verify(verification_code_new()).status_code == 200
        response = verify(certification.code)
    assert response.status_code == 429
    body = response.json()
    assert body["status"] == 429
    assert body["type"] == "throttled"
    assert body["title"] == "请求过于频繁，请稍后再试"
    assert "Retry-After" in response
