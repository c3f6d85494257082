"""The statistics' derived figures on factory-made cases: 办结率 and 超期率 (decided late or under review
past the deadline), working days from acceptance to decision across National Day (median, 90th
percentile), breakdowns by disease category, district and channel, annual-review completion, and a
query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application, ApplicationEvent, ApplicationKind, ApplicationStatus
from certification.models import CertificationStatus
from reviews.calendar import working_days_between
from reviews.cohorts import working_day_counts
from reviews.statistics import application_statistics, weighted_percentile
from tests.api import bearer_client
from tests.certification.factories import CertificationFactory
from tests.factories import (
    ApplicationFactory,
    DiseaseCategoryFactory,
    DiseaseFactory,
    InsuredPersonFactory,
    UserFactory,
    make_id_number,
)
from tests.reviews.review_helpers import SHANGHAI, at, officer

pytestmark = pytest.mark.django_db
S = ApplicationStatus
D = dt.date
YEAR = {"date_from": D(2026, 1, 1), "date_to": D(2026, 12, 7)}
TODAY = D(2026, 12, 7)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def decide(application, to: str, on: dt.date) -> None:  # type: ignore[no-untyped-def]
    event = ApplicationEvent.objects.create(
        application=application, actor_label="系统", from_status=S.UNDER_REVIEW, to_status=to
    )
    ApplicationEvent.objects.filter(pk=event.pk).update(at=moment(on, 15))
    Application.objects.filter(pk=application.pk).update(decided_at=moment(on, 15))  # as the workflow stamps it


def case(status: str, accepted: dt.date | None, *, deadline: dt.date | None = None, **fields):  # type: ignore[no-untyped-def]
    return ApplicationFactory(
        status=status,
        submitted_at=moment(accepted or D(2026, 11, 20), 9),
        accepted_at=moment(accepted) if accepted else None,
        review_deadline=deadline,
        review_round=1 if accepted else 0,
        region_code=getattr(fields.get("applicant"), "region", ""),
        **fields,
    )


def person(region: str | None):  # type: ignore[no-untyped-def]
    """An applicant, on the insured registry in `region` (None: not on it); their cases carry the district
    as the completeness check records it (see test_the_check_records_the_district)."""
    id_number = make_id_number("620902")
    if region:
        InsuredPersonFactory(id_number=id_number, region_code=region)
    user = UserFactory(id_number=id_number)
    user.region = region or ""
    return user


@pytest.fixture
def cases(official_calendar):
    heart = DiseaseFactory(category=DiseaseCategoryFactory(code="heart", name="循环系统疾病"))
    heart2 = DiseaseFactory(category=heart.category)
    sugar = DiseaseFactory(category=DiseaseCategoryFactory(code="endocrine", name="内分泌系统疾病"))
    suzhou, jinta = person("620902"), person("620921")
    # Accepted on the eve of National Day (1–7 October), decided on 9 October: 2 working days.
    a = case(S.APPROVED, D(2026, 9, 30), deadline=D(2026, 10, 28), disease=heart, applicant=suzhou)
    decide(a, S.APPROVED, D(2026, 10, 9))
    # 4 working days, twice (one rejected), both on time.
    b1 = case(S.REJECTED, D(2026, 11, 2), deadline=D(2026, 12, 1), disease=sugar, applicant=jinta, channel="window")
    decide(b1, S.REJECTED, D(2026, 11, 6))
    b2 = case(S.EFFECTIVE, D(2026, 11, 2), deadline=D(2026, 12, 1), disease=sugar, channel="hospital")
    decide(b2, S.APPROVED, D(2026, 11, 6))
    # Rejected, appealed, approved after the deadline: the newest decision counts (20 working days, late).
    c = case(S.IN_ANNOUNCEMENT, D(2026, 11, 2), deadline=D(2026, 11, 27), disease=heart2, applicant=suzhou)
    decide(c, S.REJECTED, D(2026, 11, 10))
    decide(c, S.APPROVED, D(2026, 11, 30))
    # Under review past its deadline (overdue), and one in time; a rejection under appeal is not decided.
    case(S.UNDER_REVIEW, D(2026, 11, 2), deadline=D(2026, 12, 1), disease=heart, applicant=jinta)
    case(S.UNDER_REVIEW, D(2026, 11, 20), deadline=D(2026, 12, 18), disease=sugar)
    appealed = case(S.UNDER_REVIEW, D(2026, 11, 3), deadline=D(2026, 12, 30), disease=sugar)
    decide(appealed, S.REJECTED, D(2026, 11, 5))
    # Waiting for a supplement with a stale deadline: the clock stands still, not overdue.
    case(S.NEEDS_SUPPLEMENT, D(2026, 11, 4), deadline=D(2026, 11, 5), disease=sugar)
    case(S.SUBMITTED, None, disease=heart)  # not accepted yet
    return {"heart": heart, "sugar": sugar}


def test_completion_and_overdue_rates(cases):
    totals = application_statistics(**YEAR, today=TODAY)["totals"]
    assert (totals["received"], totals["accepted"], totals["decided"], totals["overdue"]) == (9, 8, 4, 2)
    assert totals["completion_rate"] == 0.5  # 4 decided of 8 accepted
    assert totals["overdue_rate"] == 0.25  # one decided late, one under review past its deadline


def test_working_days_to_decision_skip_the_holiday(cases):
    durations = application_statistics(**YEAR, today=TODAY)["durations"]
    # 2 (across National Day, 7 by plain weekdays), 4, 4, 20
    assert durations == {"count": 4, "median": 4, "p90": 20, "average": 7.5}


def test_working_day_counts_agree_with_the_calendar(official_calendar):
    pairs = [
        (D(2026, 9, 30), D(2026, 10, 9), 3),
        (D(2026, 9, 25), D(2026, 10, 12), 1),
        (D(2026, 11, 2), D(2026, 11, 30), 2),
    ]
    counted = working_day_counts(pairs)
    assert counted == [(working_days_between(start=s, end=e), n) for s, e, n in pairs]
    assert counted == [(2, 3), (7, 1), (20, 2)]


def test_weighted_percentiles_are_nearest_rank():
    assert weighted_percentile([(10, 1), (1, 1)], 50) == 1
    assert weighted_percentile([(1, 9), (30, 1)], 90) == 1
    assert weighted_percentile([(1, 8), (30, 2)], 90) == 30
    assert weighted_percentile([], 50) is None


def test_breakdowns_by_category_district_and_channel(cases):
    stats = application_statistics(**YEAR, today=TODAY)
    categories = {row["category"]: row for row in stats["by_category"]}
    heart, sugar = categories["循环系统疾病"], categories["内分泌系统疾病"]
    assert (heart["received"], heart["accepted"], heart["decided"], heart["overdue"]) == (4, 3, 2, 2)
    assert (heart["completion_rate"], heart["overdue_rate"]) == (0.6667, 0.6667)
    assert (sugar["received"], sugar["accepted"], sugar["decided"], sugar["overdue"]) == (5, 5, 2, 0)
    districts = [
        (row["district_code"], row["district"], row["received"], row["overdue"]) for row in stats["by_district"]
    ]
    assert districts == [("620902", "肃州区", 2, 1), ("620921", "金塔县", 2, 1), ("", "未登记参保地", 5, 0)]
    channels = {row["channel"]: row for row in stats["by_channel"]}
    assert (channels["online"]["received"], channels["online"]["overdue"], channels["online"]["decided"]) == (7, 2, 2)
    assert channels["window"]["completion_rate"] == 1.0 and channels["family"]["completion_rate"] is None
    november = next(row for row in stats["by_month"] if row["month"] == "2026-11")
    assert (november["received"], november["decided"], november["overdue"]) == (8, 3, 2)


def test_the_api_serves_the_new_figures(cases):
    with at(TODAY):
        body = bearer_client(officer()).get("/api/v1/stats/", {"date_from": "2026-01-01"}).json()
    assert body["durations"]["median"] == 4 and body["durations"]["p90"] == 20
    assert body["totals"]["completion_rate"] == 0.5 and body["totals"]["overdue_rate"] == 0.25
    assert [row["district"] for row in body["by_district"]] == ["肃州区", "金塔县", "未登记参保地"]
    assert {row["category"] for row in body["by_category"]} == {"循环系统疾病", "内分泌系统疾病"}
    assert set(body["annual_reviews"]) == {"due", "reviewed", "in_progress", "lapsed", "completion_rate"}


def test_annual_review_completion(db):
    reviewed_once = CertificationFactory(effective_on=D(2025, 3, 1), next_review_due=D(2027, 3, 1))
    # Effective on 29 February: due on the 28th every year, reviewed in 2025 and 2026.
    CertificationFactory(effective_on=D(2024, 2, 29), next_review_due=D(2027, 2, 28))
    CertificationFactory(effective_on=D(2025, 5, 10), next_review_due=D(2026, 5, 10), status=CertificationStatus.LAPSED)
    under_way = CertificationFactory(
        effective_on=D(2025, 6, 1), next_review_due=D(2026, 6, 1), status=CertificationStatus.REVIEW_DUE
    )
    ApplicationFactory(
        kind=ApplicationKind.ANNUAL_REVIEW,
        status=S.UNDER_REVIEW,
        reviewed_certification=under_way,
        applicant=under_way.holder,
        disease=under_way.disease,
    )
    # Not due: the benefit ended before the date; revoked before it; first due next year.
    CertificationFactory(effective_on=D(2025, 7, 1), next_review_due=D(2026, 7, 1), benefit_ends_on=D(2026, 6, 30))
    CertificationFactory(effective_on=D(2025, 8, 1), next_review_due=D(2026, 8, 1), status=CertificationStatus.REVOKED)
    CertificationFactory(effective_on=D(2026, 2, 1), next_review_due=D(2027, 2, 1))
    annual = application_statistics(**YEAR, today=TODAY)["annual_reviews"]
    assert annual == {"due": 4, "reviewed": 2, "in_progress": 1, "lapsed": 1, "completion_rate": 0.5}
    # The period before: only the first review of the 29 February one fell due (28 February 2025), done.
    earlier = application_statistics(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), today=TODAY)
    assert earlier["annual_reviews"]["due"] == 1 and earlier["annual_reviews"]["reviewed"] == 1
    assert reviewed_once.next_review_due == D(2027, 3, 1)


def _queries(copies: int) -> int:
    for _ in range(copies):
        applicant = person("620902")
        done = case(S.APPROVED, D(2026, 9, 30), deadline=D(2026, 10, 28), applicant=applicant)
        decide(done, S.APPROVED, D(2026, 10, 30))
        case(S.UNDER_REVIEW, D(2026, 11, 2), deadline=D(2026, 11, 5), channel="window")
        CertificationFactory(effective_on=D(2025, 3, 1), next_review_due=D(2026, 3, 1))
    with CaptureQueriesContext(connection) as queries:
        stats = application_statistics(**YEAR, today=TODAY)
    assert stats["totals"]["overdue"] >= 2 * copies  # the data did grow
    return len(queries.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_data(official_calendar, settings):
    settings.STATISTICS_MONTH_MINUTES = 0  # every month counted live
    few = _queries(1)
    many = _queries(12)
    assert few == many <= 12


def test_the_check_records_the_district(official_calendar):
    from applications.services import application_check

    accepted = ApplicationFactory(submitted=True, applicant=person("620921"))
    application_check(application_id=accepted.pk)
    accepted.refresh_from_db()
    assert accepted.region_code == "620921"
