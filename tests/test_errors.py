from django.test import Client


def test_unknown_api_path_is_a_json_problem():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_unknown_page_is_a_plain_html_404():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
