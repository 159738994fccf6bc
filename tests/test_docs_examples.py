"""The Python examples of the how-to pages run as written (with shorter runs: what is tested
is that the calls, names and tables the pages show exist and fit together)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SHORTER = {  # applied in this order
    "days=730, replications=5)": "days=30, replications=2)",
    "replications=20)": "replications=2, days=10, warmup_days=2)",
    "replications=5)": "replications=2, days=10, warmup_days=2)",
    "precision=0.02)": "precision=0.02, spec=spec, maximum=6)",
    "Backend.local()": "Backend.local(2)",
}


def _blocks(page: str) -> list[str]:
    text = (ROOT / "docs" / page).read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.slow
@pytest.mark.parametrize(
    "page", ["api.md", "sweeps.md", "run-folders.md", "tutorial.md", "uncertainty.md"]
)
def test_python_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    if page in ("run-folders.md", "tutorial.md"):
        # the run folders these pages read, as their commands would have written them
        import pathsim

        base = pathsim.load_scenario(ROOT / "scenarios" / "fragmented.yaml")
        spec = pathsim.RunSpec(replications=4, seed=1, days=10, warmup_days=2)
        integrated = pathsim.load_scenario(ROOT / "scenarios" / "integrated.yaml")
        cmp = pathsim.compare([("fragmented", base), ("integrated", integrated)], spec)
        pathsim.write_run_folder("runs/comparison", cmp)
        pathsim.write_run_folder("runs/tutorial", cmp.base)
    namespace: dict[str, object] = {}
    blocks = _blocks(page)
    assert blocks, f"{page} has no Python example"
    for block in blocks:
        for long, short in SHORTER.items():
            block = block.replace(long, short)
        exec(compile(block, page, "exec"), namespace)
