"""Every plot drawn from a short run, from the API's result objects and from the tables of
a run folder: titles, axis labels, the number of series, the numbers drawn, the palette,
and images that decode."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

import show_runs
from pathsim.experiment.runner import ComparisonResult
from pathsim.numbers import format_number
from pathsim.output import read_table
from pathsim.show import plots
from pathsim.show.style import OKABE_ITO, png_bytes


@pytest.fixture(scope="module")
def cmp() -> ComparisonResult:
    return show_runs.comparison()


@pytest.fixture(scope="module")
def folder(cmp: ComparisonResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return show_runs.write(cmp, tmp_path_factory.mktemp("plots") / "cmp")


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return show_runs.sweep_folder(tmp_path_factory.mktemp("plots") / "sweep")


@pytest.fixture(scope="module")
def sens_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return show_runs.sensitivity_folder(tmp_path_factory.mktemp("plots") / "sens")


def visible(fig: Figure) -> list:  # type: ignore[type-arg]
    return [ax for ax in fig.axes if ax.get_visible()]


def decodes(fig: Figure) -> tuple[int, int]:
    image = matplotlib.image.imread(io.BytesIO(png_bytes(fig)), format="png")
    return image.shape[0], image.shape[1]


def labelled(ax) -> None:  # type: ignore[no-untyped-def]
    assert ax.get_title(), "every panel has a title"
    assert ax.get_xlabel() or ax.get_ylabel() or ax.get_xticklabels(), "axes are labelled"


@pytest.mark.slow
def test_kpi_comparison_bars_are_the_comparison_means(cmp: ComparisonResult, folder: Path) -> None:
    table = cmp.comparison()
    for source in (cmp, folder, read_table(folder, "comparison")):
        fig = plots.plot_kpi_comparison(source)
        assert "95% confidence" in fig.get_suptitle()
        axes = visible(fig)
        assert len(axes) == len([k for k in plots.DEFAULT_KPIS if k in set(table["kpi"])])
        for ax in axes:
            labelled(ax)
            bars = [c for c in ax.containers if isinstance(c, BarContainer)]
            assert len(bars) == 1 and len(bars[0]) == 2, "one bar per scenario"
        first = axes[0]
        kpi = plots.DEFAULT_KPIS[0]
        want = table[table["kpi"] == kpi]["mean"].to_numpy()
        got = [b.get_height() for b in first.containers[-1]]
        # The run folder holds 10 significant digits (float_format %.10g).
        assert np.allclose(got, want, rtol=1e-9), (got, want)
        colours = {to_hex(b.get_facecolor()).upper() for b in first.containers[-1]}
        assert colours <= set(OKABE_ITO)
        diff = table[(table["kpi"] == kpi) & (table["scenario"] == "integrated")]["diff"].iloc[0]
        assert format_number(diff) in first.get_xticklabels()[1].get_text()
        assert min(decodes(fig)) > 100


def test_differences_one_series_per_compared_scenario(cmp: ComparisonResult) -> None:
    fig = plots.plot_differences(cmp)
    (ax,) = visible(fig)
    series = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(series) == len(cmp.experiments) - 1
    assert "%" in ax.get_xlabel() and ax.get_title()
    table = cmp.comparison()
    base = table[table["scenario"] == "fragmented"].set_index("kpi")["mean"]
    other = table[table["scenario"] == "integrated"].set_index("kpi")
    kpis = [t.get_text() for t in ax.get_yticklabels()]
    x = series[0].lines[0].get_xdata()
    chosen = [
        k for k in plots.DEFAULT_KPIS if k in base.index and base[k] != 0 and pd.notna(base[k])
    ]
    assert len(kpis) == len(chosen)
    assert np.allclose(x, [100 * other.loc[k, "diff"] / abs(base[k]) for k in chosen])


def test_differences_need_a_comparison() -> None:
    with pytest.raises(ValueError, match="ComparisonResult"):
        plots.plot_differences(show_runs.single())


def test_delays_by_cause_one_bar_per_cause_and_scenario(folder: Path) -> None:
    summary = read_table(folder, "summary")
    causes = [
        k for k in dict.fromkeys(summary["kpi"]) if k.startswith("delayed_discharge_bed_days_")
    ]
    fig = plots.plot_delays_by_cause(folder)
    (ax,) = visible(fig)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2 and all(len(b) == len(causes) for b in bars)
    assert ax.get_legend_handles_labels()[1] == ["fragmented", "integrated"]
    assert "bed days" in ax.get_xlabel() and ax.get_ylabel() == "cause of delay"
    comparison = read_table(folder, "comparison")
    frag = comparison[comparison["scenario"] == "fragmented"].set_index("kpi")["mean"]
    assert np.allclose([b.get_width() for b in bars[0]], frag[causes].fillna(0).to_numpy())


def test_costs_by_payer_and_organisation(cmp: ComparisonResult) -> None:
    summary = cmp.summary()
    orgs = [k for k in dict.fromkeys(summary["kpi"]) if k.startswith("cost_org_")]
    fig = plots.plot_costs(cmp)
    payer, org = visible(fig)
    for ax, n in ((payer, 2), (org, len(orgs))):
        labelled(ax)
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == 2 and all(len(b) == n for b in bars)
        assert "GBP" in ax.get_xlabel()
    names = [t.get_text() for t in payer.get_yticklabels()]
    assert names == ["nhs", "local authority"]


def test_cost_shift_is_the_paired_difference(cmp: ComparisonResult) -> None:
    fig = plots.plot_cost_shift(cmp)
    payer, _org = visible(fig)
    bars = [c for c in payer.containers if isinstance(c, BarContainer)]
    assert len(bars) == 1, "one series per compared scenario, none for the baseline"
    table = cmp.comparison().set_index(["kpi", "scenario"])
    want = [
        table.loc[(k, "integrated"), "diff"] for k in ("cost_nhs_gbp", "cost_local_authority_gbp")
    ]
    assert np.allclose([b.get_width() for b in bars[0]], want)
    assert "who saves" in fig.get_suptitle().lower()


@pytest.mark.parametrize("metric", ["occupied", "queue_length"])
def test_timeseries_one_line_per_scenario_per_service(
    cmp: ComparisonResult, folder: Path, metric: str
) -> None:
    ts = read_table(folder, "timeseries")
    fig = plots.plot_timeseries(folder, metric)
    axes = visible(fig)
    active = ts[ts["metric"] == metric].groupby("service")["value"].max()
    assert len(axes) == int((active > 0).sum()) or len(axes) == len(active)
    for ax in axes:
        labelled(ax)
        assert ax.get_xlabel() == "day of the run"
        lines = [ln for ln in ax.get_lines() if ln.get_label() in ("fragmented", "integrated")]
        assert 1 <= len(lines) <= 2
    ward = next(ax for ax in axes if ax.get_title() == "acute ward")
    mean_line = next(ln for ln in ward.get_lines() if ln.get_label() == "fragmented")
    sel = ts[
        (ts["scenario"] == "fragmented")
        & (ts["service"] == "acute_ward")
        & (ts["metric"] == metric)
    ]
    want = sel.groupby("day")["value"].mean().to_numpy()
    assert np.allclose(mean_line.get_ydata(), want)
    if metric == "occupied":
        caps = {ln.get_ydata()[0] for ln in ward.get_lines() if ln.get_linestyle() == "--"}
        assert 600 in caps, "the ward's capacity line is drawn from the resolved scenario"
    # The same plot from the result object in memory.
    again = visible(plots.plot_timeseries(cmp, metric))
    assert [a.get_title() for a in again] == [a.get_title() for a in axes]


def test_ed_time_lines_at_4_and_12_hours(cmp: ComparisonResult) -> None:
    fig = plots.plot_ed_time(cmp)
    (ax,) = visible(fig)
    steps = [ln for ln in ax.get_lines() if ln.get_label().startswith(("fragmented", "integrated"))]
    assert len(steps) == 2
    verticals = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1)
    assert verticals == [4.0, 12.0]
    assert "hours" in ax.get_xlabel() and "share" in ax.get_ylabel()
    hist = cmp.table("ed_time_histogram")
    frag = hist[hist["scenario"] == "fragmented"]
    within = frag[frag["hours_from"] < 4]["count"].sum() / frag["count"].sum()
    assert f"{within:.1%} within 4 h" in steps[0].get_label()


@pytest.mark.slow
def test_sweep_panels_and_lines(sweep_dir: Path) -> None:
    table = read_table(sweep_dir, "sweep")
    assert plots.sweep_fields(table) == ["acute_ward.beds", "onward_services.home_care.capacity"]
    fig = plots.plot_sweep(sweep_dir, kpis=["bed_occupancy", "delayed_discharge_bed_days"])
    axes = visible(fig)
    assert len(axes) == 2
    for ax in axes:
        labelled(ax)
        assert ax.get_xlabel() == "acute_ward.beds"
        assert len(ax.get_lines()) == 2, "one line per value of the second field"
    line = axes[0].get_lines()[0]
    sel = table[
        (table["kpi"] == "bed_occupancy") & (table["onward_services.home_care.capacity"] == 2000)
    ]
    assert np.allclose(line.get_ydata(), sel.sort_values("acute_ward.beds")["mean"])
    with pytest.raises(ValueError, match="no KPI"):
        plots.plot_sweep(sweep_dir, kpis=["no_such_kpi"])


@pytest.mark.slow
def test_tornado_sorted_by_swing(sens_dir: Path) -> None:
    table = read_table(sens_dir, "sensitivity")
    kpi = "delayed_discharge_bed_days"
    fig = plots.plot_tornado(sens_dir, kpi)
    (ax,) = visible(fig)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    params = list(dict.fromkeys(table["parameter"]))
    assert len(bars) == 2 and all(len(b) == len(params) for b in bars)
    block = table[table["kpi"] == kpi].pivot_table(
        index="parameter", columns="setting", values="mean"
    )
    swing = (block["high"] - block["low"]).abs().sort_values(ascending=False)
    top = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert top == list(swing.index)
    base = table.loc[table["kpi"] == kpi, "base_mean"].iloc[0]
    for setting, container in zip(("low", "high"), bars, strict=True):
        ends = [b.get_x() + b.get_width() for b in container]
        assert np.allclose(ends, block.loc[top, setting].to_numpy())
        assert all(np.isclose(b.get_x(), base) for b in container)
    assert ax.get_title() and kpi.replace("_", " ") in ax.get_xlabel()


@pytest.mark.slow
def test_every_plot_draws_from_the_run_folder_alone(folder: Path, tmp_path: Path) -> None:
    makers = [
        plots.plot_kpi_comparison,
        plots.plot_differences,
        plots.plot_delays_by_cause,
        plots.plot_costs,
        plots.plot_cost_shift,
        plots.plot_occupancy,
        plots.plot_queues,
        plots.plot_ed_time,
    ]
    for make in makers:
        fig = make(folder)
        out = tmp_path / f"{make.__name__}.png"
        fig.savefig(out)
        assert out.stat().st_size > 1000
        assert min(decodes(fig)) > 100


@pytest.mark.slow
def test_sweep_over_a_named_setting_uses_its_order(sweep_dir: Path) -> None:
    table = read_table(sweep_dir, "sweep")
    table = table[table["onward_services.home_care.capacity"] == 2000].drop(
        columns=["onward_services.home_care.capacity"]
    )
    names = {560: "fewer", 640: "more"}
    table["acute_ward.beds"] = table["acute_ward.beds"].map(names)
    fig = plots.plot_sweep(table, kpis=["bed_occupancy"])
    (ax,) = visible(fig)
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [0.0, 1.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fewer", "more"]
