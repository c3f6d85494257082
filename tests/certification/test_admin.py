"""Certifications and remote filings in the officers' admin: the history, revocation, the filing
decision, and the proof read through the access log."""

import pytest
from django.test import Client

from applications.models import DocumentAccess
from certification.models import CertificationStatus, RemoteFilingStatus
from tests.certification.factories import CertificationFactory, RemoteFilingFactory
from tests.reviews.review_helpers import category, expert, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client():
    client = Client()
    client.force_login(officer(username="officer9"))
    return client


def test_the_certification_page_shows_its_history(officer_client):
    certification = CertificationFactory(review_due=True)
    page = officer_client.get(f"/admin/certification/certification/{certification.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "变更记录" in html and "待年度复核" in html


def test_an_officer_revokes_with_a_reason_and_the_history_says_so(officer_client):
    certification = CertificationFactory()
    url = f"/admin/certification/certification/{certification.pk}/revoke/"
    assert "撤销理由" in officer_client.get(url).content.decode()

    refused = officer_client.post(url, {"decision": "revoke", "reason": ""})
    assert refused.status_code == 200  # the page again, with the message
    response = officer_client.post(url, {"decision": "revoke", "reason": "重复认定"})

    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVOKED
    assert certification.events.last().reason == "重复认定"


def test_the_revoke_page_shows_the_history_and_a_revoked_certificate_offers_nothing_more(officer_client):
    certification = CertificationFactory(revoked=True)
    html = officer_client.get(f"/admin/certification/certification/{certification.pk}/revoke/").content.decode()
    assert "有效 → 已撤销：测试数据" in html  # each change with its reason
    assert 'name="decision"' not in html


def test_an_expert_cannot_revoke():
    certification = CertificationFactory()
    client = Client()
    client.force_login(expert(category()))
    response = client.post(
        f"/admin/certification/certification/{certification.pk}/revoke/", {"decision": "revoke", "reason": "x"}
    )
    assert response.status_code == 403
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE


def test_an_officer_decides_a_long_term_filing(officer_client):
    filing = RemoteFilingFactory(long_term=True)
    response = officer_client.post(f"/admin/certification/remotefiling/{filing.pk}/decide/", {"decision": "grant"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == RemoteFilingStatus.GRANTED


def test_reading_the_proof_is_written_to_the_access_log(officer_client):
    filing = RemoteFilingFactory(long_term=True)
    response = officer_client.get(f"/admin/certification/remotefiling/{filing.pk}/proof/", HTTP_USER_AGENT="pytest")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    access = DocumentAccess.objects.get()
    assert (access.remote_filing, access.document, access.role, access.user_agent) == (
        filing,
        None,
        "officer",
        "pytest",
    )


def test_the_lists_open_for_an_officer(officer_client):
    CertificationFactory()
    RemoteFilingFactory(long_term=True)
    for url in (
        "/admin/certification/certification/",
        "/admin/certification/remotefiling/",
        "/admin/notifications/notification/",
        "/admin/applications/documentaccess/",
    ):
        assert officer_client.get(url).status_code == 200, url
