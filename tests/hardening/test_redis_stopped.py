"""Redis stopped in the middle of traffic: a web server configured as production is (Redis as cache,
rate limiter and broker) takes uploads from several people while its Redis is killed. Not one upload
answers 5xx, every acknowledged upload is stored, and a submission during the outage is acknowledged
and recorded (the sweeper queues its check when the broker is back). Meanwhile /ready/ says 503 (the
broker is named) while /health/ stays 200."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.hardening.conftest import token, upload_status
from tests.hardening.embedded_server import call, embedded_server, free_port, register

pytestmark = pytest.mark.redis_server
REDIS_SERVER = "/usr/bin/redis-server"
PASSWORD = "Jiuquan-2026!"


def start_redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    redis = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG":
        assert time.monotonic() < deadline, "the private Redis did not start"
        time.sleep(0.1)
    return redis


def test_uploads_and_a_submit_while_redis_is_killed_get_no_server_error(tmp_path):
    port = free_port()
    redis = start_redis(port, tmp_path)
    try:
        with embedded_server(tmp_path / "var", REDIS_URL=f"redis://127.0.0.1:{port}/0") as base:
            people = []
            for n, (name, id_number) in enumerate([("李秀兰", "620902196508220245"), ("王建国", "620902195803150038")]):
                person = {"name": name, "id_number": id_number, "phone": f"1390937000{n}"}
                status, body = register(base, {"username": f"person{n}", "password": PASSWORD, **person})
                assert status == 201, body
                bearer = token(base, f"person{n}", PASSWORD)
                draft = {
                    "disease_code": "M01600",
                    "diagnosis_date": "2026-10-01",
                    "diagnosing_hospital": "H62090200001",
                    "designated_points": ["H62090200001"],
                }
                status, body = call(base, "POST", "/api/v1/applications/", draft, bearer)
                assert status == 201, body
                people.append((bearer, str(body["id"])))

            answers: list[int] = []
            stop = threading.Event()

            def keep_uploading(bearer: str, application: str) -> None:
                while not stop.is_set():
                    answers.append(upload_status(base, bearer, application, "medical_record", "medical_record.pdf"))

            threads = [threading.Thread(target=keep_uploading, args=person) for person in people]
            for thread in threads:
                thread.start()
            time.sleep(2)
            before = len(answers)
            assert call(base, "GET", "/ready/")[0] == 200
            redis.send_signal(signal.SIGKILL)
            redis.wait(timeout=10)
            ready, body = call(base, "GET", "/ready/")  # the load balancer takes it out of rotation
            assert ready == 503 and any(key.startswith("Broker") for key in body["failed"]), body
            assert call(base, "GET", "/health/")[0] == 200  # but it is alive: no restart
            time.sleep(4)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

            assert before > 0 and len(answers) > before, "uploads ran on both sides of the outage"
            assert set(answers) == {201}, sorted(set(answers))
            stored = 0
            for bearer, application in people:
                status, documents = call(base, "GET", f"/api/v1/applications/{application}/documents/", token=bearer)
                assert status == 200
                stored += len(documents) if isinstance(documents, list) else documents["count"]
            assert stored == len(answers)  # every 201 is a stored document

            bearer, application = people[0]
            status, body = call(base, "POST", f"/api/v1/applications/{application}/submit/", {}, bearer)
            assert status == 202, body
            assert body["status"] == "submitted"
    finally:
        if redis.poll() is None:
            redis.kill()
            redis.wait(timeout=10)
