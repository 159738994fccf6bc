"""The per-patient event log: who, what, where, when, which organisation.

The columns are fixed (see :data:`EVENT_LOG_COLUMNS`) and follow the vidigi animation
package: ``event_type`` is one of ``arrival_departure``, ``queue``, ``resource_use``,
``resource_use_end`` (vidigi's types) or ``milestone`` (clinical and process milestones such
as ``decision_to_admit`` or ``medically_fit``, which vidigi does not animate). Times are in
days from the start of the run. The animation (:mod:`pathsim.show.vidigi_log`) renames the columns
to vidigi's names.

Column types: ``replication`` and ``patient_id`` int64; ``event_type``, ``event``, ``service``
and ``organisation`` categorical (``event_type`` always with the five types above as its
categories, in that order; the others with the values that occur, in order of first
appearance, so that a log streamed in chunks reads back exactly as the log built whole);
``time`` float64; ``resource_id`` nullable Int64 (the place used, numbered from 1).

Patient ids: crisis arrivals (A&E and direct admissions) are numbered 1, 2, ... in arrival
order, so with the same seed a patient has the same id in every configuration; people already
in a service when the run starts, and people referred from the community, are numbered from
1,000,000,001.

A log is kept in memory and turned into a DataFrame at the end (:meth:`EventLog.to_frame`), or
streamed to a sink it is given (:meth:`EventLog.stream_to`, an :class:`EventSink`): every
``chunk_rows`` events are handed to the sink as one chunk and forgotten, so memory stays flat
however long the run. The model knows no file format: the sink that writes a run's log to a
Parquet file is :class:`pathsim.experiment.parquet_log.ParquetSink`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

EVENT_LOG_COLUMNS = (
    "replication",
    "patient_id",
    "event_type",
    "event",
    "time",
    "service",
    "organisation",
    "resource_id",
)

EVENT_TYPES = ("arrival_departure", "queue", "resource_use", "resource_use_end", "milestone")
VIDIGI_TYPES = ("arrival_departure", "queue", "resource_use", "resource_use_end")
"""The event types the vidigi animation package draws (every type but ``milestone``)."""
CATEGORICAL_COLUMNS = ("event_type", "event", "service", "organisation")

DEFAULT_CHUNK_ROWS = 100_000
"""Events buffered before a streamed log hands them to its sink as one chunk (one Parquet
row group in a run's file). Measured on a replication-year of the default fragmented
scenario (950,000 events; experiments/memory_event_log.py): peak memory 139 MB with the log
off, 409 MB with it held in memory, 190 MB streamed in chunks of 100,000 (the buffer of
tuples, about 150 bytes an event, and the encoding of one chunk), 166 MB in chunks of
20,000. The file is the same size either way (7.7 bytes an event), but every row group adds
about 1 KB of file footer that a reader loads whole: ten row groups a year keep a
200-replication run's event_log.parquet footer near 2 MB (50 a year would make it 10 MB)."""

Row = tuple[int, int, str, float, str, int]
"""One event as recorded: patient id, index into :data:`EVENT_TYPES`, event, time (days),
service, place used (numbered from 0; -1 for none)."""


class EventSink(Protocol):
    """Where a streamed event log goes (:meth:`EventLog.stream_to`): it is handed the
    recorded events chunk by chunk as the run goes, then closed when the run has finished,
    or aborted when it failed."""

    def write(self, rows: list[Row]) -> None:
        """Takes a chunk of events, in the order recorded (the list is the sink's to keep:
        the log records further events in a new one)."""

    def close(self) -> Path | None:
        """The run has finished and every event was written: completes the log. Returns the
        file that holds it, if any."""

    def abort(self) -> None:
        """The run failed: drops what was written (a sink that was closed already keeps it)."""


EventSinkFactory = Callable[[int, Mapping[str, str]], EventSink]
"""Makes the sink of one replication's log, given the replication number and the
organisation of each service (for the log's ``organisation`` column)."""


class _Clock(Protocol):
    @property
    def now(self) -> float: ...


class EventLog:
    """Collects events in memory as compact tuples (:data:`Row`); turned into a DataFrame
    at the end, or handed to a sink in chunks of ``chunk_rows`` events (``sink``)."""

    __slots__ = ("_limit", "_rows", "_services", "_sink", "_written", "env")

    def __init__(
        self,
        env: _Clock,
        services: Mapping[str, str],
        sink: EventSink | None = None,
        *,
        chunk_rows: int | None = None,
    ) -> None:
        """``services`` maps each service name to its organisation. With ``sink`` the log
        is streamed there: see :meth:`stream_to`."""
        self.env = env
        self._services = dict(services)
        self._rows: list[Row] = []
        self._sink: EventSink | None = None
        self._limit = 0
        self._written = 0
        if sink is not None:
            self.stream_to(sink, chunk_rows)

    def add(
        self, patient_id: int, event_type: int, event: str, service: str, slot: int = -1
    ) -> None:
        """Records an event now. ``event_type`` indexes :data:`EVENT_TYPES`."""
        self._rows.append((patient_id, event_type, event, self.env.now, service, slot))

    def __len__(self) -> int:
        return len(self._rows) + self._written

    @property
    def organisations(self) -> dict[str, str]:
        """The organisation of each service (a copy)."""
        return dict(self._services)

    def add_services(self, services: Mapping[str, str]) -> None:
        """Adds services and their organisations (a replication's log is made before its
        components, which name their services as they are built). Before any event is
        streamed: a sink is given the organisations when streaming starts."""
        self._services.update(services)

    @property
    def streaming(self) -> bool:
        """True when the log goes to a sink rather than staying in memory."""
        return self._sink is not None

    def to_frame(self, replication: int) -> pd.DataFrame:
        """The log as a DataFrame (columns :data:`EVENT_LOG_COLUMNS`). Not for a streamed
        log, whose events went to its sink."""
        if self._sink is not None:
            raise RuntimeError("this event log is streamed to a sink; read what it wrote")
        return event_frame(self._rows, replication, self._services)

    def stream_to(self, sink: EventSink, chunk_rows: int | None = None) -> None:
        """From now on, hands the log to ``sink``, a chunk every ``chunk_rows`` events
        (default :data:`DEFAULT_CHUNK_ROWS`); events already recorded go there too, in full
        chunks now and the rest with the next. :meth:`close` hands over what is left and
        closes the sink; :meth:`abort` aborts it."""
        if self._sink is not None:
            raise RuntimeError(f"this event log is already streamed to {self._sink!r}")
        limit = DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows
        if limit < 1:
            raise ValueError(f"chunk_rows must be at least 1, not {limit}")
        self._sink = sink
        self._limit = limit
        # The streaming add (with the chunk check) replaces the in-memory one for this log
        # only; an in-memory log's add stays a bare append.
        self.__class__ = _StreamingEventLog
        # Events recorded before (people already in a service at the start) go out in full
        # chunks now, so that every chunk but the last holds chunk_rows events.
        rows = self._rows
        full = len(rows) - len(rows) % limit
        for start in range(0, full, limit):
            sink.write(rows[start : start + limit])
            self._written += limit
        del rows[:full]

    def _flush(self) -> None:
        assert self._sink is not None
        rows = self._rows
        self._rows = []
        self._sink.write(rows)
        self._written += len(rows)

    def close(self) -> Path | None:
        """Hands the sink the events still buffered and closes it; returns what the sink's
        ``close`` returns (the file of the log, if any)."""
        if self._sink is None:
            raise RuntimeError("this event log is not streamed to a sink")
        if self._rows:
            self._flush()
        return self._sink.close()

    def abort(self) -> None:
        """Stops streaming and aborts the sink (the run failed)."""
        if self._sink is not None:
            self._sink.abort()
        self._rows.clear()


class _StreamingEventLog(EventLog):
    """An :class:`EventLog` being streamed to a sink (:meth:`EventLog.stream_to`)."""

    __slots__ = ()

    def add(
        self, patient_id: int, event_type: int, event: str, service: str, slot: int = -1
    ) -> None:
        """Records an event now, handing a chunk to the sink when the buffer is full."""
        rows = self._rows
        rows.append((patient_id, event_type, event, self.env.now, service, slot))
        if len(rows) >= self._limit:
            self._flush()


def event_frame(rows: Sequence[Row], replication: int, services: Mapping[str, str]) -> pd.DataFrame:
    """Recorded events as an event-log DataFrame (the dtypes of the module docstring), as
    replication ``replication``; ``services`` gives each service's organisation."""
    n = len(rows)
    if n == 0:
        return empty_event_log()

    def column(k: int, dtype: type[np.generic]) -> np.ndarray:
        return np.fromiter(map(itemgetter(k), rows), dtype=dtype, count=n)

    def codes(k: int) -> tuple[np.ndarray, list[str]]:
        values = np.fromiter(map(itemgetter(k), rows), dtype=object, count=n)
        found, uniques = pd.factorize(values)
        return found, list(uniques)

    def categorical(found: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
        dtype = pd.CategoricalDtype(pd.Index(list(categories), dtype="str"), ordered=False)
        return pd.Categorical.from_codes(found, dtype=dtype)

    event_codes, events = codes(2)
    service_codes, names = codes(4)
    # Organisations follow services: the organisations of the services in their order of
    # first appearance are the organisations in theirs.
    org_of_service, organisations = pd.factorize(
        np.array([services.get(s, "") for s in names], dtype=object)
    )
    slots = column(5, np.int64)
    return pd.DataFrame(
        {
            "replication": np.full(n, replication, dtype=np.int64),
            "patient_id": column(0, np.int64),
            "event_type": categorical(column(1, np.int64), EVENT_TYPES),
            "event": categorical(event_codes, events),
            "time": column(3, np.float64),
            "service": categorical(service_codes, names),
            "organisation": categorical(org_of_service[service_codes], list(organisations)),
            "resource_id": pd.arrays.IntegerArray(slots + 1, slots < 0),
        }
    )


def empty_event_log() -> pd.DataFrame:
    """A log with no events, with the columns and dtypes of :meth:`EventLog.to_frame` (a
    file keeps no categories for a column without values, so none here either)."""
    none = pd.Index([], dtype=object)
    return pd.DataFrame(
        {
            "replication": np.empty(0, dtype=np.int64),
            "patient_id": np.empty(0, dtype=np.int64),
            **{c: pd.Categorical([], categories=none) for c in ("event_type", "event")},
            "time": np.empty(0, dtype=np.float64),
            **{c: pd.Categorical([], categories=none) for c in ("service", "organisation")},
            "resource_id": pd.array([], dtype="Int64"),
        }
    )


def concat_event_logs(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Event logs (of replications, or scenarios) stacked in order. The categories of each
    categorical column are the union of the frames' in order of appearance, as when their
    files are read back together, so the result is the same whether the logs were kept in
    memory or streamed (pandas alone would fall back to strings where the sets of categories
    differ)."""
    if not frames:
        return empty_event_log()
    frames = list(frames)
    for col in CATEGORICAL_COLUMNS:
        union = list(dict.fromkeys(v for f in frames if col in f for v in f[col].cat.categories))
        frames = [
            f.assign(**{col: f[col].cat.set_categories(union)}) if col in f else f for f in frames
        ]
    return pd.concat(frames, ignore_index=True)
