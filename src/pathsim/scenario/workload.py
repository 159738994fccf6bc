"""How much work a run is, before it starts: expected patients, and a rough time and memory.

Used to refuse runs that could not finish (a mistyped population or rate can ask for billions
of patients) and to warn about long ones, with the estimate, before anything is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathsim.scenario.models import Scenario

PATIENTS_PER_SECOND = 100_000
"""Patients one core simulates a second on the default scenario: 10 us of CPU per patient
(docs/performance.md, 2026-11-30; was 25 us before issue 7's work)."""
EVENT_LOG_BYTES_PER_PATIENT = 1_700
"""Peak memory of an event log held whole, per patient: 270 MB for the 158,000 patients of a
replication-year of the default scenario (about 6 events each), measured with
``python experiments/memory_event_log.py`` (docs/performance.md). A log streamed to a run
folder needs about 50 MB however long the run, and 46 bytes per patient on disk."""
REFUSE_PATIENTS = 1_000_000_000
"""Runs expected to create more patients than this, in total, are refused."""
WARN_SECONDS = 30 * 60
"""Runs expected to take longer than this are announced with the estimate."""
WARN_EVENT_LOG_BYTES = 4 * 2**30


@dataclass(frozen=True)
class Workload:
    patients: float
    """Expected patients created over every replication (arrivals, referrals, readmissions)."""
    seconds: float
    """Rough wall time on one core."""
    event_log_bytes: float
    """Rough memory of one replication's event log, if it is on."""

    def describe(self) -> str:
        hours = self.seconds / 3600
        time = f"{hours:.1f} hours" if hours >= 1 else f"{self.seconds / 60:.0f} minutes"
        return f"about {self.patients:,.0f} patients, {time} on one core"


def workload(
    scenario: Scenario, days: int, warmup_days: int, replications: int, event_log: bool
) -> Workload:
    """The expected size of a run of ``scenario`` with these settings."""
    per_day = 0.0
    for seg in scenario.segments.values():
        # attendances include readmissions (the model draws fewer first crises for them)
        per_day += (seg.ed_attendances_per_year + seg.direct_admissions_per_year) / 365.25
    per_day += sum(s.community_referrals_per_week for s in scenario.onward_services.values()) / 7
    if scenario.electives.enabled:  # planned patients, booked every day
        per_day += sum(scenario.electives.admissions_per_weekday) / 7
    per_replication = per_day * (days + warmup_days)
    patients = per_replication * replications
    log = per_replication * EVENT_LOG_BYTES_PER_PATIENT if event_log else 0.0
    return Workload(patients, patients / PATIENTS_PER_SECOND, log)


def too_large(w: Workload) -> str | None:
    """Why a run cannot be started, or None."""
    if w.patients > REFUSE_PATIENTS:
        return (
            f"this run would simulate {w.describe()}: more than "
            f"{REFUSE_PATIENTS:,} patients. Check the population and rates per 1,000, or run "
            "fewer days or replications."
        )
    return None


def warnings(w: Workload, streamed: bool = False) -> list[str]:
    """What to tell the user before a large run starts. ``streamed``: the event logs go to a
    run folder as the run goes (``--out``, this machine's processes), so their memory stays
    small whatever ``w.event_log_bytes`` says."""
    out = []
    if w.seconds > WARN_SECONDS:
        out.append(f"this run is large: {w.describe()}.")
    if w.event_log_bytes > WARN_EVENT_LOG_BYTES and not streamed:
        out.append(
            f"the event log of each replication needs about {w.event_log_bytes / 2**30:.0f} GiB "
            "of memory; give --out DIR (logs are then streamed to disk), switch it off "
            "(--no-event-log) or run fewer days."
        )
    return out
