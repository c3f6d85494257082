"""How work is queued: each periodic job is a named task with the time it needs, deliveries have a queue of
their own, the embedded broker keeps everything under var/, and production needs its public address."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from config.jobs import JOBS, job_function
from tests.production import PRODUCTION_KEYS, STRONG_KEY

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="module")
def _tasks_discovered():
    """What a worker does when it starts: import every app's tasks module."""
    app.loader.import_default_modules()


def test_deliveries_go_to_their_own_queue_and_checks_to_the_default_one():
    router = app.amqp.router
    assert router.route({}, "notifications.tasks.notification_deliver_task")["queue"].name == settings.DELIVERY_QUEUE
    assert router.route({}, "applications.tasks.application_check_task")["queue"].name == "celery"
    assert settings.DELIVERY_QUEUE != "celery"


@pytest.mark.parametrize("name", list(JOBS))
def test_every_job_is_a_named_task_with_its_own_time_limits(name):
    task = app.tasks[JOBS[name].task]
    assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit
    assert callable(job_function(name))


def test_the_annual_review_sweep_may_run_for_minutes():
    # A big day (a whole cohort due) takes minutes: the global 60 s default would cut it off.
    assert app.tasks[JOBS["annual_reviews"].task].soft_time_limit >= 15 * 60


def test_the_embedded_broker_keeps_its_control_folder_under_var(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    options = runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert Path(options["control_folder"]).is_relative_to(tmp_path)
    assert not (ROOT / "control").exists()


def _production(**env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in ("PUBLIC_BASE_URL", "DJANGO_DEBUG")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=STRONG_KEY, **PRODUCTION_KEYS, **env
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.PUBLIC_BASE_URL)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)


def test_production_refuses_to_start_without_its_public_address():
    result = _production()
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be set in production" in result.stderr


def test_production_prints_the_address_it_was_given_on_every_certificate():
    result = _production(PUBLIC_BASE_URL="https://ybj.jiuquan.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://ybj.jiuquan.example"
