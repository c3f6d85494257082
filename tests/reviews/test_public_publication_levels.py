"""How each disease appears in the public announcement (艾滋病防治条例 art. 39): by name, by category only,
or not at all, in every public response (the API, its list, the pages, the objection form); and an
officer's change of the level rewrites what is already published."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from applications.models import Disease, PublicationLevel
from reviews.announcements import GENERIC_DISEASE_LABEL
from tests.factories import DiseaseFactory, UserFactory, make_id_number
from tests.reviews.public_helpers import approved, entry_of, experts_for, published
from tests.reviews.review_helpers import category, officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_cache_and_day")]
API = "/api/v1/announcements/"
PAGES = "/gongshi/"


def public_bodies(client, batch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every public response that shows the batch's entries, as text (JSON with its characters)."""
    entry = batch.entries.first()
    responses = {
        "API list": client.get(API),
        "API detail": client.get(f"{API}{batch.pk}/"),
        "page list": client.get(PAGES),
        "page batch": client.get(f"{PAGES}{batch.pk}/"),
        "page objection form": client.get(f"{PAGES}{batch.pk}/objection/?entry={entry.pk}"),
    }
    bodies = {}
    for label, response in responses.items():
        assert response.status_code == 200, label
        text = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        bodies[label] = text
    return bodies


def announced(level: str, *, disease_name: str, category_name: str):  # type: ignore[no-untyped-def]
    cat = category(code=f"cat-{uuid.uuid4().hex[:6]}", name=category_name)
    experts_for(cat)
    id_number = make_id_number(region="620902", seq=321)
    app = approved(
        applicant=UserFactory(name="欧阳锦绣", id_number=id_number),
        disease=DiseaseFactory(name=disease_name, category=cat, publication=level),
    )
    return app, published(app), id_number


def test_a_disease_that_may_not_be_named_shows_nowhere_public_with_neither_id_nor_district(client):
    _, batch, id_number = announced(PublicationLevel.NONE, disease_name="艾滋病", category_name="传染性疾病")
    masked_id = f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"
    for label, body in public_bodies(client, batch).items():
        assert "艾滋病" not in body and "传染性疾病" not in body, label
        assert masked_id not in body, label
        assert "欧**绣" in body or label in ("page list", "API list"), label  # the lists give counts only
    detail = client.get(f"{API}{batch.pk}/").json()["entries"][0]
    assert detail["disease"] == GENERIC_DISEASE_LABEL
    assert (detail["id_number"], detail["district"]) == ("", "")


def test_a_category_only_disease_shows_its_category_and_not_its_name(client):
    _, batch, id_number = announced(PublicationLevel.CATEGORY, disease_name="慢性乙型肝炎", category_name="传染性疾病")
    for label, body in public_bodies(client, batch).items():
        assert "慢性乙型肝炎" not in body, label
    detail = client.get(f"{API}{batch.pk}/").json()["entries"][0]
    assert detail["disease"] == "传染性疾病"
    assert detail["id_number"] == f"{id_number[:4]}{'*' * 10}{id_number[-4:]}" and detail["district"]


def test_a_disease_published_by_name_shows_its_name(client):
    _, batch, _ = announced(PublicationLevel.NAME, disease_name="糖尿病", category_name="内分泌系统疾病")
    assert client.get(f"{API}{batch.pk}/").json()["entries"][0]["disease"] == "糖尿病"
    assert "糖尿病" in public_bodies(client, batch)["page batch"]


def test_an_officer_who_hides_a_disease_rewrites_what_is_already_published(client):
    app, batch, _ = announced(PublicationLevel.NAME, disease_name="精神分裂症", category_name="精神疾病")
    assert entry_of(app).disease_name == "精神分裂症"
    disease = app.disease
    staff = officer()
    staff.is_superuser = True  # the catalogue is edited with the model permission; a superuser holds it
    staff.save()
    client.force_login(staff)
    form = {
        field: getattr(disease, field)
        for field in [
            "code",
            "name",
            "record_max_age_days",
            "employee_ratio",
            "employee_annual_limit",
            "resident_ratio",
            "resident_annual_limit",
            "benefit_months",
            "notes",
        ]
    }
    form.update(
        category=disease.category_id,
        evidence=json.dumps(disease.evidence),
        reexam_evidence="null",
        publication=PublicationLevel.NONE,
        is_active="on",
    )
    response = client.post(reverse("admin:applications_disease_change", args=[disease.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Disease.objects.get(pk=disease.pk).publication == PublicationLevel.NONE
    entry = entry_of(app)
    assert (entry.disease_name, entry.masked_id_number, entry.district) == (GENERIC_DISEASE_LABEL, "", "")
    client.logout()
    cache.clear()  # the public pages' minute of cache
    for label, body in public_bodies(client, batch).items():
        assert "精神分裂症" not in body and "精神疾病" not in body, label


def test_the_shipped_catalogue_does_not_name_aids_or_any_mental_disorder_in_public():
    from django.core.management import call_command

    call_command("import_catalogue", stdout=open("/dev/null", "w"))
    hidden = set(Disease.objects.filter(publication=PublicationLevel.NONE).values_list("name", flat=True))
    assert "艾滋病" in hidden
    mental = set(Disease.objects.filter(category__code="mental").values_list("name", flat=True))
    assert mental and mental <= hidden
    assert Disease.objects.get(name="糖尿病").publication == PublicationLevel.NAME
