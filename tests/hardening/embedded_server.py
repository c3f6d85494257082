"""The embedded default as `make run` serves it: gunicorn (2 workers × 4 threads) on a SQLite file, the
filesystem broker and file cache under a VAR_DIR of its own, for tests that need the real thing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_template: Path | None = None


def _bootstrapped_database() -> Path:
    """A SQLite file as `make setup` leaves it (migrated, catalogue, hospitals, calendar, demo accounts),
    made once per test process and copied for each server: migrating takes seconds every time."""
    global _template
    if _template is None:
        var_dir = Path(tempfile.mkdtemp(prefix="osd-embedded-template-"))
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
        env.update(DJANGO_SETTINGS_MODULE="config.settings.local", VAR_DIR=str(var_dir))
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "bootstrap"], cwd=ROOT, env=env, check=True, capture_output=True)
        _template = var_dir / "db.sqlite3"
    return _template


@contextmanager
def embedded_server(var_dir: Path, **settings: str) -> Iterator[str]:
    """Serve on a free port until the block ends; `settings` are environment variables for the server
    (THROTTLE_UPLOAD="10000/minute", say) on top of the embedded default's."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", VAR_DIR=str(var_dir), DJANGO_DEBUG="false")
    env.update(settings)
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_bootstrapped_database(), var_dir / "db.sqlite3")
    port = free_port()
    log = (var_dir / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # the workers import Django first: slow on a busy machine
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/v1/diseases/", timeout=10)
                break
            except OSError:  # refused, reset or timed out while the workers start
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((var_dir / "gunicorn.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def call(base: str, method: str, path: str, body: object = None, token: str = "") -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
