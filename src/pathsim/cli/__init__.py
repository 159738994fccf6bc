"""The ``pathsim`` command: a thin front over the same functions as the Python API.

Exit codes: 0 success; 2 bad input (a scenario file, an option, an output folder), with a
message naming the file and the field; 1 an unexpected failure (set PATHSIM_DEBUG=1 for the
traceback).

The package holds one module per group of commands (:mod:`~pathsim.cli.run`: run and compare;
:mod:`~pathsim.cli.experiments`: sweep and sensitivity; :mod:`~pathsim.cli.analysis`:
replications, warmup and rerun; :mod:`~pathsim.cli.report`: report, plot and diagram;
:mod:`~pathsim.cli.live`: animate and app), the group itself with the small commands
(:mod:`~pathsim.cli.main`), and what they share: :mod:`~pathsim.cli.options` (the run options,
declared once as :class:`~pathsim.cli.options.RunOptions`), :mod:`~pathsim.cli.common` (clean
errors, progress bars, terminal tables) and :mod:`~pathsim.cli.execute` (running a plan into a
run folder).
"""

from __future__ import annotations

from pathsim.cli.main import entry, main

__all__ = ["entry", "main"]
