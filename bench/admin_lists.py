"""Benchmark of the officers' admin lists at 1,000,000 applications on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench_admin_lists \\
        .venv/bin/python bench/admin_lists.py --count 1000000 --rounds 5

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"),
generates `--count` applications with bench/stats_endpoint.py's `generate()` (two years of cases in every
status and channel, one applicant each), then, in SQL, what the other officer lists show at that scale:
a document for every other submitted case, a record read for every third case and a person search for
every tenth (the access logs), a rating for a fifth of the decided cases, a certification and its
platform message for every effective case, the 公示 (a batch per district and week, an entry for every
case announced or effective, an objection for one entry in 200), and a remote-care filing for one
certification in 25. Then, as an officer through Django's test client and interleaved round by round, it
times each list's first page, a filtered page and (where the list has a search) a search by 受理编号,
against a floor: reading 100 applications with their applicant and disease by primary key.

Only the requests are timed, never the generation. It prints one JSON line: per page the median and
min–max in ms, the ratio to the floor and the number of queries, the plan of the applications' page
query, and whether a page ran a `COUNT(*)`. Results: bench/README.md, "Admin lists at a million
applications".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.panel_choice import bench_finish, bench_setup  # noqa: E402
from bench.stats_endpoint import generate  # noqa: E402

# Each statement fills one table from the generated applications (`a`); %(json)s is an encrypted `{}`.
MORE = {
    "applications_document": """
        INSERT INTO applications_document (id, application_id, kind, file, original_name, content_type, size,
            sha256, uploaded_by_id, uploaded_at, form_digest)
        SELECT gen_random_uuid(), a.id, 'id_card_front', 'documents/bench', 'id.jpg', 'image/jpeg', 100000,
            md5(a.reference) || md5(a.reference), a.applicant_id, a.submitted_at, ''
        FROM applications_application a
        WHERE a.submitted_at IS NOT NULL AND right(a.reference, 1) IN ('0', '2', '4', '6', '8')""",
    "applications_documentaccess": """
        INSERT INTO applications_documentaccess (application_id, user_id, role, at, user_agent)
        SELECT a.id, %(officer)s, 'officer', a.created_at + interval '3 days', 'bench'
        FROM applications_application a WHERE right(a.reference, 16)::bigint %% 3 = 0""",
    "applications_personsearch": """
        INSERT INTO applications_personsearch (user_id, at, "where", kind, term, term_index, results)
        SELECT %(officer)s, a.created_at + interval '1 day', '申请', 'name', %(empty)s, '', 1
        FROM applications_application a WHERE right(a.reference, 16)::bigint %% 10 = 0""",
    "applications_servicerating": """
        INSERT INTO applications_servicerating (application_id, user_id, score, comment, created_at)
        SELECT a.id, a.applicant_id, 1 + right(a.reference, 16)::bigint %% 5, '', a.decided_at + interval '1 day'
        FROM applications_application a WHERE a.decided_at IS NOT NULL AND right(a.reference, 16)::bigint %% 5 = 0""",
    "applications_certification": """
        INSERT INTO applications_certification (id, code, holder_id, application_id, disease_id, insurance_type,
            status, effective_on, benefit_start_date, valid_until, next_review_due, reimbursement_ratio,
            annual_limit, status_reason, issued_at, updated_at, end_reason, platform_status,
            platform_registration_sn)
        SELECT gen_random_uuid(), 'BENCH' || lpad(right(a.reference, 16), 19, '0'), a.applicant_id, a.id,
            a.disease_id, 'employee', 'active', a.decided_at::date, a.decided_at::date,
            (a.decided_at + interval '2 years')::date, (a.decided_at + interval '1 year')::date, 0.80, 10000, '',
            a.decided_at, a.decided_at, '', 'registered', ''
        FROM applications_application a WHERE a.status = 'effective'""",
    "certification_platformmessage": """
        INSERT INTO certification_platformmessage (msgid, infno, certification_id, person_key, data, status,
            attempts, next_attempt_at, last_error, created_at, sent_at)
        SELECT 'BENCH' || lpad(right(c.code, 19), 25, '0'), '2503', c.id, c.holder_id::text, %(json)s,
            CASE WHEN right(c.code, 3) = '000' THEN 'dead' ELSE 'sent' END, 1, c.issued_at, '', c.issued_at,
            c.issued_at
        FROM applications_certification c""",
    "applications_remotefiling": """
        INSERT INTO applications_remotefiling (holder_id, type, place, start_date, proof, proof_name,
            proof_content_type, status, decision_reason, created_at)
        SELECT c.holder_id, 'long_term', '兰州市', c.effective_on, '', '', '',
            CASE WHEN right(c.code, 2) = '00' THEN 'pending' ELSE 'granted' END, '', c.issued_at + interval '9 days'
        FROM applications_certification c WHERE right(c.code, 19)::bigint %% 25 = 0""",
    "reviews_announcementbatch": """
        INSERT INTO reviews_announcementbatch (region_code, region_name, published_on, ends_on, closed_at, created_at)
        SELECT d.code, '区县' || d.code, w.day, w.day + 7, w.day + 8, w.day
        FROM (SELECT DISTINCT region_code AS code FROM applications_application WHERE region_code <> '') d,
             (SELECT DISTINCT date_trunc('week', decided_at)::date AS day FROM applications_application
              WHERE decided_at IS NOT NULL) w""",
    "reviews_announcemententry": """
        INSERT INTO reviews_announcemententry (batch_id, application_id, masked_name, masked_id_number,
            disease_name, district, status)
        SELECT b.id, a.id, '张*', '6209**********0011', '糖尿病', b.region_name,
            CASE WHEN a.status = 'effective' THEN 'effective' ELSE 'listed' END
        FROM applications_application a
        JOIN reviews_announcementbatch b
          ON b.region_code = a.region_code AND b.published_on = date_trunc('week', a.decided_at)::date
        WHERE a.status IN ('in_announcement', 'effective')""",
    "reviews_objection": """
        INSERT INTO reviews_objection (entry_id, reason, contact_name, contact_phone, status, created_at, resolution)
        SELECT e.id, '情况不实', '李四', %(empty)s, 'open', now(), ''
        FROM reviews_announcemententry e WHERE e.id %% 200 = 0""",
}
LISTS = {
    # list: (admin URL name, a filtered page's query, searched by reference)
    "applications": ("applications_application", "status__exact=under_review", True),
    "applications_7_days": ("applications_application", "created_at__gte={week}&created_at__lt={tomorrow}", False),
    "documents": ("applications_document", "kind__exact=id_card_front", True),
    "document_reads": ("applications_documentaccess", "role__exact=officer", False),
    "person_searches": ("applications_personsearch", "kind__exact=name", False),
    "ratings": ("applications_servicerating", "score__exact=1", False),
    "certifications": ("certification_certification", "status__exact=active", True),
    "remote_filings": ("certification_remotefiling", "status__exact=pending", False),
    "platform_messages": ("certification_platformmessage", "status__exact=dead", False),
    "announcement_batches": ("reviews_announcementbatch", "", False),
    "announcement_entries": ("reviews_announcemententry", "status__exact=listed", True),
    "objections": ("reviews_objection", "status__exact=open", True),
}


def generate_more(*, officer_id: int) -> dict[str, int]:
    from django.db import connection

    from config.crypto import encrypt

    rows: dict[str, int] = {}
    values = {"officer": officer_id, "json": encrypt("{}"), "empty": encrypt("")}
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for table, sql in MORE.items():
            cursor.execute(sql, values)
            rows[table] = cursor.rowcount
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in MORE:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return rows


def officer_client():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import User

    officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"is_staff": True, "name": "经办"})
    officer.groups.add(Group.objects.get(name="经办人员"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    return officer, client


def measure(*, client, rounds: int, today: dt.date) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from applications.models import Application

    reference = Application.objects.filter(status="effective").values_list("reference", flat=True)[:1].get()
    dates = {"week": str(today - dt.timedelta(days=7)), "tomorrow": str(today + dt.timedelta(days=1))}
    pages: dict[str, str] = {}
    for name, (url_name, filtered, searched) in LISTS.items():
        url = reverse(f"admin:{url_name}_changelist")
        if name != "applications_7_days":
            pages[f"{name}"] = url
        if filtered:
            pages[f"{name}:filtered"] = f"{url}?{filtered.format(**dates)}"
        if searched:
            pages[f"{name}:search"] = f"{url}?q={reference}"
    floor_pks = list(Application.objects.order_by("?").values_list("pk", flat=True)[:100])

    def floor() -> None:
        assert len(list(Application.objects.select_related("applicant", "disease").filter(pk__in=floor_pks))) == 100

    def page(url: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])

        return run

    runs = {"floor": floor, **{name: page(url) for name, url in pages.items()}}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            began = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - began)
    queries: dict[str, int] = {}
    counts: list[str] = []
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries[name] = len(captured)
        counts += [name for q in captured if "COUNT(*)" in q["sql"].upper() and " WHERE " not in q["sql"].upper()]
        if name == "applications":
            page_sql = next(
                q["sql"] for q in captured if 'FROM "applications_application"' in q["sql"] and "LIMIT" in q["sql"]
            )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {page_sql}")
        plan = [row[0] for row in cursor.fetchall()]
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "min_max_ms": {name: [round(min(v) * 1000, 1), round(max(v) * 1000, 1)] for name, v in times.items()},
        "ratio_to_floor": {name: round(medians[name] / medians["floor"], 1) for name in runs if name != "floor"},
        "queries": queries,
        "unfiltered_counts": counts,
        "rounds": rounds,
        "applications_page_plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 12, 7))
    args = bench_setup(parser)
    began = time.perf_counter()
    result: dict[str, object] = {"count": args.count}
    if not args.reuse:
        result.update(generate(count=args.count, today=args.today))
    officer, client = officer_client()
    if not args.reuse:
        result["rows"] = generate_more(officer_id=officer.pk)
    result["generated_s"] = round(time.perf_counter() - began, 1)
    result.update(measure(client=client, rounds=args.rounds, today=args.today))
    print(json.dumps(result, ensure_ascii=False))
    bench_finish(args)


if __name__ == "__main__":
    main()
