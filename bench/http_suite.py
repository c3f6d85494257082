"""The HTTP suite: each API path of the project against a bare DRF twin, served the same way, in one run.

    make bench                      # or: .venv/bin/python bench/http_suite.py [--rounds 3 --seconds 6 --clients 8]

It creates two throwaway PostgreSQL databases (`osd_bench_http` for the project, `osd_bench_twin` for the
twin in `bench/twin/`), migrates them and writes the rows the paths need (factories for the project, the
twin's `prepare.py` for the twin), starts both with gunicorn (2 workers x 4 threads, same options) on
two ports, and for each path drives them in interleaved rounds (project, twin, project, twin, ...) with
`--clients` keep-alive connections (`http_load.py`). Queries per request: the project's measured in
process (one request under `CaptureQueriesContext`, after one to warm up), the twin's from its
`X-Queries` header. The table is printed and written to `bench/results/http_suite-<date>.md`. Both
servers are stopped and both databases dropped at the end, also on an error or Ctrl-C (`--keep` keeps
the databases). Redis: database `--redis-db` (13) of 127.0.0.1:6379, which must be empty at the start
and is flushed at the end (the submit path's Celery messages land there; no worker consumes them).
The paths: `PATHS`; the later seven (register, PDF upload, precheck, certificate PDF, expert case, the
announcement API and page) are set up in `http_paths.py`, whose docstring says what each does and what
its twin leaves out. Rounds are 6 s by default (8 s before those were added) to keep `make bench` under
20 minutes on 2 cores: the register and certificate-PDF rounds overrun by their slowest requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import http_paths  # noqa: E402
from bench.http_load import Request, Round, multipart, percentiles, run_round, start_server, stop_server, wait_server  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432"
PROJECT_DB, TWIN_DB = "osd_bench_http", "osd_bench_twin"
PASSWORD = "Bench-pass-2026!"
PATHS = (
    *("token", "register", "create", "upload", "upload_pdf", "precheck", "submit", "detail", "list"),
    *("verify", "certificate_pdf", "queue", "case", "announcement_api", "announcement_page"),
)
RAISED = "1000000/second"  # a one-second window: DRF's stock throttle keeps a list of the window's requests


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per server and path")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of one round")
    parser.add_argument("--warmup", type=float, default=1.0, help="an unmeasured round first, per server and path")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--users", type=int, default=150, help="applicants (x --diseases drafts can be created)")
    parser.add_argument("--diseases", type=int, default=20)
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated subset of " + ",".join(PATHS))
    parser.add_argument("--ports", default="8071,8072", help="project,twin")
    parser.add_argument("--redis-db", type=int, default=13, help="this one (project) and the next (twin)")
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    return parser.parse_args()


def _recreate(*names: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names:
            assert "bench" in name
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                conn.execute(f'CREATE DATABASE "{name}"')


def _jpeg() -> bytes:
    """A ~400 KB JPEG, like a phone photo of a scan (noise does not compress)."""
    from PIL import Image

    image = Image.effect_noise((900, 700), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


# --- the project: its data, written in this process -------------------------------------------------
def _prepare_project(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.test import override_settings

    call_command("migrate", verbosity=0, interactive=False)
    from accounts.sessions import session_tokens
    from certification.models import Certification
    from reviews.models import ReviewAssignment
    from tests.factories import ApplicationFactory, DiseaseCategoryFactory, DiseaseFactory, HospitalFactory, UserFactory
    from tests.reviews.review_helpers import expert

    # Any: the factories' calls are typed as the factory, not the model they return.
    hospital: Any = HospitalFactory(level=3)
    category: Any = DiseaseCategoryFactory(code="bench", name="基准类别")
    diseases = [DiseaseFactory(category=category) for _ in range(args.diseases + 1)]
    UserFactory(username="bench_token", password=PASSWORD)  # the one account that logs in: the real hasher
    # The others never log in: a cheap hasher for their unused passwords (PBKDF2 would take a minute here).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        applicants: list[Any] = [UserFactory() for _ in range(args.users + 1)]
        lister: Any = UserFactory()
    listed: list[Any] = [
        ApplicationFactory(applicant=lister, disease=d, diagnosing_hospital=hospital) for d in diseases[:20]
    ]
    reviewer = expert(category)
    for i in range(20):
        app: Any = ApplicationFactory(
            under_review=True, disease=diseases[i % len(diseases)], diagnosing_hospital=hospital
        )
        ReviewAssignment.objects.create(application=app, expert=reviewer, round=1)
    certified: Any = ApplicationFactory(effective=True, disease=diseases[0], diagnosing_hospital=hospital)
    more = http_paths.prepare_project(hospital=hospital, diseases=diseases, reviewer=reviewer, certified=certified)
    return {
        **more,
        "create_tokens": [session_tokens(user=u)["access"] for u in applicants[:-1]],
        "spare_token": session_tokens(user=applicants[-1])["access"],
        "disease_codes": [d.code for d in diseases[:-1]],
        "spare_disease": diseases[-1].code,
        "hospital": hospital.code,
        "list_token": session_tokens(user=lister)["access"],
        "detail": [str(app.pk) for app in listed[:8]],
        "queue_token": session_tokens(user=reviewer)["access"],
        "verify_code": Certification.objects.get(application=certified).code,
    }


def _queries_in_process(data: dict[str, Any], scan: bytes) -> dict[str, tuple[int, float]]:
    """Per path: (queries, ms) of one request in this process, after one unmeasured request."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    def client(token: str | None = None) -> APIClient:
        c = APIClient(HTTP_HOST="127.0.0.1")
        if token:
            c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return c

    logging.getLogger("osd.request").setLevel(logging.WARNING)  # the servers' logs have these lines
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic: the API serves no files
    spare = client(data["spare_token"])
    drafts: list[str] = []

    def create(n: int) -> Any:
        body = _create_body(data, data["disease_codes"][n] if n < 2 else data["spare_disease"])
        response = spare.post("/api/v1/applications/", body, format="json")
        drafts.append(response.json()["id"])
        return response

    calls = {
        "token": lambda n: client().post(
            "/api/v1/auth/token/", {"username": "bench_token", "password": PASSWORD}, format="json"
        ),
        "create": create,
        "upload": lambda n: spare.post(
            f"/api/v1/applications/{drafts[n]}/documents/",
            {"kind": "id_card_front", "file": SimpleUploadedFile("scan.jpg", scan, "image/jpeg")},
            format="multipart",
        ),
        "submit": lambda n: spare.post(f"/api/v1/applications/{drafts[n]}/submit/"),
        "detail": lambda n: client(data["list_token"]).get(f"/api/v1/applications/{data['detail'][n]}/"),
        "list": lambda n: client(data["list_token"]).get("/api/v1/applications/"),
        "verify": lambda n: client().get(f"/api/v1/certificates/verify/{data['verify_code']}/"),
        "queue": lambda n: client(data["queue_token"]).get("/api/v1/reviews/"),
        **http_paths.calls(data, client, PASSWORD),
    }
    found: dict[str, tuple[int, float]] = {}
    for path, call in calls.items():
        call(0)
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            response = call(1)
            elapsed = (time.perf_counter() - began) * 1000
        if response.status_code >= 300:
            raise SystemExit(f"in process, {path} answered {response.status_code}: {response.content[:300]!r}")
        found[path] = (len(ctx.captured_queries), elapsed)
    return found


# --- the load: one source of requests per path and server -------------------------------------------
def _create_body(data: dict[str, Any], disease: str) -> dict[str, Any]:
    diagnosed = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    return {
        "disease_code": disease,
        "diagnosis_date": diagnosed,
        "diagnosing_hospital": data["hospital"],
        "designated_points": [data["hospital"]],
    }


class Target:
    """One server under load, with the state its paths share (the drafts its create rounds made)."""

    def __init__(self, name: str, port: int, data: dict[str, Any], scan: bytes, cycle: bool) -> None:
        self.name, self.port, self.data, self.cycle = name, port, data, cycle
        self.upload_body, self.upload_type = multipart(
            {"kind": "id_card_front"}, "file", "scan.jpg", scan, "image/jpeg"
        )
        self.drafts: list[tuple[str, str]] = []  # (token, application id)
        self.created: dict[int, str] = {}
        self.offsets = {path: 0 for path in PATHS}
        self.queries: dict[str, str] = {}
        self.more = http_paths.Sources(data, PASSWORD)

    def _next(self, path: str) -> int:
        self.offsets[path] += 1
        return self.offsets[path] - 1

    @staticmethod
    def _auth(token: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **headers}

    def source(self, path: str) -> Any:
        if path in http_paths.NEW_PATHS:
            return self.more.source(path, self._auth)
        data, json_type = self.data, {"Content-Type": "application/json"}
        tokens, codes = data["create_tokens"], data["disease_codes"]

        def token(n: int) -> Request:
            body = json.dumps({"username": "bench_token", "password": PASSWORD}).encode()
            return "POST", "/api/v1/auth/token/", body, json_type

        def create(n: int) -> Request | None:
            i = self._next("create")
            if i >= len(tokens) * len(codes):  # the project allows one open application per disease
                if not self.cycle:
                    return None
                i %= len(tokens) * len(codes)
            user, disease = divmod(i, len(codes))
            self.created[n] = tokens[user]
            body = json.dumps(_create_body(data, codes[disease])).encode()
            return "POST", "/api/v1/applications/", body, self._auth(tokens[user], **json_type)

        def upload(n: int) -> Request | None:
            if not self.drafts:
                return None
            tok, app = self.drafts[self._next("upload") % min(200, len(self.drafts))]
            headers = self._auth(tok, **{"Content-Type": self.upload_type})
            return "POST", f"/api/v1/applications/{app}/documents/", self.upload_body, headers

        def submit(n: int) -> Request | None:
            i = self._next("submit")  # each draft once: a second submit is a no-op
            if i >= len(self.drafts):
                return None
            tok, app = self.drafts[-1 - i]
            return "POST", f"/api/v1/applications/{app}/submit/", None, self._auth(tok)

        def detail(n: int) -> Request:
            app = data["detail"][n % len(data["detail"])]
            return "GET", f"/api/v1/applications/{app}/", None, self._auth(data["list_token"])

        sources = {
            "token": token,
            "create": create,
            "upload": upload,
            "submit": submit,
            "detail": detail,
            "list": lambda n: ("GET", "/api/v1/applications/", None, self._auth(data["list_token"])),
            "verify": lambda n: ("GET", f"/api/v1/certificates/verify/{data['verify_code']}/", None, {}),
            "queue": lambda n: ("GET", "/api/v1/reviews/", None, self._auth(data["queue_token"])),
        }
        return sources[path]

    def collect(self, path: str) -> Any:
        def seen(n: int, payload: bytes, queries: str | None) -> None:
            if queries is not None:
                self.queries[path] = queries
            if path == "create":
                self.drafts.append((self.created.pop(n), json.loads(payload)["id"]))

        return seen


# --- the run ----------------------------------------------------------------------------------------
def _measure(args: argparse.Namespace, targets: list[Target], paths: list[str]) -> dict[str, dict[str, list[Round]]]:
    results: dict[str, dict[str, list[Round]]] = {}
    for path in paths:
        results[path] = {t.name: [] for t in targets}
        for target in targets:
            if args.warmup > 0:
                run_round(
                    port=target.port,
                    source=target.source(path),
                    clients=args.clients,
                    seconds=args.warmup,
                    collect=target.collect(path),
                )
        for _ in range(args.rounds):
            for target in targets:  # interleaved: project, twin, project, twin, ...
                one = run_round(
                    port=target.port,
                    source=target.source(path),
                    clients=args.clients,
                    seconds=args.seconds,
                    collect=target.collect(path),
                )
                results[path][target.name].append(one)
                note = f"  errors {one.errors}: {one.sample_error}" if one.errors else ""
                print(
                    f"  {path:17} {target.name:7} {one.rps:8.1f} req/s  ({one.requests} in {one.seconds:.1f} s){note}",
                    flush=True,
                )
    return results


def _table(results: dict[str, dict[str, list[Round]]], queries: dict[str, tuple[int, float]], twin: Target) -> str:
    def ms(rounds: list[Round]) -> str:
        p50, p95, p99 = percentiles([x for r in rounds for x in r.latencies])
        return f"{p50:.0f} / {p95:.0f} / {p99:.0f}"

    lines = [
        "| path | project req/s | twin req/s | ratio | project p50 / p95 / p99 ms | twin p50 / p95 / p99 ms "
        "| queries project / twin | project in process ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path, by_target in results.items():
        project = statistics.median(r.rps for r in by_target["project"])
        bare = statistics.median(r.rps for r in by_target["twin"])
        ratio = f"{project / bare:.2f}x" if bare else "-"
        count, elapsed = queries.get(path, (0, float("nan")))
        errors = sum(r.errors for rounds in by_target.values() for r in rounds)
        lines.append(
            f"| {path} | {project:.1f} | {bare:.1f} | {ratio} | {ms(by_target['project'])} | {ms(by_target['twin'])} "
            f"| {count} / {twin.queries.get(path, '?')} | {elapsed:.0f} | {errors} |"
        )
    return "\n".join(lines)


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def main() -> None:
    args = _options()
    paths = [p for p in args.paths.split(",") if p]
    unknown = set(paths) - set(PATHS)
    if unknown:
        raise SystemExit(f"unknown paths: {', '.join(sorted(unknown))}")
    began, load_before = time.monotonic(), _load_average()
    project_port, twin_port = (int(p) for p in args.ports.split(","))
    # Same Redis server, one database each: their throttles would otherwise share a key of different shapes.
    redis_urls = [f"redis://127.0.0.1:6379/{args.redis_db + i}" for i in (0, 1)]
    import redis

    stores = [redis.Redis.from_url(url) for url in redis_urls]
    if any(store.dbsize() for store in stores):
        raise SystemExit(
            f"Redis databases {args.redis_db} and {args.redis_db + 1} must be empty: pass another --redis-db"
        )
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    common = {
        "DJANGO_DEBUG": "false",
        "DB_CONN_MAX_AGE": "60",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    project_env = {
        **common,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEMO_MODE": "true",
        "DATABASE_URL": f"{PG}/{PROJECT_DB}",
        "REDIS_URL": redis_urls[0],
        "VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "media"),
        **{f"THROTTLE_{scope}": RAISED for scope in ("REGISTER", "TOKEN", "UPLOAD", "VERIFY", "OBJECTION")},
    }
    twin_env = {
        **common,
        "DJANGO_SETTINGS_MODULE": "bench.twin.settings",
        "TWIN_DATABASE_URL": f"{PG}/{TWIN_DB}",
        "REDIS_URL": redis_urls[1],
        "MEDIA_ROOT": str(work / "twin-media"),
        "THROTTLE_VERIFY": RAISED,
    }
    os.environ.update(project_env)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        _recreate(PROJECT_DB, TWIN_DB)
        import django

        django.setup()
        print(f"preparing the databases ({work})", flush=True)
        scan = _jpeg()
        project_data = _prepare_project(args)
        twin_out = subprocess.run(
            [sys.executable, str(ROOT / "bench/twin/prepare.py"), str(args.users), PASSWORD],
            env=twin_env,
            cwd=ROOT,
            capture_output=True,
        )
        if twin_out.returncode:
            raise SystemExit(f"bench/twin/prepare.py failed:\n{twin_out.stderr.decode()[-3000:]}")
        twin_data = json.loads(twin_out.stdout)
        twin_data.update(disease_codes=project_data["disease_codes"], hospital=project_data["hospital"])
        queries = _queries_in_process(project_data, scan)
        from django.db import connections

        connections.close_all()
        servers.append(start_server("project", "config.wsgi", project_port, project_env, work))
        servers.append(start_server("twin", "bench.twin.wsgi", twin_port, twin_env, work))
        for port, server in zip((project_port, twin_port), servers, strict=True):
            wait_server(port, server)
        targets = [
            Target("project", project_port, project_data, scan, cycle=False),
            Target("twin", twin_port, twin_data, scan, cycle=True),
        ]
        print(f"measuring: {args.rounds} rounds x {args.seconds:g} s, {args.clients} clients", flush=True)
        results = _measure(args, targets, paths)
        table = _table(results, queries, targets[1])
        minutes = (time.monotonic() - began) / 60
        header = (
            f"HTTP suite, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average before "
            f"{load_before}, after {_load_average()}; gunicorn 2 workers x 4 threads each; {args.rounds} interleaved "
            f"rounds of {args.seconds:g} s, {args.clients} clients; req/s the median round; whole run {minutes:.1f} min"
        )
        print(f"\n{header}\n\n{table}\n")
        out = ROOT / "bench/results" / f"http_suite-{dt.datetime.now(dt.UTC):%Y-%m-%d-%H%M}.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(f"{header}\n\n{table}\n", encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")
    finally:
        for server in servers:
            stop_server(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up yet
            pass
        if not args.keep:
            _recreate(PROJECT_DB, TWIN_DB, drop_only=True)
        for store in stores:
            store.flushdb()
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
