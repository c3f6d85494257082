"""Which version of the working-day calendar is current: each process keeps the calendar's rows between
requests (`reviews.calendar`) and reads them again once the version moves. Every write of a calendar row
through the ORM moves it (the models' signals and `CalendarQuerySet`), at once and again on commit.

A process does not keep rows read under a version it wrote itself: its own transaction may still be open
(the holiday notice's preview writes and rolls back), and what it read there is not what others see."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from typing import Any

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "calendar:version"
_written: deque[str] = deque(maxlen=64)
_lock = threading.Lock()


def calendar_version() -> str | None:
    """The current version, or None when rows read now must not be kept (the cache is down, or this
    process wrote under this version)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    with _lock:
        return None if version is None or version in _written else str(version)


def calendar_changed(*args: Any, **kwargs: Any) -> None:
    """A calendar row was written (also a receiver of the models' post_save and post_delete)."""
    version = uuid.uuid4().hex
    with _lock:
        _written.append(version)
    cache.set(VERSION_KEY, version, None)
    # Again once the change is visible to everyone: a read between the write and the commit kept the old rows.
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def calendar_version_renew() -> None:
    """A new version nobody wrote under, once the calendar writes of a rolled-back transaction are gone
    (the notice's preview): this process keeps what it reads again (at the surrounding commit, if any)."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))
