"""The lifecycle factories bring the rows each state implies, and those rows obey the domain's own rules."""

import datetime as dt
import io

import pytest

from applications.importers import insured_import
from applications.models import ApplicationStatus
from applications.workflow import transition_allowed
from certification.models import CertificationStatus
from certification.rules import CERTIFICATION_TRANSITIONS
from notifications.models import DeliveryStatus
from reviews.models import Decision, EntryStatus, ObjectionStatus
from tests.certification.factories import CertificationFactory, RemoteFilingFactory
from tests.factories import ApplicationFactory, InsuredPersonFactory, make_id_number
from tests.notifications.factories import NotificationFactory
from tests.reviews.factories import ObjectionFactory

pytestmark = pytest.mark.django_db


def path_of(application) -> list[tuple[str, str]]:
    return list(application.events.order_by("at", "id").values_list("from_status", "to_status"))


@pytest.mark.parametrize(
    ("trait", "status"),
    [
        ("submitted", ApplicationStatus.SUBMITTED),
        ("needs_supplement", ApplicationStatus.NEEDS_SUPPLEMENT),
        ("under_review", ApplicationStatus.UNDER_REVIEW),
        ("rejected", ApplicationStatus.REJECTED),
        ("approved", ApplicationStatus.APPROVED),
        ("in_announcement", ApplicationStatus.IN_ANNOUNCEMENT),
        ("effective", ApplicationStatus.EFFECTIVE),
        ("withdrawn", ApplicationStatus.WITHDRAWN),
    ],
)
def test_each_trait_is_its_state_and_every_recorded_step_is_an_allowed_change(trait, status):
    application = ApplicationFactory(**{trait: True})
    application.full_clean()
    assert application.status == status
    steps = path_of(application)
    assert all(transition_allowed(source=source, target=target) for source, target in steps)
    if steps:
        assert steps[-1][1] == status


def test_an_approved_application_carries_its_panels_approving_opinions():
    application = ApplicationFactory(approved=True)
    opinions = list(application.assignments.values_list("round", "decision"))
    assert opinions == [(1, Decision.APPROVE), (1, Decision.APPROVE)]
    assert application.accepted_at is not None and application.review_deadline is not None


def test_an_application_in_announcement_is_listed_with_its_masked_data():
    application = ApplicationFactory(in_announcement=True)
    entry = application.announcement_entries.get()
    assert entry.status == EntryStatus.LISTED
    assert entry.masked_name != application.applicant.name
    assert entry.disease_name == application.disease.name
    assert entry.batch.open_for_objections(entry.batch.published_on)


def test_an_effective_application_holds_its_certification_and_an_effective_entry():
    application = ApplicationFactory(effective=True)
    certification = application.certification
    assert (certification.holder, certification.disease, certification.status) == (
        application.applicant,
        application.disease,
        CertificationStatus.ACTIVE,
    )
    assert application.announcement_entries.get().status == EntryStatus.EFFECTIVE


@pytest.mark.parametrize("trait", [None, "review_due", "lapsed", "revoked"])
def test_each_certification_trait_has_the_history_its_status_implies(trait):
    certification = CertificationFactory(**({trait: True} if trait else {}))
    certification.full_clean()
    history = list(certification.events.order_by("id").values_list("from_status", "to_status"))
    assert all(step in CERTIFICATION_TRANSITIONS for step in history)
    assert history[0] == ("", CertificationStatus.ACTIVE)
    assert history[-1][1] == certification.status


def test_filings_objections_and_notifications_are_valid_rows():
    for row in (
        RemoteFilingFactory(),
        RemoteFilingFactory(long_term=True),
        ObjectionFactory(),
        ObjectionFactory(upheld=True),
        NotificationFactory(),
        NotificationFactory(delivered=True),
    ):
        row.full_clean()
    assert ObjectionFactory(dismissed=True).status == ObjectionStatus.DISMISSED
    assert NotificationFactory(delivered=True).sms_status == DeliveryStatus.SENT
    assert RemoteFilingFactory(long_term=True).proof


def test_an_insured_person_is_never_insured_before_their_birth_so_the_registry_import_takes_the_row():
    person = InsuredPersonFactory(id_number=make_id_number(birth=dt.date(2011, 1, 20)))
    assert person.insured_since == dt.date(2011, 1, 20)
    row = f"{person.id_number},{person.name},employee,620902,{person.insured_since:%Y-%m-%d},suspended\n"
    result = insured_import(file=io.StringIO("id_number,name,insurance_type,region_code,insured_since,status\n" + row))
    assert (result.errors, result.updated) == ([], 1)
