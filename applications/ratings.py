"""好差评: after the bureau's decision (`workflow.application_decision`: approved, announced, effective or
rejected; for an annual review, the renewal) the applicant — or
the family account that filed for them — rates the service once, 1 to 5 with an optional comment. A
desk does not rate for the person. Ratings of 2 or less are the officers' to look at (the dashboard)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from applications.desk import desk_post
from applications.models import Application, ServiceRating
from applications.workflow import application_decision
from config.domain import Conflict, Forbidden, InvalidState


def application_rate(*, application: Application, user: User, score: int, comment: str = "") -> ServiceRating:
    """`application` is one the caller may work on (the selectors' scope); the rating is theirs, once."""
    if desk_post(user=user) is not None:
        raise Forbidden("服务评价由申请人本人或其亲情账户填写。", code="applicant_only")
    if application_decision(application=application) is None:
        raise InvalidState("办理结果作出后才能评价。", code="not_decided")
    try:
        with transaction.atomic():
            return ServiceRating.objects.create(
                application=application, user=user, score=score, comment=comment.strip()
            )
    except IntegrityError:
        raise Conflict("该申请已经评价过，每件申请只能评价一次。", code="already_rated") from None
