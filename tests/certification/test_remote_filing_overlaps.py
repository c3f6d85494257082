"""One remote filing per person and period: a second filing whose period meets a granted or pending
one (a double tap, a second place, an open-ended long-term filing) is refused with 409
`filing_overlaps`, naming the filing that is in the way; the periods on either side are free."""

from __future__ import annotations

import pytest

from certification.models import RemoteFiling, RemoteFilingStatus
from certification.remote import remote_filing_decide
from tests.certification.helpers import (
    REMOTE_FILED_ON,
    at,
    certified,
    client_for,
    error,
    holder,
    proof_png,
    remote_file,
    remote_long_term,
)
from tests.concurrency import at_once, postgres_only
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
ON = REMOTE_FILED_ON


@pytest.fixture(autouse=True)
def _calendar(official_calendar):
    return official_calendar


@pytest.fixture
def client(person, certification):  # the holder and their live certification: conftest.py
    return client_for(person)


def refused(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 409, response.content
    body = error(response)
    assert body["type"] == "filing_overlaps"
    return body


def test_the_same_temporary_filing_twice_is_refused_and_stored_once(client):
    assert remote_file(client, end_date="2027-01-31").status_code == 201

    body = refused(remote_file(client, end_date="2027-01-31"))

    assert "临时外出就医" in body["detail"] and "兰州市城关区" in body["detail"]
    assert "2026年12月3日至2027年1月31日" in body["detail"]
    assert RemoteFiling.objects.count() == 1


def test_a_second_place_in_the_same_period_is_refused(client):
    remote_file(client, end_date="2027-01-31")

    refused(remote_file(client, place="北京市海淀区", start_date="2027-01-31", end_date="2027-03-31"))


def test_a_pending_long_term_filing_blocks_a_temporary_one_in_its_period(client):
    remote_long_term(client)  # open-ended, waiting for an officer

    body = refused(remote_file(client, on=ON, start_date="2027-06-01", end_date="2027-06-30"))

    assert "异地长期居住" in body["detail"] and "起长期有效" in body["detail"] and "待审核" in body["detail"]


def test_a_new_period_that_wraps_an_old_one_is_refused(client):
    remote_file(client, start_date="2026-12-10", end_date="2026-12-20")

    refused(remote_file(client, start_date="2026-12-05", end_date="2026-12-31"))


def test_an_open_ended_filing_before_a_granted_one_is_refused(client):
    remote_file(client, start_date="2027-02-01", end_date="2027-02-28")

    refused(remote_file(client, type="long_term", start_date="2026-12-05", proof=proof_png()))


def test_the_days_either_side_of_a_filing_are_free(client):
    remote_file(client, start_date="2026-12-10", end_date="2026-12-20")

    assert remote_file(client, start_date="2026-12-03", end_date="2026-12-09").status_code == 201
    assert remote_file(client, start_date="2026-12-21", end_date="2027-01-10").status_code == 201
    assert RemoteFiling.objects.count() == 3


def test_a_rejected_filing_does_not_stand_in_the_way(client, person):
    body = remote_long_term(client)
    with at(ON):
        remote_filing_decide(
            filing=RemoteFiling.objects.get(pk=body["id"]), officer=officer(), grant=False, reason="证明不清晰"
        )

    assert remote_file(client, end_date="2027-01-31").status_code == 201


def test_another_persons_filing_does_not_stand_in_the_way(client):
    neighbour = holder(username="neighbour")
    certified(neighbour)
    assert remote_file(client_for(neighbour), end_date="2027-01-31").status_code == 201

    assert remote_file(client, end_date="2027-01-31").status_code == 201


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_tap_stores_one_filing(person, certification):
    codes = at_once(*[lambda: remote_file(client_for(person), end_date="2027-01-31").status_code] * 4)

    assert sorted(codes) == [201, 409, 409, 409]
    assert RemoteFiling.objects.filter(holder=person, status=RemoteFilingStatus.GRANTED).count() == 1
