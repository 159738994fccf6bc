"""The live app for trainers (a Streamlit script): ``pathsim app`` starts it.

A trainer picks a teaching scenario, moves capacity sliders and switches levers, presses
Run, and sees the effect beside the baseline: paired differences on the same seeds (the same
patients), with 95% confidence intervals, and two plots of the daily state of the hospital.

Nothing is shared between sessions except cached, read-only results: each browser session
keeps its own last result in ``st.session_state``; runs are cached by their inputs
(``st.cache_data`` returns a copy to each caller), so a second trainer pressing Run with the
same settings gets the answer at once.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import pathsim
from pathsim.show import app_model as m
from pathsim.show.app_animation import animation_section
from pathsim.show.app_ensemble import ensemble_folder, ensemble_section

BASE, CHANGED = "baseline", "your settings"
COLOURS = {BASE: "#56B4E9", CHANGED: "#D55E00"}  # Okabe-Ito: colour-blind safe
LOWER_IS_BETTER = {"ed_12h_trolley_waits", "bed_occupancy", "delayed_discharge_bed_days"}


def scenario_folder(argv: list[str]) -> Path:
    """The folder given after ``--scenarios`` on the command line, else the default."""
    if "--scenarios" in argv[:-1]:
        return Path(argv[argv.index("--scenarios") + 1])
    folder = m.default_scenario_dir()
    if folder is None:
        st.error("No teaching scenarios found: start the app with 'pathsim app --scenarios DIR'.")
        st.stop()
    assert folder is not None
    return folder


@st.cache_data(show_spinner=False, max_entries=64)
def load(path: str, mtime: float) -> pathsim.Scenario:
    """A scenario file, loaded once per version of the file (``mtime`` is in the key)."""
    return pathsim.load_scenario(path)


@st.cache_data(show_spinner=False, max_entries=64)
def run(
    path: str, mtime: float, changes_json: str, reps: int, days: int, warmup: int, label: str
) -> pathsim.ExperimentResult:
    """Replications of the scenario in ``path`` with ``changes`` applied, cached by every
    input. The seed is the scenario's own, so both columns see the same patients."""
    scenario = load(path, mtime)
    changes = json.loads(changes_json)
    if changes:
        scenario = pathsim.with_overrides(scenario, changes)
    settings = m.RunSettings(reps, days, warmup)
    return pathsim.run_experiment(scenario, settings.spec(scenario), label=label)


def sidebar(folder: Path) -> tuple[Path, Path, dict[str, Any], m.RunSettings]:
    """The trainer's controls; returns the baseline file, the chosen file, the changes and
    the run settings."""
    choices = m.scenario_choices(folder)
    st.sidebar.header("1. Start from")
    label = st.sidebar.selectbox("Scenario", list(choices), key="scenario")
    path = choices[label]
    scenario = load(str(path), path.stat().st_mtime)
    st.sidebar.caption(scenario.description or scenario.name)
    base_path = folder / "fragmented.yaml"
    compare_with = st.sidebar.radio(
        "Compare with",
        ["today's fragmented system", "the scenario as picked"],
        key="compare_with",
        horizontal=True,
        help="The baseline column: the fragmented base that the teaching and lever files "
        "change, or the picked scenario before your slider and lever changes.",
    )
    if compare_with != "today's fragmented system" or not base_path.is_file():
        base_path = path
    st.sidebar.header("2. Change capacities")
    values = {}
    for cap in m.capacities(scenario):
        values[cap.key] = st.sidebar.slider(
            cap.label,
            cap.low,
            cap.high,
            cap.value,
            cap.step,
            key=f"{path.stem}:{cap.key}",
            help=f"{cap.path}; the scenario has {cap.value:,}",
        )
    st.sidebar.header("3. Switch levers")
    current = m.levers_on(scenario)
    switches = {
        name: st.sidebar.toggle(text, current[name], key=f"{path.stem}:{name}")
        for name, text in m.LEVERS.items()
    }
    with st.sidebar.expander("Run settings"):
        reps = st.slider(
            "Replications",
            2,
            6,
            3,
            key="reps",
            help="More replications: narrower intervals, longer wait",
        )
        days = st.select_slider(
            "Days simulated (after warm-up)", [30, 60, 90, 180, 365], 90, key="days"
        )
        warmup = st.select_slider("Warm-up days", [14, 30, 60], 30, key="warmup")
    changes = m.overrides(scenario, folder, values, switches)
    return base_path, path, changes, m.RunSettings(reps, days, warmup)


def compute(
    base_path: Path, path: Path, changes: dict[str, Any], settings: m.RunSettings
) -> dict[str, Any]:
    """Runs the baseline and the changed system on the same seeds; what the page shows."""
    started = time.perf_counter()
    args = (settings.replications, settings.days, settings.warmup_days)
    base = run(str(base_path), base_path.stat().st_mtime, "{}", *args, BASE)
    if path == base_path and not changes:  # the same runs: no need to repeat them
        other = pathsim.ExperimentResult(CHANGED, base.scenario, base.spec, list(base.results))
    else:
        other = run(
            str(path), path.stat().st_mtime, json.dumps(changes, sort_keys=True), *args, CHANGED
        )
    result = pathsim.ComparisonResult([base, other])
    return {
        "base_path": str(base_path),
        "path": str(path),
        "changes": changes,
        "settings": settings,
        "comparison": result.comparison(),
        "timeseries": result_timeseries(result),
        "seconds": time.perf_counter() - started,
        "names": (base.scenario.name, other.scenario.name),
    }


def result_timeseries(result: pathsim.ComparisonResult) -> pd.DataFrame:
    """Daily means over replications of the series the plots use, results period only."""
    ts = pd.concat([e.timeseries for e in result.experiments], ignore_index=True)
    wanted = ((ts["service"] == "ed") & (ts["metric"] == "boarding")) | (
        (ts["service"] == "acute_ward") & (ts["metric"] == "medically_fit")
    )
    ts = ts[wanted & ~ts["warmup"].astype(bool)]
    daily = ts.groupby(["scenario", "service", "metric", "day"])["value"].mean()
    return daily.reset_index()


def show_metrics(comparison: pd.DataFrame) -> None:
    cols = st.columns(len(m.METRICS))
    for col, kpi in zip(cols, m.METRICS, strict=True):
        row = comparison[(comparison["kpi"] == kpi) & (comparison["scenario"] == CHANGED)]
        base = comparison[(comparison["kpi"] == kpi) & (comparison["scenario"] == BASE)]
        r = row.iloc[0]
        col.metric(
            m.HEADLINE[kpi],
            m.fmt(r["mean"], kpi),
            delta=m.fmt_diff(r["diff"], kpi),
            delta_color="inverse" if kpi in LOWER_IS_BETTER else "normal",
            help=(
                f"Baseline {m.fmt(base.iloc[0]['mean'], kpi)}; difference 95% CI "
                f"{m.fmt_diff(r['diff_ci_low'], kpi)} to {m.fmt_diff(r['diff_ci_high'], kpi)}"
            ),
        )


def line_plot(ts: pd.DataFrame, service: str, metric: str, title: str) -> go.Figure:
    fig = go.Figure()
    for label in (BASE, CHANGED):
        part = ts[(ts["scenario"] == label) & (ts["service"] == service) & (ts["metric"] == metric)]
        fig.add_trace(
            go.Scatter(
                x=part["day"],
                y=part["value"],
                name=label,
                mode="lines",
                line={"color": COLOURS[label], "width": 3 if label == CHANGED else 2},
            )
        )
    fig.update_layout(
        title=title,
        height=320,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title="day of the run",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def show(result: dict[str, Any], stale: bool) -> None:
    settings: m.RunSettings = result["settings"]
    scenario = load(result["path"], Path(result["path"]).stat().st_mtime)
    lines = m.describe_changes(scenario, result["changes"])
    base_name, name = result["names"]
    what = "; ".join(lines) if lines else "no slider or lever moved"
    st.markdown(
        f"**Baseline**: *{base_name}*. **Your settings**: *{name}*; {what}. "
        f"**Run**: {settings.describe()}; took {result['seconds']:.1f} s."
    )
    if stale:
        st.warning("The controls have changed since this run: press Run to see their effect.")
    show_metrics(result["comparison"])
    st.table(m.headline_table(result["comparison"], BASE, CHANGED, scenario).set_index("KPI"))
    ts = result["timeseries"]
    left, right = st.columns(2)
    left.plotly_chart(
        line_plot(ts, "ed", "boarding", "Admitted patients waiting in A&E for a bed"),
        width="stretch",
    )
    right.plotly_chart(
        line_plot(ts, "acute_ward", "medically_fit", "Medically fit patients still in a bed"),
        width="stretch",
    )
    st.caption(
        "Differences are paired: replication r of both columns sees the same patients, so "
        "the difference comes from the settings, not from luck. Intervals are 95% "
        "confidence intervals over the replications; with few replications they are wide. "
        "Short runs show the first months after a change, not a new steady state."
    )
    if scenario.uncertainty:
        st.caption(
            f"These intervals cover chance only, at the central value of each of the "
            f"{len(scenario.uncertainty)} uncertain numbers the scenario gives a range. The "
            "spread across what is not known comes from pathsim calibrate and pathsim "
            "compare --ensemble; start the app with --ensemble DIR to show it here."
        )


def main() -> None:
    st.set_page_config(page_title="pathsim: live", layout="wide")
    st.title("pathsim: what happens if...?")
    folder = scenario_folder(sys.argv)
    base_path, path, changes, settings = sidebar(folder)
    left, right = st.columns([1, 5], vertical_alignment="center")
    pressed = left.button("Run", type="primary", width="stretch", key="run")
    right.caption(
        "Pick a scenario, move the sliders and switch levers on the left, then press "
        "Run: the baseline and your settings run on the same simulated patients."
    )
    wanted = {
        "base_path": str(base_path),
        "path": str(path),
        "changes": changes,
        "settings": settings,
    }
    result = st.session_state.get("result")
    if pressed or result is None:
        with st.spinner(f"Running: {settings.describe()}..."):
            try:
                result = compute(base_path, path, changes, settings)
            except pathsim.ScenarioError as exc:
                st.error(f"These settings are not a valid scenario: {exc}")
                st.stop()
        st.session_state["result"] = result
    stale = any(result[k] != v for k, v in wanted.items())
    show(result, stale)
    prepared = ensemble_folder(sys.argv)
    if prepared is not None:
        ensemble_section(prepared)
    animation_section(result)


main()
