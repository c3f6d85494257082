"""Shared by the objection tests (filing, holding and resolving, the admin). Each test starts with an
empty cache and today is `ON` (the `_fresh_cache` and `_objection_today` fixtures); the approved
application, its batch and its entry are fixtures in conftest.py."""

from __future__ import annotations

import datetime as dt

from reviews.models import AnnouncementBatch

API = "/api/v1/announcements/"

VALID = {"reason": "该人员长期居住外地，不符合本地参保条件。", "contact_name": "赵六", "contact_phone": "138 0013 8000"}


def file(client, batch, **data):  # type: ignore[no-untyped-def]
    return client.post(f"{API}{batch.pk}/objections/", data, content_type="application/json")


def errors_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def the_day_after(batch: AnnouncementBatch) -> dt.date:
    return batch.ends_on + dt.timedelta(days=1)
