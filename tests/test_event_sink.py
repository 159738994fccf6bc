"""The model's event log hands its events to a sink it is given (issue 19): the model knows
no file format, the Parquet file is one sink among others (pathsim.experiment.parquet_log)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from pathsim import load_scenario
from pathsim.model import eventlog
from pathsim.model import replication as model
from pathsim.model.eventlog import EventLog, Row, event_frame

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src" / "pathsim" / "model"
FRAGMENTED = ROOT / "scenarios" / "fragmented.yaml"
CHUNK = 1_000


class RecordingSink:
    """Keeps what it is given: every chunk, and whether it was closed or aborted."""

    def __init__(self, replication: int, organisations: Mapping[str, str]) -> None:
        self.replication = replication
        self.organisations = dict(organisations)
        self.chunks: list[list[Row]] = []
        self.closed = 0
        self.aborted = 0

    def write(self, rows: list[Row]) -> None:
        assert not self.closed and not self.aborted
        self.chunks.append(rows)

    def close(self) -> Path | None:
        self.closed += 1
        return None

    def abort(self) -> None:
        self.aborted += 1


def _run(sinks: list[RecordingSink] | None = None, replication: int = 1) -> model.ReplicationResult:
    def make(replication: int, organisations: Mapping[str, str]) -> RecordingSink:
        sink = RecordingSink(replication, organisations)
        assert sinks is not None
        sinks.append(sink)
        return sink

    return model.simulate(
        load_scenario(FRAGMENTED), replication, seed=11, days=6, warmup_days=2, event_log=True,
        event_log_sink=None if sinks is None else make,
    )  # fmt: skip


@pytest.fixture(scope="module")
def in_memory() -> pd.DataFrame:
    log = _run().event_log
    assert log is not None
    return log


def test_a_sink_is_given_every_event_in_full_chunks(
    in_memory: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventlog, "DEFAULT_CHUNK_ROWS", CHUNK)
    sinks: list[RecordingSink] = []
    result = _run(sinks)
    (sink,) = sinks
    assert sink.replication == 1 and sink.closed == 1 and sink.aborted == 0
    sc = load_scenario(FRAGMENTED)
    assert sink.organisations["ed"] == sc.ed.organisation
    assert sink.organisations["acute_ward"] == sc.acute_ward.organisation
    for name, service in sc.onward_services.items():
        assert sink.organisations[name] == service.organisation
    sizes = [len(c) for c in sink.chunks]
    assert len(sizes) > 5 and sizes[:-1] == [CHUNK] * (len(sizes) - 1) and 0 < sizes[-1] <= CHUNK
    assert sum(sizes) == len(in_memory)
    # Nothing kept in memory, no file; the events given are exactly the log built in memory.
    assert result.event_log is None and result.event_log_file is None
    assert result.read_event_log() is None
    rows = [row for chunk in sink.chunks for row in chunk]
    pd.testing.assert_frame_equal(event_frame(rows, 1, sink.organisations), in_memory)


def test_a_failed_run_aborts_its_sink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventlog, "DEFAULT_CHUNK_ROWS", CHUNK)
    add = eventlog._StreamingEventLog.add

    def failing(self: EventLog, *args: object) -> None:
        add(self, *args)  # type: ignore[arg-type]
        if len(self) > 3 * CHUNK:
            raise RuntimeError("the model failed")

    monkeypatch.setattr(eventlog._StreamingEventLog, "add", failing)
    sinks: list[RecordingSink] = []
    with pytest.raises(RuntimeError, match="the model failed"):
        _run(sinks)
    (sink,) = sinks
    # aborted, never closed; given only the full chunks written before the failure
    assert sink.aborted == 1 and sink.closed == 0
    assert len(sink.chunks) >= 3 and all(len(c) == CHUNK for c in sink.chunks)


def test_events_recorded_before_streaming_go_to_the_sink_first() -> None:
    class Clock:
        now = 0.0

    log = EventLog(Clock(), {"a": "org"})
    for i in range(25):
        log.add(i, 0, "arrival", "a")
    sink = RecordingSink(0, {})
    log.stream_to(sink, chunk_rows=10)
    assert [len(c) for c in sink.chunks] == [10, 10] and len(log) == 25
    log.add(99, 4, "milestone", "a")
    assert log.close() is None
    assert [len(c) for c in sink.chunks] == [10, 10, 6] and sink.closed == 1
    assert sink.chunks[-1][-1][0] == 99
    with pytest.raises(RuntimeError, match="streamed"):
        log.to_frame(0)
    with pytest.raises(RuntimeError, match="already streamed"):
        log.stream_to(RecordingSink(0, {}))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("path", sorted(MODEL.glob("*.py")), ids=lambda p: p.name)
def test_the_model_knows_no_file_format(path: Path) -> None:
    """No module of the model imports pyarrow or pathsim.atomic, or even names them."""
    for name in _imports(path):
        assert not name.startswith(("pyarrow", "pathsim.atomic", "pathsim.show")), name
    text = path.read_text(encoding="utf-8")
    assert "pyarrow" not in text and "pathsim.atomic" not in text and "to_vidigi" not in text
