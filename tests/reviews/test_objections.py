"""Objections to an announcement entry: who may file them and how, the entry held back, and the two
resolutions in the admin (dismissed → it takes effect; upheld → back to expert review)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from applications.models import ApplicationEvent, ApplicationStatus
from certification.models import Certification
from config.domain import InvalidInput, InvalidState
from reviews.announcements import announcement_close, objection_file, objection_resolve
from reviews.models import AnnouncementBatch, EntryStatus, Objection, ObjectionStatus, ReviewAssignment
from tests.reviews.public_helpers import ON, approved, entry_of, experts_for, other_batch, published
from tests.reviews.review_helpers import at, officer

pytestmark = pytest.mark.django_db

API = "/api/v1/announcements/"
VALID = {"reason": "该人员长期居住外地，不符合本地参保条件。", "contact_name": "赵六", "contact_phone": "138 0013 8000"}


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # Throttle counters and cached pages live in the cache: each test starts empty.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _today():
    with at(ON):
        yield


@pytest.fixture
def app():
    experts_for()
    return approved()


@pytest.fixture
def batch(app):
    return published(app)


@pytest.fixture
def entry(app, batch):
    return entry_of(app)


def file(client, batch, **data):  # type: ignore[no-untyped-def]
    return client.post(f"{API}{batch.pk}/objections/", data, content_type="application/json")


def errors_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def the_day_after(batch: AnnouncementBatch) -> dt.date:
    return batch.ends_on + dt.timedelta(days=1)


# --- filing through the API -----------------------------------------------------------------------


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


# --- the entry is held until an officer decides ---------------------------------------------------


def test_a_held_entry_does_not_take_effect_when_the_period_ends(batch, entry, app):
    objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})

    with at(the_day_after(batch)):
        assert announcement_close(on=the_day_after(batch)) == 0

    entry.refresh_from_db()
    app.refresh_from_db()
    batch.refresh_from_db()
    assert entry.status == EntryStatus.HELD
    assert app.status == ApplicationStatus.IN_ANNOUNCEMENT
    assert not Certification.objects.filter(application=app).exists()
    assert batch.closed_at is None


def test_dismissed_the_entry_takes_effect_at_the_next_close(batch, entry, app):
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    with at(the_day_after(batch)):
        announcement_close(on=the_day_after(batch))
        objection_resolve(objection_id=objection.pk, officer=officer(), upheld=False, resolution="经核实参保正常")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LISTED

    later = the_day_after(batch) + dt.timedelta(days=1)
    with at(later):
        assert announcement_close(on=later) == 1

    entry.refresh_from_db()
    app.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert entry.status == EntryStatus.EFFECTIVE
    assert app.status == ApplicationStatus.EFFECTIVE
    assert Certification.objects.filter(application=app).exists()


def test_dismissing_one_of_two_open_objections_keeps_the_entry_held(batch, entry):
    first = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13900139000"})

    objection_resolve(objection_id=first.pk, officer=officer(), upheld=False, resolution="不属实")

    entry.refresh_from_db()
    assert entry.status == EntryStatus.HELD


def test_upheld_the_application_goes_back_to_review_with_the_objection(client, batch, entry, app):
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    round_before = app.review_round

    objection_resolve(objection_id=objection.pk, officer=officer(), upheld=True, resolution="核实属实，重新评审")

    app.refresh_from_db()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.review_round == round_before + 1
    assert ReviewAssignment.objects.filter(application=app, round=app.review_round, is_active=True).count() == 2
    event = ApplicationEvent.objects.filter(application=app).latest("at", "id")
    assert (event.from_status, event.to_status) == ("in_announcement", "under_review")
    assert event.data["objection"] == {
        "id": objection.pk,
        "reason": VALID["reason"],
        "resolution": "核实属实，重新评审",
    }
    # The experts (and the applicant) read the objection itself in the event, not only the resolution.
    assert VALID["reason"] in event.reason and "核实属实，重新评审" in event.reason
    # Gone from the public list, and the close job leaves it alone.
    assert client.get(API).json()["results"] == []
    with at(the_day_after(batch)):
        assert announcement_close(on=the_day_after(batch)) == 0
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW


def test_resolving_needs_a_text_and_happens_once(entry):
    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    with pytest.raises(InvalidInput):
        objection_resolve(objection_id=objection.pk, officer=officer(), upheld=False, resolution="  ")
    objection_resolve(objection_id=objection.pk, officer=officer(username="o2"), upheld=False, resolution="不属实")
    with pytest.raises(InvalidState):
        objection_resolve(objection_id=objection.pk, officer=officer(username="o3"), upheld=True, resolution="改判")


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


# --- resolving in the admin -----------------------------------------------------------------------


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def objection(entry):
    return objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})


@pytest.fixture
def officer_client(client):
    user = officer(username="officer_admin")
    # The officers' group has no announcement permissions yet (no migration grants them): add them here.
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reviews",
            codename__in=["view_announcementbatch", "view_announcemententry", "view_objection", "change_objection"],
        )
    )
    client.force_login(user)
    client.user = user
    return client


def test_admin_lists_objections_with_a_resolve_button(officer_client, objection):
    body = officer_client.get("/admin/reviews/objection/").content.decode()

    assert f"/admin/reviews/objection/{objection.pk}/resolve/" in body
    assert "异议不成立" in body and "异议成立" in body  # the two actions


def test_admin_resolve_page_dismisses(officer_client, objection, entry):
    url = f"/admin/reviews/objection/{objection.pk}/resolve/"
    page = officer_client.get(url).content.decode()
    assert VALID["reason"] in page and "异议不成立" in page and "异议成立" in page

    response = officer_client.post(url, {"decision": "dismiss", "resolution": "经核实参保正常"})

    assert response.status_code == 302
    objection.refresh_from_db()
    entry.refresh_from_db()
    assert (objection.status, objection.resolved_by, objection.resolution) == (
        ObjectionStatus.DISMISSED,
        officer_client.user,
        "经核实参保正常",
    )
    assert entry.status == EntryStatus.LISTED
    assert any("不成立" in message for message in _messages(response))


def test_admin_resolve_page_upholds(officer_client, objection, entry, app):
    response = officer_client.post(
        f"/admin/reviews/objection/{objection.pk}/resolve/", {"decision": "uphold", "resolution": "核实属实"}
    )

    assert response.status_code == 302
    app.refresh_from_db()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
    assert app.status == ApplicationStatus.UNDER_REVIEW


def test_admin_resolve_page_asks_again_without_a_resolution(officer_client, objection):
    response = officer_client.post(f"/admin/reviews/objection/{objection.pk}/resolve/", {"decision": "uphold"})

    assert response.status_code == 200
    assert "请填写处理意见。" in _messages(response)
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


def test_admin_action_asks_for_the_resolution_then_applies_it(officer_client, objection, entry):
    changelist = "/admin/reviews/objection/"
    selected = {"action": "dismiss_selected", "_selected_action": [str(objection.pk)]}

    ask = officer_client.post(changelist, selected)
    assert ask.status_code == 200
    assert 'name="resolution"' in ask.content.decode()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN

    done = officer_client.post(changelist, {**selected, "confirm": "1", "resolution": "批量核实不属实"})

    assert done.status_code == 302
    objection.refresh_from_db()
    entry.refresh_from_db()
    assert (objection.status, objection.resolution) == (ObjectionStatus.DISMISSED, "批量核实不属实")
    assert entry.status == EntryStatus.LISTED


def test_admin_uphold_action(officer_client, objection, app):
    officer_client.post(
        "/admin/reviews/objection/",
        {"action": "uphold_selected", "_selected_action": [str(objection.pk)], "confirm": "1", "resolution": "属实"},
    )

    objection.refresh_from_db()
    app.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert app.status == ApplicationStatus.UNDER_REVIEW


def test_admin_needs_the_change_permission_to_resolve(client, objection):
    viewer = officer(username="viewer")
    viewer.groups.clear()  # the officers' group may resolve; this account may only look
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_objection"))
    client.force_login(viewer)

    assert client.get(f"/admin/reviews/objection/{objection.pk}/resolve/").status_code == 403
    assert (
        client.post(
            f"/admin/reviews/objection/{objection.pk}/resolve/", {"decision": "dismiss", "resolution": "x"}
        ).status_code
        == 403
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


def test_admin_batch_and_entry_pages_are_read_only(officer_client, batch, entry, objection):
    batch_page = officer_client.get(f"/admin/reviews/announcementbatch/{batch.pk}/change/")
    entry_page = officer_client.get(f"/admin/reviews/announcemententry/{entry.pk}/change/")
    objection_page = officer_client.get(f"/admin/reviews/objection/{objection.pk}/change/")

    for page in (batch_page, entry_page, objection_page):
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
    assert entry.masked_name in batch_page.content.decode()
    assert officer_client.get("/admin/reviews/announcementbatch/add/").status_code == 403


def test_officers_group_may_resolve_objections_from_the_migration(objection):
    from django.contrib.auth.models import Group

    from accounts.roles import OFFICERS

    codenames = set(Group.objects.get(name=OFFICERS).permissions.values_list("codename", flat=True))
    assert {"view_objection", "change_objection", "view_announcementbatch", "view_announcemententry"} <= codenames


def test_objection_to_an_entry_of_another_batch_is_refused_by_the_service(entry):
    from config.domain import InvalidInput

    with pytest.raises(InvalidInput):
        objection_file(entry_id=entry.pk, batch_id=entry.batch_id + 1000, **{**VALID, "contact_phone": "13800138000"})
