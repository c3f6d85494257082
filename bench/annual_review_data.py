"""Data for the annual-review sweep benchmark (bench/annual_review_sweep.py), generated in SQL, never timed.

The benchmark database is dropped, created or cloned from a template here; `generate` fills the migrated
database with holders, applications, certifications, open reviews and past notifications (`INSERT ...
SELECT ... FROM generate_series`); `describe` says what the data holds before the sweep and what the
sweep should therefore do. See bench/README.md for what the two modes model.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any
from urllib.parse import urlsplit


def database_name(url: str) -> str:
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
    from config.crypto import blind_index, encrypt

    # Phones are stored encrypted: one token (and its blind index) shared by every generated holder.
    phone = "13900000000"
    p: dict[str, Any] = {
        "n": count,
        "on": on,
        "overdue": overdue_share,
        "open": open_review_share,
        "phone": encrypt(phone),
        "phone_index": blind_index(phone),
    }
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
                                   is_staff, is_active, date_joined, name, id_number, id_number_index, phone,
                                   phone_index, session_version)
        SELECT i, '!', false, 'bench' || i, '', '', '', false, true, now(), '持证人' || i, '', '',
               %(phone)s, %(phone_index)s, 0
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
            id, reference, kind, status, diagnosis_date, agent_name, agent_id_number, agent_id_number_index,
            agent_phone,
            problems, submitted_at, accepted_at, review_deadline, created_at, updated_at, applicant_id,
            disease_id, diagnosing_hospital_id, officer_decision_needed, overdue_since, review_round,
            review_clock_start, appealed_at, reviewed_certification_id, check_attempts, designated_points,
            diagnosing_doctor_code, diagnosing_doctor_name, agent_relationship, channel, region_code)
        SELECT md5('app' || i)::uuid, 'MB' || lpad(i::text, 16, '0'), 'new', 'effective',
               %(on)s::date - 400 - (i %% 300), '', '', '', '', '[]'::jsonb,
               %(on)s::date - 380, %(on)s::date - 380, %(on)s::date - 350,
               %(on)s::date - 380, %(on)s::date - 340, i,
               d.ids[1 + i %% cardinality(d.ids)], h.ids[1 + i %% cardinality(h.ids)], false, NULL, 1,
               %(on)s::date - 380, NULL, NULL, 0, '[]'::jsonb, '', '', '', 'online', ''
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
            application_id, disease_id, holder_id, end_reason, platform_status, platform_registration_sn)
        SELECT md5('cert' || i)::uuid, upper(substr(md5('code' || i), 1, 20)),
               CASE WHEN i %% 3 = 0 THEN 'resident' ELSE 'employee' END, {status},
               ({due}) - 365, ({due}) - 365, ({due}) + 30, {due},
               CASE WHEN i %% 3 = 0 THEN 0.60 ELSE 0.80 END, CASE WHEN i %% 3 = 0 THEN 6000 ELSE 10000 END,
               '', ({due}) - 365, ({due}) - 365,
               md5('app' || i)::uuid, a.disease_id, i, '', 'registered', ''
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
                id, reference, kind, status, diagnosis_date, agent_name, agent_id_number, agent_id_number_index,
                agent_phone,
                problems, submitted_at, accepted_at, review_deadline, created_at, updated_at, applicant_id,
                disease_id, diagnosing_hospital_id, officer_decision_needed, overdue_since, review_round,
                review_clock_start, appealed_at, reviewed_certification_id, check_attempts, designated_points,
            diagnosing_doctor_code, diagnosing_doctor_name, agent_relationship, channel, region_code)
            SELECT md5('review' || c.id)::uuid, 'MR' || lpad((row_number() OVER ())::text, 16, '0'),
                   'annual_review', (ARRAY['draft', 'submitted', 'under_review'])[1 + abs(hashtext(c.code)) %% 3],
                   a.diagnosis_date, '', '', '', '', '[]'::jsonb, NULL, NULL, NULL, now(), now(), c.holder_id,
                   c.disease_id, a.diagnosing_hospital_id, false, NULL, 0, NULL, NULL, c.id, 0, '[]'::jsonb,
                   '', '', '', 'online', ''
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
