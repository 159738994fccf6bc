"""Showing results: plots (:mod:`pathsim.show.plots`), the HTML report
(:func:`pathsim.show.report.write_report`) and the pathway diagram
(:mod:`pathsim.show.diagram`).

Submodules are imported on first use, so importing one part (say the animation) does not
load the others::

    from pathsim.show import plots, write_report
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "plots": "pathsim.show.plots",
    "diagram": "pathsim.show.diagram",
    "report": "pathsim.show.report",
    "write_report": "pathsim.show.report",
    "SavedRun": "pathsim.show.runfolder",
    "RunFolderError": "pathsim.show.runfolder",
    "mermaid": "pathsim.show.diagram",
    "draw_diagram": "pathsim.show.diagram",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pathsim.show' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    return loaded if module.endswith(name) else getattr(loaded, name)
