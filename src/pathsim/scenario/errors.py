"""Errors about scenario files that a planner can act on: the file, the field path, what is
wrong and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file and dotted field path) and what."""

    file: str
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        field_part = f"field '{self.path}': " if self.path else ""
        text = f"{where}{field_part}{self.message}"
        if self.hint:
            text += f" {self.hint}"
        return text


@dataclass
class ScenarioError(Exception):
    """A scenario could not be loaded or is not valid. ``str()`` gives the full message."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.problems:
            return "invalid scenario"
        if len(self.problems) == 1:
            return str(self.problems[0])
        head = f"{len(self.problems)} problems in the scenario:"
        return head + "".join(f"\n  - {p}" for p in self.problems)

    @classmethod
    def single(cls, file: str, path: str, message: str, hint: str = "") -> ScenarioError:
        return cls([Problem(file, path, message, hint)])
