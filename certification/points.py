"""Designated treatment points (定点医疗机构, seed 001): the 1–3 designated institutions where a holder is
treated under the benefit, at least one of level 2 or above. Chosen on the application (the completeness
check names a wrong choice), opened with the certification, changed by the holder once per calendar
year (policy data: `DESIGNATED_POINT_CHANGES_PER_YEAR`), effective the next day, or by an officer with
a reason. Every change tells the platform: 2506 for the old points, then 2505 for the new."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from accounts.models import User
from applications.lookups import hospitals_by_code
from applications.models import Hospital
from certification.models import LIVE_CERTIFICATION_STATUSES, Certification, CertificationEvent, DesignatedPoint
from certification.platform.outbox import platform_points_change
from config.domain import Conflict, InvalidInput, InvalidState
from notifications.models import NotificationKind
from notifications.services import notification_send

MIN_LEVEL = 2


def designated_points_problems(codes: object) -> list[str]:
    """What is wrong with a choice of designated points, as sentences an applicant understands."""
    maximum = settings.DESIGNATED_POINTS_MAX
    if not isinstance(codes, list) or not codes:
        return [f"请选择1至{maximum}家定点医疗机构。"]
    if len(codes) > maximum:
        return [f"定点医疗机构最多选择{maximum}家。"]
    if len(set(codes)) != len(codes):
        return ["同一家定点医疗机构不能重复选择。"]
    hospitals = hospitals_by_code([str(c) for c in codes])
    problems = []
    for code in codes:
        hospital = hospitals.get(str(code))
        if hospital is None:
            problems.append(f"机构编码“{str(code)[:30]}”不存在。")
        elif not hospital.is_designated:
            problems.append(f"{hospital.name}不是定点医疗机构。")
    if not problems and all(h.level < MIN_LEVEL for h in hospitals.values()):
        problems.append("所选定点医疗机构中至少应有一家二级及以上医院。")
    return problems


def designated_points_current(certification: Certification) -> list[DesignatedPoint]:
    return list(certification.designated_points.filter(ends_on__isnull=True).select_related("hospital"))


def designated_points_open(*, certification: Certification, codes: list[str], on: dt.date) -> list[DesignatedPoint]:
    """The points chosen on the application, from the day the certification takes effect."""
    hospitals = {h.code: h for h in Hospital.objects.filter(code__in=codes or [])}
    points = [
        DesignatedPoint(
            certification=certification, hospital=hospitals[code], order=order, begins_on=on, source="issue"
        )
        for order, code in enumerate(codes or [], 1)
        if code in hospitals
    ]
    return DesignatedPoint.objects.bulk_create(points)


@transaction.atomic
def designated_points_change(
    *, certification: Certification, codes: list[str], actor: User, on: dt.date, officer_reason: str = ""
) -> list[DesignatedPoint]:
    """Replace the current points from tomorrow. The holder within the yearly allowance; an officer at any
    time, with a reason (recorded in the history)."""
    certification = Certification.objects.select_for_update().select_related("disease").get(pk=certification.pk)
    by_officer = actor.pk != certification.holder_id
    if by_officer and not officer_reason.strip():
        raise InvalidInput("经办人员变更定点医疗机构须填写理由。", code="reason_required", field="reason")
    if certification.status not in LIVE_CERTIFICATION_STATUSES:
        raise InvalidState("待遇认定不在有效状态，不能变更定点医疗机构。", code="certification_not_live")
    problems = designated_points_problems(codes)
    if problems:
        raise InvalidInput(problems[0], code="designated_points_invalid", field="points")
    current = designated_points_current(certification)
    if [p.hospital.code for p in current] == list(codes):
        raise InvalidInput("所选定点医疗机构与当前相同，无需变更。", code="designated_points_unchanged", field="points")
    if not by_officer:
        changes = (
            certification.designated_points.filter(source="holder", begins_on__year=(on + dt.timedelta(days=1)).year)
            .values("begins_on")
            .distinct()
            .count()
        )
        allowed = settings.DESIGNATED_POINT_CHANGES_PER_YEAR
        if changes >= allowed:
            raise Conflict(
                f"定点医疗机构每个自然年度可变更{allowed}次，本年度已变更。如有特殊情况请联系医保经办机构。",
                code="designated_points_change_limit",
                field="points",
            )
    starts = on + dt.timedelta(days=1)
    for point in current:
        point.ends_on = on
    DesignatedPoint.objects.bulk_update(current, ["ends_on"])
    hospitals = {h.code: h for h in Hospital.objects.filter(code__in=codes)}
    begun = DesignatedPoint.objects.bulk_create(
        [
            DesignatedPoint(
                certification=certification,
                hospital=hospitals[code],
                order=order,
                begins_on=starts,
                source="officer" if by_officer else "holder",
            )
            for order, code in enumerate(codes, 1)
        ]
    )
    names = "、".join(hospitals[code].name for code in codes)
    reason = f"定点医疗机构自{starts:%Y年%m月%d日}起变更为：{names}"
    if by_officer:
        reason += f"（经办人员变更，理由：{officer_reason.strip()}）"
    CertificationEvent.objects.create(
        certification=certification,
        actor=actor,
        actor_label="经办人员" if by_officer else "持证人",
        from_status=certification.status,
        to_status=certification.status,
        reason=reason,
    )
    platform_points_change(certification=certification, ended=current, begun=begun)
    notification_send(
        user=certification.holder,
        kind=NotificationKind.DESIGNATED_POINTS_CHANGED,
        params={"disease": certification.disease.name, "on": starts, "points": names},
        dedupe_key=f"points:{certification.pk}:{begun[0].pk}",
    )
    return begun
