"""Verified phones and sessions that end: the one-time SMS code (life, tries, rate limits), password
reset and change, phone change, logout and refresh-token rotation."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from config.sms import LocMemSmsBackend, LogSmsBackend
from tests.api import CODE, sms_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PHONE = "13912340001"
PASSWORD = "S3cure-pass-2026"
NEW_PASSWORD = "Another-pass-2027"
START = dt.datetime(2026, 9, 18, 10, 0, tzinfo=dt.UTC)


def ask(phone: str = PHONE, purpose: str = "register", client: APIClient | None = None, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return (client or APIClient()).post(
        "/api/v1/auth/sms-code/", {"phone": phone, "purpose": purpose}, format="json", REMOTE_ADDR=ip
    )


def last_code(phone: str = PHONE) -> str:
    texts = [text for to, text in LocMemSmsBackend.outbox if to == phone and CODE.search(text)]
    match = CODE.search(texts[-1])
    assert match is not None
    return match.group(1)


def reset(code: str, password: str = NEW_PASSWORD, phone: str = PHONE):  # type: ignore[no-untyped-def]
    body = {"phone": phone, "sms_code": code, "new_password": password}
    return APIClient().post("/api/v1/auth/password/reset/", body, format="json")


@pytest.fixture
def account():
    user = UserFactory(username="zhangsan", phone=PHONE)
    user.set_password(PASSWORD)
    user.save()
    return user


def tokens(username: str = "zhangsan", password: str = PASSWORD) -> dict[str, str]:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def me(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/auth/me/").status_code


def refreshed(refresh: str):  # type: ignore[no-untyped-def]
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")


def test_a_code_lives_five_minutes(account):
    with time_machine.travel(START, tick=False) as clock:
        assert ask(purpose="reset").status_code == 202
        code = last_code()
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        late = reset(code)
    assert late.status_code == 400 and late.json()["errors"][0]["field"] == "sms_code"
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False) as clock:
        ask(purpose="reset")
        clock.shift(dt.timedelta(minutes=4, seconds=50))
        assert reset(last_code()).status_code == 204


def test_five_wrong_tries_kill_the_code(account):
    assert ask(purpose="reset").status_code == 202
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert reset(wrong).status_code == 400
    assert reset(code).status_code == 400  # the right one, too late
    assert User.objects.get(pk=account.pk).check_password(PASSWORD)


def test_one_code_a_minute_and_a_few_an_hour_per_phone():
    with time_machine.travel(START, tick=False) as clock:
        assert ask().status_code == 202
        too_soon = ask()
        assert too_soon.status_code == 429 and too_soon.json()["type"] == "sms_code_too_soon"
        for _ in range(4):
            clock.shift(dt.timedelta(seconds=61))
            assert ask().status_code == 202
        clock.shift(dt.timedelta(seconds=61))
        limit = ask()
        assert limit.status_code == 429 and limit.json()["type"] == "sms_code_limit"
        clock.shift(dt.timedelta(hours=1))
        assert ask().status_code == 202


@override_settings(SMS_CODES_PER_IP_HOUR=3)
def test_a_few_codes_an_hour_per_address():
    for n in range(3):
        assert ask(phone=f"1391234000{n}", ip="10.9.9.9").status_code == 202
    assert ask(phone="13912340009", ip="10.9.9.9").status_code == 429
    assert ask(phone="13912340009", ip="10.9.9.8").status_code == 202


def test_a_reset_code_goes_only_to_a_registered_phone_and_the_answer_is_the_same(account):
    LocMemSmsBackend.outbox.clear()
    assert ask(phone="13900000077", purpose="reset").status_code == ask(purpose="reset").status_code == 202
    assert [phone for phone, _ in LocMemSmsBackend.outbox] == [PHONE]


def test_a_wrong_password_is_told_plainly(account):
    response = APIClient().post("/api/v1/auth/token/", {"username": "zhangsan", "password": "nope"}, format="json")
    assert response.status_code == 401 and response.json()["detail"] == "用户名或密码错误。"


def test_a_reset_ends_every_session(account):
    before = tokens()
    assert reset(sms_code(APIClient(), PHONE, "reset")).status_code == 204
    assert me(before["access"]) == 401
    assert refreshed(before["refresh"]).status_code == 401
    after = tokens(password=NEW_PASSWORD)
    assert me(after["access"]) == 200


def test_a_password_change_ends_the_other_sessions_and_keeps_the_caller_signed_in(account):
    other = tokens()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens()['access']}")
    wrong = client.post(
        "/api/v1/auth/password/change/", {"old_password": "nope", "new_password": NEW_PASSWORD}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "old_password"
    changed = client.post(
        "/api/v1/auth/password/change/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert changed.status_code == 200
    assert me(other["access"]) == 401 and refreshed(other["refresh"]).status_code == 401
    assert me(changed.json()["access"]) == 200 and refreshed(changed.json()["refresh"]).status_code == 200


def test_logout_revokes_the_refresh_token(account):
    pair = tokens()
    assert APIClient().post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert refreshed(pair["refresh"]).status_code == 401
    bad = APIClient().post("/api/v1/auth/logout/", {"refresh": "not-a-token"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "refresh"


def test_refresh_tokens_rotate_and_a_used_one_is_spent(account):
    pair = tokens()
    first = refreshed(pair["refresh"])
    assert first.status_code == 200 and first.json()["refresh"] != pair["refresh"]
    assert refreshed(pair["refresh"]).status_code == 401
    assert refreshed(first.json()["refresh"]).status_code == 200


def test_a_phone_change_proves_the_new_phone_and_tells_the_old_one(account):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens()['access']}")
    assert ask(phone="13700000001", purpose="change_phone").status_code == 403  # signed in only
    code = sms_code(client, "13700000001", "change_phone")
    LocMemSmsBackend.outbox.clear()
    changed = client.post("/api/v1/auth/phone/change/", {"phone": "13700000001", "sms_code": code}, format="json")
    assert changed.status_code == 200 and changed.json()["phone"] == "137****0001"
    assert User.objects.get(pk=account.pk).phone == "13700000001"
    assert [phone for phone, _ in LocMemSmsBackend.outbox] == [PHONE]


def test_only_demo_mode_logs_the_text_of_a_message(caplog, settings):
    caplog.set_level(logging.INFO, logger="config.sms")
    settings.DEMO_MODE = False
    LogSmsBackend().send(phone=PHONE, text="【医保慢特病】验证码123456")
    settings.DEMO_MODE = True
    LogSmsBackend().send(phone=PHONE, text="【医保慢特病】验证码654321")
    logged = [record.getMessage() for record in caplog.records]
    assert "123456" not in " ".join(logged) and "654321" in logged[1] and PHONE not in " ".join(logged)


def test_the_daily_retention_forgets_spent_codes_and_expired_tokens(account):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.models import SmsCode
    from applications.retention import retention_sweep

    with time_machine.travel(START, tick=False):
        ask(purpose="reset")
        tokens()
    assert SmsCode.objects.count() == 1 and OutstandingToken.objects.count() == 1
    assert "0 spent codes" in retention_sweep(on=START.date() + dt.timedelta(days=1))  # a day old: kept
    report = retention_sweep(on=START.date() + dt.timedelta(days=9))  # the refresh token lived 7 days
    assert "2 spent codes and expired tokens deleted" in report
    assert not SmsCode.objects.exists() and not OutstandingToken.objects.exists()
