"""The load client of `http_suite.py`: N threads, each with one keep-alive `http.client` connection,
taking the next request from a shared source until the round's time is up or the source runs dry; and
the gunicorn servers it drives, started and stopped the same way.

`http.client` rather than `requests`: on a 2-core machine shared with both servers the client's own CPU
per request must stay small (requests costs about three times as much per call)."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A request: method, path, body, headers. The source returns None when it has no more work.
Request = tuple[str, str, bytes | None, dict[str, str]]
Source = Callable[[int], Request | None]
# Called, under the lock, with each successful answer: (request number, body, X-Queries header or None).
Collect = Callable[[int, bytes, str | None], None]


@dataclass
class Round:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: dict[int, int] = field(default_factory=dict)
    sample_error: str = ""

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


def run_round(*, port: int, source: Source, clients: int, seconds: float, collect: Collect | None = None) -> Round:
    """Drive `source` against 127.0.0.1:`port` with `clients` threads for `seconds`."""
    counter = itertools.count()
    lock = threading.Lock()
    result = Round()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    stops: list[float] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local: list[float] = []
        statuses: dict[int, int] = {}
        errors, sample = 0, ""
        while time.perf_counter() < deadline:
            with lock:
                number = next(counter)
                request = source(number)
            if request is None:
                break
            method, path, body, headers = request
            began, queries = time.perf_counter(), None
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                code = response.status
                queries = response.getheader("X-Queries")
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                code, payload = 0, str(error).encode()
            statuses[code] = statuses.get(code, 0) + 1
            if 200 <= code < 300:
                local.append(time.perf_counter() - began)
                if collect is not None:
                    with lock:
                        collect(number, payload, queries)
            else:
                errors += 1
                sample = sample or f"{code} {method} {path}: {payload[:200].decode(errors='replace')}"
        conn.close()
        with lock:
            stops.append(time.perf_counter())
            result.latencies.extend(local)
            result.errors += errors
            result.requests += len(local) + errors
            result.sample_error = result.sample_error or sample
            for code, n in statuses.items():
                result.statuses[code] = result.statuses.get(code, 0) + n

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = max(stops, default=start) - start
    return result


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    if len(latencies) < 2:
        value = latencies[0] * 1000 if latencies else float("nan")
        return value, value, value
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def multipart(
    fields: dict[str, str], file_field: str, filename: str, content: bytes, content_type: str
) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = "----bench-http-suite-7f1c"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the servers ------------------------------------------------------------------------------------
def start_server(name: str, app: str, port: int, env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use: pass --ports")
    log = (logs / f"{name}.log").open("wb")
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--timeout",
        "60",
        "--error-logfile",
        "-",
    ]  # as scripts/run.sh
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_server(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the server on port {port} exited ({server.returncode}): see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/reviews/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not answer in {timeout} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn's arbiter and its workers: the group started here
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
