"""A plain, hand-written SimPy model of the reference workload: the baseline pathsim is timed
against (experiments/benchmark_reference.py).

It is written the way a competent modeller writes SimPy: one generator process per patient,
``simpy.Resource`` for cubicles, beds and social-care places, ``env.timeout`` for every
activity, a numpy ``Generator`` for the random numbers, and the KPIs collected by its own
idiomatic means (per-patient records in lists, counters, and time-weighted occupancy monitors
for beds and social-care places). It is never slowed down on purpose, and it shares no code
with pathsim.

Reference workload (experiments/benchmarks/reference_hospital.yaml): Poisson arrivals
300/day; A&E 30 cubicles, exponential assessment with mean 2 hours, first come first served;
25% admitted, who keep their cubicle until one of 400 beds is free (boarding); length of stay
lognormal mean 5 days, sd 6 days; 15% of discharges need one of 40 social-care places
(lognormal mean 3 days, sd 3 days) and keep their bed until one is free; everyone else goes
home. 365 days, starting empty, the first 30 of them warm-up. Time unit: days.
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
FOUR_HOURS = 4.0 / 24


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the underlying normal for a lognormal with this mean and sd."""
    sigma = math.sqrt(math.log1p((sd / mean) ** 2))
    return math.log(mean) - sigma**2 / 2, sigma


class OccupancyMonitor:
    """Time-weighted mean of ``resource.count`` over [warmup, end]. ``update()`` must be called
    just before every change of the count (a request that may be granted at once, a release)."""

    def __init__(self, env: simpy.Environment, resource: simpy.Resource, warmup: float) -> None:
        self.env = env
        self.resource = resource
        self.warmup = warmup
        self.area = 0.0
        self.last = warmup

    def update(self) -> None:
        now = self.env.now
        if now > self.warmup:
            self.area += self.resource.count * (now - self.last)
            self.last = now

    def mean(self, end: float) -> float:
        self.update()
        return self.area / (end - self.warmup)


class Baseline:
    """One replication of the reference workload."""

    def __init__(self, seed: int, days_total: float, warmup: float) -> None:
        self.env = simpy.Environment()
        self.rng = np.random.default_rng(seed)
        self.warmup = warmup
        self.days_total = days_total
        self.cubicles = simpy.Resource(self.env, CUBICLES)
        self.beds = simpy.Resource(self.env, BEDS)
        self.social = simpy.Resource(self.env, SOCIAL_PLACES)
        self.los = lognormal_params(LOS_MEAN, LOS_SD)
        self.social_los = lognormal_params(SOCIAL_MEAN, SOCIAL_SD)
        # per-patient records, results period only
        self.attendances = 0  # arrivals
        self.cubicle_waits: list[float] = []  # arrival -> cubicle, seen after warm-up
        self.ed_times: list[float] = []  # arrival -> leaving A&E, left after warm-up
        self.boarding: list[float] = []  # decision to admit -> leaving A&E for a bed
        self.bed_times: list[float] = []  # admission -> leaving the bed, left after warm-up
        self.social_waits: list[float] = []  # request -> start, started after warm-up
        # time-weighted occupancy, results period only
        self.bed_monitor = OccupancyMonitor(self.env, self.beds, warmup)
        self.social_monitor = OccupancyMonitor(self.env, self.social, warmup)

    def arrivals(self):  # type: ignore[no-untyped-def]
        env, rng = self.env, self.rng
        while True:
            yield env.timeout(rng.exponential(1.0 / ARRIVALS_PER_DAY))
            if env.now >= self.warmup:
                self.attendances += 1
            env.process(self.patient())

    def patient(self):  # type: ignore[no-untyped-def]
        env, rng, warmup = self.env, self.rng, self.warmup
        arrival = env.now
        # A&E: the cubicle is released explicitly, because an admitted patient keeps it
        # until a bed is free.
        cubicle = self.cubicles.request()
        yield cubicle
        if env.now >= warmup:
            self.cubicle_waits.append(env.now - arrival)
        yield env.timeout(rng.exponential(ASSESS_MEAN_DAYS))
        if rng.random() >= P_ADMIT:
            self.cubicles.release(cubicle)
            if env.now >= warmup:
                self.ed_times.append(env.now - arrival)
            return

        # Admitted: board in the cubicle until a bed is free.
        decision = env.now
        self.bed_monitor.update()
        bed = self.beds.request()
        yield bed
        self.cubicles.release(cubicle)
        admitted = env.now
        if admitted >= warmup:
            self.ed_times.append(admitted - arrival)
            self.boarding.append(admitted - decision)
        yield env.timeout(rng.lognormal(*self.los))

        if rng.random() < P_SOCIAL:
            # Delayed discharge: keep the bed until a social-care place is free.
            requested = env.now
            self.social_monitor.update()
            place = self.social.request()
            yield place
            if env.now >= warmup:
                self.social_waits.append(env.now - requested)
            self.bed_monitor.update()
            self.beds.release(bed)
            if env.now >= warmup:
                self.bed_times.append(env.now - admitted)
            yield env.timeout(rng.lognormal(*self.social_los))
            self.social_monitor.update()
            self.social.release(place)
        else:
            self.bed_monitor.update()
            self.beds.release(bed)
            if env.now >= warmup:
                self.bed_times.append(env.now - admitted)

    def run(self) -> dict[str, float]:
        self.env.process(self.arrivals())
        self.env.run(until=self.days_total)
        ed = np.asarray(self.ed_times)
        return {
            "ed_attendances": float(self.attendances),
            "ed_4h_performance": float(np.mean(ed <= FOUR_HOURS)),
            "ed_mean_time_hours": float(ed.mean() * 24),
            "ed_mean_wait_for_cubicle_hours": float(np.mean(self.cubicle_waits) * 24),
            "ed_mean_boarding_hours": float(np.mean(self.boarding) * 24),
            "ward_admissions": float(len(self.boarding)),
            "bed_occupancy": self.bed_monitor.mean(self.days_total) / BEDS,
            "mean_los_days": float(np.mean(self.bed_times)),
            "started_social_care": float(len(self.social_waits)),
            "mean_wait_days_social_care": float(np.mean(self.social_waits)),
            "occupancy_social_care": self.social_monitor.mean(self.days_total) / SOCIAL_PLACES,
        }


def run_baseline(seed: int, days_total: float = 365, warmup: float = 30) -> dict[str, float]:
    """One replication of the hand-written model; KPIs named as pathsim names them."""
    return Baseline(seed, days_total, warmup).run()


if __name__ == "__main__":
    for name, value in run_baseline(0).items():
        print(f"{name:32s} {value:.4f}")
