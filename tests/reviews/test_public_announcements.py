"""The public announcement (公示): API and pages show de-identified entries only, and nothing personal
ever reaches a public response."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application, Document, DocumentKind, Hospital
from reviews.models import AnnouncementEntry, EntryStatus
from reviews.public_serializers import ObjectionInput
from tests.factories import HospitalFactory, UserFactory, make_id_number
from tests.reviews.public_helpers import (
    ON,
    approved,
    entry_of,
    experts_for,
    other_batch,
    published,
)
from tests.reviews.review_helpers import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_cache_and_day")]

API = "/api/v1/announcements/"
PAGES = "/gongshi/"
ENTRY_KEYS = {"id", "name", "id_number", "disease", "district"}
# Tables and columns public reads must never touch: the person behind an entry stays out of reach.
PRIVATE_SQL = (
    "applications_application",
    "applications_document",
    "applications_insuredperson",
    "applications_hospital",
    "accounts_user",
    '"application_id"',
)


@pytest.fixture
def batch():
    experts_for()
    apps = [
        approved(applicant=UserFactory(name="张晓明")),
        approved(applicant=UserFactory(name="李雷")),
    ]
    return published(*apps)


# --- API -------------------------------------------------------------------------------------------


def test_list_gives_batches_and_the_detail_their_masked_entries(client, batch):
    response = client.get(API)

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == batch.pk
    assert (item["region"], item["region_code"]) == ("酒泉市", "620900")
    assert (item["published_on"], item["ends_on"]) == (ON.isoformat(), batch.ends_on.isoformat())
    assert item["entry_count"] == 2
    assert item["accepting_objections"] is True
    assert "entries" not in item  # a page of them at a time, in the detail
    item = client.get(f"{API}{batch.pk}/").json()
    assert [set(entry) for entry in item["entries"]] == [ENTRY_KEYS, ENTRY_KEYS]
    assert [entry["name"] for entry in item["entries"]] == ["张*明", "李*"]
    for entry in item["entries"]:
        assert entry["id_number"][:4] == "6209"
        assert entry["id_number"][4:14] == "*" * 10
        assert entry["disease"].startswith("测试病种")
        assert entry["district"] == "肃州区"


def test_detail_gives_one_batch(client, batch):
    response = client.get(f"{API}{batch.pk}/")

    assert response.status_code == 200
    assert response.json()["id"] == batch.pk
    assert len(response.json()["entries"]) == 2


def test_unknown_batch_is_404_in_the_one_error_format(client, db):
    response = client.get(f"{API}999999/")

    assert response.status_code == 404
    assert response.json()["status"] == 404
    assert response.json()["title"] == "未找到"


def test_current_batches_come_first_then_ended_ones_newest_first(client, db):
    ended_long_ago = other_batch(published_on=ON - dt.timedelta(days=60), ends_on=ON - dt.timedelta(days=53))
    ended = other_batch(published_on=ON - dt.timedelta(days=10), ends_on=ON - dt.timedelta(days=3))
    current_old = other_batch(published_on=ON - dt.timedelta(days=2), ends_on=ON + dt.timedelta(days=5))
    current_new = other_batch(published_on=ON, ends_on=ON + dt.timedelta(days=7))

    items = client.get(API).json()["results"]

    assert [item["id"] for item in items] == [current_new.pk, current_old.pk, ended.pk, ended_long_ago.pk]
    assert [item["accepting_objections"] for item in items] == [True, True, False, False]


def test_ended_batches_leave_the_public_after_the_configured_days(client, settings, db):
    settings.ANNOUNCEMENT_PUBLIC_DAYS = 30
    recent = other_batch(published_on=ON - dt.timedelta(days=40), ends_on=ON - dt.timedelta(days=30))
    gone = other_batch(published_on=ON - dt.timedelta(days=41), ends_on=ON - dt.timedelta(days=31))

    assert [item["id"] for item in client.get(API).json()["results"]] == [recent.pk]
    assert client.get(f"{API}{gone.pk}/").status_code == 404
    assert client.get(f"{PAGES}{gone.pk}/").status_code == 404


def test_a_batch_published_later_is_not_shown_yet(client, db):
    later = other_batch(published_on=ON + dt.timedelta(days=1), ends_on=ON + dt.timedelta(days=8))

    assert client.get(API).json()["results"] == []
    assert client.get(f"{API}{later.pk}/").status_code == 404


def test_withdrawn_entries_are_not_shown_and_an_emptied_batch_disappears(client, batch):
    first, second = AnnouncementEntry.objects.filter(batch=batch).order_by("id")
    first.status = EntryStatus.WITHDRAWN
    first.save()

    item = client.get(f"{API}{batch.pk}/").json()
    assert [entry["id"] for entry in item["entries"]] == [second.pk]
    assert item["entry_count"] == 1

    second.status = EntryStatus.WITHDRAWN
    second.save()
    assert client.get(f"{API}?page_size=5").json()["results"] == []  # another URL: not the cached answer


def test_held_and_effective_entries_stay_on_the_list(client, batch):
    first, second = AnnouncementEntry.objects.filter(batch=batch).order_by("id")
    AnnouncementEntry.objects.filter(pk=first.pk).update(status=EntryStatus.HELD)
    AnnouncementEntry.objects.filter(pk=second.pk).update(status=EntryStatus.EFFECTIVE)

    item = client.get(f"{API}{batch.pk}/").json()

    assert [entry["id"] for entry in item["entries"]] == [first.pk, second.pk]
    assert all("status" not in entry for entry in item["entries"])  # an objection is not announced


def test_public_reads_never_touch_the_application_or_the_person(client, batch):
    for url in (API, f"{API}{batch.pk}/", PAGES, f"{PAGES}{batch.pk}/", f"{PAGES}{batch.pk}/objection/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        sql = "\n".join(query["sql"] for query in queries.captured_queries)
        assert "reviews_announcemententry" in sql, url
        for private in PRIVATE_SQL:
            assert private not in sql, (url, private)


def test_public_gets_are_cached_for_a_minute(client, batch):
    first = client.get(API)
    AnnouncementEntry.objects.filter(batch=batch).update(masked_name="改*")

    assert "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    assert client.get(API).content == first.content
    page = client.get(f"{PAGES}{batch.pk}/")
    assert "max-age=60" in page["Cache-Control"]
    # No per-visitor cookie or token in a shared page.
    assert not page.cookies
    assert "Cookie" not in page.get("Vary", "")


def test_the_objection_form_page_is_never_cached(client, batch):
    response = client.get(f"{PAGES}{batch.pk}/objection/")

    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "csrfmiddlewaretoken" in response.content.decode()


# --- pages -----------------------------------------------------------------------------------------


def test_list_page_shows_each_batch_with_its_period_and_count(client, batch):
    body = client.get(PAGES).content.decode()

    assert "<title>门诊慢特病认定结果公示</title>" in body
    assert 'name="viewport"' in body
    assert f'href="/gongshi/{batch.pk}/"' in body
    assert "公示中" in body
    assert f"公示期：{ON:%Y年%-m月%-d日} 至 {batch.ends_on:%Y年%-m月%-d日}" in body
    assert "公示人数：2人" in body


def test_batch_page_shows_the_masked_table_and_how_to_object(client, batch):
    body = client.get(f"{PAGES}{batch.pk}/").content.decode()

    for heading in ("序号", "姓名", "身份证号码", "病种", "区县"):
        assert f"<th>{heading}</th>" in body
    assert body.count('<tr class="entry">') == 2
    assert "张*明" in body and "李*" in body
    assert "肃州区" in body
    assert "提出异议" in body and f"/gongshi/{batch.pk}/objection/?entry=" in body
    assert '<span id="entry-count">2</span>' in body


def test_ended_batch_page_says_objections_are_closed(client, db):
    ended = other_batch(published_on=ON - dt.timedelta(days=10), ends_on=ON - dt.timedelta(days=3))

    body = client.get(f"{PAGES}{ended.pk}/").content.decode()

    assert "已结束" in body and "不再受理异议" in body
    assert "/objection/?entry=" not in body


def test_unknown_batch_page_is_a_404_page(client, db):
    response = client.get(f"{PAGES}999999/")

    assert response.status_code == 404
    assert "未找到该公示" in response.content.decode()


# --- nothing personal leaks -------------------------------------------------------------------------


def test_no_personal_data_in_any_public_response(client, settings):
    """Applicants with distinctive data are approved and published; an objection is filed; every
    public GET (and the objection answers, good and bad) is searched for any of it."""
    experts_for()
    records_hospital = HospitalFactory(name="肃州区保密诊疗中心", level=3)
    diagnosing = HospitalFactory(name="酒泉市机密测试医院", level=3)
    first_id = make_id_number(region="620902", birth=dt.date(1968, 3, 15), seq=417)
    second_id = make_id_number(region="620921", birth=dt.date(1979, 11, 23), seq=88)
    first = approved(
        applicant=UserFactory(username="leak_probe_one", name="欧阳锦绣", id_number=first_id, phone="13912345678"),
        diagnosing_hospital=diagnosing,
    )
    agent_id = make_id_number(region="620902", birth=dt.date(1955, 7, 9), seq=12)
    Application.objects.filter(pk=first.pk).update(
        agent_name="司马光明", agent_id_number=agent_id, agent_phone="13698765432"
    )
    second = approved(
        applicant=UserFactory(username="leak_probe_two", name="韩梅", id_number=second_id, phone="15811223344"),
    )
    for app in (first, second):
        Document.objects.filter(application=app, kind=DocumentKind.DIAGNOSIS_CERTIFICATE).update(
            original_name=f"{app.applicant.name}-诊断证明书-机密.pdf"
        )
        Document.objects.filter(application=app).exclude(hospital=None).update(hospital=records_hospital)
    Application.objects.filter(pk=first.pk).update(problems=[{"code": "probe", "message": "泄露探针：病历缺页"}])
    batch = published(first, second)
    assert Hospital.objects.filter(name="肃州区保密诊疗中心").exists()

    secrets = {"full name": ["欧阳锦绣", "韩梅", "司马光明"]}
    secrets["id number"] = [first_id, second_id, agent_id]
    secrets["masked middle of id number"] = [first_id[4:14], second_id[4:14], "19680315", "19791123"]
    secrets["phone"] = ["13912345678", "15811223344", "13698765432"]
    secrets["document"] = ["诊断证明书-机密", "diagnosis_certificate.pdf", "medical_record.pdf", ".pdf"]
    secrets["hospital"] = ["肃州区保密诊疗中心", "酒泉市机密测试医院"]
    secrets["problems"] = ["泄露探针", "病历缺页"]
    secrets["diagnosis date"] = [first.diagnosis_date.isoformat(), f"{first.diagnosis_date:%Y年%-m月%-d日}"]
    secrets["account"] = ["leak_probe_one", "leak_probe_two", first.reference, second.reference, str(first.pk)]
    secrets["objector"] = ["检举人赵六", "13711112222", "机密异议理由"]

    first_entry = entry_of(first)
    # An objection whose own contact data must stay private too.
    filed = client.post(
        f"{API}{batch.pk}/objections/",
        {
            "entry": first_entry.pk,
            "reason": "机密异议理由：此人已迁出",
            "contact_name": "检举人赵六",
            "contact_phone": "13711112222",
        },
        content_type="application/json",
    )
    assert filed.status_code == 201

    responses = {
        "API list": client.get(API),
        "API detail": client.get(f"{API}{batch.pk}/"),
        "API 404": client.get(f"{API}999999/"),
        "page list": client.get(PAGES),
        "page batch": client.get(f"{PAGES}{batch.pk}/"),
        "page 404": client.get(f"{PAGES}999999/"),
        "page objection form": client.get(f"{PAGES}{batch.pk}/objection/?entry={first_entry.pk}"),
        "page objection received": client.get(f"{PAGES}{batch.pk}/objection/received/"),
        "objection filed": filed,
        "objection invalid": client.post(
            f"{API}{batch.pk}/objections/",
            {"entry": first_entry.pk, "reason": "", "contact_phone": "123"},
            content_type="application/json",
        ),
        "objection unknown entry": client.post(
            f"{API}{batch.pk}/objections/",
            {"entry": 999999, "reason": "x", "contact_name": "某", "contact_phone": "13800000000"},
            content_type="application/json",
        ),
        "objection unknown batch": client.post(f"{API}999999/objections/", {}, content_type="application/json"),
        "page objection invalid": client.post(
            f"{PAGES}{batch.pk}/objection/", {"entry": str(first_entry.pk), "reason": "", "contact_phone": "1"}
        ),
    }
    with at(batch.ends_on + dt.timedelta(days=1)):
        responses["objection period over"] = client.post(
            f"{API}{batch.pk}/objections/",
            {"entry": first_entry.pk, "reason": "迟到的异议", "contact_name": "某", "contact_phone": "13800000000"},
            content_type="application/json",
        )
        responses["page objection period over"] = client.post(
            f"{PAGES}{batch.pk}/objection/",
            {
                "entry": str(first_entry.pk),
                "reason": "迟到的异议",
                "contact_name": "某",
                "contact_phone": "13800000000",
            },
        )
    expected = {
        "API 404": 404,
        "page 404": 404,
        "objection filed": 201,
        "objection invalid": 400,
        "objection unknown entry": 400,
        "objection unknown batch": 404,
        "page objection invalid": 400,
        "objection period over": 409,
        "page objection period over": 409,
    }
    for label, response in responses.items():
        assert response.status_code == expected.get(label, 200), (label, response.status_code)
        bodies = [response.content.decode()]
        if response.get("Content-Type", "").startswith("application/json"):
            bodies.append(json.dumps(response.json(), ensure_ascii=False))
        for kind, values in secrets.items():
            for value in values:
                for body in bodies:
                    assert value not in body, f"{kind} {value!r} leaked in {label}"

    # The pages did show the entries, masked.
    for label in ("API detail", "page batch", "page objection form"):
        body = responses[label].content.decode()
        assert "欧**绣" in body, label
        assert ("韩*" in body) is (label != "page objection form"), label  # the form: the chosen row only
        assert f"{first_id[:4]}{'*' * 10}{first_id[-4:]}" in body, label


def test_objection_input_entry_must_be_in_the_batch(batch):
    entry = AnnouncementEntry.objects.filter(batch=batch).first()
    data = {"entry": entry.pk, "reason": "r", "contact_name": "n", "contact_phone": "13800000000"}

    assert ObjectionInput(data=data, context={"batch_id": batch.pk}).is_valid()
    assert not ObjectionInput(data=data, context={"batch_id": batch.pk + 1}).is_valid()
