"""Benchmark of the daily annual-review sweep (`applications.renewals.annual_reviews`) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench \\
        .venv/bin/python bench/annual_review_sweep.py --count 1000000 [--all-due]

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"),
migrates it, loads the shipped catalogue and hospitals, generates holders, applications,
certifications and past notifications with `INSERT ... SELECT ... FROM generate_series`, then runs
`annual_reviews(on=DAY)` in a fresh child process and reports its wall time and peak RSS. Only the
sweep is timed, never the data generation. See bench/README.md for what the modes model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DAY = dt.date(2027, 3, 1)


# --- the measured part: runs in a child process so its peak RSS is the sweep's alone --------------


def _proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def sweep(*, on: dt.date, publish: str, trace: bool, explain_slow: float | None = None) -> dict:
    import django

    django.setup()
    import tracemalloc

    from django.conf import settings
    from django.db import connection

    from applications import notifications, renewals
    from applications.tasks import notification_deliver_task  # noqa: F401  (imported before the baseline)
    from config import queueing

    stats: dict = {"phase": "mark", "db": {}, "queries": {}, "published": 0, "publish_s": 0.0, "slow": []}

    def db_timer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            phase = stats["phase"]
            elapsed = time.perf_counter() - start
            stats["db"][phase] = stats["db"].get(phase, 0.0) + elapsed
            stats["queries"][phase] = stats["queries"].get(phase, 0) + 1
            if explain_slow is not None and elapsed > explain_slow:
                _explain(stats["slow"], phase=phase, elapsed=elapsed, sql=sql, params=params)

    def _explain(slow: list, *, phase: str, elapsed: float, sql: str, params) -> None:  # type: ignore[no-untyped-def]
        # The plan chosen at this moment, with the statistics the sweep sees (EXPLAIN only: no re-run).
        shape = sql[:120]
        seen = [entry for entry in slow if entry["sql"] == shape]
        if seen:
            seen[0]["count"] += 1
            seen[0]["max_s"] = max(seen[0]["max_s"], round(elapsed, 3))
            return
        plan = None
        if sql.lstrip().upper().startswith("SELECT"):
            with connection.connection.cursor() as raw:
                raw.execute("EXPLAIN " + sql, params)
                plan = [row[0] for row in raw.fetchall()]
        slow.append({"phase": phase, "sql": shape, "count": 1, "max_s": round(elapsed, 3), "plan": plan})

    real_send = queueing.send_task_safely

    def send(task, *args):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        ok = real_send(task, *args) if publish == "filesystem" else True
        stats["publish_s"] += time.perf_counter() - start
        stats["published"] += 1
        return ok

    # `_create_reminders` imports send_task_safely from notifications at call time; `notification_send`
    # reaches it through config.queueing.enqueue_on_commit. Both names now point at the counter.
    queueing.send_task_safely = send
    notifications.send_task_safely = send

    phase_s: dict[str, float] = {}

    def timed(name, fn):  # type: ignore[no-untyped-def]
        def wrapper(**kwargs):  # type: ignore[no-untyped-def]
            stats["phase"] = name
            start = time.perf_counter()
            try:
                return fn(**kwargs)
            finally:
                phase_s[name] = time.perf_counter() - start

        return wrapper

    renewals._send_reminders = timed("reminders", renewals._send_reminders)
    renewals._lapse = timed("lapse", renewals._lapse)

    connection.ensure_connection()
    # Warm the broker connection so the baseline includes kombu's transport, not the sweep.
    if publish == "filesystem":
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection()
    baseline_hwm = _proc_status_kb("VmHWM")
    baseline_rss = _proc_status_kb("VmRSS")
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    with connection.execute_wrapper(db_timer):
        result = renewals.annual_reviews(on=on)
    total = time.perf_counter() - start
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    peak_hwm = _proc_status_kb("VmHWM")
    phase_s["mark"] = total - phase_s.get("reminders", 0.0) - phase_s.get("lapse", 0.0)
    queue_dir = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "/nonexistent"))
    queued_files = sum(1 for _ in queue_dir.iterdir()) if queue_dir.is_dir() else 0
    marked, reminded, lapsed = (int(part.split()[0]) for part in result.split(", "))
    return {
        "result": result,
        "marked": marked,
        "reminded": reminded,
        "lapsed": lapsed,
        "seconds": round(total, 2),
        "phase_s": {k: round(v, 2) for k, v in phase_s.items()},
        "db_s": {k: round(v, 2) for k, v in stats["db"].items()},
        "queries": stats["queries"],
        "published": stats["published"],
        "publish_s": round(stats["publish_s"], 2),
        "publish_mode": publish,
        "queued_files": queued_files,
        "baseline_rss_mb": round(baseline_rss / 1024, 1),
        "baseline_hwm_mb": round(baseline_hwm / 1024, 1),
        "peak_rss_mb": round(peak_hwm / 1024, 1),
        "sweep_rss_growth_mb": round((peak_hwm - baseline_hwm) / 1024, 1),
        "heap_peak_mb": round(heap_peak / 2**20, 1) if heap_peak is not None else None,
        "slow_queries": stats["slow"],
    }


# --- data generation ------------------------------------------------------------------------------


def _database_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://user@host:port/osd_bench).")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop database {name!r}: its name must contain 'bench'.")
    return name


def _admin_connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    parts = urlsplit(url)
    conninfo = parts._replace(path="/postgres").geturl()
    return psycopg.connect(conninfo, autocommit=True)


def recreate_database(url: str, name: str) -> None:
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def clone_database(url: str, *, source: str, target: str, comment: str | None = None) -> None:
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        if comment is not None:
            conn.execute(f'COMMENT ON DATABASE "{target}" IS {_literal(comment)}')


def template_matches(url: str, template: str, key: str) -> bool:
    with _admin_connect(url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (template,)
        ).fetchone()
    return row is not None and row[0] == key


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def drop_database(url: str, name: str) -> None:
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REMINDER_BODY = (
    "您的慢性病门诊慢特病待遇应于2027年03月01日（30天后）前完成年度资格复核，逾期30天未复核待遇将暂停。"
    "请在“我的凭证”中办理。"
)
SHORT_TEXT = "【医保慢特病】您的待遇资格即将到期复核，请登录办理年度复核。"


def generate(
    *, count: int, on: dt.date, all_due: bool, overdue_share: float, open_review_share: float, history: int
) -> dict:
    """Fill the migrated database. Every certification belongs to its own holder and its own
    effective application; `next_review_due` is spread uniformly (see README for the two modes)."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    call_command("import_catalogue", stdout=StringIO())
    call_command("import_hospitals", stdout=StringIO())
    p: dict[str, Any] = {"n": count, "on": on, "overdue": overdue_share, "open": open_review_share}
    steps: dict[str, float] = {}
    with connection.cursor() as cursor:
        # The generated rows are consistent by construction: skip the per-row deferred FK triggers
        # (a superuser setting; without it generation is only slower).
        try:
            cursor.execute("SET session_replication_role = replica")
        except Exception:
            pass

    def run(label: str, sql: str) -> None:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, p)
        steps[label] = round(time.perf_counter() - start, 1)

    run(
        "users",
        """
        INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email,
                                   is_staff, is_active, date_joined, name, id_number, phone)
        SELECT i, '!', false, 'bench' || i, '', '', '', false, true, now(), '持证人' || i, '',
               '1' || lpad(i::text, 10, '0')
        FROM generate_series(1, %(n)s) AS i;
        SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %(n)s);
        """,
    )
    # The approved application behind each certification: effective, reference unique.
    run(
        "applications",
        """
        WITH d AS (SELECT array_agg(id ORDER BY id) AS ids FROM applications_disease),
             h AS (SELECT array_agg(id ORDER BY id) AS ids FROM applications_hospital WHERE level >= 2)
        INSERT INTO applications_application (
            id, reference, kind, status, diagnosis_date, agent_name, agent_id_number, agent_phone,
            problems, submitted_at, accepted_at, review_deadline, created_at, updated_at, applicant_id,
            disease_id, diagnosing_hospital_id, officer_decision_needed, overdue_since, review_round,
            review_clock_start, appealed_at, reviewed_certification_id)
        SELECT md5('app' || i)::uuid, 'MB' || lpad(i::text, 16, '0'), 'new', 'effective',
               %(on)s::date - 400 - (i %% 300), '', '', '', '[]'::jsonb,
               %(on)s::date - 380, %(on)s::date - 380, %(on)s::date - 350,
               %(on)s::date - 380, %(on)s::date - 340, i,
               d.ids[1 + i %% cardinality(d.ids)], h.ids[1 + i %% cardinality(h.ids)], false, NULL, 1,
               %(on)s::date - 380, NULL, NULL
        FROM generate_series(1, %(n)s) AS i, d, h
        """,
    )
    if all_due:
        # Worst case: every certification is due within the 30-day window and none is marked yet.
        due = "%(on)s::date + floor(r2 * 31)::int"
        status = "'active'"
    else:
        # Steady state: due dates spread over a year (from 30 days ago, still in grace, to 334 days
        # ahead), plus `overdue_share` past the grace period that the sweep will lapse. What was
        # due within 30 days of yesterday was marked review_due by yesterday's run.
        due = (
            "CASE WHEN r1 < %(overdue)s THEN %(on)s::date - 31 - floor(r2 * 335)::int"
            " ELSE %(on)s::date - 30 + floor(r2 * 365)::int END"
        )
        status = f"CASE WHEN {due} <= %(on)s::date + 29 THEN 'review_due' ELSE 'active' END"
    run(
        "certifications",
        f"""
        SELECT setseed(0.42);
        INSERT INTO applications_certification (
            id, code, insurance_type, status, effective_on, benefit_start_date, valid_until,
            next_review_due, reimbursement_ratio, annual_limit, status_reason, issued_at, updated_at,
            application_id, disease_id, holder_id)
        SELECT md5('cert' || i)::uuid, upper(substr(md5('code' || i), 1, 20)),
               CASE WHEN i %% 3 = 0 THEN 'resident' ELSE 'employee' END, {status},
               ({due}) - 365, ({due}) - 365, ({due}) + 30, {due},
               CASE WHEN i %% 3 = 0 THEN 0.60 ELSE 0.80 END, CASE WHEN i %% 3 = 0 THEN 6000 ELSE 10000 END,
               '', ({due}) - 365, ({due}) - 365,
               md5('app' || i)::uuid, a.disease_id, i
        FROM (SELECT i, random() AS r1, random() AS r2 FROM generate_series(1, %(n)s) AS i) AS s
        JOIN applications_application a ON a.id = md5('app' || i)::uuid
        """,
    )
    if not all_due:
        # Some holders have opened this year's review (draft or under way): no more reminders for them,
        # and no lapse past the grace period while the bureau has it (submitted, under review).
        run(
            "open_reviews",
            """
            INSERT INTO applications_application (
                id, reference, kind, status, diagnosis_date, agent_name, agent_id_number, agent_phone,
                problems, submitted_at, accepted_at, review_deadline, created_at, updated_at, applicant_id,
                disease_id, diagnosing_hospital_id, officer_decision_needed, overdue_since, review_round,
                review_clock_start, appealed_at, reviewed_certification_id)
            SELECT md5('review' || c.id)::uuid, 'MR' || lpad((row_number() OVER ())::text, 16, '0'),
                   'annual_review', (ARRAY['draft', 'submitted', 'under_review'])[1 + abs(hashtext(c.code)) %% 3],
                   a.diagnosis_date, '', '', '', '[]'::jsonb, NULL, NULL, NULL, now(), now(), c.holder_id,
                   c.disease_id, a.diagnosing_hospital_id, false, NULL, 0, NULL, NULL, c.id
            FROM applications_certification c JOIN applications_application a ON a.id = c.application_id
            WHERE c.status = 'review_due' AND random() < %(open)s
            """,
        )
        # Reminders already sent by earlier runs for the current due date (the stages reached by yesterday).
        run(
            "sent_reminders",
            f"""
            INSERT INTO applications_notification (
                kind, title, body, short_text, dedupe_key, created_at, read_at, sms_status, email_status,
                delivery_attempts, application_id, user_id)
            SELECT 'annual_review_reminder', '年度资格复核提醒', '{REMINDER_BODY}', '{SHORT_TEXT}',
                   'annual-reminder:' || c.id || ':' || c.next_review_due || ':' || s.stage,
                   now(), NULL, 'sent', 'skipped', 1, NULL, c.holder_id
            FROM applications_certification c
            CROSS JOIN (VALUES ('d30', 30), ('d7', 7), ('d0', 0)) AS s(stage, days)
            WHERE c.status = 'review_due' AND c.next_review_due - (%(on)s::date - 1) <= s.days
            """,
        )
    if history:
        # Older messages of every holder (last year's reminders, the approval notices...).
        run(
            "history_notifications",
            f"""
            INSERT INTO applications_notification (
                kind, title, body, short_text, dedupe_key, created_at, read_at, sms_status, email_status,
                delivery_attempts, application_id, user_id)
            SELECT 'annual_review_reminder', '年度资格复核提醒', '{REMINDER_BODY}', '{SHORT_TEXT}',
                   'bench-history:' || c.id || ':' || j, c.issued_at, c.issued_at, 'sent', 'skipped', 1,
                   NULL, c.holder_id
            FROM applications_certification c CROSS JOIN generate_series(1, {int(history)}) AS j
            """,
        )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("RESET session_replication_role")
        cursor.execute("VACUUM ANALYZE")
    steps["vacuum_analyze"] = round(time.perf_counter() - start, 1)
    return steps


def describe(*, count: int, on: dt.date, all_due: bool) -> dict:
    """What the data holds before the sweep, and what the sweep should therefore do."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              count(*) FILTER (WHERE status = 'active' AND next_review_due = %(on)s::date + 30),
              count(*) FILTER (WHERE status = 'review_due' AND next_review_due IN (%(on)s::date + 7, %(on)s::date)
                               AND NOT EXISTS (SELECT 1 FROM applications_application r
                                               WHERE r.reviewed_certification_id = c.id)),
              count(*) FILTER (WHERE next_review_due < %(on)s::date - 30
                               AND NOT EXISTS (SELECT 1 FROM applications_application r
                                               WHERE r.reviewed_certification_id = c.id
                                                 AND r.status IN ('submitted', 'under_review'))),
              count(*) FILTER (WHERE status = 'active' AND next_review_due <= %(on)s::date + 30),
              count(*) FILTER (WHERE status = 'review_due'),
              (SELECT count(*) FROM applications_notification),
              pg_database_size(current_database())
            FROM applications_certification c
            """,
            {"on": on},
        )
        new_d30, new_d7_d0, overdue, to_mark, review_due, notifications, size = cursor.fetchone()
        # Start the sweep from a quiet database: no pending dirty pages to flush mid-run.
        cursor.execute("CHECKPOINT")
    return {
        "review_due_before": review_due,
        "notifications_before": notifications,
        "database_mb": round(size / 2**20),
        "expected": {
            "marked": to_mark,
            "reminded": count if all_due else new_d30 + new_d7_d0,
            "lapsed": overdue,
        },
    }


# --- driver ---------------------------------------------------------------------------------------


def run_child(*, on: dt.date, publish: str, trace: bool, env: dict, explain_slow: float | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--sweep-only", "--on", on.isoformat(), "--publish", publish]
    if trace:
        cmd.append("--tracemalloc")
    if explain_slow is not None:
        cmd += ["--explain-slow", str(explain_slow)]
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="certifications (and holders)")
    parser.add_argument("--all-due", action="store_true", help="worst case: every certification in the 30-day window")
    parser.add_argument("--on", type=dt.date.fromisoformat, default=DEFAULT_DAY, help="the day the sweep acts as")
    parser.add_argument(
        "--overdue-share", type=float, default=None, help="share past the grace period, lapsed by the sweep (0.01)"
    )
    parser.add_argument("--open-review-share", type=float, default=0.3, help="in-window holders with a review open")
    parser.add_argument("--history", type=int, default=3, help="older notifications per holder")
    parser.add_argument(
        "--publish",
        choices=["filesystem", "count"],
        default="filesystem",
        help="queue deliveries into the filesystem broker (real), or only count them",
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also report the Python heap peak (slower)")
    parser.add_argument(
        "--explain-slow", type=float, metavar="SECONDS", help="print the plan of each statement slower than this"
    )
    parser.add_argument("--no-replay", action="store_true", help="skip the second run of the same day")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--template",
        action="store_true",
        help="keep the generated data as database <name>_template and reuse it while the data options match",
    )
    parser.add_argument("--results", type=Path, help="append the result as one JSON line to this file")
    parser.add_argument("--sweep-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    # As in production: no query log (DEBUG keeps the last 9,000 SQL strings in memory).
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    if args.sweep_only:
        print(
            json.dumps(sweep(on=args.on, publish=args.publish, trace=args.tracemalloc, explain_slow=args.explain_slow))
        )
        return

    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench (the database is dropped and created)")
    name = _database_name(url)
    overdue_share = args.overdue_share if args.overdue_share is not None else (0.0 if args.all_due else 0.01)
    var_dir = tempfile.mkdtemp(prefix="osd-bench-")
    os.environ.update({"VAR_DIR": var_dir, "REDIS_URL": "", "CELERY_TASK_ALWAYS_EAGER": "false"})
    mode = "all-due" if args.all_due else "realistic"
    print(f"== {mode}, {args.count:,} certifications, sweep on {args.on}, VAR_DIR={var_dir}", flush=True)
    data_params = {
        "count": args.count,
        "mode": mode,
        "on": args.on.isoformat(),
        "overdue_share": overdue_share,
        "open_review_share": args.open_review_share if not args.all_due else 0,
        "history": args.history,
    }
    template = f"{name}_template"
    data_key = json.dumps(data_params, sort_keys=True)

    import django

    reused = args.template and template_matches(url, template, data_key)
    if reused:
        clone_database(url, source=template, target=name)
        django.setup()
        info: dict = {"generate_s": "cloned from " + template, "generate_total_s": 0.0}
        migrate_s = 0.0
    else:
        recreate_database(url, name)
        django.setup()
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        steps = generate(
            count=args.count,
            on=args.on,
            all_due=args.all_due,
            overdue_share=overdue_share,
            open_review_share=args.open_review_share,
            history=args.history,
        )
        info = {"generate_s": steps, "generate_total_s": round(time.perf_counter() - start, 1)}
    from django.db import connections

    if args.template and not reused:
        connections.close_all()
        clone_database(url, source=name, target=template, comment=data_key)
    info.update(describe(count=args.count, on=args.on, all_due=args.all_due))
    connections.close_all()
    print(f"   data: {info['generate_total_s']}s {info['generate_s']} (migrate {migrate_s}s)", flush=True)
    print(
        f"   before: {info['review_due_before']:,} review_due, {info['notifications_before']:,} notifications,"
        f" {info['database_mb']:,} MB; expected {info['expected']}",
        flush=True,
    )

    env = dict(os.environ)
    load_before = os.getloadavg()[0]
    run = run_child(on=args.on, publish=args.publish, trace=args.tracemalloc, env=env, explain_slow=args.explain_slow)
    slow = run.pop("slow_queries")
    print(f"   sweep: {json.dumps(run, ensure_ascii=False)}", flush=True)
    for entry in slow:
        print(f"   slow ({entry['phase']}, {entry['count']}x, max {entry['max_s']}s): {entry['sql']}...", flush=True)
        for line in entry["plan"] or []:
            print(f"      {line}", flush=True)
    replay = None
    if not args.no_replay:
        replay = run_child(on=args.on, publish=args.publish, trace=False, env=env)
        replay.pop("slow_queries")
        print(f"   replay of the same day: {replay['seconds']}s, {replay['result']}", flush=True)
    record = {
        **data_params,
        **info,
        "loadavg_1m_before": round(load_before, 2),
        "sweep": run,
        "replay": replay,
    }
    ok = all(run[k] == v for k, v in info["expected"].items())
    print(
        f"   => {mode} {args.count:,}: {run['seconds']}s, peak RSS {run['peak_rss_mb']} MB"
        f" (+{run['sweep_rss_growth_mb']} MB during the sweep), {run['reminded']:,} reminders,"
        f" {run['lapsed']:,} lapsed, {run['published']:,} deliveries queued ({run['publish_mode']},"
        f" {run['publish_s']}s); load average before {load_before:.1f}"
        f"{'' if ok else '  !! counts differ from expected'}",
        flush=True,
    )
    if args.results:
        with args.results.open("a") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    if not args.keep:
        drop_database(url, name)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
