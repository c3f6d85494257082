"""What a browser gets: a Content-Security-Policy on every page, and JSON from the API even when it asks
for HTML (DRF's browsable pages are for development only)."""

import io

import pytest
from django.test import Client

from tests.api import bearer_client
from tests.applications.upload_helpers import png_bytes
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/diseases/", "/api/v1/certificates/verify/AAAA-BBBB-CCCC-DDDD-EEEE/"])
def test_the_api_answers_a_browser_in_json(url):
    response = Client().get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("url", ["/admin/login/", "/gongshi/", "/api/docs/", "/api/v1/diseases/"])
def test_every_page_carries_the_policy(url):
    policy = Client().get(url)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script


def test_a_document_keeps_its_own_stricter_policy():
    # The download endpoint sets `default-src 'none'; sandbox`: the site-wide policy does not replace it.
    application = ApplicationFactory()
    api = bearer_client(application.applicant)
    upload = io.BytesIO(png_bytes())
    upload.name = "id.png"
    document = api.post(
        f"/api/v1/applications/{application.pk}/documents/", {"kind": "id_card_front", "file": upload}
    ).json()
    response = api.get(document["file_url"])
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
