"""Capacity simulation of the annual-review peak day (docs/capacity.md): standard library only, seedable.

    .venv/bin/python bench/capacity_sim.py                          # recommended sizing for 25 M insured
    .venv/bin/python bench/capacity_sim.py --web 8 --check 1 --delivery 8   # a given sizing
    .venv/bin/python bench/capacity_sim.py --insured 5000000 --prevalence 0.04 --seed 2

It builds the demand of one working day of the annual-review month (every holder renews in that month,
plus the year's new applications spread over the working days), spreads it over the day's minutes on a
daily curve (night low, a morning and an evening peak), draws each minute's requests from a Poisson
distribution, and replays them against three tiers of single-server-per-process queues, one minute a
step: the web tier (gunicorn processes, each 1 worker with its threads on one core), the completeness
checks (Celery queue `celery`) and the deliveries (queue `deliveries`, SMS gateway included). A tier's
work is in process-seconds: a request of a path costs 1 / (that path's measured requests per second of
one process). Per hour it prints each tier's utilisation, the longest backlog and the longest wait; at
the end whether each tier holds (peak-hour utilisation under --target and the wait under its limit).

The model is a fluid queue per minute: bursts shorter than a minute are smoothed out (the --target
headroom is for them), and requests of one application are counted in the minute it arrives.
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass, field

# Requests per second of the project's server (gunicorn 2 workers x 4 threads on the 2-core development
# machine, shared with the load client and PostgreSQL; load average 1.0 -> 6.4): README "Benchmarks",
# the HTTP suite of 2026-12-08 00:38 (bench/results/http_suite-2026-12-08-0038.md). One process is half.
MEASURED_SERVER_RPS = {
    "token": 7.2,
    "register": 6.6,
    "create": 113.8,
    "upload": 96.3,
    "precheck": 168.2,
    "submit": 95.9,
    "detail": 143.9,
    "list": 152.5,
    "verify": 297.0,
}
SERVER_PROCESSES = 2
# The one path the suite does not measure, priced as a measured one (docs/capacity.md says why): asking
# for an SMS code writes a row and queues a delivery, like create.
PRICED_AS = {"sms_code": "create"}
# Seconds of one worker process per task: the completeness check with its acceptance (README "Choosing a
# review panel at scale": one whole acceptance 0.047 s); a delivery's own work measured for docs/capacity.md
# (notification_deliver with the log SMS backend: 23 ms alone, 30 ms a message in batches), the gateway's
# round trip added by --sms-ms.
CHECK_SECONDS = 0.047
DELIVERY_OWN_SECONDS = 0.030

# Share of a day's arrivals per hour (Beijing time): low at night, a morning peak (9-11), an afternoon
# plateau and an evening peak (19-21) when people file from home. Normalised below.
HOURLY_WEIGHT = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 1.0, 3.0, 7.0, 10.0, 10.0, 8.0,
    5.0, 5.0, 7.0, 8.0, 7.0, 5.0, 4.0, 5.0, 6.0, 5.0, 3.0, 1.5,
)  # fmt: skip
# Requests per application by path: a new application (registration, six documents and a re-upload, a
# supplement round for one in five) and an annual review (identity and insurance scans reused: the
# medical documents only).
PER_NEW = {"sms_code": 1.2, "register": 1.0, "token": 2.0, "create": 1.0, "upload": 7.0, "precheck": 1.0,
           "submit": 1.2, "detail": 6.0, "list": 3.0}  # fmt: skip
PER_REVIEW = {"token": 1.0, "create": 1.0, "upload": 3.0, "precheck": 1.0, "submit": 1.1, "detail": 4.0, "list": 2.0}


@dataclass
class Demand:
    insured: int = 25_000_000
    prevalence: float = 0.03  # holders / insured
    new_share: float = 0.15  # new certifications a year / holders
    review_days: int = 22  # working days of the review month
    working_days: int = 250
    surge: float = 1.0  # this day's annual reviews / the review month's average day (late filers)
    verify_per_holder_month: float = 1.0  # certificate checks by hospitals and pharmacies
    checks_new: float = 1.2  # completeness checks per new application (one in five resubmits)
    checks_review: float = 1.1
    sms_new: float = 4.2  # deliveries per new application: accepted, approved, announced, effective, 0.2 supplement
    sms_review: float = 1.0  # annual review passed
    reminders_per_holder: float = 2.0  # reminder stages sent by the 07:00 sweep

    @property
    def holders(self) -> int:
        return round(self.insured * self.prevalence)

    def day(self) -> dict[str, float]:
        """The peak day's totals: applications, requests per path, checks and deliveries."""
        reviews = self.holders / self.review_days * self.surge
        new = self.holders * self.new_share / self.working_days
        requests = {p: new * PER_NEW.get(p, 0.0) + reviews * PER_REVIEW.get(p, 0.0) for p in {*PER_NEW, *PER_REVIEW}}
        requests["verify"] = self.holders * self.verify_per_holder_month * 12 / self.working_days
        return {
            "reviews": reviews,
            "new": new,
            "checks": new * self.checks_new + reviews * self.checks_review,
            "deliveries_daytime": new * (self.sms_new - 3.0) + reviews * self.sms_review,
            "deliveries_0830": new * 3.0,  # approved/announced/effective: the 08:30 announcement job
            "reminders_0700": self.holders * self.reminders_per_holder / self.review_days,
            **{f"req_{p}": n for p, n in requests.items()},
        }


def path_seconds(path: str) -> float:
    """Process-seconds one request of `path` costs."""
    measured = PRICED_AS.get(path, path)
    return SERVER_PROCESSES / MEASURED_SERVER_RPS[measured]


def minute_weights() -> list[float]:
    """1,440 weights summing to 1: the hourly curve, interpolated linearly between hour midpoints."""
    total = sum(HOURLY_WEIGHT)
    hourly = [w / total for w in HOURLY_WEIGHT]
    weights = []
    for minute in range(1440):
        position = minute / 60 - 0.5
        low = math.floor(position)
        frac = position - low
        weights.append(hourly[low % 24] * (1 - frac) + hourly[(low + 1) % 24] * frac)
    scale = sum(weights)
    return [w / scale for w in weights]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation, continuity-corrected
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@dataclass
class Tier:
    """A pool of `processes` identical servers fed with work in process-seconds, one step a minute."""

    name: str
    processes: int
    wait_limit_s: float
    # False for a tier fed by scheduled bursts (the deliveries): busy for the burst by design, judged by its wait.
    capped: bool = True
    backlog: float = 0.0
    hour_work: list[float] = field(default_factory=lambda: [0.0] * 24)
    hour_max_backlog: list[float] = field(default_factory=lambda: [0.0] * 24)
    hour_max_wait: list[float] = field(default_factory=lambda: [0.0] * 24)

    def step(self, minute: int, work: float, service_s: float) -> None:
        capacity = self.processes * 60.0
        self.backlog += work
        done = min(self.backlog, capacity)
        self.backlog -= done
        hour = minute // 60
        self.hour_work[hour] += done
        self.hour_max_backlog[hour] = max(self.hour_max_backlog[hour], self.backlog)
        wait = self.backlog / self.processes + (service_s if work else 0.0)
        self.hour_max_wait[hour] = max(self.hour_max_wait[hour], wait)

    def utilisation(self, hour: int) -> float:
        return self.hour_work[hour] / (self.processes * 3600.0)

    def holds(self, target: float) -> bool:
        peak = max(self.utilisation(h) for h in range(24))
        return (
            (peak <= target or not self.capped) and max(self.hour_max_wait) <= self.wait_limit_s and self.backlog < 1e-9
        )


def recommend(demand: Demand, *, sms_ms: float, target: float, drain_minutes: float) -> dict[str, int]:
    """Process counts from the expected (not drawn) load: the peak hour at `target` utilisation; the
    deliveries also drain the 07:00 reminder burst in `drain_minutes`."""
    day = demand.day()
    peak_share = max(HOURLY_WEIGHT) / sum(HOURLY_WEIGHT)
    web_work = sum(n * path_seconds(k[4:]) for k, n in day.items() if k.startswith("req_"))
    web = math.ceil(web_work * peak_share / 3600 / target)
    check = math.ceil(day["checks"] * CHECK_SECONDS * peak_share / 3600 / target)
    delivery_s = DELIVERY_OWN_SECONDS + sms_ms / 1000
    steady = day["deliveries_daytime"] * delivery_s * peak_share / 3600 / target
    burst = day["reminders_0700"] * delivery_s / (drain_minutes * 60)
    return {"web": max(1, web), "check": max(1, check), "delivery": max(1, math.ceil(max(steady, burst)))}


def simulate(
    demand: Demand,
    *,
    web: int,
    check: int,
    delivery: int,
    sms_ms: float,
    seed: int,
    web_wait_s: float = 2.0,
    check_wait_s: float = 60.0,
    delivery_wait_s: float = 3600.0,
) -> dict[str, Tier]:
    rng = random.Random(seed)
    day = demand.day()
    weights = minute_weights()
    paths = sorted(k[4:] for k in day if k.startswith("req_"))
    delivery_s = DELIVERY_OWN_SECONDS + sms_ms / 1000
    tiers = {
        "web": Tier("web", web, web_wait_s),
        "check": Tier("check", check, check_wait_s),
        "delivery": Tier("delivery", delivery, delivery_wait_s, capped=False),
    }
    for minute, weight in enumerate(weights):
        web_work = sum(poisson(rng, day[f"req_{p}"] * weight) * path_seconds(p) for p in paths)
        tiers["web"].step(minute, web_work, path_seconds("detail"))
        checks = poisson(rng, day["checks"] * weight)
        tiers["check"].step(minute, checks * CHECK_SECONDS, CHECK_SECONDS)
        sends = poisson(rng, day["deliveries_daytime"] * weight)
        if minute == 7 * 60:  # the annual-review sweep queues the day's reminders at once
            sends += round(day["reminders_0700"])
        if minute == 8 * 60 + 30:  # the announcement job: decisions, publications, effective dates
            sends += round(day["deliveries_0830"])
        tiers["delivery"].step(minute, sends * delivery_s, delivery_s)
    return tiers


def report(tiers: dict[str, Tier], *, target: float) -> list[str]:
    lines = ["hour  " + "  ".join(f"{n:>8} util  backlog s  max wait s" for n in tiers)]
    for hour in range(24):
        cells = [
            f"{t.utilisation(hour):>13.0%}  {t.hour_max_backlog[hour]:>9.0f}  {t.hour_max_wait[hour]:>10.2f}"
            for t in tiers.values()
        ]
        lines.append(f"{hour:02d}:00 " + "  ".join(cells))
    lines.append("")
    for t in tiers.values():
        peak = max(range(24), key=t.utilisation)
        verdict = "holds" if t.holds(target) else "INSUFFICIENT"
        lines.append(
            f"{t.name:>8}: {t.processes} processes, peak hour {peak:02d}:00 at {t.utilisation(peak):.0%} "
            f"(target {target:.0%}{'' if t.capped else ', not applied'}), "
            f"max wait {max(t.hour_max_wait):.1f} s (limit {t.wait_limit_s:.0f} s), "
            f"backlog at midnight {t.backlog:.0f} s -> {verdict}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--insured", type=int, default=25_000_000, help="insured people (default 25 M)")
    parser.add_argument("--prevalence", type=float, default=0.03, help="certified holders / insured (0.03)")
    parser.add_argument("--new-share", type=float, default=0.15, help="new certifications a year / holders")
    parser.add_argument("--review-days", type=int, default=22, help="working days of the review month")
    parser.add_argument("--surge", type=float, default=1.0, help="the day's reviews / the month's average day")
    parser.add_argument("--web", type=int, help="web processes (gunicorn workers, 4 threads, one core each)")
    parser.add_argument("--check", type=int, help="Celery processes on the checks queue")
    parser.add_argument("--delivery", type=int, help="Celery processes (concurrency) on the deliveries queue")
    parser.add_argument("--sms-ms", type=float, default=200.0, help="SMS gateway round trip, ms (assumed)")
    parser.add_argument("--target", type=float, default=0.7, help="highest peak-hour utilisation allowed")
    parser.add_argument("--drain-minutes", type=float, default=60.0, help="time to send the 07:00 reminders")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    demand = Demand(insured=args.insured, prevalence=args.prevalence, new_share=args.new_share,
                    review_days=args.review_days, surge=args.surge)  # fmt: skip
    advice = recommend(demand, sms_ms=args.sms_ms, target=args.target, drain_minutes=args.drain_minutes)
    sizing = {name: getattr(args, name) or advice[name] for name in advice}
    day = demand.day()
    requests = sum(n for k, n in day.items() if k.startswith("req_"))
    peak_share = max(HOURLY_WEIGHT) / sum(HOURLY_WEIGHT)
    print(f"holders {demand.holders:,}; peak day: {day['reviews']:,.0f} annual reviews + {day['new']:,.0f} new, "
          f"{requests:,.0f} requests (peak hour {requests * peak_share / 3600:.1f}/s), "
          f"{day['checks']:,.0f} checks ({day['checks'] * peak_share / 3600:.2f}/s), "
          f"{day['deliveries_daytime'] + day['deliveries_0830'] + day['reminders_0700']:,.0f} deliveries "
          f"({day['reminders_0700']:,.0f} reminders at 07:00)")  # fmt: skip
    print(
        f"recommended: web {advice['web']}, check {advice['check']}, delivery {advice['delivery']}; "
        f"simulated: web {sizing['web']}, check {sizing['check']}, delivery {sizing['delivery']} (seed {args.seed})"
    )
    tiers = simulate(demand, sms_ms=args.sms_ms, seed=args.seed, **sizing)
    print("\n".join(report(tiers, target=args.target)))
    return 0 if all(t.holds(args.target) for t in tiers.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
