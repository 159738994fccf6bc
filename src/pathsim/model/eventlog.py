"""The per-patient event log: who, what, where, when, which organisation.

The schema is fixed (see :data:`EVENT_LOG_COLUMNS`) and follows the vidigi animation package:
``event_type`` is one of ``arrival_departure``, ``queue``, ``resource_use``,
``resource_use_end`` (vidigi's types) or ``milestone`` (clinical and process milestones such as
``decision_to_admit`` or ``medically_fit``, which vidigi does not animate). Times are in days
from the start of the run. :func:`to_vidigi` renames the columns to vidigi's names.

Patient ids: crisis arrivals (A&E and direct admissions) are numbered 1, 2, ... in arrival
order, so with the same seed a patient has the same id in every configuration; people already
in a service when the run starts, and people referred from the community, are numbered from
1,000,000,001.
"""

from __future__ import annotations

import pandas as pd

EVENT_LOG_COLUMNS = (
    "replication",
    "patient_id",
    "event_type",
    "event",
    "time",
    "service",
    "organisation",
    "resource_id",
)

EVENT_TYPES = ("arrival_departure", "queue", "resource_use", "resource_use_end", "milestone")
_VIDIGI_TYPES = ("arrival_departure", "queue", "resource_use", "resource_use_end")


class EventLog:
    """Collects events in memory as compact tuples; turned into a DataFrame at the end."""

    __slots__ = ("_rows", "_services", "env")

    def __init__(self, env: object, services: dict[str, str]) -> None:
        """``services`` maps each service name to its organisation."""
        self.env = env
        self._services = services
        self._rows: list[tuple[int, int, str, float, str, int]] = []

    def add(
        self, patient_id: int, event_type: int, event: str, service: str, slot: int = -1
    ) -> None:
        """Records an event now. ``event_type`` indexes :data:`EVENT_TYPES`."""
        self._rows.append((patient_id, event_type, event, self.env._now, service, slot))  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self._rows)

    def to_frame(self, replication: int) -> pd.DataFrame:
        if not self._rows:
            return empty_event_log()
        pid, etype, event, time, service, slot = zip(*self._rows, strict=True)
        frame = pd.DataFrame(
            {
                "replication": replication,
                "patient_id": pd.array(pid, dtype="int64"),
                "event_type": pd.Categorical.from_codes(
                    list(etype), categories=pd.Index(EVENT_TYPES)
                ),
                "event": pd.Categorical(event),
                "time": pd.array(time, dtype="float64"),
                "service": pd.Categorical(service),
                "organisation": pd.Categorical([self._services.get(s, "") for s in service]),
                "resource_id": pd.array([s + 1 if s >= 0 else None for s in slot], dtype="Int64"),
            }
        )
        return frame


def empty_event_log() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_LOG_COLUMNS})


def to_vidigi(event_log: pd.DataFrame, time_unit_minutes: bool = True) -> pd.DataFrame:
    """The event log with vidigi's column names (``entity_id``, ``run_number``) and only the
    event types vidigi animates. Times are converted to minutes unless told otherwise."""
    out = event_log[event_log["event_type"].isin(_VIDIGI_TYPES)].rename(
        columns={"patient_id": "entity_id", "replication": "run_number"}
    )
    out = out.assign(event_type=out["event_type"].astype(str), event=out["event"].astype(str))
    if time_unit_minutes:
        out = out.assign(time=out["time"] * 24 * 60)
    return out.reset_index(drop=True)
