import pytest

from reviews.calendar import calendar_seed


@pytest.fixture
def official_calendar(db):
    """The State Council data for 2025 and 2026, as `load_calendar` loads it."""
    return calendar_seed(years=[2025, 2026])
