"""An officer finds a person who phones in: by name, by full ID number (typed as people type it), by
phone, in applications, certifications and the registry; every such search is in the access log, and
the case page shows the applicant in full only to officers, each view logged as a read of the record."""

from __future__ import annotations

import pytest
from django.test import Client

from applications.models import DocumentAccess, PersonSearch
from tests.factories import ApplicationFactory, InsuredPersonFactory, UserFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
ID_NUMBER = "62090219580314002X"
PHONE = "13909370031"
APPLICATIONS = "/admin/applications/application/"


@pytest.fixture
def case():
    person = UserFactory(name="马秀兰", id_number=ID_NUMBER, phone=PHONE)
    InsuredPersonFactory(id_number=ID_NUMBER, name="马秀兰")
    other = ApplicationFactory(under_review=True)  # someone else
    mine = ApplicationFactory(applicant=person, under_review=True)
    mine.other = other
    return mine


@pytest.fixture
def officer_client() -> Client:
    client = Client()
    client.force_login(officer(username="officer1"))
    return client


def found(client: Client, url: str, term: str) -> str:
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("term", "kind", "stored"),
    [
        ("马秀兰", "name", "马秀兰"),
        ("秀兰", "name", "秀兰"),
        (ID_NUMBER, "id_number", ID_NUMBER),
        ("62090219580314002x", "id_number", ID_NUMBER),  # a lower-case x, as phones type it
        ("139 0937 0031", "phone", PHONE),
    ],
)
def test_an_officer_finds_the_applicant_and_the_search_is_logged(case, officer_client, term, kind, stored):
    page = found(officer_client, APPLICATIONS, term)
    assert case.reference in page and case.other.reference not in page
    search = PersonSearch.objects.get()
    assert (search.user.username, search.where, search.kind, search.term, search.results) == (
        "officer1",
        "申请",
        kind,
        stored,
        1,
    )
    assert PersonSearch.objects.filter(term=stored).count() == 1  # "who looked this person up?"


def test_a_reference_search_is_not_a_person_search(case, officer_client):
    assert case.reference in found(officer_client, APPLICATIONS, case.reference)
    assert not PersonSearch.objects.exists()


def test_certifications_and_the_registry_are_searched_the_same_way(officer_client):
    holder = UserFactory(name="马秀兰", id_number=ID_NUMBER, phone=PHONE)
    certification = ApplicationFactory(applicant=holder, effective=True).certification
    InsuredPersonFactory(id_number=ID_NUMBER, name="马秀兰")
    assert certification.code in found(officer_client, "/admin/certification/certification/", PHONE)
    registry = found(officer_client, "/admin/applications/insuredperson/", ID_NUMBER)
    assert "马*兰" in registry and "0 个" not in registry
    assert list(PersonSearch.objects.order_by("at").values_list("where", "kind", "results")) == [
        ("待遇认定", "phone", 1),
        ("参保人员", "id_number", 1),
    ]
    log = found(officer_client, "/admin/applications/personsearch/", "")
    assert "139****0031" in log and PHONE not in log  # the log itself shows the term masked


def test_officers_see_the_applicant_in_full_and_each_view_is_logged(case, officer_client):
    page = officer_client.get(f"{APPLICATIONS}{case.pk}/change/").content.decode()
    assert "马秀兰" in page and ID_NUMBER in page and PHONE in page
    read = DocumentAccess.objects.get(application=case)
    assert (read.user.username, read.role) == ("officer1", "officer")
    from tests.api import bearer_client

    record = bearer_client(case.applicant).get(f"/api/v1/applications/{case.pk}/access-log/").json()["results"]
    assert [(r["subject"], r["role"]) for r in record] == [("record", "officer")]  # the applicant sees it


def test_staff_without_the_permission_see_the_applicant_masked_and_nothing_is_logged(case):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(is_staff=True, id_number="", username="auditor")
    clerk.user_permissions.add(Permission.objects.get(codename="view_application"))
    client = Client()
    client.force_login(clerk)
    page = client.get(f"{APPLICATIONS}{case.pk}/change/").content.decode()
    assert "马*兰" in page and ID_NUMBER not in page and PHONE not in page and "139****0031" in page
    assert not DocumentAccess.objects.exists()


def test_the_officer_prints_the_case_with_every_rounds_opinions(case, officer_client):
    from tests.reviews.factories import ReviewAssignmentFactory

    ReviewAssignmentFactory(application=case, decision="approve", reason="符合认定标准")
    page = officer_client.get(f"{APPLICATIONS}{case.pk}/change/").content.decode()
    assert f"{APPLICATIONS}{case.pk}/print/" in page
    printed = officer_client.get(f"{APPLICATIONS}{case.pk}/print/").content.decode()
    assert case.reference in printed and "马秀兰" in printed and ID_NUMBER in printed
    assert "符合认定标准" in printed and "通过" in printed and "专家评审中" in printed
    assert DocumentAccess.objects.filter(application=case, role="officer").count() == 2  # the page, the print
    stranger = Client()
    stranger.force_login(UserFactory(is_staff=True, id_number=""))
    assert stranger.get(f"{APPLICATIONS}{case.pk}/print/").status_code == 403
