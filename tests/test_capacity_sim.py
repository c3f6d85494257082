"""The capacity simulation's arithmetic (bench/capacity_sim.py, docs/capacity.md): no timing, no database."""

from __future__ import annotations

import pytest

from bench import capacity_sim as sim


def test_minute_weights_sum_to_one_and_follow_the_daily_curve() -> None:
    weights = sim.minute_weights()
    assert len(weights) == 1440
    assert sum(weights) == pytest.approx(1.0)
    assert weights[10 * 60] > 10 * weights[3 * 60]  # mid-morning against the small hours
    assert weights[20 * 60] > weights[18 * 60 + 30]  # the evening peak


def test_more_work_than_capacity_grows_the_queue_and_is_reported_insufficient() -> None:
    tier = sim.Tier("web", processes=2, wait_limit_s=2.0)
    backlogs = []
    for minute in range(30):
        tier.step(minute, work=180.0, service_s=0.1)  # 180 process-seconds a minute against 120
        backlogs.append(tier.backlog)
    assert backlogs == sorted(backlogs) and backlogs[0] == pytest.approx(60.0)
    assert backlogs[-1] == pytest.approx(30 * 60.0)
    assert not tier.holds(target=0.7)
    assert "INSUFFICIENT" in sim.report({"web": tier}, target=0.7)[-1]


def test_work_within_capacity_leaves_no_queue_and_holds() -> None:
    tier = sim.Tier("check", processes=2, wait_limit_s=60.0)
    for minute in range(60):
        tier.step(minute, work=60.0, service_s=0.05)  # half of 120 process-seconds
    assert tier.backlog == 0
    assert tier.utilisation(0) == pytest.approx(0.5)
    assert tier.holds(target=0.7)
    assert sim.report({"check": tier}, target=0.7)[-1].endswith("holds")


def test_doubling_the_processes_halves_the_utilisation() -> None:
    demand = sim.Demand()
    small = sim.simulate(demand, web=8, check=2, delivery=8, sms_ms=200, seed=3)
    large = sim.simulate(demand, web=16, check=4, delivery=16, sms_ms=200, seed=3)
    for name in ("web", "check"):
        for hour in range(24):
            assert large[name].utilisation(hour) == pytest.approx(small[name].utilisation(hour) / 2)


def test_a_burst_tier_is_judged_by_its_wait_not_its_busy_hour() -> None:
    tier = sim.Tier("delivery", processes=1, wait_limit_s=3600.0, capped=False)
    tier.step(0, work=55 * 60.0, service_s=0.2)  # one burst: 55 minutes of work at once
    for minute in range(1, 120):
        tier.step(minute, work=0.0, service_s=0.2)
    assert tier.utilisation(0) > 0.9
    assert tier.holds(target=0.7)
    tier.wait_limit_s = 600.0
    assert not tier.holds(target=0.7)


def test_the_recommended_sizing_holds_and_an_undersized_one_does_not() -> None:
    demand = sim.Demand(surge=2.5)  # the peak day docs/capacity.md sizes for
    advice = sim.recommend(demand, sms_ms=200, target=0.7, drain_minutes=60)
    tiers = sim.simulate(demand, sms_ms=200, seed=1, **advice)
    assert all(t.holds(target=0.7) for t in tiers.values())
    undersized = sim.simulate(demand, sms_ms=200, seed=1, web=1, check=advice["check"], delivery=1)
    assert not undersized["web"].holds(target=0.7)
    assert undersized["web"].hour_max_backlog[10] > 0
    assert not undersized["delivery"].holds(target=0.7)


def test_demand_scales_with_the_insured_and_the_prevalence() -> None:
    base = sim.Demand().day()
    double = sim.Demand(insured=50_000_000).day()
    assert double["reviews"] == pytest.approx(2 * base["reviews"])
    surge = sim.Demand(surge=2.0).day()
    assert surge["reviews"] == pytest.approx(2 * base["reviews"])
    assert surge["reminders_0700"] == base["reminders_0700"]  # reminders follow due dates, not late filers
    assert sim.Demand(prevalence=0.06).holders == 2 * sim.Demand().holders
    assert sim.main(["--insured", "1000000", "--seed", "2"]) == 0


def test_same_seed_same_day() -> None:
    first = sim.simulate(sim.Demand(), web=3, check=1, delivery=5, sms_ms=200, seed=9)
    second = sim.simulate(sim.Demand(), web=3, check=1, delivery=5, sms_ms=200, seed=9)
    assert first["web"].hour_work == second["web"].hour_work
