"""Benchmark of the officers' statistics (`GET /api/v1/stats/`) at 1,000,000 applications on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench \\
        .venv/bin/python bench/stats_endpoint.py --count 1000000 --rounds 7

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"),
migrates it and generates in SQL `--count` applications (one applicant each) spread over the two years
before --today: a fifth still drafts (never submitted), the rest submitted at a uniform moment, through
every channel and in every status, accepted when their status implies it (with a deadline 30 days on),
each decided one with its decision 2–47 days after submission (`decided_at` and its event), nine
applicants in ten on the insured registry in one of seven districts, their cases carrying the district.
It then runs `statistics_warm` once, as the job does every 5 minutes in production (the whole past
months counted and kept), and, in one process and interleaved round by round, times four things over
the year to --today:

- `floor`: one `COUNT(*)` of the applications submitted in the period (the least any live answer costs);
- `statistics`: `reviews.statistics.application_statistics` as shipped (the kept months, the current
  month counted live, the ratings and the annual reviews);
- `endpoint`: the whole `GET /api/v1/stats/` through Django's test client with an officer's bearer
  token (authentication, the figures, the serializer, the JSON);
- `statistics_live`: the same figures with every month counted on the request
  (`STATISTICS_MONTH_MINUTES=0`): what a request costs with the cache off or lost.

Only the queries are timed, never the generation. It prints one JSON line: medians, min–max, the
ratios to the floor, and the plan of the statistics query. Results: README, "Benchmarks".
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.panel_choice import bench_finish, bench_setup  # noqa: E402

# The value of every NOT NULL column of applications_application without a default, as SQL over the
# generated series `g` (1..count) and its random draws r1, r2, r3 in [0, 1). A column added to the
# model without an entry here stops the script with its name.
STATUS = """CASE WHEN r1 < 0.20 THEN 'draft' WHEN r1 < 0.22 THEN 'submitted' WHEN r1 < 0.25 THEN 'needs_supplement'
  WHEN r1 < 0.30 THEN 'under_review' WHEN r1 < 0.32 THEN 'approved' WHEN r1 < 0.35 THEN 'in_announcement'
  WHEN r1 < 0.45 THEN 'rejected' WHEN r1 < 0.50 THEN 'withdrawn' ELSE 'effective' END"""
CHANNEL = """CASE WHEN r2 < 0.70 THEN 'online' WHEN r2 < 0.80 THEN 'family' WHEN r2 < 0.85 THEN 'agent'
  WHEN r2 < 0.95 THEN 'hospital' ELSE 'window' END"""
PERSON = {
    "password": "'!'",
    "is_superuser": "false",
    "username": "'person' || g",
    "first_name": "''",
    "last_name": "''",
    "email": "''",
    "is_staff": "false",
    "is_active": "true",
    "date_joined": "now()",
    "name": "'张三'",
    "id_number": "''",
    "id_number_index": "'bench' || g",  # matched to the registry rows below (the district breakdown)
    "phone": "''",
    "phone_index": "''",
    "session_version": "0",
}
DISTRICTS = "'620902', '620921', '620922', '620923', '620924', '620981', '620982'"  # the city's seven
VALUES = {
    "id": "gen_random_uuid()",
    "reference": "'MS' || lpad(g::text, 16, '0')",
    "applicant_id": "(SELECT min(id) FROM accounts_user WHERE username LIKE 'person%%') + g - 1",
    "kind": "'new'",
    "status": "status",
    "disease_id": "(SELECT min(id) FROM applications_disease)",
    "diagnosis_date": "DATE '2024-06-01'",
    "diagnosing_hospital_id": "(SELECT min(id) FROM applications_hospital)",
    "diagnosing_doctor_name": "''",
    "diagnosing_doctor_code": "''",
    "designated_points": "'[]'",
    "agent_name": "''",
    "agent_id_number": "''",
    "agent_id_number_index": "''",
    "agent_phone": "''",
    "agent_relationship": "''",
    "channel": "channel",
    "problems": "'[]'",
    "review_round": "CASE WHEN status IN ('draft', 'submitted', 'needs_supplement') THEN 0 ELSE 1 END",
    "officer_decision_needed": "false",
    "check_attempts": "0",
    "created_at": "submitted",
    "updated_at": "submitted",
    "submitted_at": "CASE WHEN status = 'draft' THEN NULL ELSE submitted END",
    "accepted_at": """CASE WHEN status IN ('draft', 'submitted', 'needs_supplement') THEN NULL
                      ELSE submitted + interval '2 days' END""",
    "review_deadline": """CASE WHEN status IN ('draft', 'submitted', 'needs_supplement') THEN NULL
                          ELSE (submitted + interval '30 days')::date END""",
    # The decision, 1 to 45 days after acceptance (some after the deadline), as the workflow stamps it.
    "decided_at": """CASE WHEN status IN ('approved', 'in_announcement', 'effective', 'rejected')
                      THEN submitted + interval '2 days' + random() * interval '45 days' END""",
    # The district the completeness check records: the registry's, for the checked cases of registered people.
    "region_code": f"""CASE WHEN status IN ('draft', 'submitted') OR g %% 10 = 0 THEN ''
                       ELSE (ARRAY[{DISTRICTS}])[1 + g %% 7] END""",
}
# Nine in ten applicants on the insured registry, in one of the city's seven districts (county codes).
REGISTRY = (
    """INSERT INTO applications_insuredperson (id_number, id_number_index, name, insurance_type, region_code,
                  insured_since, status, updated_at)
              SELECT '', 'bench' || g, '张三', 'employee', (ARRAY["""
    + DISTRICTS
    + """])[1 + g %% 7],
                     DATE '2010-01-01', 'active', now()
              FROM generate_series(1, %(count)s) g WHERE g %% 10 <> 0"""
)
# The event of every decided case's decision, at its decided_at.
DECISIONS = """INSERT INTO applications_applicationevent (application_id, at, actor_label, from_status, to_status,
                   reason, data)
               SELECT id, decided_at, '系统', 'under_review',
                      CASE WHEN status = 'rejected' THEN 'rejected' ELSE 'approved' END, '', '{}'
               FROM applications_application
               WHERE status IN ('approved', 'in_announcement', 'effective', 'rejected')"""


def generate(*, count: int, today: dt.date) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connection

    quiet = io.StringIO()  # stdout carries the one JSON line
    call_command("migrate", verbosity=0)
    call_command("import_catalogue", verbosity=0, stdout=quiet)
    call_command("import_hospitals", verbosity=0, stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_name = 'applications_application' AND is_nullable = 'NO' AND column_default IS NULL"""
        )
        required = {row[0] for row in cursor.fetchall()}
        missing = required - set(VALUES)
        if missing:
            sys.exit(f"bench/stats_endpoint.py: no generated value for the new column(s) {sorted(missing)}")
        optional = ("submitted_at", "accepted_at", "review_deadline", "decided_at")
        columns = [name for name in VALUES if name in required or name in optional]
        cursor.execute(
            """SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts_user'
               AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'"""
        )
        person = {row[0] for row in cursor.fetchall()}
        if person - set(PERSON):
            sys.exit(
                f"bench/stats_endpoint.py: no generated value for the new column(s) {sorted(person - set(PERSON))}"
            )
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            f"""INSERT INTO accounts_user ({", ".join(PERSON)})
                SELECT {", ".join(PERSON.values())} FROM generate_series(1, %(count)s) g""",
            {"count": count},
        )
        start = dt.datetime.combine(today - dt.timedelta(days=730), dt.time(), tzinfo=dt.UTC)
        cursor.execute(
            f"""INSERT INTO applications_application ({", ".join(columns)})
                SELECT {", ".join(VALUES[name] for name in columns)}
                FROM (SELECT g, {STATUS} AS status, {CHANNEL} AS channel,
                             %(start)s::timestamptz + (r3 * interval '730 days') AS submitted
                      FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3
                            FROM generate_series(1, %(count)s) g) draws) rows""",
            {"count": count, "start": start},
        )
        cursor.execute(REGISTRY, {"count": count})
        cursor.execute(DECISIONS)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE applications_applicationevent")
        cursor.execute("VACUUM ANALYZE applications_insuredperson")
        cursor.execute("VACUUM ANALYZE applications_application")
        cursor.execute("VACUUM ANALYZE accounts_user")
        cursor.execute("SELECT count(*), count(submitted_at) FROM applications_application")
        applications, submitted = cursor.fetchone()
    return {"applications": applications, "submitted": submitted}


def measure(*, rounds: int, today: dt.date) -> dict[str, object]:
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client, override_settings
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from applications.models import Application
    from reviews.cohorts import statistics_warm
    from reviews.statistics import application_statistics

    date_from = today.replace(month=1, day=1)
    officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"is_staff": True, "name": "经办"})
    officer.groups.add(Group.objects.get(name="经办人员"))
    token = RefreshToken.for_user(officer).access_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")  # an allowed host
    url = f"/api/v1/stats/?date_from={date_from}&date_to={today}"
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))

    def floor() -> object:
        return Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end).count()

    figures: dict[str, object] = {}

    def stats() -> object:
        result = application_statistics(date_from=date_from, date_to=today, today=today)
        figures.update(
            durations=result["durations"],
            completion_rate=result["totals"]["completion_rate"],
            overdue_rate=result["totals"]["overdue_rate"],
            districts=len(result["by_district"]),
        )
        return result["totals"]

    def endpoint() -> object:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()["totals"]

    def live() -> object:
        with override_settings(STATISTICS_MONTH_MINUTES=0):  # every month counted on the request
            return application_statistics(date_from=date_from, date_to=today, today=today)["totals"]

    statistics_warm(on=today)  # as the job has done within the last 5 minutes in production
    runs = {"floor": floor, "statistics": stats, "endpoint": endpoint, "statistics_live": live}
    times: dict[str, list[float]] = {name: [] for name in runs}
    answers: dict[str, object] = {}
    for _ in range(rounds):
        for name, run in runs.items():
            began = time.perf_counter()
            answers[name] = run()
            times[name].append(time.perf_counter() - began)
    totals = answers["statistics"]
    assert isinstance(totals, dict) and totals["received"] == answers["floor"] == answers["endpoint"]["received"]  # type: ignore[index]
    assert answers["statistics_live"] == totals  # the kept months give the figures counted live
    medians = {name: statistics.median(values) for name, values in times.items()}
    with connection.cursor() as cursor:
        sql, params = _statistics_sql(date_from=date_from, today=today)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    return {
        "period": [str(date_from), str(today)],
        "received_in_period": answers["floor"],
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "min_max_ms": {name: [round(min(v) * 1000, 1), round(max(v) * 1000, 1)] for name, v in times.items()},
        "ratio_to_floor": {name: round(medians[name] / medians["floor"], 2) for name in runs if name != "floor"},
        "rounds": rounds,
        "figures": figures,
        "plan": plan,
    }


def _statistics_sql(*, date_from: dt.date, today: dt.date) -> tuple[str, tuple[object, ...]]:
    """The statistics query's SQL, for its plan."""
    from reviews.cohorts import statistics_rows

    rows = statistics_rows(date_from=date_from, date_to=today)
    sql, params = rows.query.sql_with_params()
    return sql, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 12, 7))
    args = bench_setup(parser)
    began = time.perf_counter()
    data = {} if args.reuse else generate(count=args.count, today=args.today)
    result: dict[str, object] = {"count": args.count, **data, "generated_s": round(time.perf_counter() - began, 1)}
    result.update(measure(rounds=args.rounds, today=args.today))
    print(json.dumps(result, ensure_ascii=False))
    bench_finish(args)


if __name__ == "__main__":
    main()
