"""When a medically fit patient going home leaves: the weekly discharge pattern."""

from __future__ import annotations

import math


class DischargeClock:
    """When a medically fit patient leaves: the first day on which the patient's draw is
    below that weekday's factor (relative to the largest), at the patient's time in the
    day's discharge window, and not before the patient is fit."""

    def __init__(
        self,
        factors: list[float],
        start_hour: float,
        end_hour: float,
        first_weekday: int,
        ward_round_hour: float | None = None,
    ) -> None:
        top = max(factors)
        self.accept = [f / top for f in factors]
        self.start = start_hour / 24
        self.width = (end_hour - start_hour) / 24
        self.first_weekday = first_weekday
        self.round = None if ward_round_hour is None else ward_round_hour / 24

    def declared_time(self, t_clinical: float) -> float:
        """When a patient whose clinical stay ends at ``t_clinical`` is declared fit: at the
        next ward round (or at once without rounds)."""
        if self.round is None:
            return t_clinical
        day = math.floor(t_clinical)
        at = day + self.round
        return at if at >= t_clinical else at + 1

    def ready_time(self, t_fit: float, u_day: float, u_hour: float) -> float:
        day = math.floor(t_fit)
        offset = self.start + u_hour * self.width
        # Within 8 days every weekday has come round at least once after the fit day itself,
        # and on the busiest weekday every draw is accepted.
        for k in range(8):
            d = day + k
            if u_day < self.accept[(self.first_weekday + d) % 7] and d + offset >= t_fit:
                return d + offset
        raise AssertionError("unreachable: the busiest weekday accepts every patient")
