"""Every decision stamps the application's `decided_at` (workflow.DECISIONS), even when the caller saves
only the fields it changed; other moves leave it alone. The statistics count 办结 and its working days
from it."""

from __future__ import annotations

import pytest

from applications.models import Application, ApplicationStatus
from applications.workflow import application_transition
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.mark.parametrize(
    ("start", "to"),
    [(S.UNDER_REVIEW, S.APPROVED), (S.UNDER_REVIEW, S.REJECTED), (S.SUBMITTED, S.EFFECTIVE)],
)
def test_a_decision_stamps_decided_at(start, to):
    application = ApplicationFactory(status=start)
    event = application_transition(application=application, to=to, actor=None, reason="")
    application.save(update_fields=["status"])  # as the services save: their own fields only
    assert Application.objects.get(pk=application.pk).decided_at == event.at


def test_other_moves_leave_it_alone():
    application = ApplicationFactory(status=S.SUBMITTED)
    application_transition(application=application, to=S.UNDER_REVIEW, actor=None, reason="受理")
    application.save()
    assert Application.objects.get(pk=application.pk).decided_at is None
