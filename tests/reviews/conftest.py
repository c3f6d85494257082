import uuid

import pytest

from reviews.calendar import calendar_seed
from tests.api import bearer_client
from tests.reviews import expert_review_helpers, public_helpers, workbench_helpers
from tests.reviews.factories import ExpertFactory
from tests.reviews.public_helpers import ON as PUBLIC_ON
from tests.reviews.public_helpers import approved, entry_of, experts_for, published
from tests.reviews.review_helpers import at, category, expert, officer

# --- the announcement job (test_announcement_*.py) -------------------------------------------------


@pytest.fixture
def official_2026(db):
    return calendar_seed(years=[2026])


# --- expert review services (test_review_*.py) and the admin workbench (test_admin_workbench_*.py) --


@pytest.fixture
def _review_today():
    with at(expert_review_helpers.ON):
        yield


@pytest.fixture
def _workbench_today():
    with at(workbench_helpers.ON):
        yield


@pytest.fixture
def endocrine():
    return category("endocrine", "内分泌系统疾病")


@pytest.fixture
def tumour():
    return category("malignant_tumour", "恶性肿瘤")


@pytest.fixture
def two_experts(endocrine):
    return [expert(endocrine, username="expert_a"), expert(endocrine, username="expert_b")]


@pytest.fixture
def expert1(endocrine):
    return expert(endocrine, username="expert1", name="专家一")


@pytest.fixture
def expert2(endocrine):
    return expert(endocrine, username="expert2", name="专家二")


@pytest.fixture
def officer1():
    return officer(username="officer1", name="经办员一")


# --- the reviewer API (test_api_review_*.py) --------------------------------------------------------


@pytest.fixture(name="expert")  # a fixture named like the `expert()` helper of review_helpers
def expert_fixture():
    return ExpertFactory(name="王医生")


@pytest.fixture
def expert_client(expert):
    return bearer_client(expert)


@pytest.fixture
def calendar_2026():
    calendar_seed(years=[2026])


# --- objections (test_objection_*.py) ---------------------------------------------------------------


@pytest.fixture
def _fresh_cache(settings):
    # Throttle counters and cached pages live in the cache: each test starts empty.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def _objection_today():
    with at(public_helpers.ON):
        yield


@pytest.fixture
def app():
    experts_for()
    return approved()


@pytest.fixture
def batch(app):
    return published(app)


@pytest.fixture
def entry(app, batch):
    return entry_of(app)


@pytest.fixture
def public_cache_and_day(settings):  # type: ignore[no-untyped-def]
    """For the public announcement tests: an empty cache of their own (the public GETs are cached for a
    minute) and today = the day the helpers publish on."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    with at(PUBLIC_ON):
        yield
