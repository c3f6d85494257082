"""Shared test configuration.

A test marked for an external service (see the markers in pyproject.toml) is skipped unless the
environment points at that service, or unless the program it drives is installed. CI sets
CI_INTEGRATION=1: there a missing service or program is an error, so a green run cannot come from
tests that were silently skipped.
"""

import os
from collections.abc import Iterator

import pytest

# marker -> environment variables that must be set for tests carrying that marker to run
SERVICE_MARKERS: dict[str, tuple[str, ...]] = {
    "s3": ("AWS_S3_ENDPOINT_URL",),
    "integration": ("DATABASE_URL", "REDIS_URL"),
}
# variable -> URL schemes it must have for the marker's tests (SQLite is not "real PostgreSQL")
REQUIRED_SCHEMES: dict[str, tuple[str, ...]] = {
    "DATABASE_URL": ("postgres", "postgresql", "pgsql"),
    "REDIS_URL": ("redis", "rediss"),
}
# marker -> executables that must be installed for tests carrying that marker to run
PROGRAM_MARKERS: dict[str, tuple[str, ...]] = {
    "browser": ("/usr/bin/chromium",),  # Debian's package; .ci/run installs it
    "node": ("/usr/bin/node",),  # Debian's nodejs; .ci/run installs it
    "redis_server": ("/usr/bin/redis-server",),  # a private Redis that a fault test may kill
    "cjk_font": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",),  # Debian's fonts-noto-cjk
}


def _missing(marker: str) -> list[str]:
    if marker in SERVICE_MARKERS:
        missing = []
        for name in SERVICE_MARKERS[marker]:
            value = os.environ.get(name, "")
            schemes = REQUIRED_SCHEMES.get(name)
            if not value or (schemes and value.split(":", 1)[0] not in schemes):
                missing.append(f"{name} ({'/'.join(schemes)} URL)" if schemes else name)
        return missing
    return [program for program in PROGRAM_MARKERS[marker] if not os.access(program, os.R_OK)]


def pytest_collection_modifyitems(config, items):
    _refuse_transactional_tests_without_serialized_rollback(items)
    for marker in [*SERVICE_MARKERS, *PROGRAM_MARKERS]:
        marked = [item for item in items if item.get_closest_marker(marker)]
        missing = _missing(marker) if marked else []
        if not missing:
            continue
        if os.environ.get("CI_INTEGRATION"):
            raise pytest.UsageError(
                f"CI_INTEGRATION is set but {', '.join(missing)} is not: '{marker}' tests would not run"
            )
        skip = pytest.mark.skip(reason=f"'{marker}' tests need {', '.join(missing)}")
        for item in marked:
            item.add_marker(skip)


def _refuse_transactional_tests_without_serialized_rollback(items) -> None:  # type: ignore[no-untyped-def]
    """A transactional test ends with a flush. Without serialized rollback, the flush re-creates content
    types and permissions under new ids, and the next serialized test in that process fails to restore
    the migrations' rows (a unique-constraint error that depends on how xdist shares out the tests).
    So every transactional test restores the database: one rule, checked here."""
    wrong = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or {
            "transactional_db",
            "live_server",
        } & set(getattr(item, "fixturenames", ()))
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            wrong.append(item.nodeid)
    if wrong:
        raise pytest.UsageError(
            "transactional tests must be django_db(transaction=True, serialized_rollback=True): " + ", ".join(wrong)
        )


@pytest.fixture
def official_calendar(db):
    """The State Council data for 2025 and 2026, as `load_calendar` loads it."""
    from reviews.calendar import calendar_seed

    return calendar_seed(years=[2025, 2026])


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: a public page cached by one test (or a rate-limit count)
    must not answer in the next."""
    from django.core.cache import caches

    yield
    for cache in caches.all(initialized_only=True):
        _clear(cache)


def _clear(cache) -> None:  # type: ignore[no-untyped-def]
    """Empty one cache. A Redis cache's `clear()` is FLUSHDB, which would also empty the queues, the
    exchange bindings and the rate-limit counts of the other pytest-xdist workers sharing the database:
    there only this worker's keys (its KEY_PREFIX) are deleted."""
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
