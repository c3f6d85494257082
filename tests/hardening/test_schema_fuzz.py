"""Schemathesis against the committed `openapi.yaml`, through a real HTTP server: thousands of requests
generated from the schema (valid ones and ones that break it), with a fixed seed and a bounded number of
examples per operation, must meet two checks on every answer: no server error (5xx), and the body
conforms to the schema for its status. A failure prints schemathesis's report with a curl command to
reproduce it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.conftest import Populated

# The module shares one server: its tests go to one pytest-xdist worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("schema-fuzz")
ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
SEED = 20261207
EXAMPLES = 25  # per operation and phase: about 3,000 requests, a minute or two on 2 cores
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


def config(populated: Populated) -> str:
    """Real ids for the path parameters, so that requests reach the code behind the look-up, and each
    role's token where the schema's operations belong to it."""
    applicant, expert = populated.applicant, populated.expert
    return f"""
headers = {{ Authorization = "Bearer {applicant}" }}

[[operations]]
include-path-regex = "^/api/v1/applications/[{{]id[}}]/"
parameters = {{ "path.id" = "{populated.application}", "path.document_id" = "{populated.document}" }}

[[operations]]
include-path-regex = "^/api/v1/reviews/"
headers = {{ Authorization = "Bearer {expert}" }}
"""


def test_generated_requests_get_no_server_error_and_answers_that_match_the_schema(populated, tmp_path):
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(populated))
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(settings),
            "run",
            str(ROOT / "openapi.yaml"),
            "--url",
            populated.base,
            "--checks",
            CHECKS,
            "--seed",
            str(SEED),
            "--max-examples",
            str(EXAMPLES),
            "--phases",
            "examples,coverage,fuzzing",
            # One worker: schemathesis' workers are threads, and CPython 3.11's ast.parse (which
            # Hypothesis calls to describe a lambda) is not thread-safe ("AST constructor recursion
            # depth mismatch", a SystemError seen in CI when two threads parsed at once).
            "--workers",
            "1",
            "--no-color",
            "--request-timeout",
            "30",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout[-20000:] + run.stderr[-5000:]
    assert run.returncode == 0, report
    assert " passed" in report and "generated" in report, report
