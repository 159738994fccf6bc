"""The documentation stays true: generated reference up to date, shipped scenarios valid,
the README's test command is the one CI runs, and the README's Python example runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from builders import shipped_scenarios
from pathsim import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_generated_reference_is_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", [p.relative_to(ROOT) for p in shipped_scenarios()])
def test_shipped_scenarios_are_valid(path: Path) -> None:
    assert load_scenario(ROOT / path).name


def _readme_blocks(lang: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    commands = [b.strip() for b in _readme_blocks("bash")]
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = _readme_blocks("python")
    monkeypatch.chdir(ROOT)
    # Shorten the runs: the example's logic is what is tested, not its run time.
    code = code.replace("replications=5", "replications=2, days=20, warmup_days=5")
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    table = namespace["result"].comparison()  # type: ignore[attr-defined]
    assert set(table["scenario"]) == {"base", "more_beds"}
