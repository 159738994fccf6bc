"""The diagnostics of a history-matching calibration, as Markdown (calibration.md of its
folder): what was tried and kept, what each target ruled out, how the kept settings reproduce
each target, how far each range narrowed and which targets it answers to."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pathsim.experiment.history_matching import HistoryMatch
from pathsim.model.targets import Target
from pathsim.numbers import format_number as num
from pathsim.scenario.models import Scenario

CLOSEST = 5
SIGNIFICANT = 0.01


def _wave_row(wave: object, block: pd.DataFrame, cutoff: float) -> str:
    """A row of the waves table: tried, kept and, for an emulated wave, how many settings
    the emulators passed and how many of those the runs kept."""
    tried, kept = len(block), int(block["kept"].sum())
    predicted = block["I_emulated"] if "I_emulated" in block else pd.Series(dtype=float)
    if predicted.notna().any():
        passed = predicted <= cutoff
        return (
            f"| {wave} | {tried} | {kept} | emulators | {int(passed.sum())} | "
            f"{int((passed & block['kept']).sum())} |"
        )
    return f"| {wave} | {tried} | {kept} | design | | |"


def diagnostics_markdown(
    hm: HistoryMatch, scenario: Scenario, title: str, all_targets: Sequence[Target] = ()
) -> str:
    """The whole page; ``all_targets`` are the targets given, those the calibration left out
    (``not_calibrated``) among them."""
    s = hm.settings
    kept = s[s["kept"]]
    lines = [
        f"# Calibration of '{scenario.name}'",
        "",
        f"Targets: {title}. History matching (docs/uncertainty.md): a setting is ruled out "
        f"when its implausibility against any target is above {hm.cutoff:g}.",
        "",
        "| wave | settings tried | kept | chosen by | passed the emulators | of those, kept |",
        "|---|---|---|---|---|---|",
        *[_wave_row(w, b, hm.cutoff) for w, b in s.groupby("wave")],
        f"| all | {len(s)} | {len(kept)} | | | |",
        "",
        "Emulated waves: the settings were chosen among many candidates by an emulator of each "
        "target fitted to every setting run before (docs/uncertainty.md); each was then judged "
        "on its own runs. 'Passed the emulators' counts those the emulators expected to fit; "
        "how many of them the runs kept says how well the emulators predicted.",
        "",
        "## Targets",
        "",
        _targets_table(hm),
        "",
        *_left_out(all_targets),
    ]
    if kept.empty:
        lines += ["## No setting reproduces every target", "", _closest(hm), ""]
    lines += ["## Ranges", "", _ranges_table(hm, scenario), ""]
    return "\n".join(lines)


def _left_out(targets: Sequence[Target]) -> list[str]:
    skipped = [t for t in targets if t.not_calibrated]
    if not skipped:
        return []
    return [
        "Not used to rule settings out:",
        "",
        *[f"- `{t.name}`: {t.not_calibrated}." for t in skipped],
        "",
    ]


def _means(hm: HistoryMatch) -> pd.DataFrame:
    """Each setting's mean of each target KPI over its replications (settings x KPIs)."""
    return hm.kpis.groupby(["setting", "kpi"])["value"].mean().unstack("kpi")


def _targets_table(hm: HistoryMatch) -> str:
    s = hm.settings
    means = _means(hm)
    kept_ids = s.loc[s["kept"], "setting"]
    rows = [
        "| target | value (accepted range) | settings it rules out | the one that rules out "
        "most | kept settings, lowest to highest |",
        "|---|---|---|---|---|",
    ]
    for t in hm.targets:
        above = (s[f"I_{t.name}"] > hm.cutoff).mean()
        worst = (s["ruled_out_by"] == t.name).mean()
        kept_values = means.loc[means.index.isin(kept_ids), t.name]
        span = f"{num(kept_values.min())} to {num(kept_values.max())}" if len(kept_values) else "-"
        rows.append(
            f"| `{t.name}` | {num(t.central)} ({num(t.low)}-{num(t.high)}) | {above:.0%} | "
            f"{worst:.0%} | {span} |"
        )
    return "\n".join(rows)


def _closest(hm: HistoryMatch) -> str:
    s = hm.settings.sort_values("I_max").head(CLOSEST)
    rows = [
        "| setting | largest implausibility | targets missed (implausibility) |",
        "|---|---|---|",
    ]
    for r in s.to_dict("records"):
        missed = sorted(
            ((t.name, r[f"I_{t.name}"]) for t in hm.targets if r[f"I_{t.name}"] > hm.cutoff),
            key=lambda x: -x[1],
        )
        text = ", ".join(f"`{n}` ({i:.1f})" for n, i in missed)
        rows.append(f"| {int(r['setting'])} | {r['I_max']:.1f} | {text} |")
    return "\n".join(rows)


def _ranges_table(hm: HistoryMatch, scenario: Scenario) -> str:
    """Per range: the range, what the kept settings span (10th to 90th percentile), the share
    of the range that is, and the target KPI its values move with most across the settings
    tried (Spearman's rank correlation, shown when its p-value is below SIGNIFICANT: with
    few settings and many ranges, weaker ones are mostly chance)."""
    s = hm.settings
    kept = s[s["kept"]]
    means = _means(hm).reindex(s["setting"])
    rows = [
        "| range | low-high | kept settings, 10th-90th percentile | share of the range | "
        "moves most with (Spearman's rho over the settings tried) |",
        "|---|---|---|---|---|",
    ]
    for path in hm.fields:
        rng = scenario.uncertainty[path]
        values = s[path].to_numpy(dtype=float)
        if len(kept):
            lo, hi = np.percentile(kept[path].to_numpy(dtype=float), [10, 90])
            share = f"{(hi - lo) / (rng.high - rng.low):.0%}"
            span = f"{num(lo)}-{num(hi)}"
        else:
            span, share = "-", "-"
        best, rho = _strongest(values, means)
        moves = f"`{best}` ({rho:+.2f})" if best else "-"
        rows.append(f"| `{path}` | {num(rng.low)}-{num(rng.high)} | {span} | {share} | {moves} |")
    return "\n".join(rows)


def _strongest(values: np.ndarray, means: pd.DataFrame) -> tuple[str, float]:
    best, best_rho = "", 0.0
    if np.ptp(values) == 0:
        return best, best_rho
    for kpi in means.columns:
        y = means[kpi].to_numpy(dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < 3 or np.ptp(y[ok]) == 0:
            continue
        test = stats.spearmanr(values[ok], y[ok])
        rho = float(test.statistic)
        if float(test.pvalue) < SIGNIFICANT and abs(rho) > abs(best_rho):
            best, best_rho = kpi, rho
    return best, best_rho
