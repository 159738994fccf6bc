"""The event log in the vidigi animation package's terms.

The model's event log (:mod:`pathsim.model.eventlog`) follows vidigi's schema under pathsim's
own column names; :func:`to_vidigi` gives vidigi's names and only the event types it
animates. Needs only pandas (not vidigi itself), so ``pathsim.to_vidigi`` works without the
'animate' extra.
"""

from __future__ import annotations

import pandas as pd

from pathsim.model.eventlog import VIDIGI_TYPES


def to_vidigi(event_log: pd.DataFrame, time_unit_minutes: bool = True) -> pd.DataFrame:
    """The event log with vidigi's column names (``entity_id``, ``run_number``) and only the
    event types vidigi animates. Times are converted to minutes unless told otherwise."""
    out = event_log[event_log["event_type"].isin(VIDIGI_TYPES)].rename(
        columns={"patient_id": "entity_id", "replication": "run_number"}
    )
    out = out.assign(event_type=out["event_type"].astype(str), event=out["event"].astype(str))
    if time_unit_minutes:
        out = out.assign(time=out["time"] * 24 * 60)
    return out.reset_index(drop=True)
