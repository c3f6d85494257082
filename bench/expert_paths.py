"""Benchmark of the expert's two pages, the queue (`GET /api/v1/reviews/`) and the case
(`GET /api/v1/reviews/<assignment>/`), at 1,000,000 applications on PostgreSQL (issue 16: p95 under 50 ms
in process, with a query count that does not grow with the expert's work).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench_expert_paths \\
        .venv/bin/python bench/expert_paths.py --count 1000000 --requests 200

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"),
generates `--count` applications with bench/stats_endpoint.py's `generate()` (two years of cases in every
status, a twentieth of them under review), then, in SQL: `--experts` experts (every category), each case
under review assigned to one of them in turn (~167 open cases each at a million), `--past` decided
assignments per expert on the decided cases (up to 3 experts a case, so fewer at a smaller `--count`),
one more expert with `--light-open` open cases only (the second member of a panel) and as many past
ones, and on each open case four documents and its two events (submitted, accepted). The experts'
open-work counters are then set with `expert_load_recount(fix=True)` and the official calendar loaded.

Then, in one process, through Django's test client with each expert's bearer token (the project's
session JWT), it times `--requests` requests of the queue's first page and of the case (a different open
case of that expert each time, in turn), after `--warmup` of each, interleaved, for two experts with a
full queue and for the light one: p50/p95/p99 in ms, the time spent in SQL (median), and the queries per
request (CaptureQueriesContext, over several cases). The query count must be the same for the light
expert as for the full ones (`constant_queries`). Last, cProfile over `--profile` queue and case
requests: the top 15 entries of the project's own code by cumulative time, and where the time goes in
the libraries. Only the requests are timed, never the generation. It prints one JSON line and a
markdown table. Results: bench/README.md, "`expert_paths.py`".
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import math
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.panel_choice import bench_finish, bench_setup  # noqa: E402
from bench.stats_endpoint import PERSON, generate  # noqa: E402

QUEUE = "/api/v1/reviews/"
TARGET_P95_MS = 50.0
DECIDED = "('approved', 'in_announcement', 'effective', 'rejected')"
# The experts as accounts: the applicants' columns (stats_endpoint.PERSON) with their own values.
EXPERT = {
    **PERSON,
    "username": "'bench-expert' || lpad(g::text, 4, '0')",
    "is_staff": "true",
    "name": "'专家' || g",
    "id_number_index": "''",
}
ASSIGNMENT = "INSERT INTO reviews_reviewassignment (application_id, expert_id, round, role, is_active, assigned_at, "
ASSIGNMENT += "decision, reason, decided_at) "
GENERATE = [
    f"""INSERT INTO accounts_user ({", ".join(EXPERT)})
        SELECT {", ".join(EXPERT.values())} FROM generate_series(1, %(all)s) g""",
    """INSERT INTO reviews_expertprofile (user_id, is_active, capacity, institution, open_load)
        SELECT id, true, 30000, '', 0 FROM accounts_user WHERE username LIKE 'bench-expert%%'""",
    """INSERT INTO reviews_expertprofile_specialties (expertprofile_id, diseasecategory_id)
        SELECT p.id, c.id FROM reviews_expertprofile p, applications_diseasecategory c""",
    """CREATE TEMP TABLE bench_experts AS
        SELECT id, row_number() OVER (ORDER BY id) AS en FROM accounts_user WHERE username LIKE 'bench-expert%%'""",
    # every case under review: one expert, in turn (the light expert, the last one, is left out)
    ASSIGNMENT
    + """SELECT a.id, e.id, a.review_round, 'panel', true, a.accepted_at, '', '', NULL
        FROM (SELECT id, review_round, accepted_at, row_number() OVER (ORDER BY reference) AS rn
              FROM applications_application WHERE status = 'under_review') a
        JOIN bench_experts e ON e.en = (a.rn - 1) %% %(experts)s + 1""",
    # the light expert: the second member of the panel of the first --light-open cases
    ASSIGNMENT
    + """SELECT a.id, e.id, a.review_round, 'panel', true, a.accepted_at, '', '', NULL
        FROM (SELECT id, review_round, accepted_at FROM applications_application
              WHERE status = 'under_review' ORDER BY reference LIMIT %(light_open)s) a
        JOIN bench_experts e ON e.en = %(all)s""",
    # past work: up to `panel` experts a decided case, in turn over all experts, --past each
    ASSIGNMENT
    + f"""SELECT a.id, e.id, 1, 'panel', true, a.accepted_at,
               CASE WHEN a.status = 'rejected' THEN 'reject' ELSE 'approve' END, '', a.decided_at
        FROM (SELECT id, status, accepted_at, decided_at, row_number() OVER (ORDER BY reference) AS rn
              FROM applications_application WHERE status IN {DECIDED}) a
        CROSS JOIN generate_series(0, %(panel)s - 1) k
        JOIN bench_experts e ON e.en = ((a.rn - 1) * %(panel)s + k) %% %(all)s + 1
        WHERE (a.rn - 1) * %(panel)s + k < %(past_rows)s""",
    # what the case page shows: four documents and the two events of each open case
    """INSERT INTO applications_document (id, application_id, kind, file, original_name, content_type, size,
            sha256, uploaded_by_id, uploaded_at, form_digest)
        SELECT gen_random_uuid(), a.id, k.kind, 'documents/bench/' || k.kind, k.kind || '.jpg', 'image/jpeg',
            100000, md5(a.reference || k.kind) || md5(k.kind || a.reference), a.applicant_id, a.submitted_at, ''
        FROM applications_application a,
             (VALUES ('id_card_front'), ('id_card_back'), ('diagnosis_certificate'), ('medical_record')) k(kind)
        WHERE a.status = 'under_review'""",
    """INSERT INTO applications_applicationevent (application_id, at, actor_label, from_status, to_status,
            reason, data)
        SELECT a.id, e.at, '系统', e.f, e.t, '', '{}'
        FROM applications_application a
        CROSS JOIN LATERAL (VALUES (a.submitted_at, 'draft', 'submitted'),
                                   (a.accepted_at, 'submitted', 'under_review')) e(at, f, t)
        WHERE a.status = 'under_review'""",
]
TABLES = ["accounts_user", "reviews_expertprofile", "reviews_reviewassignment", "applications_document"]
TABLES += ["applications_applicationevent"]
# Where the time goes in the libraries (cumulative, per request): (label, file ending, function).
AREAS = [
    ("whole request (handler)", "django/core/handlers/base.py", "get_response"),
    ("SQL executed (round trip)", "django/db/backends/utils.py", "_execute"),
    ("SQL compiled", "django/db/models/sql/compiler.py", "as_sql"),
    ("model instances built", "django/db/models/base.py", "from_db"),
    ("serializer .data", "rest_framework/serializers.py", "data"),
    ("JSON rendered", "rest_framework/renderers.py", "render"),
    ("authentication", "rest_framework/request.py", "_authenticate"),
]


def generate_experts(*, experts: int, past: int, light_open: int) -> dict[str, object]:
    """The experts, their open and past assignments, and the open cases' documents and events."""
    from django.db import connection

    from reviews.calendar import calendar_seed
    from reviews.experts import expert_load_recount

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM applications_application WHERE status IN {DECIDED}")
        decided = cursor.fetchone()[0]
        past_rows = past * (experts + 1)
        panel = max(1, min(3, math.ceil(past_rows / max(decided, 1))))
        values = {"experts": experts, "all": experts + 1, "light_open": light_open}
        values.update(panel=panel, past_rows=past_rows)
        cursor.execute("SET session_replication_role = replica")  # consistent by construction
        for sql in GENERATE:
            cursor.execute(sql, values)
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")  # the generated rows written out before anything is timed
        cursor.execute(
            """SELECT count(*) FILTER (WHERE decision = ''), count(*) FILTER (WHERE decision <> '')
               FROM reviews_reviewassignment"""
        )
        open_rows, past_done = cursor.fetchone()
    recount = time.perf_counter()
    assert len(expert_load_recount(fix=True)) == experts + 1 and expert_load_recount() == []
    recount_s = time.perf_counter() - recount
    calendar_seed()  # the official holidays, as `load_calendar` (without recomputing the generated deadlines)
    return {
        "experts": experts + 1,
        "open_assignments": open_rows,
        "past_assignments": past_done,
        "past_panel": panel,
        "recount_s": round(recount_s, 2),
    }


def experts_measured(*, light_open: int) -> dict[str, Any]:
    """The first and the middle full experts, and the light one, by open load."""
    from reviews.models import ExpertProfile

    profiles = list(
        ExpertProfile.objects.filter(user__username__startswith="bench-expert")
        .select_related("user")
        .order_by("user__username")
    )
    light = profiles[-1]
    assert light.open_load == light_open, (light.open_load, light_open)
    full = profiles[:-1]
    return {"full_a": full[0].user, "full_b": full[len(full) // 2].user, "light": light.user}


class Expert:
    """One expert's client (bearer token of the project's session JWT) and open cases."""

    def __init__(self, user) -> None:  # type: ignore[no-untyped-def]
        from django.test import Client

        from accounts.sessions import session_tokens
        from reviews.models import ReviewAssignment
        from reviews.selectors import assignment_list

        token = session_tokens(user=user)["access"]
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
        self.cases = list(assignment_list(expert=user).values_list("pk", flat=True))
        self.open = len(self.cases)
        self.past = ReviewAssignment.objects.filter(expert=user).exclude(decision="").count()
        self.turn = 0
        self.shown = 0

    def queue(self) -> None:
        response = self.client.get(QUEUE)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert body["count"] == self.open and len(body["results"]) == min(50, self.open), body["count"]
        self.shown = len(body["results"])

    def case(self) -> None:
        pk = self.cases[self.turn % len(self.cases)]
        self.turn += 1
        response = self.client.get(f"{QUEUE}{pk}/")
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert body["id"] == pk and len(body["documents"]) == 4 and body["status"] == "under_review", body


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


def time_paths(expert: Expert, *, requests: int, warmup: int) -> dict[str, dict[str, float]]:
    """Interleaved queue and case requests, each timed, with the time spent in SQL."""
    from django.db import connection

    sql = [0.0]

    def wrapper(execute, statement, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql[0] += time.perf_counter() - began

    runs = {"queue": expert.queue, "case": expert.case}
    for _ in range(warmup):
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    db: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}  # this process's CPU: less sensitive to others' load
    with connection.execute_wrapper(wrapper):
        for _ in range(requests):
            for name, run in runs.items():
                sql[0] = 0.0
                began, began_cpu = time.perf_counter(), time.process_time()
                run()
                times[name].append((time.perf_counter() - began) * 1000)
                cpu[name].append((time.process_time() - began_cpu) * 1000)
                db[name].append(sql[0] * 1000)
    return {
        name: {
            **percentiles(times[name]),
            "sql_p50": round(statistics.median(db[name]), 1),
            "cpu_p50": percentiles(cpu[name])["p50"],
            "cpu_p95": percentiles(cpu[name])["p95"],
        }
        for name in runs
    }


def count_queries(expert: Expert, *, cases: int = 5) -> dict[str, list[int]]:
    """Queries of the queue (twice) and of `cases` different cases."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, list[int]] = {"queue": [], "case": []}
    for name, run, times in (("queue", expert.queue, 2), ("case", expert.case, cases)):
        for _ in range(times):
            with CaptureQueriesContext(connection) as captured:
                run()
            counts[name].append(len(captured))
    return counts


def profile(expert: Expert, *, requests: int) -> dict[str, object]:
    """cProfile over `requests` queue and `requests` case requests: the project's own functions by
    cumulative time, and the libraries' main areas."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        expert.queue()
        expert.case()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    total = 2 * requests
    own: list[tuple[float, str, int]] = []
    areas: dict[str, float] = {}
    for (filename, line, function), (_, calls, _, cumulative, _) in stats.items():
        if filename.startswith(str(ROOT)) and "/.venv/" not in filename and "/bench/" not in filename:
            own.append((cumulative, f"{Path(filename).relative_to(ROOT)}:{line}({function})", calls))
        for label, ending, name in AREAS:
            if filename.endswith(ending) and function == name:
                areas[label] = areas.get(label, 0.0) + cumulative
    own.sort(reverse=True)
    return {
        "requests": total,
        "top_project_cumulative": [
            {
                "function": where,
                "calls": calls,
                "cum_ms": round(cumulative * 1000, 1),
                "ms_per_call": round(cumulative * 1000 / calls, 2),
            }
            for cumulative, where, calls in own[:15]
        ],
        "areas_ms_per_request": {label: round(areas.get(label, 0.0) * 1000 / total, 2) for label, _, _ in AREAS},
    }


def queue_plan(expert_user) -> list[str]:  # type: ignore[no-untyped-def]
    """The plan of the queue's page query."""
    from django.db import connection

    from reviews.selectors import assignment_list

    sql, params = assignment_list(expert=expert_user)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def table(result: dict[str, Any]) -> str:
    lines = ["| expert (open / past) | path | p50 ms | p95 ms | p99 ms | SQL p50 ms | CPU p50/p95 ms | queries |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    for name, data in result["experts_measured"].items():
        for path in ("queue", "case"):
            t, queries = data["timing_ms"][path], "–".join(str(n) for n in sorted(set(data["queries"][path])))
            lines.append(
                f"| {name} ({data['open']} / {data['past']}) | {path} | {t['p50']} | {t['p95']} | {t['p99']} "
                f"| {t['sql_p50']} | {t['cpu_p50']}/{t['cpu_p95']} | {queries} |"
            )
    lines += ["", f"cProfile, {result['profile']['requests']} requests (half queue, half case):", ""]
    lines += ["| project function | calls | cumulative ms | ms per call |", "|---|---|---|---|"]
    lines += [
        f"| `{row['function']}` | {row['calls']} | {row['cum_ms']} | {row['ms_per_call']} |"
        for row in result["profile"]["top_project_cumulative"]
    ]
    areas = ", ".join(f"{label} {ms}" for label, ms in result["profile"]["areas_ms_per_request"].items())
    lines += ["", f"Areas, ms per request under cProfile (mean of both paths): {areas}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="applications")
    parser.add_argument("--experts", type=int, default=300, help="experts with a full queue")
    parser.add_argument("--past", type=int, default=6000, help="decided assignments per expert (at most 3 a case)")
    parser.add_argument("--light-open", type=int, default=10, help="open cases of the light expert")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each path per expert")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", type=int, default=50, help="queue and case requests profiled")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 12, 7), help="of the data")
    args = bench_setup(parser)
    from django.db import connection

    began = time.perf_counter()
    result: dict[str, object] = {"count": args.count}
    if not args.reuse:
        result.update(generate(count=args.count, today=args.today))
        result.update(generate_experts(experts=args.experts, past=args.past, light_open=args.light_open))
    result["generated_s"] = round(time.perf_counter() - began, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE status = 'under_review'), count(*) FROM applications_application")
        result["under_review"], result["applications"] = cursor.fetchone()
    users = experts_measured(light_open=args.light_open)
    experts = {name: Expert(user) for name, user in users.items()}
    measured: dict[str, dict[str, object]] = {}
    for name, expert in experts.items():
        timing = time_paths(expert, requests=args.requests, warmup=args.warmup)
        measured[name] = {
            "username": users[name].username,
            "open": expert.open,
            "past": expert.past,
            "queue_rows": expert.shown,
            "timing_ms": timing,
            "queries": count_queries(expert),
        }
    counts = {path: {n for data in measured.values() for n in data["queries"][path]} for path in ("queue", "case")}  # type: ignore[index]
    result.update(
        requests=args.requests,
        warmup=args.warmup,
        experts_measured=measured,
        constant_queries={path: len(found) == 1 for path, found in counts.items()},
        p95_under_target={
            f"{name}:{path}": data["timing_ms"][path]["p95"] < TARGET_P95_MS  # type: ignore[index]
            for name, data in measured.items()
            for path in ("queue", "case")
        },
        profile=profile(experts["full_a"], requests=args.profile),
        queue_plan=queue_plan(users["full_a"]),
    )
    git = ["git", "-C", str(ROOT)]
    result["commit"] = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run([*git, "status", "--porcelain", "-uno"], capture_output=True, text=True).stdout.split()
    result["uncommitted"] = changed[1::2]  # the code measured: the commit and the files changed on top of it
    with open("/proc/loadavg") as loadavg:
        result["loadavg"] = loadavg.read().split()[:3]
    print(json.dumps(result, ensure_ascii=False))
    print(table(result))
    bench_finish(args)


if __name__ == "__main__":
    main()
