"""Benchmark of the public announcement (公示) of one 10,000-entry batch: the page and the API, by page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench \\
        .venv/bin/python bench/announcement_page.py --entries 10000 --rounds 9

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"),
migrates it and generates in SQL one batch published today with `--entries` entries (one applicant
and one application in announcement each, a few entries withdrawn so the public filter has work to do).
Then, in one process and interleaved round by round, it times through Django's test client:

- `page_first`, `page_middle`: `GET /gongshi/{id}/` and `?page=` the middle page (100 entries a page);
- `api_first`, `api_middle`: `GET /api/v1/announcements/{id}/` and `?page=` the middle page (50 a page,
  the API's default), and `api_200_middle`: a middle page of `?page_size=200`, the API's largest;
- `old_page`, `old_api`: the batch as it was served before pagination — every entry in one answer:
  the old selector's prefetch, rendered by the old template (read from git, commit 8e12779) and by the
  old serializer (the shipped one with every entry nested);

each `cold` (the cache emptied before the request) and, for the paginated ones, `warm` (the same
request again). It reports the medians, min–max and bytes of each, and the plan of the middle page's
query. Only the requests are timed, never the generation. Results: bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.panel_choice import CATALOGUE, bench_finish, bench_setup  # noqa: E402

GENERATE = (
    """
SET session_replication_role = replica;
"""
    + CATALOGUE
    + """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
    date_joined, name, id_number, id_number_index, phone, phone_index, session_version)
  SELECT '!', false, 'person' || g, '', '', '', false, true, now(), '张三', '', 'bench' || g, '', '', 0
  FROM generate_series(1, %(entries)s) g;
INSERT INTO applications_application (id, reference, applicant_id, kind, status, disease_id, diagnosis_date,
    diagnosing_hospital_id, agent_name, agent_id_number, agent_id_number_index, agent_phone, problems, review_round,
    officer_decision_needed, check_attempts, created_at, updated_at, designated_points, diagnosing_doctor_code,
    diagnosing_doctor_name, agent_relationship, channel, region_code)
  SELECT gen_random_uuid(), 'MA' || lpad(u.rn::text, 16, '0'), u.id, 'new', 'in_announcement',
         (SELECT id FROM applications_disease LIMIT 1), DATE '2026-01-01',
         (SELECT id FROM applications_hospital LIMIT 1),
         '', '', '', '', '[]', 1, false, 0, now(), now(), '[]', '', '', '', 'online', '620902'
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM accounts_user WHERE username LIKE 'person%%') u;
INSERT INTO reviews_announcementbatch (region_code, region_name, published_on, ends_on, created_at)
  VALUES ('620900', '酒泉市', %(today)s, %(ends_on)s, now());
INSERT INTO reviews_announcemententry (batch_id, application_id, masked_name, masked_id_number, disease_name,
    district, status)
  SELECT (SELECT id FROM reviews_announcementbatch), a.id,
         (ARRAY['张','王','李','赵','刘','陈','杨','黄'])[1 + a.rn %% 8] || '*'
           || (ARRAY['明','华','英','芳','军'])[1 + a.rn %% 5],
         '6209**********' || lpad((a.rn %% 10000)::text, 4, '0'),
         (ARRAY['糖尿病','高血压病（高危组）','慢性阻塞性肺疾病','冠心病','恶性肿瘤门诊治疗'])[1 + a.rn %% 5],
         (ARRAY['肃州区','玉门市','敦煌市','金塔县','瓜州县','肃北县','阿克塞县'])[1 + a.rn %% 7],
         CASE WHEN a.rn %% 500 = 0 THEN 'withdrawn' WHEN a.rn %% 97 = 0 THEN 'held' ELSE 'listed' END
  FROM (SELECT id, row_number() OVER (ORDER BY reference) AS rn FROM applications_application) a
  ORDER BY a.rn;
SET session_replication_role = DEFAULT;
"""
)

# The batch page as it was before pagination (every public entry on one page), read from git for comparison.
OLD_COMMIT = "8e12779"
OLD_TEMPLATE = f"{OLD_COMMIT}:reviews/templates/public/announcement_detail.html"


def generate(*, entries: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from reviews.announcements import announcement_ends_on

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            GENERATE, {"entries": entries, "today": today, "ends_on": announcement_ends_on(published_on=today)}
        )
        cursor.execute("VACUUM ANALYZE")
    return {}


@functools.cache
def _old_template() -> str:
    return subprocess.run(["git", "show", OLD_TEMPLATE], cwd=ROOT, capture_output=True, check=True).stdout.decode()


def old_answer(batch_id: int, *, kind: str) -> bytes:
    """The whole batch as before pagination: the old selector's prefetch of every public entry, rendered
    by the old template (`page`) or the old serializer (`api`: the batch fields and every entry)."""
    from django.db.models import Prefetch
    from django.template import engines
    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from reviews.public_selectors import announcement_public_list, public_entries
    from reviews.public_serializers import AnnouncementBatchOutput, AnnouncementEntryOutput

    class OldBatchOutput(AnnouncementBatchOutput):
        entries = AnnouncementEntryOutput(source="public_entries", many=True)

    today = timezone.localdate()
    batch = (
        announcement_public_list(today=today)
        .prefetch_related(Prefetch("entries", queryset=public_entries(), to_attr="public_entries"))
        .get(pk=batch_id)
    )
    if kind == "page":
        html = engines["django"].from_string(_old_template()).render({"batch": batch, "open": True, "bureau": ""})
        return html.encode()
    return JSONRenderer().render(OldBatchOutput(batch, context={"today": today}).data)


def measure(*, rounds: int) -> dict[str, object]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from reviews.models import AnnouncementBatch
    from reviews.public_selectors import announcement_public_entries

    batch = AnnouncementBatch.objects.get()
    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host
    count = announcement_public_entries(batch_id=batch.pk).count()
    middle_html, middle_api, middle_200 = (count // 100) // 2 + 1, (count // 50) // 2 + 1, (count // 200) // 2 + 1
    urls = {
        "page_first": f"/gongshi/{batch.pk}/",
        "page_middle": f"/gongshi/{batch.pk}/?page={middle_html}",
        "api_first": f"/api/v1/announcements/{batch.pk}/",
        "api_middle": f"/api/v1/announcements/{batch.pk}/?page={middle_api}",
        "api_200_middle": f"/api/v1/announcements/{batch.pk}/?page_size=200&page={middle_200}",
    }
    times: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}

    def timed(name: str, call) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        body = call()
        times.setdefault(name, []).append(time.perf_counter() - start)
        sizes[name] = len(body)

    def get(url: str) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    for _ in range(rounds):
        for name, url in urls.items():
            cache.clear()
            timed(f"{name}_cold", lambda url=url: get(url))
            timed(f"{name}_warm", lambda url=url: get(url))
        timed("old_page_cold", lambda: old_answer(batch.pk, kind="page"))
        timed("old_api_cold", lambda: old_answer(batch.pk, kind="api"))
    with connection.cursor() as cursor:
        sql, params = announcement_public_entries(batch_id=batch.pk)[5000:5100].query.sql_with_params()
        cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "public_entries": count,
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "min_max_ms": {name: [round(min(v) * 1000, 1), round(max(v) * 1000, 1)] for name, v in times.items()},
        "bytes": sizes,
        "middle_page_plan": plan,
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=9)
    args = bench_setup(parser)
    started = time.perf_counter()
    data = {} if args.reuse else generate(entries=args.entries)
    result = {"entries": args.entries, **data, "generated_s": round(time.perf_counter() - started, 1)}
    result.update(measure(rounds=args.rounds))
    print(json.dumps(result, ensure_ascii=False))
    bench_finish(args)


if __name__ == "__main__":
    main()
