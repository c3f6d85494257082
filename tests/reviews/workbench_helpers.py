"""Shared by the admin review-workbench tests: assignments, pages and URLs. Today is `ON` for every test
(the `_workbench_today` fixture); the experts and the officer are fixtures in conftest.py."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.messages import get_messages
from django.urls import reverse

from reviews.calendar import working_days_add
from reviews.models import ReviewAssignment
from tests.reviews.factories import ReviewAssignmentFactory

ON = dt.date(2026, 9, 14)  # a Monday, far from any holiday

CHANGELIST = "/admin/reviews/reviewassignment/"


def assignment(expert_user, *, deadline: dt.date | None = None, **fields) -> ReviewAssignment:
    """A pending round-1 assignment of `expert_user` on its own application under review."""
    deadline = deadline or working_days_add(start=ON, days=15).deadline
    return ReviewAssignmentFactory(expert=expert_user, application__review_deadline=deadline, **fields)


def page(client, url: str = CHANGELIST, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def row_of(html: str, reference: str) -> str:
    """The changelist row (<tr>…</tr>) that shows `reference`."""
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S) if reference in row]
    assert len(rows) == 1, f"{reference}: {len(rows)} rows"
    return rows[0]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def decide_url(assignment_: ReviewAssignment) -> str:
    return reverse("admin:reviews_reviewassignment_decide", args=[assignment_.pk])


def file_url(document) -> str:
    return reverse("admin:applications_document_file", args=[document.pk])


def read(response) -> bytes:
    return b"".join(response.streaming_content)
