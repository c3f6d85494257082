"""The rules of a certification, as pure functions of dates and policy settings: when the benefit
starts, how long it is valid, what it reimburses, which status changes are allowed, when the annual
review opens and which reminder is due."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings

from applications.models import Disease, InsuranceType
from certification.models import Certification, CertificationStatus

C = CertificationStatus
ISSUED = ""  # the "from" of a certification's first event

# The status changes a certification may make.
CERTIFICATION_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (ISSUED, C.ACTIVE),
        (C.ACTIVE, C.REVIEW_DUE),  # 30 days before the due date
        (C.ACTIVE, C.ACTIVE),  # an annual review passed before the job marked it due
        (C.REVIEW_DUE, C.ACTIVE),  # the annual review passed
        (C.LAPSED, C.ACTIVE),  # a review submitted in time passed after the grace period
        (C.ACTIVE, C.LAPSED),
        (C.REVIEW_DUE, C.LAPSED),
        (C.ACTIVE, C.REVOKED),  # by an officer, or replaced by a change application's certification
        (C.REVIEW_DUE, C.REVOKED),
        (C.LAPSED, C.REVOKED),
        # the insured registry: paying suspended, then restored (or terminated: ended)
        (C.ACTIVE, C.SUSPENDED),
        (C.REVIEW_DUE, C.SUSPENDED),
        (C.SUSPENDED, C.ACTIVE),
        (C.SUSPENDED, C.REVOKED),
        # ended: by the holder (cured, leaving), an officer (death, insurance ended, fraud), the period's end
        (C.ACTIVE, C.ENDED),
        (C.REVIEW_DUE, C.ENDED),
        (C.SUSPENDED, C.ENDED),
        (C.LAPSED, C.ENDED),
    }
)

# The annual review opens this many days before the due date; reminders go out then, a week before
# and on the day (each once per due date; a missed day is caught up on the next run).
REVIEW_OPENS_DAYS_BEFORE = 30
REMINDER_STAGES = ((30, "d30"), (7, "d7"), (0, "d0"))

# verification_code_new: 20 characters of Crockford's base32 (digits and capitals without I, L, O and U),
# printed in groups of four: no two characters of a code look alike (O/0, I/1, L/1).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{20}}$")
# Read as what they look like: a typed O is the zero, an I or an L the one (Crockford's decoding).
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Codes printed before the change: RFC 4648 base32 (A–Z, 2–7); they stay valid.
_LEGACY_CODE_RE = re.compile(r"^[A-Z2-7]{20}$")


def _grouped(compact: str) -> str:
    return "-".join(compact[i : i + 4] for i in range(0, 4 * CODE_GROUPS, 4))


def verification_code_new() -> str:
    """100 random bits in Crockford's base32, grouped for reading aloud: 7K3M-0QXZ-…"""
    return _grouped("".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS)))


def verification_code_candidates(raw: str) -> list[str]:
    """What a person types or a scanner reads → the stored forms it can name (none if it cannot be a code).

    Case, spaces and dashes do not matter; O is read as 0 and I or L as 1. A code printed before the
    alphabet changed (RFC 4648 base32, where a typed 0 meant O) is found too."""
    compact = re.sub(r"[\s-]", "", raw).upper()
    candidates = []
    if CODE_RE.match(current := compact.translate(_LOOK_ALIKES)):
        candidates.append(_grouped(current))
    if _LEGACY_CODE_RE.match(legacy := compact.replace("0", "O")):
        candidates.append(_grouped(legacy))
    return candidates


def benefit_start_date(*, diagnosis_date: dt.date, applied_on: dt.date) -> dt.date:
    """Within N months of diagnosis: from the diagnosis date; later: from N months before applying."""
    window = relativedelta(months=settings.BENEFIT_BACKDATE_MONTHS)
    if applied_on <= diagnosis_date + window:
        return diagnosis_date
    applied_on_minus_window: dt.date = applied_on - window
    return applied_on_minus_window


def reimbursement_for(*, disease: Disease, insurance_type: str) -> tuple[Decimal, int]:
    """Ratio and annual limit from the policy data: flexible employment is treated as employee."""
    if insurance_type == InsuranceType.RESIDENT:
        return disease.resident_ratio, disease.resident_annual_limit
    return disease.employee_ratio, disease.employee_annual_limit


def validity(*, effective_on: dt.date) -> tuple[dt.date, dt.date]:
    """(next_review_due, valid_until): reviewed yearly; still valid through the grace period."""
    next_review_due: dt.date = effective_on + relativedelta(months=settings.CERTIFICATION_REVIEW_MONTHS)
    return next_review_due, next_review_due + dt.timedelta(days=settings.REVIEW_GRACE_DAYS)


def benefit_ends_on(*, effective_on: dt.date, months: int) -> dt.date:
    """The last day of a benefit period of `months` that starts on `effective_on`."""
    last_day: dt.date = effective_on + relativedelta(months=months) - dt.timedelta(days=1)
    return last_day


def valid_until_capped(*, next_review_due: dt.date, ends_on: dt.date | None) -> dt.date:
    """Valid through the review's grace period, never past the end of the benefit period."""
    until = next_review_due + dt.timedelta(days=settings.REVIEW_GRACE_DAYS)
    return min(until, ends_on) if ends_on else until


def certification_is_valid(*, certification: Certification, on: dt.date) -> bool:
    """Valid while active or awaiting its annual review, up to the end of the grace period."""
    live = certification.status in (CertificationStatus.ACTIVE, CertificationStatus.REVIEW_DUE)
    return live and on <= certification.valid_until


def annual_review_opens_on(*, due: dt.date) -> dt.date:
    return due - dt.timedelta(days=REVIEW_OPENS_DAYS_BEFORE)


def lapse_cutoff(*, on: dt.date) -> dt.date:
    """A certification due before this day, with no passed review, lapses on `on`."""
    return on - dt.timedelta(days=settings.REVIEW_GRACE_DAYS)


def reminder_stage(*, on: dt.date, due: dt.date) -> str | None:
    """The latest reminder stage reached on `on` (a missed day is caught up on the next run)."""
    days_left = (due - on).days
    for days_before, stage in reversed(REMINDER_STAGES):
        if days_left <= days_before:
            return stage if days_left >= -settings.REVIEW_GRACE_DAYS else None
    return None


def days_left_text(*, on: dt.date, due: dt.date) -> str:
    days = (due - on).days
    if days > 0:
        return f"{days}天后"
    return "今天" if days == 0 else f"已逾期{-days}天"


def chinese_date(day: dt.date) -> str:
    """2026年1月5日: a date as the applicant reads it (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"
