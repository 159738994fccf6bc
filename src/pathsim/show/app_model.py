"""What the live app does, without Streamlit: the scenarios a trainer can pick, the sliders
and lever switches, the overrides they make, the run settings, and the headline table.

Everything goes through the public API (``pathsim.load_scenario``, ``with_overrides``,
``RunSpec``, ``run_experiment``, ``ComparisonResult``), so the app runs exactly what
``pathsim compare`` would run with the same settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import pathsim
from pathsim import RunSpec, Scenario
from pathsim.numbers import format_number

LEVERS: dict[str, str] = {
    "single_point_of_referral": "Single point of referral (joint emergency team)",
    "virtual_wards": "Virtual wards (100 more slots)",
    "discharge_to_assess": "Discharge to assess, trusted assessors",
    "pooled_budget": "Pooled health and social care budget",
    "shared_care_record": "Shared care record",
    "proactive_care": "Proactive care of people aged 85+",
    "integrated_mental_health": "Integrated physical and mental health",
}
"""Lever name (its field under ``integration`` and its file in scenarios/levers/) -> label."""

HEADLINE: dict[str, str] = {
    "ed_4h_performance": "A&E within 4 hours",
    "ed_12h_trolley_waits": "12-hour trolley waits",
    "bed_occupancy": "Bed occupancy",
    "delayed_discharge_bed_days": "Delayed discharge bed days",
    "nctr_per_100_beds": "Medically fit patients per 100 beds",
    "emergency_admissions": "Emergency admissions",
    "readmissions_30d": "Readmissions within 30 days",
    "cost_nhs_gbp": "Cost to the NHS (GBP)",
    "cost_local_authority_gbp": "Cost to the council (GBP)",
}
"""KPIs of every scenario shown in the app's table, in order, with plain names; see
:func:`headline` for the one that names a service."""

WAIT_SHOWN = ("home_care", "Days from referral to home care")
"""The kind of onward service whose wait from referral to start the table shows (the first
service of that kind in the scenario), and its plain name."""


def headline(scenario: Scenario) -> dict[str, str]:
    """The app's table KPIs for ``scenario``: :data:`HEADLINE`, with the wait for its first
    home care service (by the service's own name) after emergency admissions."""
    kind, label = WAIT_SHOWN
    name = next((n for n, s in scenario.onward_services.items() if s.kind == kind), None)
    out: dict[str, str] = {}
    for kpi, text in HEADLINE.items():
        out[kpi] = text
        if kpi == "emergency_admissions" and name is not None:
            out[f"mean_referral_to_start_days_{name}"] = label
    return out


METRICS = (
    "ed_4h_performance",
    "ed_12h_trolley_waits",
    "bed_occupancy",
    "delayed_discharge_bed_days",
)
"""The four KPIs shown as large numbers."""


@dataclass(frozen=True)
class Capacity:
    """One capacity slider: a field of the scenario and its range."""

    key: str
    label: str
    path: str
    value: int
    low: int
    high: int
    step: int


@dataclass(frozen=True)
class RunSettings:
    """Run length for the room: short enough to return in seconds."""

    replications: int = 3
    days: int = 90
    warmup_days: int = 30

    def spec(self, scenario: Scenario) -> RunSpec:
        """The run specification: these settings on the scenario's own seed."""
        return RunSpec.from_scenario(
            scenario, self.replications, None, self.days, self.warmup_days, False
        )

    def describe(self) -> str:
        return (
            f"{self.replications} replications of {self.days} days after a "
            f"{self.warmup_days}-day warm-up, both columns on the same seeds (the same patients)"
        )


def default_scenario_dir(cwd: Path | None = None) -> Path | None:
    """./scenarios when it holds teaching scenarios, else the project's own (a source
    checkout), else None."""
    here = (cwd or Path.cwd()) / "scenarios"
    if (here / "teaching").is_dir():
        return here
    project = Path(__file__).resolve().parents[3] / "scenarios"
    return project if (project / "teaching").is_dir() else None


def scenario_choices(folder: Path) -> dict[str, Path]:
    """What a trainer can start from, label -> file: the teaching scenarios, the fragmented
    base and the integrated system, and each lever on its own."""
    choices: dict[str, Path] = {}
    for path in sorted((folder / "teaching").glob("*.yaml")):
        choices[f"Teaching: {_words(path.stem)}"] = path
    for name in ("fragmented", "integrated"):
        path = folder / f"{name}.yaml"
        if path.is_file():
            choices[f"Whole system: {name}"] = path
    for path in sorted((folder / "levers").glob("*.yaml")):
        choices[f"One lever: {_words(path.stem)}"] = path
    return choices


def _words(stem: str) -> str:
    return stem.replace("_", " ")


def capacities(scenario: Scenario) -> list[Capacity]:
    """The capacity sliders for this scenario: A&E cubicles, beds, and reablement, home care
    and care home places (the first onward service of each kind). Each runs from half to
    one and a half times the scenario's own value."""
    found = [
        ("ed_cubicles", "A&E cubicles", "ed.cubicles", scenario.ed.cubicles),
        ("beds", "Hospital beds", "acute_ward.beds", scenario.acute_ward.beds),
    ]
    wanted = {
        "reablement": "Reablement places",
        "home_care": "Home care packages",
        "care_home": "Care home places",
    }
    for kind, label in wanted.items():
        for name, service in scenario.onward_services.items():
            if service.kind == kind:
                found.append((kind, label, f"onward_services.{name}.capacity", service.capacity))
                break
    out = []
    for key, label, path, value in found:
        step = max(1, 10 ** max(0, int(math.log10(max(value, 1))) - 2))
        low = max(step, (value // 2) // step * step)
        high = max(low + step, math.ceil(value * 1.5 / step) * step)
        out.append(Capacity(key, label, path, int(value), int(low), int(high), int(step)))
    return out


def levers_on(scenario: Scenario) -> dict[str, bool]:
    """Which levers are switched on in ``scenario``."""
    return {name: bool(getattr(scenario.integration, name).enabled) for name in LEVERS}


def lever_settings(folder: Path, name: str) -> dict[str, Any]:
    """The settings of lever ``name`` as its file in levers/ gives them (what 'on' means)."""
    lever = pathsim.load_scenario(folder / "levers" / f"{name}.yaml")
    block: dict[str, Any] = getattr(lever.integration, name).model_dump(mode="json", by_alias=True)
    return block


def overrides(
    scenario: Scenario,
    folder: Path,
    values: dict[str, int],
    switches: dict[str, bool],
) -> dict[str, Any]:
    """Dotted-path overrides for ``pathsim.with_overrides``: the sliders that moved and the
    levers switched. A lever switched on takes its settings from its file in levers/ unless
    the scenario already has it on."""
    out: dict[str, Any] = {}
    for cap in capacities(scenario):
        if cap.key in values and values[cap.key] != cap.value:
            out[cap.path] = int(values[cap.key])
    current = levers_on(scenario)
    for name, on in switches.items():
        if on == current[name]:
            continue
        out[f"integration.{name}"] = (
            lever_settings(folder, name)
            if on
            else {
                **getattr(scenario.integration, name).model_dump(mode="json", by_alias=True),
                "enabled": False,
            }
        )
    return out


def describe_changes(scenario: Scenario, changes: dict[str, Any]) -> list[str]:
    """Plain-English lines for what changed, for the screen."""
    caps = {c.path: c for c in capacities(scenario)}
    lines = []
    for path, value in changes.items():
        if path in caps:
            lines.append(f"{caps[path].label}: {caps[path].value:,} → {int(value):,}")
        else:
            name = path.removeprefix("integration.")
            state = "on" if value.get("enabled") else "off"
            lines.append(f"{LEVERS.get(name, name)}: switched {state}")
    return lines


def fmt(value: Any, kpi: str = "") -> str:
    """A number as people read it: shares as percentages; otherwise thousands with separators,
    100-999 with one decimal, 1-99 with two, below 1 with three (the CLI's rule)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if is_share(kpi):
        return f"{100 * value:.1f}%"
    if value == 0:
        return "0"
    return format_number(float(value))


def fmt_diff(value: Any, kpi: str = "") -> str:
    """A difference with its sign (shares in percentage points)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value == 0:
        return "0"
    if is_share(kpi):
        return f"{100 * value:+.1f} pts"
    text = fmt(value)
    return text if text.startswith("-") else f"+{text}"


def is_share(kpi: str) -> bool:
    return kpi in {
        "ed_4h_performance",
        "bed_occupancy",
        "time_above_95pct_occupancy",
        "time_above_92pct_occupancy",
        "readmission_rate_30d",
    }


def headline_table(
    comparison: pd.DataFrame, base: str, other: str, scenario: Scenario
) -> pd.DataFrame:
    """The app's table from ``ComparisonResult.comparison()``: one row per headline KPI of
    ``scenario`` (see :func:`headline`) with the baseline, the changed system and the paired
    difference with its 95% CI, as text."""
    rows = []
    for kpi, label in headline(scenario).items():
        block = comparison[comparison["kpi"] == kpi].set_index("scenario")
        if base not in block.index or other not in block.index:
            continue
        b, o = block.loc[base], block.loc[other]
        rows.append(
            {
                "KPI": label,
                base: fmt(b["mean"], kpi),
                other: fmt(o["mean"], kpi),
                "difference": fmt_diff(o["diff"], kpi),
                "95% CI of the difference": (
                    f"{fmt_diff(o['diff_ci_low'], kpi)} to {fmt_diff(o['diff_ci_high'], kpi)}"
                ),
            }
        )
    return pd.DataFrame(rows)


def ensemble_table(comparison: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The app's table of a run across a calibrated ensemble (``ensemble_comparison.csv``):
    per headline KPI (:data:`HEADLINE`) and scenario other than the first, the difference
    from the first with its chance-only and combined 95% intervals and the share of settings
    in which it goes the better way, as text."""
    rows = []
    for other in labels[1:]:
        for kpi, label in HEADLINE.items():
            block = comparison[(comparison["kpi"] == kpi) & (comparison["scenario"] == other)]
            if block.empty:
                continue
            r = block.iloc[0]
            share = float(r["share_favourable"])
            rows.append(
                {
                    "KPI": label,
                    "scenario": other,
                    "difference": fmt_diff(r["diff"], kpi),
                    "chance only (95%)": (
                        f"{fmt_diff(r['diff_ci_low'], kpi)} to {fmt_diff(r['diff_ci_high'], kpi)}"
                    ),
                    "combined (95%)": (
                        f"{fmt_diff(r['diff_unc_low'], kpi)} to {fmt_diff(r['diff_unc_high'], kpi)}"
                    ),
                    "settings where it is better": "-" if share != share else f"{share:.0%}",
                }
            )
    return pd.DataFrame(rows)
