"""Bad scenario files: every one is refused with a message that names the file that set the
bad value and the field path, quickly, and without a traceback; overlay semantics."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pathsim.scenario import ScenarioError, load_scenario, with_overrides

BAD = Path(__file__).parent / "bad_scenarios"

# file -> substrings the message must contain (besides the file's own name): the field path
# and a word of the explanation.
EXPECTED: dict[str, tuple[str, ...]] = {
    "alias_bomb": ("expands to more than",),
    "bad_segment_name": ("segments.Older People", "lower-case"),
    "beds_float": ("acute_ward.beds", "integer"),
    "beds_negative": ("acute_ward.beds", "greater than or equal to 1", "-5"),
    "beds_string": ("acute_ward.beds", "integer", "lots"),
    "cubicles_zero": ("ed.cubicles", "greater than or equal to 1"),
    "cycle_a": ("extends", "cycle", "cycle_b.yaml"),
    "cycle_b": ("extends", "cycle", "cycle_a.yaml"),
    "distribution_extra_key": ("length_of_stay_days.sdd", "Did you mean 'sd'"),
    "empirical_lengths": ("onward_services.home_care.length_of_stay_days", "same length"),
    "empty": ("is empty",),
    "extends_directory": ("extends", "directory"),
    "extends_missing": ("extends", "does not exist", "no_such_base.yaml"),
    "extends_not_string": ("extends", "must be the path"),
    "family_missing": ("onward_services.new_service.length_of_stay_days", "distribution: <family>"),
    "hours_23": ("arrival_profile.hour_of_day_share", "24"),
    "huge_population": ("segments.adults.population", "less than or equal to 100000000"),
    "list_for_mapping": ("'segments'", "dictionary"),
    "missing_required": ("'segments'", "'ed'", "'acute_ward'", "required"),
    "months_not_mean_one": ("arrival_profile.month_factor", "average 1"),
    "not_yaml_indent": ("not valid YAML", "line 2"),
    "only_comment": ("is empty",),
    "p0_listed": ("discharge_pathway_services", "P0"),
    "pathway_without_service": ("discharge_pathway_share.P2", "no entry for P2"),
    "pathways_not_summing": ("segments.adults.discharge_pathway_share", "sum to 1", "0.6"),
    "payer_unknown": ("organisations.acute.payer", "local_authority", "charity"),
    "probability_above_one": ("segments.adults.admission_probability", "less than or equal to 1"),
    "queue_discipline_bad": ("ed.queue_discipline", "fifo", "priority"),
    "rate_inf": ("ed_attendances_per_1000_per_year", "finite"),
    "rate_nan": ("ed_attendances_per_1000_per_year", "finite"),
    "rate_negative": ("ed_attendances_per_1000_per_year", "greater than or equal to 0"),
    "replications_zero": ("run.replications", "greater than or equal to 1"),
    "sd_zero": ("length_of_stay_days.sd", "greater than 0"),
    "start_date_bad": ("run.start_date", "date"),
    "tabs": ("not valid YAML", "line 2"),
    "top_level_list": ("mapping", "list"),
    "top_level_scalar": ("mapping",),
    "unknown_family": ("length_of_stay_days", "weibull", "lognormal"),
    "unknown_nested_key": ("acute_ward.bedz", "Did you mean 'beds'"),
    "unknown_onward_service": ("discharge_pathway_services.P1.home_cares", "known: home_care"),
    "unknown_organisation": ("ed.organisation", "hospital", "known: acute, council"),
    "unknown_pathway": ("discharge_pathway_share.P5", "'P0', 'P1', 'P2' or 'P3'"),
    "unknown_top_key": ("'ward'", "Allowed keys here", "acute_ward"),
    "when_full_bad": ("onward_services.home_care.when_full", "wait", "divert"),
    "window_backwards": ("acute_ward.discharge_timing", "window_end_hour"),
}


def test_the_corpus_is_complete() -> None:
    files = {p.stem for p in BAD.glob("*.yaml")} - {"_base"}
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_with_file_and_field(name: str) -> None:
    path = BAD / f"{name}.yaml"
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    elapsed = time.perf_counter() - start
    message = str(info.value)
    assert f"{name}.yaml:" in message  # the file that set the bad value
    for part in EXPECTED[name]:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Traceback" not in message
    assert elapsed < 5, "a hang guard, not a performance test"


def test_the_base_itself_is_valid() -> None:
    assert load_scenario(BAD / "_base.yaml").acute_ward.beds == 20


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin1\.yaml.*UTF-8"):
        load_scenario(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nothing\.yaml: file not found"):
        load_scenario(tmp_path / "nothing.yaml")


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


# -- overlays ----------------------------------------------------------------------------
def _write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def test_overlay_semantics(tmp_path: Path) -> None:
    base = load_scenario(BAD / "_base.yaml")
    (tmp_path / "base.yaml").write_text((BAD / "_base.yaml").read_text())
    _write(
        tmp_path / "over.yaml",
        {
            "extends": "base.yaml",
            "x-anchor": {"ignored": True},
            "name": "overlay",
            "acute_ward": {"beds": 30},  # merged: the organisation stays
            "run": {"seed": None},  # removed: the default applies
            "segments": {
                "adults": {
                    "length_of_stay_days": {"mean": 7},  # same family: only the mean changes
                    "discharge_pathway_share": {"P0": 1.0},  # replaced whole
                }
            },
            "onward_services": {
                "home_care": {"length_of_stay_days": {"distribution": "fixed", "value": 9}}
            },
        },
    )
    sc = load_scenario(tmp_path / "over.yaml")
    assert sc.name == "overlay"
    assert sc.acute_ward.beds == 30 and sc.acute_ward.organisation == "acute"
    assert sc.run.seed == 12345 and sc.run.days == base.run.days
    los = sc.segments["adults"].length_of_stay_days
    assert (los.distribution, los.mean, los.sd) == ("lognormal", 7, 6)  # type: ignore[union-attr]
    assert dict(sc.segments["adults"].discharge_pathway_share) == {"P0": 1.0}
    assert sc.onward_services["home_care"].length_of_stay_days.mean == 9
    assert base.acute_ward.beds == 20  # loading an overlay never changes its base


def test_errors_name_the_overlay_that_set_the_value(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text((BAD / "_base.yaml").read_text())
    sub = tmp_path / "variants"
    sub.mkdir()
    _write(sub / "bad.yaml", {"extends": "../base.yaml", "ed": {"cubicles": -1}})
    with pytest.raises(ScenarioError) as info:
        load_scenario(sub / "bad.yaml")
    assert "bad.yaml: field 'ed.cubicles'" in str(info.value)
    # a base error reached through an overlay names the base
    _write(
        tmp_path / "base2.yaml",
        {
            **yaml.safe_load((BAD / "_base.yaml").read_text()),
            "acute_ward": {"organisation": "acute", "beds": 0},
        },
    )
    _write(sub / "ok.yaml", {"extends": "../base2.yaml", "name": "fine"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(sub / "ok.yaml")
    assert "base2.yaml: field 'acute_ward.beds'" in str(info.value)


def test_with_overrides() -> None:
    base = load_scenario(BAD / "_base.yaml")
    changed = with_overrides(base, {"acute_ward.beds": 650, "arrival_profile.month_factor.0": 1.0})
    assert changed.acute_ward.beds == 650 and base.acute_ward.beds == 20
    with pytest.raises(ScenarioError, match=r"acute_ward\.bedz"):
        with_overrides(base, {"acute_ward.bedz": 3})
    with pytest.raises(ScenarioError, match=r"ed\.cubicles"):
        with_overrides(base, {"ed.cubicles": 0})
    with pytest.raises(ScenarioError, match="nowhere"):
        with_overrides(base, {"nowhere.at.all": 1})
