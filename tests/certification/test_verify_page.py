"""The page a certificate's QR code opens: /verify/<code>/, public, Chinese, for a phone; it says what
the API says (有效/无效, masked holder, disease, dates, designated points) and never why one is invalid."""

from __future__ import annotations

import pytest
from django.test import Client

from certification.lifecycle import certification_end
from certification.pdf import certificate_verify_url
from certification.rules import verification_code_new
from tests.certification.helpers import certified, holder
from tests.factories import HospitalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certification():  # type: ignore[no-untyped-def]
    point = HospitalFactory(name="酒泉市人民医院", level=3)
    return certified(holder(name="张三丰"), application_fields={"designated_points": [point.code]})


def page(code: str) -> str:
    response = Client().get(f"/verify/{code}/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.content.decode()


def test_the_qr_code_opens_the_page(certification):
    assert certificate_verify_url(code=certification.code).endswith(f"/verify/{certification.code}/")


def test_a_valid_certificate_says_valid_with_the_masked_holder_and_the_points(certification):
    html = page(certification.code)
    assert "有效" in html and "无效" not in html
    assert "张*丰" in html and "张三丰" not in html
    assert certification.disease.name in html and "酒泉市人民医院" in html
    assert certification.holder.id_number not in html


def test_a_code_typed_in_small_letters_without_dashes_is_found(certification):
    assert "✔ 有效" in page(certification.code.replace("-", "").lower())


def test_an_ended_certificate_says_invalid_without_saying_why(certification):
    certification_end(
        certification=certification, reason="cured", actor=certification.holder, on=certification.effective_on
    )
    html = page(certification.code)
    assert "✘ 无效" in html and "待遇已终止" in html and "治愈" not in html


def test_an_unknown_code_says_invalid_and_nothing_else():
    html = page(verification_code_new())
    assert "✘ 无效" in html and "未查到" in html and "认定病种" not in html
