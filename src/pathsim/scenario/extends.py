"""Where an ``extends:`` base may be: inside the scenario's project folder.

A scenario file can make pathsim read another file (its base). So that a scenario file
from elsewhere (an e-mail, a shared drive, an upload to the app) cannot make pathsim read
other files on the computer, and echo parts of them in error messages, every base in the
chain must lie inside the *project folder* of the file that was named to pathsim:

1. the nearest folder, at or above that file, that holds a ``.pathsim-root`` file or a
   ``.git`` folder (a project marker);
2. if there is none, the nearest folder at or above it named ``scenarios``;
3. if there is none, the file's own folder.

Paths are compared after following symbolic links, so a link cannot lead out of the folder.
The shipped files satisfy the rule: ``scenarios/levers/*.yaml`` extend ``../fragmented.yaml``,
inside ``scenarios/`` (and inside the repository, which has ``.git``).
"""

from __future__ import annotations

import os
from pathlib import Path

from pathsim.scenario.errors import ScenarioError

MARKERS = (".pathsim-root", ".git")
SCENARIOS_FOLDER = "scenarios"
SHOWN_CHARACTERS = 120


def rule(first: str) -> str:
    """The rule in words, for messages, about the file named to pathsim (``first``)."""
    return (
        f"The project folder of {first} is the nearest folder at or above it that holds a "
        "'.pathsim-root' file or '.git', else the nearest one named 'scenarios', else its own "
        "folder."
    )


def _short(base: str) -> str:
    text = repr(base)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[: SHOWN_CHARACTERS - 20]}...{text[-15:]} ({len(base):,} characters)"


def _real(path: Path) -> Path:
    """The absolute path with every symbolic link followed; ValueError if it cannot be."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # null byte, symlink loop
        raise ValueError(str(exc)) from None


def project_folder(first_file: str | Path) -> Path:
    """The folder that every ``extends:`` base of ``first_file`` must be inside (see the
    module docstring for the rule). Symbolic links in the answer are followed."""
    folder = _real(Path(first_file).absolute().parent)
    candidates = [folder, *folder.parents]
    for candidate in candidates:
        if any(os.path.lexists(candidate / marker) for marker in MARKERS):
            return candidate
    for candidate in candidates:
        if candidate.name == SCENARIOS_FOLDER:
            return candidate
    return folder


def shown(path: Path) -> str:
    """A path as it is shown in messages: relative to the working folder when possible."""
    try:
        text = os.path.relpath(path)
        return str(path.resolve()) if text == "." else text
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def resolve_base(containing: Path, display: str, base: str, root: Path, first: str) -> Path:
    """The real path of the base named by ``extends: base`` in the file ``containing``
    (shown as ``display``), refused with a :class:`ScenarioError` naming the file and the
    ``extends`` field when it is outside ``root``, a directory, missing or unreadable.
    ``first`` is how the file named to pathsim is shown (for the explanation)."""
    try:
        target = _real(containing.parent / base)
    except ValueError as exc:
        raise ScenarioError.single(
            display,
            "extends",
            f"is not a usable path ({exc}): {_short(base)}.",
            "Example: extends: ../fragmented.yaml",
        ) from None
    if not _inside(target, root):
        raise ScenarioError.single(
            display,
            "extends",
            f"names a base outside this scenario's project folder: {_short(base)} is {target}, "
            f"not inside {root}. A scenario may only extend files inside its project folder "
            "(after following symbolic links), so that a file from elsewhere cannot make "
            f"pathsim read other files on this computer. {rule(first)} To fix it, copy the base "
            f"into {root} and name the copy by a path relative to {display}, or put an empty "
            "file named .pathsim-root in a folder that holds both files.",
        )
    try:
        if target.is_dir():
            raise ScenarioError.single(
                display,
                "extends",
                f"points at a directory ({_short(base)}), not a scenario file.",
                "Name a .yaml file, e.g. extends: ../fragmented.yaml",
            )
        exists = target.exists()
    except OSError as exc:  # a name too long, a permission problem
        raise ScenarioError.single(
            display, "extends", f"cannot be used: {exc.strerror or exc}: {_short(base)}."
        ) from None
    if not exists:
        raise ScenarioError.single(
            display,
            "extends",
            f"names a base file that does not exist: {_short(base)} (looked for {shown(target)}).",
            "The path is relative to the file that contains it.",
        )
    return target
