"""What an operator relies on: liveness and readiness, Prometheus metrics with the business gauges, one
log line per request and per task carrying the request id (the error's `instance`), the first staff
accounts from the command line, commands that start without spurious warnings, and backups of the
stored files that restore."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from accounts.roles import is_expert, is_officer
from applications.backups import BackupDamaged, documents_backup, documents_restore
from applications.models import Document
from config.celery import app
from config.logging import logging_config
from tests.api import bearer_client
from tests.factories import ApplicationFactory, DocumentFactory, UserFactory
from tests.reviews.review_helpers import category
from tests.samples import png_bytes

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


# --- health ----------------------------------------------------------------------------------------


def test_liveness_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_when_the_database_the_broker_the_storage_and_the_migrations_are(client):
    response = client.get("/ready/")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ready", "failed": {}}
    assert "no-store" in response["Cache-Control"]


def test_not_ready_with_the_broker_stopped(client, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing listens on port 9
    monkeypatch.setitem(app.conf, "broker_transport_options", {"socket_connect_timeout": 1})
    response = client.get("/ready/")
    assert response.status_code == 503
    failed = response.json()["failed"]
    assert [key for key in failed if key.startswith("Broker")] and len(failed) == 1
    assert "broker unreachable" in " ".join(failed.values())


def test_not_ready_when_the_pdf_signing_key_cannot_be_read(client, tmp_path, settings):
    settings.PDF_SIGNING_KEY_FILE = str(tmp_path / "missing.key")
    settings.PDF_SIGNING_CERT_FILE = str(tmp_path / "missing.crt")
    response = client.get("/ready/")
    assert response.status_code == 503
    failed = response.json()["failed"]
    assert [key for key in failed if key.startswith("SigningKey")] and len(failed) == 1


# --- metrics ---------------------------------------------------------------------------------------


def test_metrics_carry_the_business_gauges_for_the_monitoring_network(client):
    ApplicationFactory(submitted=True)
    ApplicationFactory(under_review=True, overdue_since="2026-11-30")
    body = client.get("/metrics", REMOTE_ADDR="10.0.0.9").content.decode()
    assert 'osd_applications{status="submitted"} 1.0' in body
    assert "osd_checks_waiting 1.0" in body and "osd_overdue_cases 1.0" in body
    assert "osd_platform_outbox" in body and "osd_deliveries_failed 0.0" in body
    assert "django_http_requests_total_by_method_total" in body  # django-prometheus's own


def test_metrics_are_not_served_to_the_internet(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404


# --- logs ------------------------------------------------------------------------------------------


def request_lines(caplog) -> list[logging.LogRecord]:  # type: ignore[no-untyped-def]
    return [r for r in caplog.records if r.name == "osd.request"]


def test_one_line_per_request_with_its_id_status_duration_and_user_id_never_a_name(caplog):
    user = UserFactory(name="欧阳锦绣")
    with caplog.at_level(logging.INFO, logger="osd.request"):
        response = bearer_client(user).get(f"/api/v1/applications/{ApplicationFactory(applicant=user).pk}/")
    (line,) = request_lines(caplog)
    assert response["X-Request-ID"] == line.request_id
    assert (line.status, line.user_id, line.method) == (200, user.pk, "GET")
    assert line.path == "/api/v1/applications/<uuid:pk>/"  # the route: no ids or codes in the log
    assert line.duration_ms >= 0
    assert "欧阳锦绣" not in line.getMessage() and user.id_number not in line.getMessage()


def test_an_error_answer_names_the_request_id_of_its_log_line(caplog):
    with caplog.at_level(logging.INFO):
        response = Client().get("/api/v1/applications/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    (line,) = request_lines(caplog)
    assert response.json()["instance"] == f"urn:uuid:{line.request_id}" == f"urn:uuid:{response['X-Request-ID']}"


def test_json_lines_for_a_log_collector():
    config = logging_config(log_format="json", level="INFO")
    formatter = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["json"])
    record = logging.LogRecord("osd.request", logging.INFO, __file__, 1, "GET /x 200", None, None)
    record.request_id, record.status = "abc", 200
    line = json.loads(formatter.format(record))
    assert line["level"] == "INFO" and line["logger"] == "osd.request" and line["request_id"] == "abc"
    assert line["status"] == 200 and line["message"] == "GET /x 200"


def test_every_task_logs_one_line_with_its_outcome_and_duration(caplog):
    from notifications.tasks import notification_deliver_task

    with caplog.at_level(logging.INFO, logger="osd.task"):
        notification_deliver_task.apply(args=[999999])
    (line,) = [r for r in caplog.records if r.name == "osd.task"]
    assert line.task == "notifications.tasks.notification_deliver_task" and line.outcome == "ok"
    assert line.duration_ms >= 0


def test_management_commands_print_no_spurious_warning():
    for command in (["check"], ["run_jobs", "--help"], ["showmigrations", "--plan"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.local", "VAR_DIR": "/tmp/osd-ops"},
            capture_output=True,
            text=True,
            check=True,
        )
        assert "WARNING" not in done.stderr and "AXES" not in done.stderr, (command, done.stderr[:500])


# --- first accounts --------------------------------------------------------------------------------


def password_on_stdin(monkeypatch, password: str = "Strong-Pass-2026!") -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{password}\n"))


def test_the_first_officer_and_expert_from_the_command_line(monkeypatch):
    password_on_stdin(monkeypatch)
    call_command("create_officer", "wang", "--name", "王经办", "--password-stdin", stdout=io.StringIO())
    officer = User.objects.get(username="wang")
    assert officer.is_staff and is_officer(officer) and officer.check_password("Strong-Pass-2026!")
    category(code="endocrine")
    password_on_stdin(monkeypatch)
    call_command(
        "create_expert",
        "li",
        "--name",
        "李专家",
        "--categories",
        "endocrine",
        "--institution",
        "酒泉市人民医院",
        "--password-stdin",
        stdout=io.StringIO(),
    )
    expert = User.objects.get(username="li")
    assert is_expert(expert) and expert.expert_profile.institution == "酒泉市人民医院"


def test_a_weak_password_or_an_unknown_category_creates_nothing(monkeypatch):
    password_on_stdin(monkeypatch, "123")
    with pytest.raises(CommandError):
        call_command("create_officer", "weak", "--name", "某", "--password-stdin")
    password_on_stdin(monkeypatch)
    with pytest.raises(CommandError, match="未知的病种类别"):
        call_command("create_expert", "nobody", "--name", "某", "--categories", "astrology", "--password-stdin")
    assert not User.objects.filter(username__in=["weak", "nobody"]).exists()


# --- backups ---------------------------------------------------------------------------------------


def test_the_stored_files_back_up_and_restore_into_an_empty_storage(tmp_path):
    scans = [DocumentFactory(file__data=png_bytes()) for _ in range(3)]
    names = [scan.file.name for scan in scans]
    assert documents_backup(to=tmp_path / "backup") == 3
    for name in names:
        default_storage.delete(name)  # the storage is lost

    assert documents_restore(source=tmp_path / "backup") == 3
    for name in names:
        with default_storage.open(name, "rb") as restored:
            assert restored.read() == png_bytes()
    assert documents_restore(source=tmp_path / "backup") == 0  # nothing twice


def test_a_damaged_backup_is_refused(tmp_path):
    scan = DocumentFactory(file__data=png_bytes())
    documents_backup(to=tmp_path)
    (tmp_path / scan.file.name).write_bytes(b"tampered")
    default_storage.delete(scan.file.name)
    with pytest.raises(BackupDamaged):
        documents_restore(source=tmp_path)
    assert not default_storage.exists(scan.file.name)


def test_purged_scans_are_not_backed_up(tmp_path):
    kept = DocumentFactory(file__data=png_bytes())
    purged = DocumentFactory(file__data=png_bytes())
    Document.objects.filter(pk=purged.pk).update(file="", purged_at="2026-12-01T00:00:00Z")
    assert documents_backup(to=tmp_path) == 1
    assert (tmp_path / kept.file.name).exists()
    assert json.loads((tmp_path / "manifest.json").read_text())[0]["name"] == kept.file.name


def test_production_does_not_start_without_the_pdf_signing_key():
    from tests.production import PRODUCTION_KEYS, STRONG_KEY

    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "PUBLIC_BASE_URL": "https://ybj.example",
        **{k: v for k, v in PRODUCTION_KEYS.items() if not k.startswith("PDF_SIGNING")},
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "PDF_SIGNING_KEY_FILE must be set in production" in done.stderr
