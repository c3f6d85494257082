"""Objections to an announcement entry: who may file them and how, through the API and the public form
page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from applications.models import ApplicationStatus
from reviews.announcements import objection_file, objection_resolve
from reviews.models import EntryStatus, Objection
from tests.reviews.objection_helpers import VALID, errors_of, file, the_day_after
from tests.reviews.public_helpers import ON, approved, entry_of, other_batch, published
from tests.reviews.review_helpers import at, officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_fresh_cache", "_objection_today")]


def test_anyone_files_an_objection_and_the_entry_is_held(client, batch, entry, app):
    response = file(client, batch, entry=entry.pk, **VALID)

    assert response.status_code == 201
    body = response.json()
    assert (body["entry"], body["status"]) == (entry.pk, "open")
    assert "contact_phone" not in body and "contact_name" not in body
    objection = Objection.objects.get(pk=body["id"])
    assert (objection.contact_name, objection.contact_phone) == ("赵六", "13800138000")
    assert objection.reason == VALID["reason"]
    entry.refresh_from_db()
    app.refresh_from_db()
    assert entry.status == EntryStatus.HELD
    assert app.status == ApplicationStatus.IN_ANNOUNCEMENT
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": ""}, "reason", "请填写异议理由。"),
        ({"reason": None}, "reason", "请填写异议理由。"),
        ({"reason": "理" * 1001}, "reason", "异议理由不能超过1000字。"),
        ({"contact_name": ""}, "contact_name", "请填写联系人姓名。"),
        ({"contact_phone": "12345678901"}, "contact_phone", "请输入有效的11位中国大陆手机号码。"),
        ({"contact_phone": "010-12345678"}, "contact_phone", "请输入有效的11位中国大陆手机号码。"),
        ({"contact_phone": ""}, "contact_phone", "请填写联系人手机号码。"),
        ({"entry": 999999}, "entry", "本批公示名单中没有该条目。"),
        ({"entry": "abc"}, "entry", "公示条目编号无效。"),
        ({"entry": 10**20}, "entry", "公示条目编号无效。"),
        ({"entry": -1}, "entry", "公示条目编号无效。"),
    ],
)
def test_bad_input_is_400_naming_the_field_in_chinese(client, batch, entry, change, field, message):
    response = file(client, batch, **{"entry": entry.pk, **VALID, **change})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors_of(response) == {field: message}
    assert not Objection.objects.exists()


def test_missing_fields_are_all_named_at_once(client, batch):
    response = file(client, batch)

    assert response.status_code == 400
    assert set(errors_of(response)) == {"entry", "reason", "contact_name", "contact_phone"}


def test_an_entry_of_another_batch_is_400(client, batch, entry):
    elsewhere = other_batch(published_on=ON, ends_on=ON + dt.timedelta(days=7), region_code="620100")

    response = file(client, elsewhere, entry=entry.pk, **VALID)

    assert response.status_code == 400
    assert errors_of(response) == {"entry": "本批公示名单中没有该条目。"}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LISTED


def test_unknown_batch_is_404(client, db):
    assert file(client, type("B", (), {"pk": 999999})(), entry=1, **VALID).status_code == 404


def test_after_the_period_it_is_409(client, batch, entry):
    with at(the_day_after(batch)):
        response = file(client, batch, entry=entry.pk, **VALID)

    assert response.status_code == 409
    assert response.json()["type"] == "announcement_period_over"
    assert errors_of(response) == {"entry": "该条目不在公示期内，不能提出异议。"}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LISTED


def test_the_last_day_of_the_period_still_counts(client, batch, entry):
    with at(batch.ends_on, hour=23):
        assert file(client, batch, entry=entry.pk, **VALID).status_code == 201


def test_an_entry_sent_back_to_review_takes_no_more_objections(client, app):
    batch = published(app, approved())  # a second entry keeps the batch on the public list
    entry = entry_of(app)
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    objection_resolve(objection_id=objection.pk, officer=officer(), upheld=True, resolution="核实属实")

    response = file(client, batch, entry=entry.pk, **VALID)

    assert response.status_code == 409
    assert response.json()["type"] == "entry_closed"


def test_objections_are_throttled_per_client(client, settings, batch, entry):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "objection": "2/hour"},
    }

    statuses = [file(client, batch, entry=entry.pk, **VALID).status_code for _ in range(2)]
    third = file(client, batch, entry=entry.pk, **VALID)
    form = client.post(f"/gongshi/{batch.pk}/objection/", {"entry": str(entry.pk), **VALID})

    assert statuses == [201, 201]
    assert third.status_code == 429
    assert third.json()["status"] == 429
    assert third.json()["title"] == "请求过于频繁，请稍后再试"
    assert form.status_code == 429  # the page shares the API's counter
    assert "提交过于频繁" in form.content.decode()
    assert Objection.objects.count() == 2
    other_client = Client(REMOTE_ADDR="10.1.2.3")
    assert file(other_client, batch, entry=entry.pk, **VALID).status_code == 201


# --- the objection page -----------------------------------------------------------------------------


def test_the_form_page_preselects_the_entry_it_was_opened_from(client, batch, entry):
    body = client.get(f"/gongshi/{batch.pk}/objection/?entry={entry.pk}").content.decode()

    assert f'<option value="{entry.pk}" selected>' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert entry.masked_name in body


def test_the_form_files_through_the_service_and_redirects(client, batch, entry):
    response = client.post(f"/gongshi/{batch.pk}/objection/", {"entry": str(entry.pk), **VALID})

    assert response.status_code == 303
    assert response["Location"] == f"/gongshi/{batch.pk}/objection/received/"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.HELD
    assert Objection.objects.get().contact_phone == "13800138000"
    assert "异议已提交" in client.get(response["Location"]).content.decode()


def test_the_form_shows_chinese_messages_and_keeps_what_was_typed(client, batch, entry):
    response = client.post(
        f"/gongshi/{batch.pk}/objection/",
        {"entry": str(entry.pk), "reason": "", "contact_name": "赵六", "contact_phone": "12345"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写异议理由。" in body
    assert "请输入有效的11位中国大陆手机号码。" in body
    assert 'value="赵六"' in body and 'value="12345"' in body
    assert f'<option value="{entry.pk}" selected>' in body
    assert not Objection.objects.exists()


def test_the_form_refuses_after_the_period(client, batch, entry):
    with at(the_day_after(batch)):
        page = client.get(f"/gongshi/{batch.pk}/objection/")
        response = client.post(f"/gongshi/{batch.pk}/objection/", {"entry": str(entry.pk), **VALID})

    assert "不再受理异议" in page.content.decode() and "<form" not in page.content.decode()
    assert response.status_code == 409
    assert "本批公示已结束" in response.content.decode()
    assert not Objection.objects.exists()


def test_the_form_is_csrf_protected(batch, entry):
    client = Client(enforce_csrf_checks=True)

    assert client.post(f"/gongshi/{batch.pk}/objection/", {"entry": str(entry.pk), **VALID}).status_code == 403

    client.get(f"/gongshi/{batch.pk}/objection/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/gongshi/{batch.pk}/objection/", {"entry": str(entry.pk), **VALID, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303
