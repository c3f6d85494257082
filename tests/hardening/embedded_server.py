"""The embedded default as `make run` serves it: gunicorn (2 workers × 4 threads) on a SQLite file, the
filesystem broker and file cache under a VAR_DIR of its own, for tests that need the real thing."""

from __future__ import annotations

import json
import os
import re
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
    # Tests register many people from one address, some with one phone: no one-time-code limits.
    env.update(SMS_CODE_RESEND_SECONDS="0", SMS_CODES_PER_PHONE_HOUR="100000", SMS_CODES_PER_IP_HOUR="100000")
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
    _logs[base] = var_dir / "gunicorn.log"
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


_logs: dict[str, Path] = {}
# The demo-mode SMS log line: "sms to 139****0001 (demo mode: the text is shown): 【医保慢特病】验证码123456，…"
SMS_LINE = re.compile(r"sms to (\d{3}\*{4}\d{4}) \(demo mode[^)]*\): .*?验证码(\d{6})")


def register(base: str, body: dict) -> tuple[int, dict]:
    """Register as a person does against the embedded server: ask for a code, read it from the server's
    log (demo mode writes the SMS text there), send it with the registration."""
    phone = str(body["phone"])
    status, answer = call(base, "POST", "/api/v1/auth/sms-code/", {"phone": phone, "purpose": "register"})
    assert status == 202, answer
    masked = phone[:3] + "****" + phone[-4:]
    deadline = time.monotonic() + 10
    while True:
        codes = [code for to, code in SMS_LINE.findall(_logs[base].read_text(errors="replace")) if to == masked]
        if codes:
            break
        assert time.monotonic() < deadline, "the code never reached the server's log"
        time.sleep(0.1)
    return call(base, "POST", "/api/v1/auth/register/", {**body, "sms_code": codes[-1]})


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
