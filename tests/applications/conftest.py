import pytest

from reviews.calendar import calendar_seed
from tests.api import bearer_client
from tests.factories import DiseaseFactory, HospitalFactory, UserFactory
from tests.reviews.review_helpers import category, expert


@pytest.fixture
def applicant(db):
    return UserFactory(username="applicant", name="张三丰")


@pytest.fixture
def other_applicant(db):
    return UserFactory(username="stranger", name="李四")


@pytest.fixture
def client(applicant):
    return bearer_client(applicant)


@pytest.fixture
def other_client(other_applicant):
    return bearer_client(other_applicant)


@pytest.fixture
def disease(db):
    return DiseaseFactory(code="M01600", name="糖尿病")


@pytest.fixture
def hospital(db):
    return HospitalFactory(code="H62090200001", name="酒泉市人民医院", level=3)


@pytest.fixture
def draft(client, disease, hospital):
    response = client.post(
        "/api/v1/applications/",
        {"disease_code": disease.code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def calendar_2026(db):
    calendar_seed(years=[2026])


@pytest.fixture
def cat(db):
    return category()


@pytest.fixture
def experts(cat):
    """Two experts of the category: a full panel."""
    return [expert(cat, username="expert-a"), expert(cat, username="expert-b")]
