"""The Discharge Ready Date (DRD) measures, counted as NHS England's DRD data counts them.

NHS England asks trusts to record a Discharge Ready Date "for all inpatients with a stay of one
night or longer" (Discharge Ready Date guidance, examples and FAQs; letter PRN00312), and the
published measures (re-aggregated by the Health Foundation, docs/sources/published-figures.md
[11.2]) are over those discharges and over all general and acute (G&A) beds. So here:

- a discharge is in scope when the patient leaves a G&A bed on a later calendar day than the
  one they were admitted on (an overnight stay), emergency or elective;
- it is delayed when its discharge date is after its Discharge Ready Date (the date declared
  medically fit), by the whole days between the two;
- the delayed bed days are a share of the G&A beds (the acute ward's own beds and the
  ring-fenced elective beds) times the days of the results period.

Elective patients go home on the day planned, never delayed; a step-down to a virtual ward
leaves on its ready date. The ward and the elective beds tell this component of every stay
that ends (:meth:`ReadyDates.left`).
"""

from __future__ import annotations

import math

from pathsim.model.component import Component, Results, ratio
from pathsim.model.context import RunContext

NAME = "discharge_ready_dates"

KPIS: dict[str, str] = {
    "share_discharges_delayed": (
        "Discharge Ready Date measure: share of overnight stays in a general and acute bed "
        "(emergency and elective) ending in the results period whose discharge date is after "
        "the date the patient was declared medically fit (whole calendar days)"
    ),
    "mean_delay_days_among_delayed": (
        "Discharge Ready Date measure: mean whole days from the date declared medically fit to "
        "the discharge date, of the delayed discharges (those of at least a day)"
    ),
    "share_bed_days_delayed": (
        "Discharge Ready Date measure: the delayed discharges' delay days (whole days) as a "
        "share of the general and acute bed days available in the results period (the acute "
        "ward's own beds and the ring-fenced elective beds, times the days)"
    ),
    "overnight_discharges": (
        "Discharges in scope of the Discharge Ready Date measures: stays in a general and acute "
        "bed ending in the results period on a later calendar day than they began"
    ),
}
"""The KPIs of the Discharge Ready Date measures, with their descriptions."""


class ReadyDates(Component):
    """Counts the in-scope discharges, the delayed ones and their delay days."""

    name = NAME

    def __init__(self, ctx: RunContext, beds: int) -> None:
        """``beds``: the general and acute beds the bed days are counted over."""
        self.ctx = ctx
        self.beds = beds
        self.discharges = 0
        self.delayed = 0
        self.delay_days = 0

    def left(self, admitted: float, ready: float, now: float) -> None:
        """A patient admitted at ``admitted`` and declared medically fit at ``ready`` leaves a
        G&A bed now (an elective patient, or a step-down: ``ready`` is now)."""
        if not self.ctx.collecting:
            return
        today = math.floor(now)
        if today <= math.floor(admitted):
            return  # a same-day stay: no Discharge Ready Date is recorded
        self.discharges += 1
        delay = today - math.floor(ready)
        if delay > 0:
            self.delayed += 1
            self.delay_days += delay

    def kpis(self, results: Results) -> dict[str, float]:
        return {
            "share_discharges_delayed": ratio(self.delayed, self.discharges),
            "mean_delay_days_among_delayed": ratio(self.delay_days, self.delayed),
            "share_bed_days_delayed": ratio(self.delay_days, self.beds * results.days),
            "overnight_discharges": float(self.discharges),
        }
