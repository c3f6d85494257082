"""Read-only admin pages read as such: a record page with nothing to edit is titled 查看 … and offers no
save button (a save there only wrote "没有字段被修改" into the history), and its foreign keys link only to
the records the reader may open (plain text otherwise, not a link to a 403)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import NoReverseMatch, reverse

from applications.models import ServiceRating
from tests.certification.factories import CertificationFactory, RemoteFilingFactory
from tests.factories import ApplicationFactory, DiseaseFactory, UserFactory
from tests.reviews.review_helpers import category, expert, officer
from tests.test_admin_language import records  # noqa: F401 - the fixture: one record of most kinds

pytestmark = pytest.mark.django_db
EDITABLE = re.compile(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*name="(?!csrfmiddlewaretoken|_)')
READONLY_LINK = re.compile(r'<div class="readonly"><a href="([^"]+)"')


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def record_pages() -> list[str]:
    pages = []
    for model in admin.site._registry:
        first = model.objects.first()
        if first is not None:
            try:
                pages.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk]))
            except NoReverseMatch:
                pass
    return pages


def test_the_officers_certification_page_is_a_view_without_save_buttons():
    certification = CertificationFactory()
    client = signed_in(officer())
    url = f"/admin/certification/certification/{certification.pk}/change/"
    page = client.get(url).content.decode()
    assert "<h1>查看 待遇认定（电子凭证）</h1>" in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    history = LogEntry.objects.count()
    assert client.post(url, {"_save": "保存"}).status_code == 403
    assert LogEntry.objects.count() == history  # no "没有字段被修改"
    assert "撤销…" in client.get("/admin/certification/certification/").content.decode()  # its own pages stay


def test_every_record_page_with_nothing_to_edit_is_a_view(records):  # noqa: F811
    RemoteFilingFactory()
    CertificationFactory()
    ServiceRating.objects.create(application=records, user=records.applicant, score=1)
    readers = [officer(), expert(category()), UserFactory(is_staff=True, is_superuser=True, id_number="")]
    wrong = []
    for reader in readers:
        client = signed_in(reader)
        for url in record_pages():
            response = client.get(url)
            if response.status_code != 200:
                continue
            page = response.content.decode()
            title = re.search(r"<h1>(.*?)</h1>", page, re.S)
            if not EDITABLE.search(page) and ('name="_save"' in page or (title and "修改" in title.group(1))):
                wrong.append((reader.username, url))
    assert wrong == []


def test_read_only_foreign_keys_link_only_where_the_reader_may_go(records):  # noqa: F811
    specialty = category("respiratory", "呼吸系统疾病")
    reviewer = expert(specialty, username="expert1")
    profile = reviewer.expert_profile
    disease = DiseaseFactory(category=specialty)
    ApplicationFactory(disease=disease)
    root = UserFactory(is_staff=True, is_superuser=True, id_number="")

    profile_page = signed_in(officer()).get(f"/admin/reviews/expertprofile/{profile.pk}/change/").content.decode()
    assert '<div class="readonly">expert1</div>' in profile_page
    assert f"/admin/accounts/user/{reviewer.pk}/change/" not in profile_page
    disease_page = signed_in(reviewer).get(f"/admin/applications/disease/{disease.pk}/change/").content.decode()
    assert '<div class="readonly">呼吸系统疾病</div>' in disease_page
    assert f"/admin/applications/diseasecategory/{specialty.pk}/change/" not in disease_page
    # An administrator, who may open them, still follows the links.
    page = signed_in(root).get(f"/admin/reviews/expertprofile/{profile.pk}/change/").content.decode()
    assert f'<a href="/admin/accounts/user/{reviewer.pk}/change/">expert1</a>' in page

    refused = []
    for reader in (officer(), reviewer):
        client = signed_in(reader)
        for url in record_pages():
            response = client.get(url)
            if response.status_code == 200:
                links = READONLY_LINK.findall(response.content.decode())
                refused += [(reader.username, url, link) for link in links if client.get(link).status_code == 403]
    assert refused == []
