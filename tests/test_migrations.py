"""A database migrated to the layout before certification and notifications became their own apps, with
data in it, migrates forward with nothing lost: the rows, the officers' permissions (content types
relabelled), the beat schedules, and the history the new tables start with. Runs on SQLite and, in
CI, on PostgreSQL."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.management import create_permissions
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("accounts", "0001_initial"),
    ("applications", "0009_record_age_bounds"),
    ("reviews", "0005_announcement_permissions"),
    ("django_celery_beat", "0019_alter_periodictasks_options"),
]
OFFICERS = "经办人员"


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaves():  # type: ignore[no-untyped-def]
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def seed_old(apps):  # type: ignore[no-untyped-def]
    """What a database of the old layout held, written through the old layout's own models."""
    User = apps.get_model("accounts", "User")
    Category = apps.get_model("applications", "DiseaseCategory")
    Disease = apps.get_model("applications", "Disease")
    Hospital = apps.get_model("applications", "Hospital")
    Application = apps.get_model("applications", "Application")
    Certification = apps.get_model("applications", "Certification")
    RemoteFiling = apps.get_model("applications", "RemoteFiling")
    Notification = apps.get_model("applications", "Notification")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    Group = apps.get_model("auth", "Group")

    holder = User.objects.create(username="holder", name="张三丰", id_number="620902196508220245", phone="13909370001")
    disease = Disease.objects.create(
        code="M01600", name="糖尿病", category=Category.objects.create(code="endocrine", name="内分泌"), evidence={}
    )
    hospital = Hospital.objects.create(code="H1", name="酒泉市人民医院", level=3, region_code="620902")
    common = {"applicant": holder, "disease": disease, "diagnosis_date": dt.date(2026, 1, 5)}
    effective = Application.objects.create(
        reference="MT1",
        status="effective",
        diagnosing_hospital=hospital,
        agent_name="李四",
        agent_id_number="62090219700101003X",
        agent_phone="13800000002",
        **common,
    )
    apps.get_model("applications", "InsuredPerson").objects.create(
        id_number="620902196508220245",
        name="张三丰",
        insurance_type="employee",
        region_code="620902",
        insured_since=dt.date(2010, 1, 1),
        status="active",
    )
    review = Application.objects.create(
        reference="MT2", status="submitted", kind="annual_review", diagnosing_hospital=hospital, **common
    )
    certification = Certification.objects.create(
        code="ABCD-EFGH-IJKL-MNOP-QRST",
        holder=holder,
        application=effective,
        disease=disease,
        insurance_type="employee",
        status="review_due",
        effective_on=dt.date(2026, 2, 1),
        benefit_start_date=dt.date(2026, 1, 5),
        valid_until=dt.date(2027, 3, 3),
        next_review_due=dt.date(2027, 2, 1),
        reimbursement_ratio=Decimal("0.80"),
        annual_limit=10000,
        status_reason="",
    )
    review.reviewed_certification = certification
    review.save()
    RemoteFiling.objects.create(
        holder=holder, type="temporary", place="兰州", start_date=dt.date(2026, 3, 1), status="granted"
    )
    Notification.objects.create(
        user=holder, application=effective, kind="effective", title="t", body="b", short_text="s", dedupe_key="k"
    )
    every = IntervalSchedule.objects.create(every=2, period="minutes")
    PeriodicTask.objects.create(
        name="job: retry_stuck", task="config.tasks.run_job_task", args=json.dumps(["retry_stuck"]), interval=every
    )
    # The officers' grants on the moved models, as the old migrations gave them (another test in this process
    # may have flushed the database since it was migrated, so they are written here again).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    officers, _ = Group.objects.get_or_create(name=OFFICERS)
    officers.permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="applications",
            codename__in=["change_certification", "change_remotefiling", "view_notification"],
        )
    )
    User.objects.create(username="officer", is_staff=True).groups.add(officers)
    return {"certification": certification.pk, "review": review.pk, "holder": holder.pk, "effective": effective.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_of_the_old_layout_migrates_forward_with_nothing_lost():  # one migration run: it is slow
    latest = leaves()
    try:
        ids = seed_old(migrate(BEFORE))
        apps = migrate(latest)
    finally:
        migrate(latest)

    Certification = apps.get_model("certification", "Certification")
    certification = Certification.objects.get(pk=ids["certification"])
    assert (certification.code, certification.status, certification.holder.username) == (
        "ABCD-EFGH-IJKL-MNOP-QRST",
        "review_due",
        "holder",
    )
    assert apps.get_model("applications", "Application").objects.get(pk=ids["review"]).reviewed_certification_id == (
        certification.pk
    )
    assert apps.get_model("certification", "RemoteFiling").objects.get().place == "兰州"
    notification = apps.get_model("notifications", "Notification").objects.get()
    assert (notification.dedupe_key, notification.claimed_until) == ("k", None)
    # The history starts with what the certification's state implies.
    events = list(
        apps.get_model("certification", "CertificationEvent")
        .objects.filter(certification_id=certification.pk)
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert events == [("", "active"), ("active", "review_due")]
    # Waiting submissions count as queued once, so the sweeper still finds them.
    review = apps.get_model("applications", "Application").objects.get(pk=ids["review"])
    assert review.check_attempts == 1 and review.check_queued_at is not None
    assert review.check_queued_at <= timezone.now()
    # The officers keep their permissions (the moved models' content types were relabelled) and the beat
    # keeps its schedules (each job now names its own task).

    ContentType = apps.get_model("contenttypes", "ContentType")
    assert not ContentType.objects.filter(app_label="applications", model__in=["certification", "notification"])
    officers = apps.get_model("auth", "Group").objects.get(name=OFFICERS)
    granted = set(officers.permissions.values_list("content_type__app_label", "codename"))
    assert {
        ("certification", "change_certification"),
        ("certification", "change_remotefiling"),
        ("certification", "view_certificationevent"),
        ("notifications", "view_notification"),
    } <= granted
    task = apps.get_model("django_celery_beat", "PeriodicTask").objects.get(name="job: retry_stuck")
    assert (task.task, task.args, task.interval.every) == ("applications.tasks.retry_stuck_task", "[]", 2)
    # ID numbers and phones were encrypted in place: a plain SELECT reads tokens, the models read the numbers
    # and find them through the blind indexes.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM accounts_user WHERE username = 'holder'")
        stored = cursor.fetchone()
        cursor.execute("SELECT id_number FROM applications_insuredperson")
        stored += cursor.fetchone()
        cursor.execute("SELECT agent_id_number, agent_phone FROM applications_application WHERE reference = 'MT1'")
        stored += cursor.fetchone()
    assert all(value.startswith("gAAAAA") for value in stored)
    assert not {"620902196508220245", "13909370001", "62090219700101003X", "13800000002"} & set(stored)
    User = apps.get_model("accounts", "User")
    holder = User.objects.get(id_number="620902196508220245")
    assert (holder.pk, holder.phone, holder.name) == (ids["holder"], "13909370001", "张三丰")
    assert User.objects.get(phone="13909370001").pk == ids["holder"]
    person = apps.get_model("applications", "InsuredPerson").objects.get(id_number="620902196508220245")
    assert person.name == "张三丰"
    effective = apps.get_model("applications", "Application").objects.get(agent_id_number="62090219700101003X")
    assert (effective.pk, effective.agent_phone) == (ids["effective"], "13800000002")
