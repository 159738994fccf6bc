"""``extends:`` stays inside the scenario's project folder (src/pathsim/scenario/extends.py):
the shipped overlays work from any working folder; a planner's own files extend siblings and
parents in their project; bases outside it, reached by absolute paths, by ``../`` or through
symbolic links, are refused naming the file, the field, the reason and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builders import shipped_scenarios
from pathsim.scenario import ScenarioError, load_scenario
from pathsim.scenario.extends import project_folder

ROOT = Path(__file__).resolve().parent.parent
BASE_TEXT = (ROOT / "tests" / "bad_scenarios" / "_base.yaml").read_text()
OUTSIDE = "names a base outside this scenario's project folder"
SHIPPED_OVERLAYS = sorted(
    p for p in shipped_scenarios() if "extends:" in p.read_text(encoding="utf-8")
)


def _base(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BASE_TEXT)
    return path


def _overlay(path: Path, extends: str, beds: int = 21) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"extends: {extends}\nacute_ward: {{beds: {beds}}}\n")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert f"{path.name}: field 'extends': " in message, message
    assert "Traceback" not in message
    return message


# -- what must keep working -------------------------------------------------------------------
def test_every_shipped_overlay_is_checked() -> None:
    folders = {p.parent.name for p in SHIPPED_OVERLAYS}
    assert {"levers", "teaching", "scenarios"} <= folders and len(SHIPPED_OVERLAYS) >= 10


@pytest.mark.parametrize("path", SHIPPED_OVERLAYS, ids=lambda p: p.name)
def test_shipped_overlays_load_from_any_working_folder(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # far from the repository
    expected = load_scenario(path)
    monkeypatch.chdir(path.parent)  # and from the file's own folder, by a bare name
    assert load_scenario(path.name) == expected


def test_shipped_scenarios_folder_works_without_git(tmp_path: Path) -> None:
    # a planner copies scenarios/ to a shared drive: no .git, no marker; the folder named
    # 'scenarios' is the project folder, so levers/*.yaml may extend ../fragmented.yaml
    copy = tmp_path / "drive" / "scenarios"
    (copy / "levers").mkdir(parents=True)
    (copy / "fragmented.yaml").write_text((ROOT / "scenarios" / "fragmented.yaml").read_text())
    lever = ROOT / "scenarios" / "levers" / "virtual_wards.yaml"
    (copy / "levers" / lever.name).write_text(lever.read_text())
    assert project_folder(copy / "levers" / lever.name) == copy.resolve()
    assert load_scenario(copy / "levers" / lever.name) == load_scenario(lever)


def test_a_sibling_base_needs_no_marker(tmp_path: Path) -> None:
    _base(tmp_path / "plans" / "base.yaml")
    over = _overlay(tmp_path / "plans" / "more_beds.yaml", "base.yaml")
    assert project_folder(over) == (tmp_path / "plans").resolve()
    assert load_scenario(over).acute_ward.beds == 21


@pytest.mark.parametrize("marker", [".pathsim-root", ".git"])
def test_a_parent_base_in_a_marked_project(tmp_path: Path, marker: str) -> None:
    project = tmp_path / "my_project"
    _base(project / "base.yaml")
    (project / marker).mkdir() if marker == ".git" else (project / marker).touch()
    over = _overlay(project / "variants" / "winter" / "v.yaml", "../../base.yaml")
    assert project_folder(over) == project.resolve()
    assert load_scenario(over).acute_ward.beds == 21
    # a base elsewhere in the same project, by an absolute path, is fine too
    absolute = _overlay(project / "variants" / "abs.yaml", str(project / "base.yaml"), 22)
    assert load_scenario(absolute).acute_ward.beds == 22


def test_a_marker_is_preferred_to_a_scenarios_folder(tmp_path: Path) -> None:
    # a project with .git whose scenario files sit in scenarios/ and bases in bases/
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    _base(project / "bases" / "base.yaml")
    over = _overlay(project / "scenarios" / "v.yaml", "../bases/base.yaml")
    assert load_scenario(over).acute_ward.beds == 21


# -- what must be refused -----------------------------------------------------------------------
def test_a_parent_base_without_a_marker_is_refused_with_the_fix(tmp_path: Path) -> None:
    _base(tmp_path / "base.yaml")
    over = _overlay(tmp_path / "variants" / "v.yaml", "../base.yaml")
    message = _refused(over)
    folder = str((tmp_path / "variants").resolve())
    assert OUTSIDE in message and f"not inside {folder}" in message
    assert "copy the base into" in message and ".pathsim-root" in message
    (tmp_path / ".pathsim-root").touch()  # the fix the message gives
    assert load_scenario(over).acute_ward.beds == 21


def test_outside_is_refused_before_the_file_is_looked_for(tmp_path: Path) -> None:
    # the same message whether or not the outside file exists: nothing about other files
    # on the computer is revealed
    (tmp_path / "project" / ".pathsim-root").parent.mkdir()
    (tmp_path / "project" / ".pathsim-root").touch()
    _base(tmp_path / "exists.yaml")
    there = _refused(_overlay(tmp_path / "project" / "a.yaml", "../exists.yaml"))
    absent = _refused(_overlay(tmp_path / "project" / "a.yaml", "../absent.yaml"))
    assert OUTSIDE in there and OUTSIDE in absent
    assert "does not exist" not in absent


def test_a_scenarios_folder_bounds_its_files(tmp_path: Path) -> None:
    _base(tmp_path / "elsewhere" / "base.yaml")
    over = _overlay(tmp_path / "scenarios" / "levers" / "v.yaml", "../../elsewhere/base.yaml")
    assert OUTSIDE in _refused(over)


def test_a_base_of_a_base_is_held_to_the_first_files_folder(tmp_path: Path) -> None:
    # the project folder comes from the file named to pathsim, not from each base
    project = tmp_path / "project"
    (project / "inner").mkdir(parents=True)
    (project / ".pathsim-root").touch()
    _base(tmp_path / "secret.yaml")
    _overlay(project / "inner" / "mid.yaml", "../../secret.yaml")
    top = _overlay(project / "top.yaml", "inner/mid.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(top)
    message = str(info.value)
    assert "mid.yaml: field 'extends': " in message and OUTSIDE in message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symbolic_link_to_a_file_outside_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pathsim-root").touch()
    outside = _base(tmp_path / "outside.yaml")
    (project / "base.yaml").symlink_to(outside)
    message = _refused(_overlay(project / "v.yaml", "base.yaml"))
    assert OUTSIDE in message and f"is {outside.resolve()}" in message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symbolic_link_to_a_folder_outside_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pathsim-root").touch()
    _base(tmp_path / "elsewhere" / "base.yaml")
    (project / "shared").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert OUTSIDE in _refused(_overlay(project / "v.yaml", "shared/base.yaml"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symbolic_link_inside_the_project_is_followed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _base(project / "bases" / "base.yaml")
    (project / ".pathsim-root").touch()
    (project / "current.yaml").symlink_to(project / "bases" / "base.yaml")
    assert load_scenario(_overlay(project / "v.yaml", "current.yaml")).acute_ward.beds == 21


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symbolic_link_loops_are_refused(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    message = _refused(_overlay(tmp_path / "v.yaml", "loop.yaml"))
    assert "is not a usable path" in message
    with pytest.raises(ScenarioError) as info:  # the file named is itself a loop
        load_scenario(loop)
    assert "loop.yaml: " in str(info.value) and "Traceback" not in str(info.value)
