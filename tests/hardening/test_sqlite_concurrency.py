"""The embedded default takes concurrent writes: several people (or one person's double clicks) at once
against `make run`'s SQLite file never get a 500, and a burst of submits queues one check."""

from __future__ import annotations

import threading

import pytest
from stdnum.cn import ric

from tests.hardening.embedded_server import call, embedded_server, register

PASSWORD = "Jiuquan-2026!"


def person(n: int) -> str:
    body = f"62090219880315{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def signed_in(base: str, n: int) -> str:
    username = f"concurrent{n}"
    status, _ = register(
        base,
        {"username": username, "password": PASSWORD, "name": "王芳", "id_number": person(n), "phone": "13909370003"},
    )
    assert status == 201
    return call(base, "POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD})[1]["access"]


def at_once(calls) -> list[int]:  # type: ignore[no-untyped-def]
    barrier, codes = threading.Barrier(len(calls)), [0] * len(calls)

    def run(index: int, fn) -> None:  # type: ignore[no-untyped-def]
        barrier.wait(timeout=10)
        codes[index] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with embedded_server(tmp_path_factory.mktemp("embedded")) as base:
        yield base


def draft(base: str, token: str) -> str:
    status, body = call(
        base,
        "POST",
        "/api/v1/applications/",
        {
            "disease_code": "M01600",
            "diagnosis_date": "2026-10-01",
            "diagnosing_hospital": "H62090200001",
            "designated_points": ["H62090200001"],
        },
        token,
    )
    assert status == 201, body
    return str(body["id"])


def test_five_simultaneous_submits_of_one_application_never_answer_500(server):
    token = signed_in(server, 1)
    application = draft(server, token)
    codes = at_once([lambda: call(server, "POST", f"/api/v1/applications/{application}/submit/", token=token)[0]] * 5)
    assert codes == [202] * 5


def test_several_people_uploading_and_submitting_at_once_never_get_a_500(server):
    tokens = [signed_in(server, n) for n in range(10, 16)]
    drafts = [draft(server, token) for token in tokens]
    codes = at_once(
        [
            (lambda t=token, a=app: call(server, "POST", f"/api/v1/applications/{a}/submit/", token=t)[0])
            for token, app in zip(tokens, drafts, strict=True)
        ]
        + [(lambda t=token: call(server, "GET", "/api/v1/applications/", token=t)[0]) for token in tokens]
    )
    assert all(code < 500 for code in codes), codes
