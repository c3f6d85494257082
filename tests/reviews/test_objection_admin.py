"""Objections resolved in the Django admin: the list, the resolve page and action, and the permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from applications.models import ApplicationStatus
from reviews.announcements import objection_file
from reviews.models import EntryStatus, ObjectionStatus
from tests.reviews.objection_helpers import VALID
from tests.reviews.review_helpers import officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_fresh_cache", "_objection_today")]


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
