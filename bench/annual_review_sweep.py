"""Benchmark of the daily annual-review sweep (`certification.jobs.annual_reviews`) on PostgreSQL.

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

    from certification import jobs
    from config import queueing
    from notifications import services as notification_services
    from notifications.tasks import notification_deliver_task  # noqa: F401  (imported before the baseline)

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

    # `deliveries_queue` calls the send_task_safely that notifications.services imported; `notification_send`
    # reaches it through config.queueing.enqueue_on_commit. Both names now point at the counter.
    queueing.send_task_safely = send
    notification_services.send_task_safely = send

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

    # The reminders phase is the job's `_remind` (set-based on PostgreSQL); `_lapse` sends its own notices,
    # timed as part of the lapse; the rest (marking, the period's end, ANALYZE) is the mark phase.
    jobs._remind = timed("reminders", jobs._remind)
    jobs._lapse = timed("lapse", jobs._lapse)

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
        result = jobs.annual_reviews(on=on)
    total = time.perf_counter() - start
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    peak_hwm = _proc_status_kb("VmHWM")
    phase_s["mark"] = total - phase_s.get("reminders", 0.0) - phase_s.get("lapse", 0.0)
    queue_dir = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "/nonexistent"))
    queued_files = sum(1 for _ in queue_dir.iterdir()) if queue_dir.is_dir() else 0
    marked, reminded, lapsed = (int(part.split()[0]) for part in result.split(", ")[:3])
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

    # The data side (not needed by the child): importable from here on, run as a script or with -m.
    from bench.annual_review_data import (
        clone_database,
        database_name,
        describe,
        drop_database,
        generate,
        recreate_database,
        template_matches,
    )

    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench (the database is dropped and created)")
    name = database_name(url)
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
