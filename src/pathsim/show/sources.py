"""Assumptions and sources of a scenario, read from its YAML file's comments: lines marked
ASSUMPTION or CALIBRATED, and citations in square brackets (``[3.1]``, ``[1.10-1.13]``) of
the rows and sections of docs/sources/published-figures.md."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REFERENCE_PATH = Path("docs") / "sources" / "published-figures.md"
MARKS = ("ASSUMPTION", "CALIBRATED")
_BRACKETS = re.compile(r"\[([^\[\]]+)\]")
_ID = re.compile(r"^(\d{1,2}[a-z]?)(?:\.(\d{1,2}))?$")
_RANGE = re.compile(r"^(\d{1,2})\.(\d{1,2})\s*[-–]\s*(?:(\d{1,2})\.)?(\d{1,2})$")
_ROW = re.compile(r"^\|\s*(\d{1,2}\.\d{1,2}[a-z]?)\s*\|(.*)\|\s*$")
_HEADING = re.compile(r"^#{2,3}\s+(\d{1,2}[a-z]?(?:\.\d{1,2})?)\.?\s+(.*)$")


@dataclass(frozen=True)
class Note:
    """One comment of a scenario file: where it is, the setting it annotates (empty for a
    comment on its own line), its marks (ASSUMPTION, CALIBRATED) and the ids it cites."""

    file: str
    line: int
    setting: str
    comment: str
    marks: tuple[str, ...]
    cites: tuple[str, ...]


@dataclass
class Sources:
    """Every note of a scenario's files (its ``extends`` chain included), the reference
    entries (id -> text) of published-figures.md when it was found, and files not found."""

    notes: list[Note] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    reference_file: Path | None = None
    missing: list[str] = field(default_factory=list)

    def cited(self) -> dict[str, int]:
        """Each cited id with the number of notes citing it, in first-cited order."""
        counts: dict[str, int] = {}
        for note in self.notes:
            for ref in note.cites:
                counts[ref] = counts.get(ref, 0) + 1
        return counts


def _citations(comment: str, known: dict[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    for group in _BRACKETS.findall(comment):
        for token in (t.strip() for t in group.split(",")):
            token = token.removesuffix(" (C)").strip()
            rng = _RANGE.match(token)
            if rng:
                major, first = rng.group(1), int(rng.group(2))
                last = int(rng.group(4))
                if rng.group(3) and rng.group(3) != major:
                    out += [f"{major}.{first}", f"{rng.group(3)}.{last}"]
                    continue
                out += [f"{major}.{k}" for k in range(first, last + 1)]
            elif _ID.match(token) and (not known or token in known):
                out.append(token)
    return tuple(dict.fromkeys(o for o in out if not known or o in known))


def _split_comment(line: str) -> tuple[str, str]:
    """The YAML part and the comment of a line (a '#' after a space, or at the start)."""
    if line.lstrip().startswith("#"):
        return "", line.lstrip()[1:].strip()
    match = re.search(r"\s#\s?", line)
    if not match:
        return line, ""
    return line[: match.start()], line[match.end() :].strip()


def read_notes(path: Path, known: dict[str, str]) -> list[Note]:
    """The comments of one YAML file that carry a mark or a citation. Consecutive comment
    lines form one note; an inline comment names its setting by its dotted path (from the
    indentation)."""
    notes: list[Note] = []
    stack: list[tuple[int, str]] = []
    block: list[str] = []
    block_start = 0

    def add(line: int, setting: str, comment: str) -> None:
        marks = tuple(m for m in MARKS if m in comment)
        cites = _citations(comment, known)
        if marks or cites:
            notes.append(Note(str(path), line, setting, comment, marks, cites))

    def flush() -> None:
        if block:
            add(block_start, "", " ".join(block))
            block.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text, comment = _split_comment(raw)
        if not text.strip() and comment:
            if not block:
                block_start = number
            block.append(comment)
            continue
        flush()
        key = re.match(r"^(\s*)(?:- )?([A-Za-z0-9_\-]+):(.*)$", text)
        if not key or not comment:
            if key:
                indent = len(key.group(1))
                while stack and stack[-1][0] >= indent:
                    stack.pop()
                stack.append((indent, key.group(2)))
            continue
        indent = len(key.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key.group(2)))
        value = key.group(3).strip()
        add(number, ".".join(k for _, k in stack) + (f": {value}" if value else ""), comment)
    flush()
    return notes


def read_references(path: Path) -> dict[str, str]:
    """Rows (``| 3.1 | figure | value | ...``) and numbered sections (``### 9.1 Demand``) of
    published-figures.md: id -> a one-line description."""
    refs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = _HEADING.match(line)
        if heading:
            refs.setdefault(heading.group(1), f"Section: {heading.group(2).strip()}")
            continue
        row = _ROW.match(line)
        if row:
            cells = [c.strip() for c in row.group(2).split("|")]
            text = " | ".join(c for c in cells if c)
            refs.setdefault(row.group(1), text.replace("**", ""))
    return refs


def find_reference_file(starts: list[Path]) -> Path | None:
    """docs/sources/published-figures.md in one of ``starts`` or their parents."""
    for start in starts:
        for folder in [start, *start.parents]:
            candidate = folder / REFERENCE_PATH
            if candidate.is_file():
                return candidate
    return None


def _extends(path: Path) -> Path | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    parent = data.get("extends") if isinstance(data, dict) else None
    return (path.parent / str(parent)).resolve() if parent else None


def scenario_sources(files: list[str | Path], base: Path | None = None) -> Sources:
    """Notes of the scenario ``files`` (relative paths taken from ``base``, else the current
    folder) and of every file they extend, each file once, with published-figures.md's
    entries when it is found beside them."""
    here = base or Path.cwd()
    paths: list[Path] = []
    out = Sources()
    for f in files:
        path: Path | None = Path(f) if Path(f).is_absolute() else here / f
        while path is not None and path.resolve() not in paths:
            if not path.is_file():
                out.missing.append(str(f))
                break
            paths.append(path.resolve())
            path = _extends(path)
    reference = find_reference_file([p.parent for p in paths] + [here])
    if reference is not None:
        out.reference_file = reference
        out.references = read_references(reference)
    for path in paths:
        out.notes += read_notes(path, out.references)
    return out
