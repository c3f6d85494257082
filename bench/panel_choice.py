"""Benchmark of choosing a review panel at scale (`reviews.selectors.experts_available`) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osd_bench \\
        .venv/bin/python bench/panel_choice.py --experts 300 --past 6000 --open 150

The script drops and creates the database named in DATABASE_URL (its name must contain "bench"),
migrates it, and generates in SQL one disease category with `--experts` experts, each with `--past`
decided assignments (on closed cases) and `--open` open ones (on cases under review), plus the
applications behind them; the experts' open-work counters (`ExpertProfile.open_load`) are then set by
`expert_load_recount(fix=True)` (timed as `recount_s`: what the drift check costs at this size). Then, in
one process, it times three ways of finding the experts with room, interleaved round by round:
`baseline` is the count of the code before the open-work selector (a LEFT JOIN over every assignment
each expert ever had, filtered in the aggregate, commit c2d502b); `before` is the previous
`experts_available` (a correlated count of each expert's open work over the partial index
`open_assignment_by_expert`, kept here as text); `selector` is `experts_available` as shipped (the
profiles alone, filtered and ordered on the `open_load` counter). It also times one whole acceptance
(`application_check` of a complete submission, rolled back). Only the queries are timed, never the
generation. Results: README, "Benchmarks".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench' (it is dropped)")
    return name


def _recreate(name: str) -> None:
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def bench_setup(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The options every benchmark takes (--keep, --reuse), then a fresh database (unless --reuse) under
    the local settings with DEBUG off (as in production: no SQL kept in memory), and Django set up."""
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--reuse", action="store_true", help="measure the database generated before")
    args = parser.parse_args()
    args.database = _database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    if not args.reuse:
        _recreate(args.database)
    import django

    django.setup()
    return args


def bench_finish(args: argparse.Namespace) -> None:
    """Drop the generated database unless --keep."""
    if not args.keep:
        from django.db import connections

        connections.close_all()
        _recreate(args.database)


# One disease of one category and one hospital: the catalogue every generated case points to.
CATALOGUE = """
INSERT INTO applications_diseasecategory (code, name, sort_order) VALUES ('bench', '基准类别', 0);
INSERT INTO applications_disease (code, name, category_id, evidence, record_max_age_days,
    requires_hospital_appraisal, requires_annual_reexam, employee_ratio, employee_annual_limit, resident_ratio,
    resident_annual_limit, is_active, notes, publication, benefit_months, requires_stamped_form)
  SELECT 'B0001', '基准病种', id, '{"all": ["diagnosis_certificate"]}', 365, false, false, 0.8, 10000, 0.6,
         6000, true, '', 'name', 12, false
  FROM applications_diseasecategory WHERE code = 'bench';
INSERT INTO applications_hospital (code, name, level, region_code, is_designated, can_appraise)
  VALUES ('HB0001', '基准医院', 3, '620902', true, true);
"""

GENERATE = (
    """
SET session_replication_role = replica;
"""
    + CATALOGUE
    + """-- experts (ids 1..E) and applicants (one per case)
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
    date_joined, name, id_number, id_number_index, phone, phone_index, session_version)
  SELECT '!', false, 'expert' || g, '', '', '', true, true, now(), '专家' || g, '', '', '', '', 0
  FROM generate_series(1, %(experts)s) g;
INSERT INTO reviews_expertprofile (user_id, is_active, capacity, institution, open_load)
  SELECT id, true, 30000, '', 0 FROM accounts_user WHERE username LIKE 'expert%%';
INSERT INTO reviews_expertprofile_specialties (expertprofile_id, diseasecategory_id)
  SELECT p.id, c.id FROM reviews_expertprofile p, applications_diseasecategory c;
-- ID numbers are stored encrypted: the generated applicants have none (the measured case gets one below)
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
    date_joined, name, id_number, id_number_index, phone, phone_index, session_version)
  SELECT '!', false, 'person' || g, '', '', '', false, true, now(), '张三', '', '', '', '', 0
  FROM generate_series(1, %(cases)s) g;
-- one application per assignment row: closed ones for past work, under review for open work
INSERT INTO applications_application (id, reference, applicant_id, kind, status, disease_id, diagnosis_date,
    diagnosing_hospital_id, agent_name, agent_id_number, agent_id_number_index, agent_phone, problems, review_round,
    officer_decision_needed, check_attempts, created_at, updated_at, designated_points, diagnosing_doctor_code,
    diagnosing_doctor_name, agent_relationship, channel, region_code)
  SELECT gen_random_uuid(), 'MB' || lpad(u.rn::text, 16, '0'), u.id, 'new',
         CASE WHEN u.rn <= %(open_cases)s THEN 'under_review' ELSE 'effective' END,
         (SELECT id FROM applications_disease LIMIT 1), DATE '2026-01-01',
         (SELECT id FROM applications_hospital LIMIT 1),
         '', '', '', '', '[]', 1, false, 0, now(), now(), '[]', '', '', '', 'online', '620902'
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM accounts_user WHERE username LIKE 'person%%') u;
-- each expert: the open cases round-robin, then the past ones
INSERT INTO reviews_reviewassignment (application_id, expert_id, round, role, is_active, assigned_at, decision,
    reason, decided_at)
  SELECT a.id, e.id, 1, 'panel', true, now(),
         CASE WHEN a.status = 'under_review' THEN '' ELSE 'approve' END, '',
         CASE WHEN a.status = 'under_review' THEN NULL ELSE now() END
  FROM (SELECT id, status, row_number() OVER (ORDER BY reference) AS rn FROM applications_application) a
  JOIN (SELECT id, row_number() OVER (ORDER BY id) AS en FROM accounts_user WHERE username LIKE 'expert%%') e
    ON e.en = ((a.rn - 1) %% %(experts)s) + 1;
SET session_replication_role = DEFAULT;
"""
)


def baseline_available(application):  # type: ignore[no-untyped-def]
    """How the panel was chosen before the open-work selector (commit c2d502b, reviews/services.py): a
    Count over every assignment each expert ever had, filtered in the aggregate."""
    from django.db.models import Count, F, Q

    from applications.models import ApplicationStatus
    from reviews.models import ExpertProfile

    load = Count(
        "user__review_assignments",
        filter=Q(
            user__review_assignments__is_active=True,
            user__review_assignments__decision="",
            user__review_assignments__application__status=ApplicationStatus.UNDER_REVIEW,
            user__review_assignments__round=F("user__review_assignments__application__review_round"),
        ),
    )
    profiles = (
        ExpertProfile.objects.filter(is_active=True, user__is_active=True, specialties=application.disease.category_id)
        .exclude(user_id=application.applicant_id)
        .annotate(load=load)
        .select_related("user")
        .order_by("load", "user_id")
    )
    return [profile.user for profile in profiles if profile.load < profile.capacity]


def before_available(application):  # type: ignore[no-untyped-def]
    """How the panel was chosen before the open-load counter: each expert's open work counted by a
    correlated subquery through the partial index `open_assignment_by_expert`, compared in Python."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from accounts.roles import experts_on_duty
    from reviews.models import ExpertProfile, ReviewAssignment
    from reviews.selectors import pending_work

    count = (
        ReviewAssignment.objects.filter(pending_work(), expert=OuterRef("user_id"))
        .order_by()
        .values("expert")
        .annotate(n=Count("pk"))
        .values("n")
    )
    profiles = (
        ExpertProfile.objects.filter(user__in=experts_on_duty(), specialties=application.disease.category_id)
        .exclude(user_id=application.applicant_id)
        .annotate(load=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        .select_related("user")
        .order_by("load", "user_id")
    )
    return [profile.user for profile in profiles if profile.load < profile.capacity]


def generate(*, experts: int, past: int, open_: int) -> dict[str, int]:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    open_cases = experts * open_
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, {"experts": experts, "cases": experts * (past + open_), "open_cases": open_cases})
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM reviews_reviewassignment")
        assignments = cursor.fetchone()[0]
    from reviews.experts import expert_load_recount

    start = time.perf_counter()
    fixed = expert_load_recount(fix=True)  # the rows were written past the services
    recount_s = time.perf_counter() - start
    assert len(fixed) == experts and expert_load_recount() == []
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reviews_expertprofile")
    return {"assignments": assignments, "open": open_cases, "recount_s": round(recount_s, 3)}


def measure(*, rounds: int) -> dict[str, object]:
    from applications.models import Application, ApplicationStatus
    from reviews.selectors import experts_available

    case = Application.objects.filter(status=ApplicationStatus.UNDER_REVIEW).select_related("disease").first()
    assert case is not None
    ways = {
        "baseline": baseline_available,
        "before": before_available,
        "selector": lambda case: experts_available(application=case),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    chosen = {}
    for _ in range(rounds):
        for name, way in ways.items():
            start = time.perf_counter()
            chosen[name] = [u.pk for u in way(case)]
            times[name].append(time.perf_counter() - start)
    # The same experts in the same order (least loaded first, then by id), from all three.
    assert chosen["baseline"] == chosen["before"] == chosen["selector"], {k: v[:5] for k, v in chosen.items()}
    acceptance = _acceptance()
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "median_s": {name: round(value, 4) for name, value in medians.items()},
        "min_max_s": {name: [round(min(v), 4), round(max(v), 4)] for name, v in times.items()},
        "ratio_baseline_over_selector": round(medians["baseline"] / medians["selector"], 1),
        "ratio_before_over_selector": round(medians["before"] / medians["selector"], 1),
        "experts_offered": len(chosen["selector"]),
        "acceptance_s": acceptance,
        "rounds": rounds,
    }


def _acceptance() -> float:
    """One complete submission accepted: the check, the clock, the panel chosen and told (rolled back)."""
    from django.db import transaction
    from django.utils import timezone

    from applications.evidence import BASE_KINDS
    from applications.models import Application, ApplicationStatus, Document, Hospital, InsuredPerson
    from applications.services import application_check

    class Rollback(Exception):
        pass

    case = Application.objects.filter(status=ApplicationStatus.EFFECTIVE).select_related("applicant").first()
    assert case is not None
    try:
        with transaction.atomic():
            case.applicant.id_number = "620902196508220245"  # the generated applicants have none
            case.applicant.save(update_fields=["id_number", "id_number_index"])
            InsuredPerson.objects.create(
                id_number=case.applicant.id_number,
                name=case.applicant.name,
                insurance_type="employee",
                region_code="620902",
                insured_since=dt.date(2010, 1, 1),
                status="active",
            )
            hospital = Hospital.objects.get()
            for kind in (*BASE_KINDS, "diagnosis_certificate"):
                medical = kind == "diagnosis_certificate"
                Document.objects.create(
                    application=case,
                    kind=kind,
                    file=f"documents/bench/{kind}",
                    original_name=f"{kind}.pdf",
                    content_type="application/pdf",
                    size=1,
                    sha256=kind.ljust(64, "0")[:64],
                    uploaded_by=case.applicant,
                    issued_on=timezone.localdate() - dt.timedelta(days=10) if medical else None,
                    hospital=hospital if medical else None,
                )
            Application.objects.filter(pk=case.pk).update(
                status=ApplicationStatus.SUBMITTED, designated_points=[hospital.code]
            )
            start = time.perf_counter()
            checked = application_check(application_id=case.pk, on=timezone.localdate())
            elapsed = time.perf_counter() - start
            assert checked is not None and checked.status == ApplicationStatus.UNDER_REVIEW, (
                checked and checked.problems
            )
            raise Rollback
    except Rollback:
        pass
    return round(elapsed, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experts", type=int, default=300)
    parser.add_argument("--past", type=int, default=6000, help="decided assignments per expert")
    parser.add_argument("--open", dest="open_", type=int, default=150, help="open assignments per expert")
    parser.add_argument("--rounds", type=int, default=5)
    args = bench_setup(parser)
    started = time.perf_counter()
    data = {} if args.reuse else generate(experts=args.experts, past=args.past, open_=args.open_)
    generated_s = round(time.perf_counter() - started, 1)
    result = {
        "experts": args.experts,
        "past_each": args.past,
        "open_each": args.open_,
        **data,
        "generated_s": generated_s,
    }
    result.update(measure(rounds=args.rounds))
    print(json.dumps(result, ensure_ascii=False))
    bench_finish(args)


if __name__ == "__main__":
    main()
