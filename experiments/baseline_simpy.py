"""A plain, hand-written SimPy model of the reference workload: the baseline pathsim is timed
against. It is written the way a competent modeller would write it, with one generator process
per patient and ``simpy.Resource`` for cubicles, beds and social-care places, and collects the
same KPIs by its own idiomatic means. It is never slowed down on purpose.

Reference workload (experiments/benchmarks/reference_hospital.yaml): Poisson arrivals
300/day; A&E 30 cubicles, exponential assessment with mean 2 hours; 25% admitted, who keep
their cubicle until one of 400 beds is free; length of stay lognormal mean 5 days, sd 6 days;
15% of discharges need one of 40 social-care places (lognormal mean 3 days, sd 3 days) and
keep their bed until one is free. 365 days, the first 30 warm-up. Time unit: days.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

ARRIVALS_PER_DAY = 300.0
CUBICLES, BEDS, SOCIAL_PLACES = 30, 400, 40
ASSESS_MEAN_DAYS = 2.0 / 24
P_ADMIT, P_SOCIAL = 0.25, 0.15
LOS_MEAN, LOS_SD = 5.0, 6.0
SOCIAL_MEAN, SOCIAL_SD = 3.0, 3.0


def _lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    sigma = math.sqrt(math.log1p((sd / mean) ** 2))
    return math.log(mean) - sigma**2 / 2, sigma


class Baseline:
    def __init__(self, seed: int, days_total: float, warmup: float) -> None:
        self.env = simpy.Environment()
        self.rng = np.random.default_rng(seed)
        self.warmup = warmup
        self.days_total = days_total
        self.cubicles = simpy.Resource(self.env, CUBICLES)
        self.beds = simpy.Resource(self.env, BEDS)
        self.social = simpy.Resource(self.env, SOCIAL_PLACES)
        self.los = _lognormal_params(LOS_MEAN, LOS_SD)
        self.social_los = _lognormal_params(SOCIAL_MEAN, SOCIAL_SD)
        # per-patient records
        self.ed_times: list[float] = []
        self.boarding: list[float] = []
        self.bed_times: list[float] = []
        self.social_waits: list[float] = []
        # time-weighted bed and social-care occupancy after warm-up
        self._bed_area = 0.0
        self._bed_last = warmup
        self._social_area = 0.0
        self._social_last = warmup

    def _bed_change(self) -> None:
        now = self.env.now
        if now > self.warmup:
            self._bed_area += self.beds.count * (now - self._bed_last)
            self._bed_last = now

    def _social_change(self) -> None:
        now = self.env.now
        if now > self.warmup:
            self._social_area += self.social.count * (now - self._social_last)
            self._social_last = now

    def arrivals(self):  # type: ignore[no-untyped-def]
        while True:
            yield self.env.timeout(self.rng.exponential(1 / ARRIVALS_PER_DAY))
            self.env.process(self.patient())

    def patient(self):  # type: ignore[no-untyped-def]
        env, rng = self.env, self.rng
        arrival = env.now
        cubicle = self.cubicles.request()
        yield cubicle
        yield env.timeout(rng.exponential(ASSESS_MEAN_DAYS))
        if rng.random() >= P_ADMIT:
            self.cubicles.release(cubicle)
            if env.now >= self.warmup:
                self.ed_times.append(env.now - arrival)
            return
        decision = env.now
        bed = self.beds.request()
        yield bed
        self._bed_change()
        self.cubicles.release(cubicle)
        if env.now >= self.warmup:
            self.ed_times.append(env.now - arrival)
            self.boarding.append(env.now - decision)
        admitted = env.now
        yield env.timeout(rng.lognormal(*self.los))
        if rng.random() < P_SOCIAL:
            requested = env.now
            place = self.social.request()
            yield place
            self._social_change()
            if env.now >= self.warmup:
                self.social_waits.append(env.now - requested)
            self._bed_change()
            self.beds.release(bed)
            if env.now >= self.warmup:
                self.bed_times.append(env.now - admitted)
            yield env.timeout(rng.lognormal(*self.social_los))
            self._social_change()
            self.social.release(place)
        else:
            self._bed_change()
            self.beds.release(bed)
            if env.now >= self.warmup:
                self.bed_times.append(env.now - admitted)

    def run(self) -> dict[str, float]:
        self.env.process(self.arrivals())
        self.env.run(until=self.days_total)
        self._bed_change()
        self._social_change()
        period = self.days_total - self.warmup
        ed = np.asarray(self.ed_times)
        return {
            "ed_4h_performance": float(np.mean(ed <= 4 / 24)),
            "ed_mean_time_hours": float(ed.mean() * 24),
            "ed_mean_boarding_hours": float(np.mean(self.boarding) * 24),
            "bed_occupancy": self._bed_area / period / BEDS,
            "mean_los_days": float(np.mean(self.bed_times)),
            "mean_wait_days_social_care": float(np.mean(self.social_waits)),
            "occupancy_social_care": self._social_area / period / SOCIAL_PLACES,
        }


def run_baseline(seed: int, days_total: float = 365, warmup: float = 30) -> dict[str, float]:
    """One replication of the hand-written model; KPIs named as pathsim names them."""
    return Baseline(seed, days_total, warmup).run()
