import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from config.sms import LocMemSmsBackend
from tests.api import register, sms_code
from tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/register/"


def payload(**overrides):
    data = {
        "username": "zhangsan",
        "password": "S3cure-pass-2026",
        "name": "张三",
        "id_number": make_id_number("620902", dt.date(1985, 5, 17), 123),
        "phone": "13912345678",
    }
    data.update(overrides)
    return data


def field_errors(response):
    return {error["field"]: error for error in response.json()["errors"]}


def test_register_creates_account_and_masks_id_number_in_answer():
    response = register(APIClient(), payload())
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "zhangsan"
    assert body["id_number"].startswith("6209") and "*" in body["id_number"]
    assert User.objects.get(username="zhangsan").check_password("S3cure-pass-2026")


def test_register_then_token_then_me():
    client = APIClient()
    register(client, payload())
    tokens = client.post("/api/v1/auth/token/", {"username": "zhangsan", "password": "S3cure-pass-2026"}, format="json")
    assert tokens.status_code == 200
    assert {"access", "refresh"} <= tokens.json().keys()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    assert client.get("/api/v1/auth/me/").json()["username"] == "zhangsan"


def test_wrong_check_digit_is_refused_with_chinese_message_naming_the_field():
    good = payload()["id_number"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = register(APIClient(), payload(id_number=bad))
    assert response.status_code == 400
    error = field_errors(response)["id_number"]
    assert error["code"] == "id_number_checksum"
    assert "校验位" in error["message"]


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("62090219850517123", "id_number_length"),
        ("62090219850517123AB", "id_number_length"),
        ("6209021985051712A4", "id_number_format"),
    ],
)
def test_malformed_id_numbers_are_refused(id_number, code):
    response = register(APIClient(), payload(id_number=id_number))
    assert response.status_code == 400
    assert field_errors(response)["id_number"]["code"] == code


def test_impossible_birth_date_is_refused():
    body = "620902" + "19850230" + "123"  # 30 February
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    response = register(APIClient(), payload(id_number=number))
    assert field_errors(response)["id_number"]["code"] == "id_number_birth_date"


def test_future_birth_date_is_refused():
    number = make_id_number("620902", dt.date.today() + dt.timedelta(days=400), 1)
    response = register(APIClient(), payload(id_number=number))
    assert field_errors(response)["id_number"]["code"] == "id_number_birth_date"


def test_unknown_region_code_is_refused():
    number = make_id_number("999999", dt.date(1980, 1, 1), 1)
    response = register(APIClient(), payload(id_number=number))
    assert field_errors(response)["id_number"]["code"] == "id_number_region"


def test_region_code_created_after_birth_is_accepted():
    # 620902 肃州区 exists since 2002; people born in 1960 were re-coded into it and are real.
    number = make_id_number("620902", dt.date(1960, 3, 8), 21)
    response = register(APIClient(), payload(id_number=number))
    assert response.status_code == 201


def test_lowercase_x_check_digit_is_normalised():
    for seq in range(1000):
        number = make_id_number("620902", dt.date(1975, 7, 1), seq)
        if number.endswith("X"):
            break
    response = register(APIClient(), payload(id_number=number.lower()))
    assert response.status_code == 201
    assert User.objects.get().id_number == number


@pytest.mark.parametrize("phone", ["12345678901", "1391234567", "phone", "10012345678"])
def test_invalid_mobile_is_refused(phone):
    response = register(APIClient(), payload(phone=phone))
    assert response.status_code == 400
    assert "手机号码" in field_errors(response)["phone"]["message"]


def test_weak_password_is_refused():
    response = register(APIClient(), payload(password="123456"))
    assert response.status_code == 400
    assert "password" in field_errors(response)


def test_an_id_number_with_an_account_gets_the_same_answer_and_its_holder_is_told():
    existing = UserFactory(phone="13800000042")
    fresh = register(APIClient(), payload())
    LocMemSmsBackend.outbox.clear()
    taken = register(APIClient(), payload(username="lisi", id_number=existing.id_number, phone="13912345679"))
    assert (
        (taken.status_code, taken.json().keys())
        == (fresh.status_code, fresh.json().keys())
        == (
            201,
            {"username", "name", "id_number", "phone"},
        )
    )
    assert not User.objects.filter(username="lisi").exists()
    warnings = [text for phone, text in LocMemSmsBackend.outbox if phone == "13800000042"]
    assert len(warnings) == 1 and "找回密码" in warnings[0] and "验证码" not in warnings[0].split("找回密码")[0]


def test_registration_needs_the_code_sent_to_that_phone():
    sms_code(APIClient(), "13912345678")
    wrong = APIClient().post(URL, {**payload(), "sms_code": "000000"}, format="json")
    other_phone = register(APIClient(), payload(phone="13912345670"))
    assert wrong.status_code == 400 and field_errors(wrong)["sms_code"]["code"] == "sms_code_invalid"
    assert other_phone.status_code == 201 and User.objects.get().phone == "13912345670"


def test_taken_username_is_a_conflict():
    UserFactory(username="zhangsan")
    response = register(APIClient(), payload())
    assert response.status_code == 409
    assert field_errors(response)["username"]["code"] == "username_taken"


def test_missing_fields_are_all_named():
    response = APIClient().post(URL, {}, format="json")
    assert response.status_code == 400
    assert {"username", "password", "name", "id_number", "phone", "sms_code"} <= field_errors(response).keys()


def test_malformed_json_is_a_400_not_a_500():
    response = APIClient().post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_bad_bearer_token_gets_a_readable_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "token_not_valid"
    assert "ErrorDetail" not in body["detail"]


def test_masking_never_publishes_a_one_character_name():
    from accounts.identity import mask_name

    assert mask_name("王") == "*"
    assert mask_name("李四") == "李*"
    assert mask_name("张三丰") == "张*丰"


class FailingSms:
    def send(self, *, phone: str, text: str) -> None:
        raise ConnectionError("the gateway is down")


def test_the_warning_to_an_existing_account_failing_changes_nothing_in_the_answer(settings):
    existing = UserFactory(phone="13800000042")
    body = payload(username="lisi", id_number=existing.id_number, phone="13912345679")
    code = sms_code(APIClient(), body["phone"])
    settings.SMS_BACKEND = "tests.accounts.test_register_api.FailingSms"
    response = APIClient().post(URL, {**body, "sms_code": code}, format="json")
    assert response.status_code == 201 and not User.objects.filter(username="lisi").exists()
