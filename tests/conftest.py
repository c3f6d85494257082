"""Shared test configuration.

A test marked for an external service (see the markers in pyproject.toml) is skipped unless the
environment points at that service. CI sets CI_INTEGRATION=1: there a missing service is an error,
so a green run cannot come from tests that were silently skipped.
"""

import os
from urllib.parse import urlsplit

import pytest

# marker -> environment variables that must be set for tests carrying that marker to run
SERVICE_MARKERS: dict[str, tuple[str, ...]] = {
    "s3": ("AWS_S3_ENDPOINT_URL",),
    "integration": ("DATABASE_URL", "REDIS_URL"),
}
# variable -> URL schemes it must have (the default SQLite database cannot be shared with a worker)
URL_SCHEMES: dict[str, tuple[str, ...]] = {
    "DATABASE_URL": ("postgres", "postgresql", "pgsql"),
    "REDIS_URL": ("redis", "rediss"),
}


def _unmet(name: str) -> str | None:
    """Why the variable does not point at the service, or None if it does."""
    value = os.environ.get(name)
    if not value:
        return name
    schemes = URL_SCHEMES.get(name)
    if schemes and urlsplit(value).scheme not in schemes:
        return f"{name} ({'/'.join(schemes)} URL)"
    return None


def pytest_collection_modifyitems(config, items):
    for marker, variables in SERVICE_MARKERS.items():
        missing = [reason for name in variables if (reason := _unmet(name))]
        marked = [item for item in items if item.get_closest_marker(marker)]
        if not missing or not marked:
            continue
        if os.environ.get("CI_INTEGRATION"):
            raise pytest.UsageError(
                f"CI_INTEGRATION is set but {', '.join(missing)} is not: '{marker}' tests would not run"
            )
        skip = pytest.mark.skip(reason=f"'{marker}' tests need {', '.join(missing)}")
        for item in marked:
            item.add_marker(skip)
