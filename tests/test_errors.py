from django.test import Client


def test_unknown_api_path_is_a_json_problem():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_unknown_page_is_a_plain_html_404():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


import datetime as dt  # noqa: E402

import pytest  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_not_a_500():
    body = "[" * 100_000 + "]" * 100_000
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "parse_error"


@pytest.mark.django_db
def test_malformed_json_message_is_chinese_and_does_not_echo_the_parser():
    response = APIClient().post("/api/v1/auth/token/", '{"a": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" not in response.json()["detail"]
    assert "格式无效" in response.json()["detail"]


@pytest.mark.django_db
def test_invalid_refresh_token_message_is_chinese():
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": "abc"}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "登录凭证无效或已过期，请重新登录。"


@pytest.mark.django_db
def test_short_password_message_is_chinese():
    from tests.api import register
    from tests.factories import make_id_number

    response = register(
        APIClient(),
        {
            "username": "abcd",
            "password": "123",
            "name": "张三",
            "id_number": make_id_number("620902", dt.date(1980, 1, 1), 5),
            "phone": "13909370001",
        },
        format="json",
    )
    messages = [e["message"] for e in response.json()["errors"]]
    assert "密码太短，至少需要8个字符。" in messages
    assert all(not m.startswith("This password") for m in messages)


def test_api_404_body_is_readable_utf8():
    from django.test import Client

    response = Client().get("/api/v1/no-such-thing/")
    assert "未找到".encode() in response.content


@pytest.mark.django_db
def test_api_docs_page_loads_swagger_ui_from_this_server_not_a_cdn():
    from django.test import Client

    page = Client().get("/api/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/" in page
