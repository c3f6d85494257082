"""Throughput of the completeness check (`applications.services.application_check`) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench_checks \\
        .venv/bin/python bench/check_throughput.py --n 2000

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"), migrates
it, loads the shipped catalogue, hospitals and calendar (`import_catalogue`, `import_hospitals`,
`load_calendar`), adds experts for a few diseases' categories and generates, in bulk through the ORM,
2 x N submitted applications that pass the check (their applicant in the insurance registry, every base
document and every document of the disease's evidence rule, recent and from a level-3 hospital, designated
points chosen). Then it measures checks per second two ways:

- in process: `application_check` for each of the first N, one at a time, each in its own transaction as
  the task runs it (CPU time by `time.process_time`, wall time by `time.perf_counter`); the queries of
  the first `--sample` checks are captured (`CaptureQueriesContext`) and those checks are not timed;
- a real Celery worker (`celery -A config worker --concurrency 1 --pool prefork`, broker Redis db 10)
  consuming N queued `application_check_task` messages for the other N: the rate from the first to the
  last completion, read from the acceptance events' timestamps (the DB is polled until all are done).

The messages go to a queue of their own (`bench_checks`) and the notifications' deliveries to
`bench_deliveries`, both deleted at the end, so nothing else on the broker is touched. Results: README
in this folder, "check_throughput.py".
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BROKER = "redis://127.0.0.1:6379/10"
QUEUE = "bench_checks"
DELIVERIES = "bench_deliveries"
os.environ["REDIS_URL"] = BROKER
os.environ["CELERY_DELIVERY_QUEUE"] = DELIVERIES

from bench.panel_choice import bench_setup  # noqa: E402

DISEASES = 8  # diseases the generated cases use (of the shipped catalogue, round robin)
EXPERTS_PER_CATEGORY = 4


def generate(*, count: int) -> dict[str, object]:
    """Catalogue, experts and `count` submitted applications that pass the completeness check."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from applications.evidence import evidence_kinds, required_base_kinds
    from applications.models import (
        Application,
        ApplicationChannel,
        ApplicationKind,
        ApplicationStatus,
        Disease,
        Document,
        Hospital,
        InsuredPerson,
        InsuredStatus,
    )
    from reviews.models import ExpertProfile
    from tests.factories import make_id_number

    call_command("migrate", verbosity=0, interactive=False)
    for command in ("import_catalogue", "import_hospitals", "load_calendar"):
        call_command(command, stdout=open(os.devnull, "w"))
    today = timezone.localdate()
    diseases = list(
        Disease.objects.filter(is_active=True, requires_hospital_appraisal=False)
        .exclude(evidence={})
        .select_related("category")
        .order_by("code")[:DISEASES]
    )
    hospitals = list(Hospital.objects.filter(level__gte=3, is_designated=True).order_by("code")[:4])
    assert diseases and hospitals, "the shipped catalogue has no suitable disease or hospital"
    unusable = make_password(None)
    base_kinds = required_base_kinds(has_agent=False)
    with transaction.atomic():
        experts = User.objects.bulk_create(
            User(username=f"bench_expert{i}", name=f"专家{i}", is_staff=True, password=unusable)
            for i in range(EXPERTS_PER_CATEGORY * len({d.category_id for d in diseases}))
        )
        categories = sorted({d.category_id for d in diseases})
        profiles = ExpertProfile.objects.bulk_create(
            ExpertProfile(user=user, capacity=30_000, is_active=True) for user in experts
        )
        through = ExpertProfile.specialties.through
        through.objects.bulk_create(
            through(expertprofile_id=profile.pk, diseasecategory_id=categories[i % len(categories)])
            for i, profile in enumerate(profiles)
        )
        people = User.objects.bulk_create(
            User(username=f"bench_person{i}", name="张三丰", id_number=make_id_number(), password=unusable)
            for i in range(count)
        )
        InsuredPerson.objects.bulk_create(
            InsuredPerson(
                id_number=p.id_number,
                name=p.name,
                insurance_type="employee",
                region_code="620902",
                insured_since=dt.date(2010, 1, 1),
                status=InsuredStatus.ACTIVE,
            )
            for p in people
        )
        now = timezone.now()
        applications = Application.objects.bulk_create(
            Application(
                reference=f"MB{today:%Y%m%d}{i:08d}",
                applicant=person,
                kind=ApplicationKind.NEW,
                status=ApplicationStatus.SUBMITTED,
                channel=ApplicationChannel.ONLINE,
                disease=diseases[i % len(diseases)],
                diagnosis_date=today - dt.timedelta(days=30),
                diagnosing_hospital=hospitals[i % len(hospitals)],
                designated_points=[hospitals[i % len(hospitals)].code],
                submitted_at=now,
                check_queued_at=now,
                check_attempts=1,
            )
            for i, person in enumerate(people)
        )
        documents: list[Document] = []
        for i, app in enumerate(applications):
            disease = diseases[i % len(diseases)]
            for kind in (*base_kinds, *sorted(evidence_kinds(disease.evidence))):
                medical = kind not in base_kinds
                documents.append(
                    Document(
                        application=app,
                        kind=kind,
                        file=f"documents/bench/{app.pk}/{kind}.pdf",
                        original_name=f"{kind}.pdf",
                        content_type="application/pdf",
                        size=1,
                        sha256=f"{i:032x}{len(documents):032x}",
                        uploaded_by=app.applicant,
                        issued_on=today - dt.timedelta(days=10) if medical else None,
                        hospital=hospitals[0] if medical else None,
                    )
                )
        Document.objects.bulk_create(documents, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"applications": len(applications), "documents": len(documents), "experts": len(experts)}


def _submitted_ids() -> list[str]:
    from applications.models import Application, ApplicationStatus

    return [
        str(pk)
        for pk in Application.objects.filter(status=ApplicationStatus.SUBMITTED)
        .order_by("reference")
        .values_list("pk", flat=True)
    ]


def in_process(ids: list[str], *, sample: int) -> dict[str, Any]:
    """Check each application in this process; the first `sample` with their queries captured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from applications.models import ApplicationStatus
    from applications.services import application_check

    counts: list[int] = []
    shapes: collections.Counter[str] = collections.Counter()
    for application_id in ids[:sample]:
        with CaptureQueriesContext(connection) as captured:
            checked = application_check(application_id=application_id)
        assert checked is not None and checked.status == ApplicationStatus.UNDER_REVIEW, checked and checked.problems
        counts.append(len(captured.captured_queries))
        shapes.update(_shape(q["sql"]) for q in captured.captured_queries)
    cpu, wall = [], []
    for application_id in ids[sample:]:
        c0, w0 = time.process_time(), time.perf_counter()
        checked = application_check(application_id=application_id)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        assert checked is not None and checked.status == ApplicationStatus.UNDER_REVIEW, checked and checked.problems
    return {
        "checks": len(wall),
        "wall_ms": statistics.mean(wall) * 1000,
        "wall_p50_ms": statistics.median(wall) * 1000,
        "cpu_ms": statistics.mean(cpu) * 1000,
        "per_s": len(wall) / sum(wall),
        "queries": statistics.mean(counts) if counts else 0,
        "query_shapes": shapes.most_common(),
        "sample": len(counts),
    }


def _shape(sql: str) -> str:
    """A query's verb and its main table, to group the sample's queries."""
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    found = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    return f"{verb} {found.group(1) if found else ''}"


def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(BROKER)


def with_worker(ids: list[str], *, concurrency: int, timeout: float) -> dict[str, Any]:
    """Queue one check per id, start a worker on the queue, wait until every one is done."""
    from django.db import connections
    from django.db.models import Max, Min

    from applications.models import ApplicationEvent, ApplicationStatus
    from applications.tasks import application_check_task

    _redis().delete(QUEUE, DELIVERIES)
    for application_id in ids:
        application_check_task.apply_async(args=[application_id], queue=QUEUE)
    connections.close_all()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
    log = open(ROOT / "var" / "bench_check_worker.log", "w")
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "-Q",
            QUEUE,
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    started = time.perf_counter()
    accepted = ApplicationEvent.objects.filter(
        application_id__in=ids, to_status=ApplicationStatus.UNDER_REVIEW, from_status=ApplicationStatus.SUBMITTED
    )
    try:
        while True:
            done = accepted.count()
            if done >= len(ids):
                break
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"worker: {done} of {len(ids)} checked after {timeout:.0f} s (see var/)")
            if worker.poll() is not None:
                raise SystemExit("the worker exited (see var/bench_check_worker.log)")
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        _redis().delete(QUEUE, DELIVERIES)
    span = accepted.aggregate(first=Min("at"), last=Max("at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    return {"checks": len(ids), "seconds": seconds, "per_s": (len(ids) - 1) / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="checks measured each way")
    parser.add_argument("--sample", type=int, default=20, help="in-process checks whose queries are captured")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--queries", action="store_true", help="print the sample's query shapes")
    args = bench_setup(parser)
    began = time.perf_counter()
    data = {} if args.reuse else generate(count=2 * args.n + args.sample)
    print(f"generated in {time.perf_counter() - began:.1f} s: {data}", flush=True)
    ids = _submitted_ids()
    assert len(ids) >= 2 * args.n + args.sample, f"only {len(ids)} submitted applications left"
    here = in_process(ids[: args.n + args.sample], sample=args.sample)
    rows = [
        ("in process", here["checks"], f"{here['per_s']:.1f}", f"{here['wall_ms']:.1f}", f"{here['cpu_ms']:.1f}"),
    ]
    print(f"in process: {here['per_s']:.1f} checks/s, {here['queries']:.1f} queries per check", flush=True)
    worker = None
    if not args.skip_worker:
        worker = with_worker(
            ids[args.n + args.sample : 2 * args.n + args.sample], concurrency=args.concurrency, timeout=args.timeout
        )
        rows.append(
            (
                f"worker x{args.concurrency}",
                worker["checks"],
                f"{worker['per_s']:.1f}",
                f"{1000 / worker['per_s']:.1f}",
                "",
            )
        )
    print()
    print(f"{'way':<14}{'checks':>8}{'checks/s':>10}{'wall ms':>10}{'cpu ms':>9}")
    for row in rows:
        print(f"{row[0]:<14}{row[1]:>8}{row[2]:>10}{row[3]:>10}{row[4]:>9}")
    print(f"queries per passing check: {here['queries']:.1f} (mean of {here['sample']})")
    if args.queries:
        for shape, n in here["query_shapes"]:
            print(f"  {n / here['sample']:6.1f}  {shape}")
    if not args.keep:
        _drop(args.database)


def _drop(name: str) -> None:
    """Drop the generated database (bench_finish would leave it empty)."""
    import psycopg
    from django.db import connections

    connections.close_all()
    admin = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
