"""Generates docs/reference/scenario.md and docs/reference/kpis.md from the pydantic models
and the KPI table, docs/reference/lever_costs.md from the lever files, and
scenarios/targets/national.yaml from the built-in calibration targets, so that none can drift
from the code.

    python docs/gen_reference.py          # rewrite the files
    python docs/gen_reference.py --check  # exit 1 if they are out of date (used by the tests)
"""

from __future__ import annotations

import enum
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from pathsim.experiment.targets import targets_yaml
from pathsim.model.kpis import KPI_DESCRIPTIONS
from pathsim.model.targets import TARGETS
from pathsim.scenario import distributions as d
from pathsim.scenario import electives as el
from pathsim.scenario import escalation as esc
from pathsim.scenario import integration as integ
from pathsim.scenario import models as m
from pathsim.scenario import services as sv
from pathsim.scenario import uncertainty as un
from pathsim.scenario import urgent_care as uc

HERE = Path(__file__).parent
OUT = HERE / "reference"

SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("Scenario (top level)", m.Scenario, ""),
    ("run", m.RunSettings, "`run:`"),
    ("organisations.NAME", m.Organisation, "each entry of `organisations:`"),
    (
        "arrival_profile",
        m.ArrivalProfile,
        "`arrival_profile:` and `segments.NAME.arrival_profile:`",
    ),
    ("segments.NAME", m.Segment, "each entry of `segments:`"),
    ("ed", m.EmergencyDepartment, "`ed:`"),
    ("acute_ward", m.AcuteWard, "`acute_ward:`"),
    ("acute_ward.discharge_timing", m.DischargeTiming, "`acute_ward.discharge_timing:`"),
    ("onward_services.NAME", m.OnwardService, "each entry of `onward_services:`"),
    (
        "onward_services.NAME.spot_purchase",
        sv.SpotPurchase,
        "`onward_services.NAME.spot_purchase:`",
    ),
    ("frictions", integ.Frictions, "`frictions:`"),
    ("integration", integ.Integration, "`integration:`"),
    (
        "integration.single_point_of_referral",
        integ.SinglePointOfReferral,
        "`integration.single_point_of_referral:`",
    ),
    (
        "integration.discharge_to_assess",
        integ.DischargeToAssess,
        "`integration.discharge_to_assess:`",
    ),
    ("integration.pooled_budget", integ.PooledBudget, "`integration.pooled_budget:`"),
    (
        "integration.shared_care_record",
        integ.SharedCareRecord,
        "`integration.shared_care_record:`",
    ),
    ("integration.proactive_care", integ.ProactiveCare, "`integration.proactive_care:`"),
    ("integration.virtual_wards", integ.VirtualWards, "`integration.virtual_wards:`"),
    (
        "integration.integrated_mental_health",
        integ.IntegratedMentalHealth,
        "`integration.integrated_mental_health:`",
    ),
    ("mental_health", m.MentalHealthLiaison, "`mental_health:`"),
    ("deterioration", m.Deterioration, "`deterioration:`"),
    ("readmission", m.Readmission, "`readmission:`"),
    ("electives", el.ElectiveInpatients, "`electives:`"),
    ("escalation", esc.Escalation, "`escalation:`"),
    ("escalation.measures.NAME", esc.Trigger, "each entry of `escalation.measures:`"),
    ("escalation.actions", esc.EscalationActions, "`escalation.actions:`"),
    (
        "escalation.actions.open_escalation_beds",
        esc.OpenEscalationBeds,
        "`escalation.actions.open_escalation_beds:`",
    ),
    ("escalation.actions.board_on_wards", esc.BoardOnWards, "`escalation.actions.board_on_wards:`"),
    (
        "escalation.actions.expedite_discharges",
        esc.ExpediteDischarges,
        "`escalation.actions.expedite_discharges:`",
    ),
    (
        "escalation.actions.cancel_electives",
        esc.CancelElectives,
        "`escalation.actions.cancel_electives:`",
    ),
    (
        "escalation.actions.divert_ambulances",
        esc.DivertAmbulances,
        "`escalation.actions.divert_ambulances:`",
    ),
    ("gridlock", m.GridlockDetection, "`gridlock:`"),
    ("ambulance_handover", uc.AmbulanceHandover, "`ambulance_handover:`"),
    ("left_before_seen", uc.LeftBeforeSeen, "`left_before_seen:`"),
    ("same_day_emergency_care", uc.SameDayEmergencyCare, "`same_day_emergency_care:`"),
    (
        "uncertainty.FIELD",
        un.Range,
        "each entry of `uncertainty:`, keyed by the field's dotted path (as in "
        "`onward_services.home_care.capacity: {shape: interval80, low: 1650, high: 2050, "
        "reason: ...}`)",
    ),
]
DISTRIBUTIONS = [d.Exponential, d.LogNormal, d.Gamma, d.Fixed, d.Empirical, d.Histogram]


def _type_name(annotation: typing.Any) -> str:
    """A readable type: 'mapping of name to Segment', 'list of float', 'distribution'."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        metas = [m for x in args[1:] for m in [x, *getattr(x, "metadata", [])]]
        if args[0] is str and any(getattr(m, "pattern", None) for m in metas):
            return "name"
        if args[0] is str:
            return "text"
        return _type_name(args[0])
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        names = [_type_name(a) for a in kept]
        if {"Exponential", "LogNormal"} <= {getattr(a, "__name__", "") for a in kept}:
            text = "distribution"
        else:
            text = " or ".join(names)
        return text + (" or null" if len(kept) < len(args) else "")
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return "one of " + ", ".join(f"`{e.value}`" for e in annotation)
        if issubclass(annotation, BaseModel):
            return annotation.__name__
        return {
            "str": "text",
            "float": "number",
            "int": "whole number",
            "bool": "true/false",
            "date": "date (YYYY-MM-DD)",
        }.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def _constraints(field: FieldInfo) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sym} {value}")
        for attr, word in (("min_length", "min length"), ("max_length", "max length")):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{word} {value}")
    return ", ".join(parts)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        if field.default_factory.__name__ in ("flat", "RunSettings"):
            return "see below"
        made = field.default_factory()  # type: ignore[call-arg]
        if isinstance(made, list) and made and len(made) <= 7:
            return f"`{made}`"
        if isinstance(made, d.DistributionBase):
            shown = made.model_dump(by_alias=True)
            return "`{" + ", ".join(f"{k}: {v}" for k, v in shown.items()) + "}`"
        return "{}"
    if field.default is PydanticUndefined:
        return ""
    value = field.default
    if isinstance(value, list) and len(value) > 6:
        return "(list)"
    return f"`{value}`" if value is not None else "`null`"


def _table(model: type[BaseModel]) -> list[str]:
    lines = ["| field | type | default | constraints | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key == "distribution":
            continue
        desc = (field.description or "").replace("|", "\\|")
        lines.append(
            f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | "
            f"{_constraints(field)} | {desc} |"
        )
    return lines


def scenario_reference() -> str:
    out = [
        "# Scenario file reference",
        "",
        "<!-- generated by docs/gen_reference.py from src/pathsim/scenario; do not edit -->",
        "",
        "Scenario files are YAML. Unknown keys are errors. Units are in field names. Shares",
        "and probabilities are fractions that must sum to 1 within 0.001 (they are then",
        "renormalised exactly). Names of segments, organisations and services are lower-case",
        "identifiers (`[a-z][a-z0-9_]*`, at most 40 characters) because they become part of",
        "KPI names.",
        "",
        "**Overlays.** A file may start with `extends: path/to/base.yaml` (relative to the",
        "file). Mappings are merged key by key; any other value replaces the base's; `null`",
        "removes a key so that its default applies. Cycles and missing bases are errors.",
        "",
        "**Where a base may be.** Every base in a chain of `extends` must be inside the",
        "*project folder* of the file you give to pathsim, after following symbolic links, so",
        "that a scenario file from elsewhere cannot make pathsim read other files on the",
        "computer. The project folder is the nearest folder at or above that file which holds",
        "a file named `.pathsim-root` (it may be empty) or `.git`; if there is none, the",
        "nearest folder named `scenarios`; if there is none, the file's own folder. So",
        "`scenarios/levers/virtual_wards.yaml` may extend `../fragmented.yaml` from any",
        "working folder, a file may always extend a file beside it, and a base in a parent",
        "folder of your own needs `.pathsim-root` in a folder that holds both files. A base",
        "outside (`/etc/passwd`, `../../../base.yaml` above the project) is refused with a",
        "message that names the file and the `extends` field and says how to fix it.",
        "",
        "**Anchors.** Top-level keys starting with `x-` are ignored; use them to hold YAML",
        "anchors (`&name`) that the rest of the file reuses (`*name`).",
        "",
        "**Editor support.** `pathsim schema > scenario.schema.json` writes the JSON Schema.",
        "",
    ]
    for title, model, where in SECTIONS:
        out += [f"## {title}", ""]
        if where:
            out += [f"Applies to {where}.", ""]
        doc = (model.__doc__ or "").strip()
        if doc:
            out += [" ".join(doc.split()), ""]
        out += [*_table(model), ""]
    out += [
        "## Distributions",
        "",
        "Wherever the type is *distribution*, write a mapping whose `distribution` key names",
        "the family, e.g. `{distribution: lognormal, mean: 6.9, sd: 11.7}`. The unit is the",
        "one in the field's name.",
        "",
    ]
    for model in DISTRIBUTIONS:
        family = typing.get_args(model.model_fields["distribution"].annotation)[0]
        out += [f"### `{family}`", "", " ".join((model.__doc__ or "").split()), ""]
        out += [*_table(model), ""]
    return "\n".join(out).rstrip() + "\n"


def kpi_reference() -> str:
    out = [
        "# KPI reference",
        "",
        "<!-- generated by docs/gen_reference.py from src/pathsim/model/kpis.py; do not edit -->",
        "",
        "Every replication reports these KPIs over the results period (after warm-up). Counts",
        "are totals over the period; shares are fractions between 0 and 1; times carry their",
        "unit in the name. Names with `<service>` or `<cause>` repeat for each onward service",
        "or delay cause of the scenario. `pathsim kpis` prints the same list.",
        "",
        "| KPI | meaning |",
        "|---|---|",
    ]
    out += [f"| `{k}` | {v} |" for k, v in KPI_DESCRIPTIONS.items()]
    return "\n".join(out) + "\n"


TARGETS_FILE = HERE.parent / "scenarios" / "targets" / "national.yaml"


def national_targets() -> str:
    """The shipped targets file: the built-in calibration targets as YAML."""
    head = (
        "# Calibration targets: published English figures for a typical system of 400,000\n"
        "# people (docs/calibration.md; sources in docs/sources/published-figures.md).\n"
        "# Written by python docs/gen_reference.py from pathsim.experiment.targets.TARGETS:\n"
        "# edit those, not this file. Copy it to make targets of your own system.\n"
    )
    return head + targets_yaml(
        "National figures for a typical English system of 400,000 people", list(TARGETS)
    )


def lever_costs() -> str:
    """Each shipped lever's implementation costs, from its file in scenarios/levers/, with the
    range and reason of each ranged number."""
    from pathsim.scenario.loader import load_scenario

    lines = [
        "# What each lever costs to put in and run",
        "",
        "Written by `python docs/gen_reference.py` from `scenarios/levers/*.yaml` (each lever's",
        "`implementation_costs` and the ranges in its `uncertainty:` section): edit those, not",
        "this file. Prices of 2023/24. The care a lever delivers is priced apart (a team contact,",
        "a virtual ward day, case management per person); these are the costs beyond it. A run",
        "spreads the set-up over the lever's first year and the running costs pro rata.",
        "",
        "| lever | paid by | set-up (GBP) | running cost | a year (GBP) |",
        "|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for path in sorted((HERE.parent / "scenarios" / "levers").glob("*.yaml")):
        sc = load_scenario(path)
        for name in type(sc.integration).model_fields:
            lever = getattr(sc.integration, name)
            costs = lever.implementation_costs
            if not lever.enabled or costs is None:
                continue
            first = True
            for r in costs.running:
                how = (
                    f"{r.item}: {r.wte:g} WTE x {r.cost_per_wte_per_year_gbp:,.0f}"
                    if r.per_year_gbp is None
                    else r.item
                )
                head = (
                    f"`{name}` | {costs.paid_by} | {costs.set_up_gbp:,.0f}"
                    if first
                    else " | | "
                )
                lines.append(f"| {head} | {how} | {r.gbp_per_year:,.0f} |")
                first = False
            lines.append(f"| | | | **total a year** | **{costs.running_per_year_gbp:,.0f}** |")
            prefix = f"integration.{name}.implementation_costs."
            for field, rng in sc.uncertainty.items():
                if field.startswith(prefix):
                    notes.append(
                        f"- `{field.removeprefix('integration.')}`: {rng.low:,.10g} to "
                        f"{rng.high:,.10g} ({rng.shape}). {rng.reason}"
                    )
    return "\n".join([*lines, "", "Ranges and their reasons:", "", *notes, ""])


def main() -> int:
    files = {
        OUT / "scenario.md": scenario_reference(),
        OUT / "kpis.md": kpi_reference(),
        OUT / "lever_costs.md": lever_costs(),
        TARGETS_FILE: national_targets(),
    }
    if "--check" in sys.argv:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"{p} is out of date: run python docs/gen_reference.py")
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
