"""Accounts and sessions: repeated wrong passwords lock that username from that address (admin and API),
the lockout is logged and an officer unlocks it; a refused `next=` lands on the admin; production refuses
a weak secret key and the development key is for demo mode only."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.production import PRODUCTION_KEYS
from tests.reviews.review_helpers import officer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "S3cure-pass-2026"


def admin_login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


@pytest.mark.django_db
def test_repeated_wrong_admin_passwords_lock_the_login_and_say_so_in_chinese(caplog):
    staff = officer(username="guard", password=PASSWORD)
    client = Client(REMOTE_ADDR="10.1.1.1")
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            assert admin_login(client, staff.username, "wrong").status_code in (200, 429)
        locked = admin_login(client, staff.username, PASSWORD)  # even the right password now
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert any("Locking out" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db
def test_the_lock_is_per_address_so_nobody_locks_a_person_out_from_elsewhere():
    staff = officer(username="guard2", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="10.6.6.6")
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        admin_login(attacker, staff.username, "wrong")
    assert admin_login(Client(REMOTE_ADDR="10.2.2.2"), staff.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_officer_unlocks_a_locked_account_in_the_admin():
    person = UserFactory(username="locked1", is_staff=True)
    client = Client(REMOTE_ADDR="10.3.3.3")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        admin_login(client, person.username, "wrong")
    attempt = AccessAttempt.objects.get(username="locked1")
    desk = Client()
    desk.force_login(officer())
    listed = desk.get("/admin/accounts/loginlockout/").content.decode()
    assert "locked1" in listed and "10.3.3.3" in listed
    confirm = desk.get(f"/admin/accounts/loginlockout/{attempt.pk}/delete/").content.decode()
    assert "locked1（10.3.3.3）" in confirm and "Attempted Access" not in confirm
    response = desk.post(f"/admin/accounts/loginlockout/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == "/admin/accounts/loginlockout/"
    assert not AccessAttempt.objects.exists()
    assert admin_login(client, person.username, "S3cure-pass-2026").status_code == 302


@pytest.mark.django_db
def test_the_token_endpoint_locks_too_and_answers_in_the_error_format():
    UserFactory(username="apiuser")
    client = APIClient(REMOTE_ADDR="10.4.4.4")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "apiuser", "password": "wrong"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "apiuser", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["type"] == "login_locked" and "锁定" in response.json()["detail"]


@pytest.mark.django_db
def test_a_refused_next_after_the_admin_login_lands_on_the_admin():
    staff = officer(username="guard3", password=PASSWORD)
    response = Client().post(
        "/admin/login/?next=https://evil.example/phish", {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def start(module: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DEMO_MODE", "DJANGO_DEBUG")}
    environment.update(DJANGO_SETTINGS_MODULE=module, PUBLIC_BASE_URL="https://ybj.example", **PRODUCTION_KEYS)
    environment.update(env)
    code = "import django; django.setup()"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)


@pytest.mark.parametrize(
    "key",
    [
        "short-secret",
        "a" * 60,  # long but one character
        "django-insecure-" + "q8w7e6r5t4y3u2i1o0p9" * 3,  # Django's own "change me" prefix
        "local-insecure-only-for-development-3f9a1c" + "x" * 10,
    ],
)
def test_production_refuses_a_weak_secret_key(key):
    result = start("config.settings.production", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    from config.settings.base import DEVELOPMENT_SECRET_KEY

    result = start("config.settings.production", DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_the_development_key_is_refused_outside_demo_mode():
    result = start("config.settings.local", DEMO_MODE="false")
    assert result.returncode != 0 and "demo mode only" in result.stderr
    assert start("config.settings.local").returncode == 0  # demo mode: the embedded default works
