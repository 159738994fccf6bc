"""The one rounding rule for numbers a person reads: terminal tables, reports, plot labels
and the app all show a number the same way."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def format_number(value: Any) -> str:
    """Thousands with separators and no decimals, 100-999 with one decimal, 1-99 with two,
    below 1 with three; a missing value (None or NaN) is "-"; a whole number of type int (a
    count such as n) is printed whole."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return f"{int(value):,}"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"
