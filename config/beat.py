"""One Celery beat at a time, and a beat whose health can be checked.

`manage.py run_beat` takes a PostgreSQL advisory lock on a connection of its own before it starts the
scheduler, and keeps it for its whole life: a second beat (a scaled service, a restarted container
whose old one lingers) waits as a standby and takes over when the first one's connection goes. Both
touch a heartbeat file every few seconds while they are alive, which the container health check reads.
On SQLite (the embedded default: `make run` runs beat inside its worker) there is nothing to lock."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from django.db import connections

logger = logging.getLogger(__name__)
LOCK_KEY = 7_261_400_001  # this system's beat; any constant no other lock of the database uses
HEARTBEAT_SECONDS = 10


def heartbeat_start(path: Path) -> threading.Event:
    """Touch `path` every few seconds until the returned event is set."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            path.touch()
            stop.wait(HEARTBEAT_SECONDS)

    threading.Thread(target=beat, name="beat-heartbeat", daemon=True).start()
    return stop


def beat_lock_wait(*, retry_seconds: float = 15) -> None:
    """Block until this process holds the beat lock (PostgreSQL); return at once elsewhere."""
    connection = connections.create_connection("default")
    if connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    waiting_logged = False
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if cursor.fetchone()[0]:
                break
        if not waiting_logged:
            logger.warning("another beat holds the lock: standing by")
            waiting_logged = True
        time.sleep(retry_seconds)
    # Kept open (and referenced) for the life of the process: closing it releases the lock.
    _held.append(connection)
    logger.info("beat lock taken")


_held: list[object] = []
