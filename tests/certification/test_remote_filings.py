"""异地备案: remote-care registration. Temporary filings are granted at once; long-term ones need a proof
of residence and wait for an officer, who decides within 2 working days (watched by the SLA sweep)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certification.models import CertificationStatus, RemoteFiling, RemoteFilingStatus
from certification.remote import remote_filing_decide
from config.domain import InvalidInput, InvalidState
from notifications.models import Notification
from reviews.calendar import calendar_seed
from reviews.jobs import sla_sweep
from tests.certification.helpers import (
    API,
    REMOTE_FILED_ON,
    at,
    certified,
    client_for,
    error,
    holder,
    notifications,
    proof_png,
    remote_file,
    remote_long_term,
)
from tests.reviews.review_helpers import officer
from tests.samples import pdf_bytes

pytestmark = pytest.mark.django_db

FILED_ON = REMOTE_FILED_ON  # Thursday
DECIDE_BY = dt.date(2026, 12, 7)  # Friday 12-04, then Monday 12-07


@pytest.fixture(autouse=True)
def _calendar(db):
    calendar_seed(years=[2026])


@pytest.fixture
def client(person, certification):  # the holder and their live certification: conftest.py
    return client_for(person)


@pytest.fixture
def officers():
    return [officer(username="officer-1"), officer(username="officer-2")]


# --- filing ----------------------------------------------------------------------------------------


def test_a_temporary_filing_is_granted_at_once(client):
    response = remote_file(client, end_date="2027-01-31")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "temporary"
    assert body["status"] == "granted"
    assert body["decided_at"] is not None
    assert body["decide_by"] is None
    assert body["has_proof"] is False


def test_a_temporary_filing_does_not_wait_for_an_officer(client, officers):
    remote_file(client)

    assert not Notification.objects.filter(kind="remote_filing").exists()


def test_a_long_term_filing_without_proof_is_refused_naming_proof(client):
    response = remote_file(client, type="long_term")

    assert response.status_code == 400
    assert error(response)["field"] == "proof"
    assert not RemoteFiling.objects.exists()


def test_a_long_term_filing_with_proof_waits_for_an_officer(client):
    body = remote_long_term(client)

    assert body["status"] == "pending"
    assert body["decided_at"] is None
    assert body["has_proof"] is True
    filing = RemoteFiling.objects.get(pk=body["id"])
    assert filing.proof_name == "居住证.png"
    assert filing.proof_content_type == "image/png"


@pytest.mark.parametrize(
    ("filed_on", "decide_by"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 12, 3)),  # Tuesday: two plain working days
        (FILED_ON, DECIDE_BY),  # Thursday: over the weekend
        (dt.date(2026, 9, 30), dt.date(2026, 10, 9)),  # before National Day (10-01 to 10-07 off)
        (dt.date(2026, 10, 9), dt.date(2026, 10, 12)),  # Saturday 10-10 is an adjusted working day
    ],
)
def test_a_long_term_filing_is_decided_within_two_working_days(client, filed_on, decide_by):
    body = remote_long_term(client, on=filed_on)

    assert body["decide_by"] == decide_by.isoformat()


def test_a_pdf_proof_is_accepted(client):
    proof = SimpleUploadedFile("户口簿.pdf", pdf_bytes(), content_type="application/pdf")

    response = remote_file(client, type="long_term", proof=proof)

    assert response.status_code == 201, response.content
    assert RemoteFiling.objects.get().proof_content_type == "application/pdf"


def test_a_long_term_filing_tells_the_officers_once_each(client, officers):
    remote_long_term(client)

    for user in officers:
        assert len(notifications(user, "remote_filing")) == 1


def test_a_proof_that_is_not_an_image_or_pdf_is_refused(client):
    html = SimpleUploadedFile("居住证.png", b"<html><body>proof</body></html>", content_type="image/png")

    response = remote_file(client, type="long_term", proof=html)

    assert response.status_code == 400
    assert error(response)["code"] == "file_type_not_allowed"
    assert not RemoteFiling.objects.exists()


def test_a_bad_proof_file_error_names_the_proof_field(client):
    html = SimpleUploadedFile("居住证.png", b"<html><body>proof</body></html>", content_type="image/png")

    response = remote_file(client, type="long_term", proof=html)

    assert error(response)["field"] == "proof"


def test_an_end_date_before_the_start_is_refused(client):
    response = remote_file(client, end_date="2026-11-30")

    assert response.status_code == 400
    assert error(response)["field"] == "end_date"


def test_without_a_certification_no_filing_is_possible():
    user = holder(username="uncertified")

    response = remote_file(client_for(user))

    assert response.status_code == 409
    assert response.json()["type"] == "no_live_certification"


@pytest.mark.parametrize("status", [CertificationStatus.LAPSED, CertificationStatus.REVOKED])
def test_a_dead_certification_allows_no_filing(status):
    user = holder(username="formerly-certified")
    certified(user, status=status)

    response = remote_file(client_for(user), type="long_term", proof=proof_png())

    assert response.status_code == 409
    assert response.json()["type"] == "no_live_certification"


def test_a_holder_lists_only_their_own_filings(client, person):
    mine = remote_file(client).json()
    other = holder(username="other-holder")
    certified(other)
    remote_file(client_for(other), place="西安市")

    with at(FILED_ON):
        response = client.get(f"{API}/remote-filings/")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [mine["id"]]


# --- the officer's decision ------------------------------------------------------------------------


@pytest.fixture
def pending(client) -> RemoteFiling:
    return RemoteFiling.objects.get(pk=remote_long_term(client)["id"])


def test_an_officer_grants_a_long_term_filing(pending, person, officers):
    with at(FILED_ON + dt.timedelta(days=1)):
        remote_filing_decide(filing=pending, officer=officers[0], grant=True)

    pending.refresh_from_db()
    assert pending.status == RemoteFilingStatus.GRANTED
    assert pending.decided_by == officers[0]
    (notice,) = notifications(person, "remote_filing_decided")
    assert "已备案" in notice.body


def test_an_officer_rejects_a_long_term_filing_with_a_reason(pending, person, officers):
    with at(FILED_ON + dt.timedelta(days=1)):
        remote_filing_decide(filing=pending, officer=officers[0], grant=False, reason="居住证已过期")

    pending.refresh_from_db()
    assert pending.status == RemoteFilingStatus.REJECTED
    assert pending.decision_reason == "居住证已过期"
    (notice,) = notifications(person, "remote_filing_decided")
    assert "居住证已过期" in notice.body


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_rejection_needs_a_reason(pending, officers, reason):
    with at(FILED_ON), pytest.raises(InvalidInput) as raised:
        remote_filing_decide(filing=pending, officer=officers[0], grant=False, reason=reason)

    assert raised.value.code == "reason_required"
    pending.refresh_from_db()
    assert pending.status == RemoteFilingStatus.PENDING


def test_a_decided_filing_cannot_be_decided_again(pending, person, officers):
    with at(FILED_ON):
        remote_filing_decide(filing=pending, officer=officers[0], grant=True)
        with pytest.raises(InvalidState):
            remote_filing_decide(filing=pending, officer=officers[1], grant=False, reason="重复")

    pending.refresh_from_db()
    assert pending.status == RemoteFilingStatus.GRANTED
    assert len(notifications(person, "remote_filing_decided")) == 1


def test_the_holder_sees_the_decision_in_the_list(client, pending, officers):
    with at(FILED_ON + dt.timedelta(days=1)):
        remote_filing_decide(filing=pending, officer=officers[0], grant=True)
        (item,) = client.get(f"{API}/remote-filings/").json()["results"]

    assert item["status"] == "granted"
    assert item["decision_reason"]


# --- the SLA sweep ---------------------------------------------------------------------------------


def sweep(day: dt.date) -> None:
    with at(day, hour=8):
        sla_sweep(on=day)


def test_a_filing_is_not_overdue_on_its_decide_by_day(pending, officers):
    sweep(DECIDE_BY)

    pending.refresh_from_db()
    assert pending.overdue_since is None
    assert notifications(officers[0], "remote_filing_overdue") == []


def test_the_sweep_after_the_decide_by_day_flags_the_filing(pending):
    sweep(DECIDE_BY + dt.timedelta(days=1))

    pending.refresh_from_db()
    assert pending.overdue_since == DECIDE_BY + dt.timedelta(days=1)


def test_an_overdue_filing_is_flagged_and_told_once_across_sweeps(pending, officers):
    for day in (DECIDE_BY + dt.timedelta(days=1), DECIDE_BY + dt.timedelta(days=1), DECIDE_BY + dt.timedelta(days=2)):
        sweep(day)

    pending.refresh_from_db()
    assert pending.overdue_since == DECIDE_BY + dt.timedelta(days=1)
    for user in officers:
        assert len(notifications(user, "remote_filing_overdue")) == 1


def test_a_decided_filing_is_never_overdue(pending, officers):
    with at(DECIDE_BY):
        remote_filing_decide(filing=pending, officer=officers[0], grant=True)

    sweep(DECIDE_BY + dt.timedelta(days=3))

    pending.refresh_from_db()
    assert pending.overdue_since is None
    assert notifications(officers[1], "remote_filing_overdue") == []


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("1900-01-01", None, "start_date"), ("9999-12-31", None, "start_date"), (None, "2040-01-01", "end_date")],
)
def test_implausible_filing_dates_are_refused(client, start, end, field):
    fields = {}
    if start:
        fields["start_date"] = start
    if end:
        fields["end_date"] = end
    response = remote_file(client, **fields)
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}
