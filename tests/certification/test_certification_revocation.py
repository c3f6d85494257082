"""Revocation of a certification by an officer: the reason, the holder's notice, verify, and no annual
review afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from certification.models import CertificationStatus
from certification.services import certification_revoke
from config.domain import InvalidInput
from tests.certification.annual_review_helpers import verify
from tests.certification.helpers import API, at, client_for, error, notifications
from tests.reviews.review_helpers import officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_calendar", "_empty_sms_outbox")]


def test_an_officer_revokes_with_a_reason(certification):
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=officer(), reason="骗取待遇，经核查属实")

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVOKED
    assert certification.status_reason == "骗取待遇，经核查属实"


def test_a_revocation_notifies_the_holder_once(certification, person):
    by = officer()
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=by, reason="骗取待遇")
        certification_revoke(certification=certification, officer=by, reason="骗取待遇")

    (notice,) = notifications(person, "certification_revoked")
    assert "骗取待遇" in notice.body


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_revocation_needs_a_reason(certification, reason):
    with at(dt.date(2026, 6, 1)), pytest.raises(InvalidInput) as raised:
        certification_revoke(certification=certification, officer=officer(), reason=reason)

    assert raised.value.code == "reason_required"
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE


def test_a_revoked_certificate_is_not_valid_on_verify(certification):
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=officer(), reason="骗取待遇")
        body = verify(certification.code)

    assert body["valid"] is False
    assert body["status"] == "revoked"


def test_a_revoked_certificate_cannot_be_reviewed(certification, person):
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=officer(), reason="骗取待遇")
        response = client_for(person).post(f"{API}/certificates/{certification.pk}/reviews/")

    assert response.status_code == 409
    assert error(response)["type"] == "certification_not_live"
