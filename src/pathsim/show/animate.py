"""An animation of patients moving through the services, drawn by vidigi from the event log.

The model writes its event log in vidigi's schema (:mod:`pathsim.model.eventlog`); this module
turns one replication's log into the steps a trainer wants to see and hands them to
:func:`vidigi.animation.animate_activity_log`, which returns a plotly figure with one frame per
snapshot. For analysts::

    import pathsim
    from pathsim.show.animate import animate_scenario, write_animation

    base = pathsim.load_scenario("scenarios/teaching/home_care_cut.yaml")
    anim = animate_scenario(base, replication=0, start_day=7, days=2)
    write_animation(anim, "home_care_cut.html")      # self-contained HTML, opens offline
    anim.figure.show()                               # or in a notebook

What is shown, step by step: waiting for an A&E cubicle; in a cubicle; admitted and waiting
for a bed (boarding in A&E); in a bed; medically fit and still in a bed (a delayed
discharge); then, for each onward service, waiting for it and receiving it. Big services
hold thousands of people (a care home population of 2,000), so each step draws at most
``max_per_step`` patients and labels the rest "+ n more": counts stay true, icons are capped.
Long periods get longer gaps between frames so the file stays small (at most ``max_frames``
frames). Both limits are written on the figure.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pathsim.atomic import atomic_path
from pathsim.model.replication import simulate
from pathsim.scenario.models import Scenario
from pathsim.show.vidigi_log import to_vidigi

if TYPE_CHECKING:  # plotly is an optional dependency (the 'animate' extra)
    import plotly.graph_objects as go

MINUTES_PER_DAY = 24 * 60
MAX_DAYS = 28
"""Longest period animated: beyond four weeks frames are hours apart and the file large."""
MAX_START_DAY = 730
"""Latest first day: the run keeps its event log from day 0 in memory (about 0.5 GB a year
for the 400,000-population system)."""

_MEDICALLY_FIT = "medically_fit"
_WARD = "acute_ward"
_WARD_BEGINS = f"{_WARD}_begins"
_WARD_ENDS = f"{_WARD}_ends"
_HOSPITAL_STEPS = (
    ("ed_wait_begins", "Waiting for an A&E cubicle"),
    ("ed_begins", "In an A&E cubicle"),
    ("acute_ward_wait_begins", "Admitted, waiting for a bed"),
    ("acute_ward_begins", "In a hospital bed"),
    (_MEDICALLY_FIT, "Medically fit, still in a bed"),
)
_HOSPITAL_SERVICES = ("ed", "acute_ward")
_SHORT_NAMES = {"jet": "joint emergency team's care", "virtual_ward": "a virtual ward"}


@dataclass(frozen=True)
class Animation:
    """A plotly animation and what it shows."""

    figure: go.Figure
    start_day: float
    days: float
    frame_minutes: int
    max_per_step: int
    patients: int
    """Patients (episodes) present at some time in the period."""

    @property
    def frames(self) -> int:
        return len(self.figure.frames)

    def note(self) -> str:
        """One line saying what was drawn and what was capped."""
        return (
            f"Days {self.start_day:g} to {self.start_day + self.days:g} of the run, a frame "
            f"every {self.frame_minutes} minutes ({self.frames} frames), "
            f"{self.patients:,} patients; each step draws at most {self.max_per_step} "
            "and counts the rest as '+ n more'."
        )


def frame_minutes_for(days: float, max_frames: int, minimum: int = 30) -> int:
    """Minutes between frames: ``minimum`` for short periods, longer (a multiple of 30) so
    that a long period has at most ``max_frames`` frames."""
    needed = math.ceil(days * MINUTES_PER_DAY / max_frames)
    return max(minimum, 30 * math.ceil(needed / 30))


def display_log(event_log: pd.DataFrame) -> pd.DataFrame:
    """The event log of ONE replication as the steps vidigi draws (times in minutes).

    - Each patient episode is one entity: a patient who leaves and comes back (a readmission)
      is a new entity, so vidigi's one-arrival-one-departure rule holds.
    - The ``medically_fit`` milestone becomes a queue step: from then until they leave, the
      patient is a delayed discharge, the effect trainers most want to show.
    - Every service is drawn as a queue of capped icons (a ward of 600 beds cannot be drawn
      bed by bed), so ``resource_use`` becomes ``queue`` and ``resource_use_end`` is dropped
      (the next step follows at the same moment).
    - A patient waiting in an acute bed for a place in onward care stays drawn in the ward
      (a delayed discharge) until they leave the bed: the onward service's wait step that
      starts while they are in bed is dropped.
    """
    if event_log["replication"].nunique() > 1:
        raise ValueError("display_log needs the event log of one replication")
    keep = event_log["event_type"].isin(["arrival_departure", "queue", "resource_use"]) | (
        (event_log["event_type"] == "milestone") & (event_log["event"] == _MEDICALLY_FIT)
    )
    log = event_log[keep & ~_waits_from_a_bed(event_log)]
    log = log.assign(
        event_type=log["event_type"].astype(str).replace({"milestone": "queue"}),
        event=log["event"].astype(str),
    )
    log = log.assign(
        event_type=log["event_type"].replace({"resource_use": "queue"}),
        resource_id=pd.array([pd.NA] * len(log), dtype="Int64"),
    )
    # Episodes: a new one starts at every arrival after a departure.
    log = log.sort_values(["patient_id", "time"], kind="stable")
    departed_before = (log["event"] == "depart") & (log["event_type"] == "arrival_departure")
    episode = departed_before.groupby(log["patient_id"]).cumsum() - departed_before.astype(int)
    log = log.assign(episode=episode)
    # Only the first arrival and the last departure of an episode are kept (a patient moved
    # from A&E to a ward arrives once).
    ad = log["event_type"] == "arrival_departure"
    arrivals = log[ad & (log["event"] == "arrival")]
    departs = log[ad & (log["event"] == "depart")]
    arrivals = arrivals.drop_duplicates(["patient_id", "episode"], keep="first")
    departs = departs.drop_duplicates(["patient_id", "episode"], keep="last")
    log = pd.concat([arrivals, departs, log[~ad]]).sort_values(["time"], kind="stable")
    entity = log["patient_id"].astype("int64") * 100 + log["episode"].astype("int64")
    out = log.assign(patient_id=entity).drop(columns=["episode"])
    return to_vidigi(out.reset_index(drop=True))


def _waits_from_a_bed(event_log: pd.DataFrame) -> pd.Series:
    """Rows that are another service's ``_wait_begins`` while the patient holds an acute bed
    (between an ``acute_ward_begins`` and the next ``acute_ward_ends``)."""
    log = event_log.sort_values(["patient_id", "time"], kind="stable")
    event = log["event"].astype(str)
    change = (event == _WARD_BEGINS).astype(int) - (event == _WARD_ENDS).astype(int)
    in_bed = change.groupby(log["patient_id"]).cumsum() > 0
    waiting = event.str.endswith("_wait_begins") & (log["service"].astype(str) != _WARD)
    return (in_bed & waiting).reindex(event_log.index)


def in_window(vlog: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    """Only the patients present at some time in [start, end] (minutes), with all their
    events up to ``end``: whole patients are dropped, never their arrival rows, so everyone
    present when the window opens is still drawn (vidigi's warning about cutting logs by
    time), and a long run does not slow every frame down."""
    arrival = vlog.loc[vlog["event"] == "arrival"].set_index("entity_id")["time"]
    depart = vlog.loc[vlog["event"] == "depart"].set_index("entity_id")["time"]
    depart = depart.reindex(arrival.index)
    keep = arrival.index[(arrival <= end) & (depart.isna() | (depart >= start))]
    out = vlog[vlog["entity_id"].isin(keep) & (vlog["time"] <= end)]
    return out.reset_index(drop=True)


def positions(events: list[str]) -> pd.DataFrame:
    """Where each step is drawn: A&E in the left column, the ward in the middle, one pair of
    rows per onward service on the right (waiting for it, receiving it). Queues build to the
    left of each anchor; labels sit to its right."""
    rows: list[dict[str, object]] = [
        {"event": "arrival", "x": 30, "y": 790, "label": "Arrival"},
        {"event": "depart", "x": 590, "y": 140, "label": "Leave"},
    ]
    hospital_xy = {
        "ed_wait_begins": (170, 640),
        "ed_begins": (170, 460),
        "acute_ward_wait_begins": (170, 280),
        "acute_ward_begins": (590, 640),
        _MEDICALLY_FIT: (590, 460),
    }
    for event, label in _HOSPITAL_STEPS:
        x, y = hospital_xy[event]
        rows.append({"event": event, "x": x, "y": y, "label": label})
    services = onward_services(events)
    step = min(170.0, 740.0 / max(1, len(services)))
    for i, service in enumerate(services):
        top = 700 - i * step
        name = _SHORT_NAMES.get(service, service.replace("_", " "))
        if f"{service}_wait_begins" in events:
            rows.append(
                {
                    "event": f"{service}_wait_begins",
                    "x": 1000,
                    "y": top,
                    "label": f"Waiting: {name}",
                }
            )
        rows.append(
            {"event": f"{service}_begins", "x": 1000, "y": top - 0.47 * step, "label": f"In {name}"}
        )
    return pd.DataFrame(rows).assign(resource=None)


def onward_services(events: list[str]) -> list[str]:
    """Services after hospital named in the display log's events, in alphabetical order."""
    hospital = {e for e, _ in _HOSPITAL_STEPS}
    return sorted(
        {e.removesuffix("_wait_begins").removesuffix("_begins") for e in events}
        - {"arrival", "depart", *hospital, *_HOSPITAL_SERVICES}
    )


def animate_event_log(
    event_log: pd.DataFrame,
    *,
    start_day: float,
    days: float,
    start_date: str | None = None,
    max_frames: int = 200,
    max_per_step: int = 30,
    compact: bool = False,
    title: str = "",
) -> Animation:
    """Animates days ``start_day`` to ``start_day + days`` of one replication's event log
    (times in days from the start of the run, as :func:`pathsim.simulate` writes it).
    ``compact`` draws smaller icons and text in narrower queues, for a figure under about
    1,000 pixels wide (the live app)."""
    from vidigi.animation import animate_activity_log

    if days <= 0 or start_day < 0:
        raise ValueError("days must be positive and start_day not negative")
    vlog = display_log(event_log)
    frame = frame_minutes_for(days, max_frames)
    warm_up = round(start_day * MINUTES_PER_DAY)
    limit = round((start_day + days) * MINUTES_PER_DAY)
    vlog = in_window(vlog, warm_up, limit)
    events = sorted(set(vlog["event"]))
    pos = positions(events)
    onward_cap = {
        f"{s}{suffix}": min(10, max_per_step)
        for s in onward_services(events)
        for suffix in ("_wait_begins", "_begins")
    }
    patients = int(vlog.loc[vlog["event"] == "arrival", "entity_id"].nunique())
    with warnings.catch_warnings():
        # vidigi warns about patients already present when the window opens; expected here.
        warnings.simplefilter("ignore", UserWarning)
        fig = animate_activity_log(
            vlog,
            pos,
            every_x_time_units=frame,
            limit_duration=limit,
            warm_up=warm_up,
            step_snapshot_max=max_per_step,
            step_snapshot_max_overrides=onward_cap,
            wrap_queues_at=6 if compact else 10,
            gap_between_entities=12 if compact else 14,
            gap_between_queue_rows=26,
            plotly_height=760,
            entity_icon_size=11 if compact else 14,
            text_size=10 if compact else 13,
            time_display_units="dhm" if start_date else None,
            start_date=start_date,
            frame_duration=300,
            frame_transition_duration=300,
            run_col_name="run_number",
            override_x_max=1400,
            override_y_max=820,
        )
    anim = Animation(fig, start_day, days, frame, max_per_step, patients)
    fig.update_layout(
        title={"text": f"{title}<br><sup>{anim.note()}</sup>", "font": {"size": 16}},
        margin={"t": 90},
    )
    return anim


def animate_scenario(
    scenario: Scenario,
    *,
    replication: int = 0,
    start_day: float = 7,
    days: float = 2,
    seed: int | None = None,
    max_frames: int = 200,
    max_per_step: int = 30,
    compact: bool = False,
) -> Animation:
    """Runs one replication of ``scenario`` with the event log on, long enough to reach
    ``start_day + days``, and animates that period. Days count from the start of the run
    (warm-up included); the default starts a week in, when A&E and the ward are in their
    usual state rather than the empty A&E of the first hours."""
    if not 0 < days <= MAX_DAYS:
        raise ValueError(f"days must be above 0 and at most {MAX_DAYS} (got {days})")
    if not 0 <= start_day <= MAX_START_DAY:
        raise ValueError(f"start_day must be between 0 and {MAX_START_DAY} (got {start_day})")
    end = math.ceil(start_day + days)
    result = simulate(scenario, replication, seed=seed, days=end, warmup_days=0, event_log=True)
    assert result.event_log is not None
    return animate_event_log(
        result.event_log,
        start_day=start_day,
        days=days,
        start_date=str(scenario.run.start_date),
        max_frames=max_frames,
        max_per_step=max_per_step,
        compact=compact,
        title=f"{scenario.name}: replication {replication}",
    )


def write_animation(anim: Animation, path: str | Path) -> Path:
    """Writes a self-contained HTML file (plotly.js inlined, so it opens offline) atomically:
    a temporary file in the same folder, then renamed."""
    target = Path(path)
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as handle:
        anim.figure.write_html(handle, include_plotlyjs=True, full_html=True, auto_play=False)
    return target
