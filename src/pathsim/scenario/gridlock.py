"""When a replication counts as gridlocked: a waiting line that stays above a threshold, set
relative to the capacity in front of it, for days on end (docs/model.md)."""

from __future__ import annotations

from pydantic import Field

from pathsim.scenario.models_base import MAX_DAYS, Count, Positive, Strict


class GridlockDetection(Strict):
    """A replication is gridlocked once the daily mean of the A&E cubicle queue, or of the
    patients waiting for an acute bed, has stayed at or above its threshold on
    ``consecutive_days`` days in a row. The defaults are ASSUMPTIONS (no published definition
    of gridlock was read): docs/model.md says why each is far from a stable system."""

    ed_queue_per_cubicle: Positive = Field(
        default=1.0,
        description=(
            "Threshold on the daily mean number of patients waiting for an A&E cubicle, per "
            "cubicle (1: as many waiting as there are cubicles, so that the wait to be seen "
            "is about one cubicle turnover, hours)"
        ),
    )
    bed_queue_per_bed: Positive = Field(
        default=0.1,
        description=(
            "Threshold on the daily mean number of admitted patients waiting for an acute bed "
            "(boarders in A&E and direct admissions), per bed"
        ),
    )
    consecutive_days: Count = Field(
        default=7,
        ge=1,
        le=MAX_DAYS,
        description=(
            "Days in a row the daily mean must stay at or above a threshold (7: through a "
            "whole week of weekday discharges)"
        ),
    )
