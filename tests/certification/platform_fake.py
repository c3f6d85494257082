"""A real HTTP fake of the medical-insurance information platform, for the adapter's tests: a server on a
free local port that records every request (headers, parsed body) and answers by a script the test
sets: succeed, fail with HTTP 500 some number of times first, refuse (`infcode: -1`), answer garbage,
or be slow. It keeps the registrations it accepted, so 5301 answers from them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]


@dataclass
class FakePlatform:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    fail_times: int = 0  # answer HTTP 500 this many times first
    refuse_with: str = ""  # answer infcode -1 with this err_msg
    garbage: bool = False
    delay: float = 0.0
    registrations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _counter: int = 0

    def messages(self, infno: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.received if infno is None or r.body.get("infno") == infno]

    def answer(self, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.delay:
            time.sleep(self.delay)
        if self.fail_times > 0:
            self.fail_times -= 1
            return 500, b"Internal Server Error"
        if self.garbage:
            return 200, b"<html>maintenance</html>"
        if self.refuse_with:
            return 200, json.dumps({"infcode": -1, "err_msg": self.refuse_with}, ensure_ascii=False).encode()
        infno, data = body["infno"], body["input"]["data"]
        output: dict[str, Any] = {}
        if infno == "2503":
            self._counter += 1
            number = f"FAKE{self._counter:08d}"
            self.registrations.setdefault(data["psn_no"], []).append(
                {
                    "opsp_dise_code": data["opsp_dise_code"],
                    "begndate": data["begndate"],
                    "enddate": data["enddate"],
                    "trt_dcla_detl_sn": number,
                }
            )
            output = {"trt_dcla_detl_sn": number}
        elif infno == "2504":
            for rows in self.registrations.values():
                rows[:] = [r for r in rows if r["trt_dcla_detl_sn"] != data["trt_dcla_detl_sn"]]
        elif infno == "5301":
            output = {"data": self.registrations.get(data["psn_no"], [])}
        return 200, json.dumps({"infcode": 0, "output": output}, ensure_ascii=False).encode()


@contextmanager
def fake_platform() -> Iterator[FakePlatform]:
    platform = FakePlatform()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.loads(raw)
            platform.received.append(Received(headers=dict(self.headers), raw=raw, body=body))
            status, answer = platform.answer(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    platform.url = f"http://127.0.0.1:{server.server_address[1]}/fsi/api"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
