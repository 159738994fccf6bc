"""Bad scenario files: every one is refused with a ScenarioError whose message names the file
that set the bad value and the dotted field path, quickly, and without a traceback; overlay
(``extends:``) semantics; ``x-`` keys; ``with_overrides``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from click.testing import CliRunner

from pathsim.scenario import ScenarioError, load_scenario, with_overrides

BAD = Path(__file__).parent / "bad_scenarios"
HANG_GUARD_S = 5.0  # a hang guard, not a performance test
OUTSIDE = "names a base outside this scenario's project folder"


class Expect(NamedTuple):
    """What the message must say: the field paths (each shown as ``field '<path>``) and
    key words of the explanation. No fields means a file-level problem (no field named);
    None means either is acceptable."""

    fields: tuple[str, ...] | None
    words: tuple[str, ...]


def _e(fields: str | tuple[str, ...] | None, *words: str) -> Expect:
    return Expect((fields,) if isinstance(fields, str) else fields, words)


# file (without .yaml) -> what its message must contain besides the file's own name.
EXPECTED: dict[str, Expect] = {
    # -- not a scenario at all ------------------------------------------------------------
    "empty": _e((), "is empty"),
    "only_comment": _e((), "is empty"),
    "not_yaml_indent": _e((), "not valid YAML", "line 2"),
    "tabs": _e((), "not valid YAML", "line 2", "'\\t'"),
    "top_level_list": _e((), "must be a mapping", "not a list"),
    "top_level_scalar": _e((), "must be a mapping", "not a str"),
    "alias_bomb": _e((), "is refused", "expands to more than 200,000 values"),
    # -- extends ---------------------------------------------------------------------------
    "extends_missing": _e("extends", "does not exist", "no_such_base.yaml"),
    "extends_directory": _e("extends", "points at a directory"),
    "extends_not_string": _e("extends", "must be the path of a base scenario file"),
    # the cycle is spelled out (file paths are shown relative to the working folder)
    "cycle_a": _e("extends", "forms a cycle", "cycle_a.yaml -> ", "cycle_b.yaml -> "),
    "cycle_b": _e("extends", "forms a cycle", "cycle_b.yaml -> ", "cycle_a.yaml -> "),
    "self_extends": _e("extends", "forms a cycle", "self_extends.yaml -> "),
    # outside the project folder: refused before the file is looked for, whether it exists
    # or not, with the rule and the fix
    "extends_outside_tree": _e(
        "extends", OUTSIDE, "outside_the_project.yaml", "not inside", ".pathsim-root"
    ),
    "extends_absolute": _e("extends", OUTSIDE, "'/etc/passwd' is /etc/passwd", ".pathsim-root"),
    "extends_climbs_out": _e("extends", OUTSIDE, "is /etc/hosts", "copy the base into"),
    "extends_null_byte": _e("extends", "is not a usable path", "null byte"),
    "extends_name_too_long": _e("extends", "cannot be used", "(5,005 characters)"),
    # -- wrong types and ranges ------------------------------------------------------------
    "beds_string": _e("acute_ward.beds", "valid integer", "'lots'"),
    "beds_float": _e("acute_ward.beds", "valid integer", "fractional part", "20.5"),
    "beds_negative": _e("acute_ward.beds", "greater than or equal to 1", "got -5"),
    "cubicles_zero": _e("ed.cubicles", "greater than or equal to 1", "got 0"),
    "capacity_negative": _e(
        "onward_services.home_care.capacity", "greater than or equal to 0", "got -3"
    ),
    "rate_nan": _e("segments.adults.ed_attendances_per_1000_per_year", "finite number", "nan"),
    "rate_inf": _e("segments.adults.ed_attendances_per_1000_per_year", "finite number", "inf"),
    "rate_negative": _e(
        "segments.adults.ed_attendances_per_1000_per_year", "greater than or equal to 0"
    ),
    "probability_above_one": _e(
        "segments.adults.admission_probability", "less than or equal to 1", "1.5"
    ),
    "huge_population": _e(
        "segments.adults.population", "less than or equal to 100000000", "1000000000000"
    ),
    "replications_zero": _e("run.replications", "greater than or equal to 1"),
    "start_date_bad": _e("run.start_date", "valid date", "2023-13-45"),
    "list_for_mapping": _e("segments", "valid dictionary"),
    "scalar_for_mapping": _e("acute_ward", "valid dictionary", "got 5"),
    "payer_unknown": _e("organisations.acute.payer", "'nhs' or 'local_authority'", "charity"),
    "queue_discipline_bad": _e("ed.queue_discipline", "'fifo' or 'priority'", "random"),
    "when_full_bad": _e("onward_services.home_care.when_full", "'wait' or 'divert'", "queue"),
    "initial_occupancy_word": _e(
        "onward_services.home_care.initial_occupancy_share",
        "or the word 'equilibrium'",
        "equilibrum",
    ),
    "initial_occupancy_above_one": _e(
        "onward_services.home_care.initial_occupancy_share",
        "share of the places from 0 to 1",
        "1.5",
    ),
    "gridlock_days_zero": _e("gridlock.consecutive_days", "greater than or equal to 1", "got 0"),
    "window_backwards": _e(
        "acute_ward.discharge_timing", "window_end_hour (9.0) must be after window_start_hour"
    ),
    # -- shares and profiles -----------------------------------------------------------------
    "pathways_not_summing": _e(
        "segments.adults.discharge_pathway_share", "must sum to 1", "sum to 0.6"
    ),
    "services_share_not_summing": _e(
        "discharge_pathway_services", "shares for P1 must sum to 1", "sum to 0.5"
    ),
    "hours_23": _e("arrival_profile.hour_of_day_share", "at least 24 items", "not 23"),
    "months_not_mean_one": _e("arrival_profile.month_factor", "must average 1", "1.08333"),
    # -- the A&E front end ----------------------------------------------------------------------
    "sdec_closes_before_opening": _e(
        "same_day_emergency_care", "close_hour (8.0) must be after open_hour (20.0)"
    ),
    "sdec_without_places": _e("same_day_emergency_care", "needs at least one place"),
    "left_before_seen_category_6": _e(
        "left_before_seen.triage_categories.1", "less than or equal to 5", "got 6"
    ),
    "handover_spaces_negative": _e(
        "ambulance_handover.handover_spaces", "greater than or equal to 0", "got -1"
    ),
    # -- unknown keys (with a suggestion when one is close) -----------------------------------
    "unknown_top_key": _e("ward", "Extra inputs are not permitted", "Allowed keys here"),
    "unknown_top_key_typo": _e("acute_wards", "not permitted", "Did you mean 'acute_ward'?"),
    "unknown_nested_key": _e("acute_ward.bedz", "not permitted", "Did you mean 'beds'?"),
    "distribution_extra_key": _e(
        "segments.adults.length_of_stay_days.sdd", "not permitted", "Did you mean 'sd'?"
    ),
    "missing_required": _e(("segments", "ed", "acute_ward"), "3 problems", "Field required"),
    "name_removed": _e("name", "Field required"),
    "all_segments_removed": _e("segments", "at least 1 item"),
    # -- distributions ----------------------------------------------------------------------
    "unknown_family": _e(
        "segments.adults.length_of_stay_days", "'weibull'", "lognormal (mean, sd)"
    ),
    "family_missing": _e(
        "onward_services.new_service.length_of_stay_days", "Add 'distribution: <family>'"
    ),
    "sd_zero": _e("segments.adults.length_of_stay_days.sd", "greater than 0", "got 0"),
    "sd_negative": _e("segments.adults.ed_assessment_hours.sd", "greater than 0", "got -2"),
    "empirical_lengths": _e(
        "onward_services.home_care.length_of_stay_days",
        "Values (3) and probabilities (2) must have the same length",
    ),
    "histogram_not_increasing": _e(
        "onward_services.home_care.length_of_stay_days", "bin_edges must be strictly increasing"
    ),
    # -- references between parts --------------------------------------------------------------
    "unknown_organisation": _e(
        "ed.organisation", "'hospital' is not an organisation", "known: acute, council"
    ),
    "unknown_onward_service": _e(
        "discharge_pathway_services.P1.home_cares",
        "No onward service is called 'home_cares'",
        "known: home_care",
    ),
    "pathway_without_service": _e(
        "segments.adults.discharge_pathway_share.P2",
        "sent on P2",
        "discharge_pathway_services has no entry for P2",
    ),
    "p0_listed": _e("discharge_pathway_services", "P0 is discharge home", "remove its entry"),
    "unknown_pathway": _e(
        "segments.adults.discharge_pathway_share.P5", "'P0', 'P1', 'P2' or 'P3'", "'P5'"
    ),
    "bad_segment_name": _e("segments.Older People", "should match pattern", "lower-case"),
    # -- hostile or silently-wrong input (all three were accepted or crashed before ce2299a) --
    "recursive_alias": _e((), "is refused", "alias", "contains it"),
    "beds_bool": _e("acute_ward.beds", "not true/false", "got True"),
    "duplicate_key": _e((), "not valid YAML at line 5", "'beds' is given twice", "line 4"),
    # -- electives and escalation --------------------------------------------------------------
    "electives_weekdays": _e("electives.admissions_per_weekday", "at least 7 items", "not 6"),
    "escalation_thresholds_decreasing": _e(
        "escalation.measures.acute_ward.occupancy.level_thresholds",
        "must not decrease",
        "[0.95, 0.92, 0.98]",
    ),
    "escalation_without_measures": _e("escalation", "needs at least one entry in measures"),
    "escalation_measure_name": _e(
        "escalation.measures.occupancy", "should match pattern", "'<component>.<metric>'"
    ),
    "escalation_from_level": _e(
        "escalation.actions.divert_ambulances.from_level", "less than or equal to 4", "got 5"
    ),
    "escalation_unknown_action": _e(
        "escalation.actions.open_escalation_bed",
        "not permitted",
        "Did you mean 'open_escalation_beds'?",
    ),
    # -- ranges (uncertainty:) ---------------------------------------------------------------
    "uncertainty_outside": _e(
        "uncertainty.acute_ward.beds", "field's value (20) is outside its range (30 to 40)"
    ),
    "uncertainty_not_a_number": _e(
        "uncertainty.acute_ward.organisation", "is 'acute', not a number"
    ),
    "uncertainty_low_above_high": _e(
        "uncertainty.acute_ward.beds", "(25) must be below high (15)", "swap them"
    ),
    "uncertainty_bound_refused": _e(
        "uncertainty.segments.adults.admission_probability.high",
        "1.5 is not a value the scenario accepts",
        "less than or equal to 1",
    ),
    "uncertainty_unknown_field": _e(
        "uncertainty.acute_ward.bed", "does not name a field of this scenario"
    ),
    "uncertainty_no_reason": _e("uncertainty.acute_ward.beds.reason", "Field required"),
    "spot_purchase_divert": _e(
        "onward_services.home_care", "spot_purchase needs when_full: wait", "remove one"
    ),
    "expedite_window_backwards": _e(
        "escalation.actions.expedite_discharges",
        "window_end_hour (8.0) must be after window_start_hour (20.0)",
    ),
}


def _extends_base(path: Path) -> bool:
    return path.read_text(encoding="utf-8").splitlines().count("extends: _base.yaml") == 1


def test_the_corpus_is_complete() -> None:
    files = {p.stem for p in BAD.glob("*.yaml")} - {"_base"}
    assert files == set(EXPECTED)
    assert len(files) >= 30


def test_the_base_itself_is_valid() -> None:
    base = load_scenario(BAD / "_base.yaml")
    assert base.name == "minimal base"
    assert base.acute_ward.beds == 20 and base.ed.cubicles == 5
    assert list(base.segments) == ["adults"] and list(base.onward_services) == ["home_care"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_with_file_and_field(name: str) -> None:
    path = BAD / f"{name}.yaml"
    expect = EXPECTED[name]
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    elapsed = time.perf_counter() - start
    message = str(info.value)
    # the file that set the bad value: the overlay itself, not the base it extends
    assert f"{name}.yaml: " in message, message
    assert all(p.file.endswith(f"{name}.yaml") for p in info.value.problems), message
    if _extends_base(path):
        assert "_base.yaml" not in message, message
    for field in expect.fields or ():
        assert f"field '{field}" in message, f"field path {field!r} not in {message!r}"
    if expect.fields == ():
        assert "field '" not in message, message
    for word in expect.words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Traceback" not in message
    assert elapsed < HANG_GUARD_S


def test_alias_bomb_is_refused_before_expansion() -> None:
    # the file is tiny; expanded it would hold 10**10 strings
    path = BAD / "alias_bomb.yaml"
    assert path.stat().st_size < 2_000
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="expands to more than"):
        load_scenario(path)
    assert time.perf_counter() - start < 1.0


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "latin1.yaml: " in str(info.value)
    assert "not valid UTF-8" in str(info.value)


def test_non_utf8_base_is_named_through_an_overlay(tmp_path: Path) -> None:
    (tmp_path / "cp1252_base.yaml").write_bytes(b"name: \x93quoted\x94\n")
    (tmp_path / "over.yaml").write_text("extends: cp1252_base.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "over.yaml")
    assert "cp1252_base.yaml: " in str(info.value) and "UTF-8" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nothing\.yaml: file not found"):
        load_scenario(tmp_path / "nothing.yaml")


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "looks_like.yaml"
    folder.mkdir()
    with pytest.raises(ScenarioError, match=r"looks_like\.yaml: is a directory"):
        load_scenario(folder)


def test_oversized_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\n" + "# padding\n" * 300_000)
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"huge\.yaml: file is 3,000,008 bytes"):
        load_scenario(path)
    assert time.perf_counter() - start < HANG_GUARD_S


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("x-deep: " + "[" * 5000 + "]" * 5000 + "\nname: deep\n")
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert time.perf_counter() - start < HANG_GUARD_S
    assert "deep.yaml: is refused" in str(info.value)


def test_moderate_nesting_names_the_depth_limit(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text("x-nested: " + "[" * 210 + "]" * 210 + "\nname: nested\n")
    with pytest.raises(ScenarioError, match=r"nested\.yaml: is refused.*more than 200 levels"):
        load_scenario(path)


def test_extends_chain_too_long(tmp_path: Path) -> None:
    (tmp_path / "f0.yaml").write_text((BAD / "_base.yaml").read_text())
    for i in range(1, 25):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    assert load_scenario(tmp_path / "f19.yaml").name == "minimal base"  # 20 files: allowed
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "f24.yaml")
    assert "field 'extends'" in str(info.value) and "longer than 20 files" in str(info.value)


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "_base.yaml").write_text((BAD / "_base.yaml").read_text())
    path = tmp_path / "several.yaml"
    path.write_text(
        "extends: _base.yaml\n"
        "ed: {cubicles: 0}\n"
        "acute_ward: {beds: -1}\n"
        "segments: {adults: {admission_probability: 2}}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith("3 problems in the scenario:")
    for field in ("ed.cubicles", "acute_ward.beds", "segments.adults.admission_probability"):
        assert f"several.yaml: field '{field}'" in message


def test_bad_file_through_the_command_line_gives_exit_2_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pathsim", "validate", str(BAD / "beds_negative.yaml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "beds_negative.yaml" in done.stderr and "acute_ward.beds" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# -- overlays ------------------------------------------------------------------------------
def _write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text((BAD / "_base.yaml").read_text())
    return path


def test_overlay_semantics(tmp_path: Path, base_copy: Path) -> None:
    base = load_scenario(base_copy)
    _write(
        tmp_path / "over.yaml",
        {
            "extends": "base.yaml",
            "name": "overlay",  # a scalar set in the overlay overrides
            "acute_ward": {"beds": 30},  # dict keys merge: the organisation stays
            "run": {"seed": None},  # null removes the base's value: the default applies
            "segments": {
                "adults": {
                    "length_of_stay_days": {"mean": 7},  # same family: only the mean changes
                    "discharge_pathway_share": {"P0": 1.0},  # share maps are replaced whole
                }
            },
            "onward_services": {
                # another family replaces the distribution whole
                "home_care": {"length_of_stay_days": {"distribution": "fixed", "value": 9}}
            },
        },
    )
    sc = load_scenario(tmp_path / "over.yaml")
    assert sc.name == "overlay"
    assert sc.acute_ward.beds == 30 and sc.acute_ward.organisation == "acute"
    assert sc.run.seed == 12345  # the model's default, not the base's 1
    assert (sc.run.days, sc.run.warmup_days) == (base.run.days, base.run.warmup_days)
    los = sc.segments["adults"].length_of_stay_days
    assert (los.distribution, los.mean, los.sd) == ("lognormal", 7, 6)  # type: ignore[union-attr]
    assert dict(sc.segments["adults"].discharge_pathway_share) == {"P0": 1.0}
    home = sc.onward_services["home_care"].length_of_stay_days
    assert (home.distribution, home.mean) == ("fixed", 9)
    assert sc.segments["adults"].population == base.segments["adults"].population
    assert load_scenario(base_copy) == base  # loading an overlay never changes its base


def test_null_removes_a_whole_entry(tmp_path: Path, base_copy: Path) -> None:
    _write(
        tmp_path / "no_p1.yaml",
        {
            "extends": "base.yaml",
            "onward_services": None,
            "discharge_pathway_services": None,
            "segments": {"adults": {"discharge_pathway_share": {"P0": 1.0}}},
        },
    )
    sc = load_scenario(tmp_path / "no_p1.yaml")
    assert sc.onward_services == {} and sc.discharge_pathway_services == {}


def test_overlay_of_an_overlay(tmp_path: Path, base_copy: Path) -> None:
    _write(tmp_path / "mid.yaml", {"extends": "base.yaml", "acute_ward": {"beds": 50}})
    _write(tmp_path / "top.yaml", {"extends": "mid.yaml", "ed": {"cubicles": 9}})
    sc = load_scenario(tmp_path / "top.yaml")
    assert (sc.acute_ward.beds, sc.ed.cubicles, sc.name) == (50, 9, "minimal base")


def test_extends_is_relative_to_the_file_that_contains_it(
    tmp_path: Path, base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".pathsim-root").touch()  # the project folder: bases above variants/ allowed
    sub = tmp_path / "variants" / "deeper"
    sub.mkdir(parents=True)
    _write(sub / "v.yaml", {"extends": "../../base.yaml", "acute_ward": {"beds": 21}})
    monkeypatch.chdir(sub.parent)  # the working folder does not matter
    assert load_scenario(sub / "v.yaml").acute_ward.beds == 21


def test_errors_name_the_overlay_that_set_the_value(tmp_path: Path, base_copy: Path) -> None:
    (tmp_path / ".pathsim-root").touch()
    sub = tmp_path / "variants"
    sub.mkdir()
    _write(sub / "bad.yaml", {"extends": "../base.yaml", "ed": {"cubicles": -1}})
    with pytest.raises(ScenarioError) as info:
        load_scenario(sub / "bad.yaml")
    assert "bad.yaml: field 'ed.cubicles'" in str(info.value)
    assert "base.yaml" not in str(info.value).replace("bad.yaml", "")


def test_errors_in_the_base_name_the_base(tmp_path: Path) -> None:
    data = yaml.safe_load((BAD / "_base.yaml").read_text())
    data["acute_ward"] = {"organisation": "acute", "beds": 0}
    _write(tmp_path / "base2.yaml", data)
    _write(tmp_path / "ok.yaml", {"extends": "base2.yaml", "name": "fine"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "ok.yaml")
    message = str(info.value)
    assert "base2.yaml: field 'acute_ward.beds'" in message and "ok.yaml" not in message


def test_x_keys_are_ignored_at_top_level_and_hold_anchors(tmp_path: Path) -> None:
    base = yaml.safe_load((BAD / "_base.yaml").read_text())
    del base["segments"]
    text = yaml.safe_dump(base, sort_keys=False) + (
        "x-notes: {anything: [1, 2, 3], beds: not a number}\n"
        "x-los: &los {distribution: lognormal, mean: 4, sd: 3}\n"
        "segments:\n"
        "  adults:\n"
        "    population: 1000\n"
        "    ed_attendances_per_1000_per_year: 300\n"
        "    ed_assessment_hours: {distribution: fixed, value: 2}\n"
        "    admission_probability: 0.25\n"
        "    length_of_stay_days: *los\n"
        "    discharge_pathway_share: {P0: 1.0}\n"
    )
    (tmp_path / "anchors.yaml").write_text(text)
    sc = load_scenario(tmp_path / "anchors.yaml")
    assert sc.segments["adults"].length_of_stay_days.mean == 4
    assert not any(k.startswith("x-") for k in sc.model_dump())
    # only top-level keys are extension keys; elsewhere 'x-' is an unknown key
    (tmp_path / "_base.yaml").write_text((BAD / "_base.yaml").read_text())
    (tmp_path / "nested_x.yaml").write_text("extends: _base.yaml\nacute_ward: {x-note: hi}\n")
    with pytest.raises(ScenarioError, match=r"nested_x\.yaml: field 'acute_ward\.x-note'"):
        load_scenario(tmp_path / "nested_x.yaml")


# -- with_overrides ---------------------------------------------------------------------------
def test_with_overrides_returns_a_new_scenario() -> None:
    base = load_scenario(BAD / "_base.yaml")
    before = base.model_dump()
    changed = with_overrides(base, {"acute_ward.beds": 650})
    assert changed is not base
    assert changed.acute_ward.beds == 650
    assert base.acute_ward.beds == 20 and base.model_dump() == before
    # everything else is kept
    assert changed.model_dump() == {**before, "acute_ward": {**before["acute_ward"], "beds": 650}}


def test_with_overrides_nested_and_list_items() -> None:
    base = load_scenario(BAD / "_base.yaml")
    changed = with_overrides(
        base,
        {
            "onward_services.home_care.capacity": 17,
            "segments.adults.length_of_stay_days.mean": 8,
        },
    )
    assert changed.onward_services["home_care"].capacity == 17
    assert changed.segments["adults"].length_of_stay_days.mean == 8
    assert base.onward_services["home_care"].capacity == 10


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"acute_ward.bedz": 3}, "acute_ward.bedz"),
        ({"nowhere.at.all": 1}, "nowhere.at.all"),
        ({"segments.nobody.population": 1}, "segments.nobody.population"),
    ],
)
def test_with_overrides_unknown_path(overrides: dict[str, object], path: str) -> None:
    base = load_scenario(BAD / "_base.yaml")
    with pytest.raises(ScenarioError) as info:
        with_overrides(base, overrides)
    assert f"field '{path}'" in str(info.value)
    assert base.acute_ward.beds == 20


def test_with_overrides_validates_the_value() -> None:
    base = load_scenario(BAD / "_base.yaml")
    with pytest.raises(ScenarioError) as info:
        with_overrides(base, {"ed.cubicles": 0})
    assert "field 'ed.cubicles'" in str(info.value)
    assert "greater than or equal to 1" in str(info.value)


def test_null_means_not_given_even_where_the_base_has_no_key(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text((BAD / "_base.yaml").read_text())
    _write_yaml = (tmp_path / "over.yaml").write_text
    _write_yaml(
        "extends: base.yaml\n"
        "description: null\n"  # absent from the base: the default applies
        "acute_ward: {discharge_timing: null}\n"
        "segments:\n"
        "  adults:\n"
        "    discharge_pathway_share: {P0: 1.0, P1: null}\n"  # replaced whole, P1 dropped
    )
    sc = load_scenario(tmp_path / "over.yaml")
    assert sc.description == "" and sc.acute_ward.discharge_timing is None
    assert dict(sc.segments["adults"].discharge_pathway_share) == {"P0": 1.0}


def test_bad_mapping_key_path_has_no_internal_marker() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "bad_segment_name.yaml")
    assert "[key]" not in str(info.value)
    assert "field 'segments.Older People'" in str(info.value)


def test_every_corpus_file_gives_exit_2_from_the_command_line() -> None:
    # in-process (one interpreter for the whole corpus); the subprocess test above shows
    # the same from a real shell
    from pathsim.cli import main  # here: the other tests need no command line

    runner = CliRunner()
    for path in sorted(BAD.glob("*.yaml")):
        if path.name == "_base.yaml":
            continue
        start = time.perf_counter()
        result = runner.invoke(main, ["validate", str(path)])
        assert time.perf_counter() - start < HANG_GUARD_S, path.name
        assert result.exit_code == 2, f"{path.name}: {result.output}"
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), f"{path.name}: {result.exception!r}"
        assert f"{path.name}: " in result.output and "Traceback" not in result.output
