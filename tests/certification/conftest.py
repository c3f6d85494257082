"""Fixtures of the annual-review tests (annual_review_helpers.py): the official 2026 calendar and an
empty SMS outbox (every annual-review module uses both), the holder and their certification due on `DUE`."""

import pytest

from notifications.channels import LocMemSmsBackend
from reviews.calendar import calendar_seed
from tests.certification.annual_review_helpers import DUE
from tests.certification.helpers import certified, holder
from tests.factories import DiseaseFactory


@pytest.fixture
def _calendar(db):
    calendar_seed(years=[2026])


@pytest.fixture
def _empty_sms_outbox():
    LocMemSmsBackend.outbox.clear()
    yield
    LocMemSmsBackend.outbox.clear()


@pytest.fixture
def person():
    return holder(username="holder", name="张三丰", phone="13912345678")


@pytest.fixture
def certification(person):
    return certified(person, disease=DiseaseFactory(code="M01600", name="糖尿病"), due=DUE)
