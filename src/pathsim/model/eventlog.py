"""The per-patient event log: who, what, where, when, which organisation.

The schema is fixed (see :data:`EVENT_LOG_COLUMNS` and :func:`arrow_schema`) and follows the
vidigi animation package: ``event_type`` is one of ``arrival_departure``, ``queue``,
``resource_use``, ``resource_use_end`` (vidigi's types) or ``milestone`` (clinical and process
milestones such as ``decision_to_admit`` or ``medically_fit``, which vidigi does not animate).
Times are in days from the start of the run. :func:`to_vidigi` renames the columns to vidigi's
names.

Column types: ``replication`` and ``patient_id`` int64; ``event_type``, ``event``, ``service``
and ``organisation`` categorical (``event_type`` always with the five types above as its
categories, in that order; the others with the values that occur, in order of first
appearance, so that a log streamed to Parquet in chunks reads back exactly as the log built
whole); ``time`` float64; ``resource_id`` nullable Int64 (the place used, numbered from 1).

Patient ids: crisis arrivals (A&E and direct admissions) are numbered 1, 2, ... in arrival
order, so with the same seed a patient has the same id in every configuration; people already
in a service when the run starts, and people referred from the community, are numbered from
1,000,000,001.

A log is kept in memory and turned into a DataFrame at the end (:meth:`EventLog.to_frame`), or
streamed to a Parquet file (:meth:`EventLog.stream_to`): every ``chunk_rows`` events are
written as one row group and forgotten, so memory stays flat however long the run.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pathsim.atomic import atomic_path

if TYPE_CHECKING:
    import pyarrow.parquet as pq

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
_VIDIGI_TYPES = ("arrival_departure", "queue", "resource_use", "resource_use_end")
CATEGORICAL_COLUMNS = ("event_type", "event", "service", "organisation")

DEFAULT_CHUNK_ROWS = 100_000
"""Events buffered before a streamed log writes them as one Parquet row group. Measured on a
replication-year of the default fragmented scenario (950,000 events; experiments/
memory_event_log.py): peak memory 139 MB with the log off, 409 MB with it held in memory,
190 MB streamed in chunks of 100,000 (the buffer of tuples, about 150 bytes an event, and the
encoding of one chunk), 166 MB in chunks of 20,000. The file is the same size either way
(7.7 bytes an event), but every row group adds about 1 KB of file footer that a reader loads
whole: ten row groups a year keep a 200-replication run's event_log.parquet footer near 2 MB
(50 a year would make it 10 MB)."""

COMPRESSION = "zstd"
"""Parquet compression of event-log files: about 15% smaller than snappy (pandas' default)
on the event log, and as fast to write."""

_Row = tuple[int, int, str, float, str, int]


class EventLog:
    """Collects events in memory as compact tuples; turned into a DataFrame at the end, or
    streamed to a Parquet file in row groups of ``chunk_rows`` events (``sink``)."""

    __slots__ = ("_limit", "_rows", "_services", "_sink", "env")

    def __init__(
        self,
        env: object,
        services: dict[str, str],
        sink: str | Path | None = None,
        *,
        replication: int = 0,
        chunk_rows: int | None = None,
    ) -> None:
        """``services`` maps each service name to its organisation. With ``sink`` (a file
        path) the log is streamed there as replication ``replication``: see
        :meth:`stream_to`."""
        self.env = env
        self._services = services
        self._rows: list[_Row] = []
        self._sink: _Sink | None = None
        self._limit = 0
        if sink is not None:
            self.stream_to(sink, replication, chunk_rows)

    def add(
        self, patient_id: int, event_type: int, event: str, service: str, slot: int = -1
    ) -> None:
        """Records an event now. ``event_type`` indexes :data:`EVENT_TYPES`."""
        self._rows.append((patient_id, event_type, event, self.env.now, service, slot))  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self._rows) + (self._sink.written if self._sink else 0)

    @property
    def streaming(self) -> bool:
        """True when the log goes to a file rather than staying in memory."""
        return self._sink is not None

    def to_frame(self, replication: int) -> pd.DataFrame:
        """The log as a DataFrame (columns :data:`EVENT_LOG_COLUMNS`). Not for a streamed
        log, whose events are in its file."""
        if self._sink is not None:
            raise RuntimeError("this event log is streamed to a file; read the file instead")
        return _frame(_encode(self._rows, replication, self._services))

    def stream_to(self, path: str | Path, replication: int, chunk_rows: int | None = None) -> None:
        """From now on, writes the log to the Parquet file ``path`` as replication
        ``replication``, one row group every ``chunk_rows`` events (default
        :data:`DEFAULT_CHUNK_ROWS`); events already recorded go there too. The file is
        written under a temporary name beside ``path`` and appears at ``path`` only when
        :meth:`close` is called (:meth:`abort` removes it)."""
        if self._sink is not None:
            raise RuntimeError(f"this event log is already streamed to {self._sink.target}")
        limit = DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows
        if limit < 1:
            raise ValueError(f"chunk_rows must be at least 1, not {limit}")
        self._sink = _Sink(Path(path), replication, self._services)
        self._limit = limit
        # The streaming add (with the chunk check) replaces the in-memory one for this log
        # only; an in-memory log's add stays a bare append.
        self.__class__ = _StreamingEventLog
        # Events recorded before (people already in a service at the start) go out in full
        # chunks now, so that every row group but the last holds chunk_rows events.
        rows = self._rows
        full = len(rows) - len(rows) % limit
        for start in range(0, full, limit):
            self._sink.write(rows[start : start + limit])
        del rows[:full]

    def _flush(self) -> None:
        assert self._sink is not None
        self._sink.write(self._rows)
        self._rows.clear()

    def close(self) -> Path:
        """Writes the events still buffered, closes the file and renames it into place;
        returns its path."""
        if self._sink is None:
            raise RuntimeError("this event log is not streamed to a file")
        if self._rows:
            self._flush()
        return self._sink.close()

    def abort(self) -> None:
        """Stops streaming and removes the unfinished file (the run failed)."""
        if self._sink is not None:
            self._sink.abort()
        self._rows.clear()


class _StreamingEventLog(EventLog):
    """An :class:`EventLog` being streamed to a file (:meth:`EventLog.stream_to`)."""

    __slots__ = ()

    def add(
        self, patient_id: int, event_type: int, event: str, service: str, slot: int = -1
    ) -> None:
        """Records an event now, writing a row group when the buffer is full."""
        rows = self._rows
        rows.append((patient_id, event_type, event, self.env.now, service, slot))  # type: ignore[attr-defined]
        if len(rows) >= self._limit:
            self._flush()


class _Sink:
    """An open Parquet writer on the temporary file of :func:`pathsim.atomic.atomic_path`
    for ``target``: renamed into place by :meth:`close`, removed by :meth:`abort` or when
    closing fails."""

    def __init__(self, target: Path, replication: int, services: dict[str, str]) -> None:
        import pyarrow.parquet as pq

        self.target = target
        self.replication = replication
        self.services = services
        self.written = 0
        self._file = atomic_path(target)
        self.tmp = self._file.__enter__()
        try:
            self.writer: pq.ParquetWriter | None = pq.ParquetWriter(
                self.tmp, arrow_schema(), compression=COMPRESSION
            )
        except BaseException as exc:
            self._file.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def write(self, rows: Sequence[_Row]) -> None:
        if self.writer is None:
            raise RuntimeError(f"the event log {self.target} is already closed")
        table = _encode(rows, self.replication, self.services)
        self.writer.write_table(table, row_group_size=max(1, table.num_rows))
        self.written += table.num_rows

    def close(self) -> Path:
        writer, self.writer = self.writer, None
        if writer is None:
            raise RuntimeError(f"the event log {self.target} is already closed")
        try:
            writer.close()
        except BaseException as exc:
            self._file.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._file.__exit__(None, None, None)  # renames the file into place
        return self.target

    def abort(self) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:  # else closed and renamed already, or aborted
            try:
                writer.close()
            finally:
                stop = RuntimeError(f"the event log {self.target} was abandoned")
                self._file.__exit__(RuntimeError, stop, None)  # removes the file


@functools.cache
def arrow_schema(scenario: bool = False) -> pa.Schema:
    """The Arrow schema of an event-log file (with a leading ``scenario`` string column for
    the logs of several scenarios stacked, as in a run folder's event_log.parquet). It
    carries pandas metadata, so ``pandas.read_parquet`` gives the dtypes of
    :meth:`EventLog.to_frame`."""
    codes = pa.int32()
    fields = [
        pa.field("replication", pa.int64(), nullable=False),
        pa.field("patient_id", pa.int64(), nullable=False),
        pa.field("event_type", pa.dictionary(codes, pa.string()), nullable=False),
        pa.field("event", pa.dictionary(codes, pa.string()), nullable=False),
        pa.field("time", pa.float64(), nullable=False),
        pa.field("service", pa.dictionary(codes, pa.string()), nullable=False),
        pa.field("organisation", pa.dictionary(codes, pa.string()), nullable=False),
        pa.field("resource_id", pa.int64()),
    ]
    template = pd.DataFrame(
        {
            "replication": pd.Series(dtype="int64"),
            "patient_id": pd.Series(dtype="int64"),
            "event_type": pd.Categorical([], categories=pd.Index(EVENT_TYPES)),
            "event": pd.Categorical([], categories=pd.Index([], dtype="str")),
            "time": pd.Series(dtype="float64"),
            "service": pd.Categorical([], categories=pd.Index([], dtype="str")),
            "organisation": pd.Categorical([], categories=pd.Index([], dtype="str")),
            "resource_id": pd.Series(dtype="Int64"),
        }
    )
    if scenario:
        fields.insert(0, pa.field("scenario", pa.string(), nullable=False))
        template.insert(0, "scenario", pd.Series(dtype="str"))
    metadata = pa.Schema.from_pandas(template, preserve_index=False).metadata
    return pa.schema(fields, metadata=metadata)


def _encode(rows: Sequence[_Row], replication: int, services: dict[str, str]) -> pa.Table:
    """Buffered events as an Arrow table of :func:`arrow_schema`. Dictionaries hold the
    values in order of first appearance, so chunks read back together (Arrow unifies their
    dictionaries chunk by chunk) give the same categories as the whole log encoded at once."""
    n = len(rows)

    def column(k: int, dtype: type[np.generic]) -> np.ndarray:
        return np.fromiter(map(itemgetter(k), rows), dtype=dtype, count=n)

    def strings(k: int) -> pa.DictionaryArray:
        return pa.array(list(map(itemgetter(k), rows)), pa.string()).dictionary_encode()

    service = strings(4)
    # Organisations follow services: encoding the organisations of the services in their
    # order of first appearance gives the organisations in theirs.
    org_of_service = pa.array(
        [services.get(s, "") for s in service.dictionary.to_pylist()], pa.string()
    ).dictionary_encode()
    organisation = pa.DictionaryArray.from_arrays(
        org_of_service.indices.take(service.indices), org_of_service.dictionary
    )
    slots = column(5, np.int64)
    arrays: list[Any] = [
        pa.array(np.full(n, replication, dtype=np.int64)),
        pa.array(column(0, np.int64)),
        pa.DictionaryArray.from_arrays(
            pa.array(column(1, np.int32)), pa.array(EVENT_TYPES, pa.string())
        ),
        strings(2),
        pa.array(column(3, np.float64)),
        service,
        organisation,
        pa.array(slots + 1, pa.int64(), mask=slots < 0),
    ]
    return pa.Table.from_arrays(arrays, schema=arrow_schema())


def _frame(table: pa.Table) -> pd.DataFrame:
    """``table`` as pandas reads it from a file (its pandas metadata gives the dtypes)."""
    if table.num_rows == 0:
        # Parquet keeps no dictionary for a column without values, so an empty log reads
        # back with no categories at all: give exactly that (a file has no row groups then).
        import pyarrow.parquet as pq

        buffer = pa.BufferOutputStream()
        pq.ParquetWriter(buffer, table.schema).close()
        return pd.read_parquet(pa.BufferReader(buffer.getvalue()))
    frame: pd.DataFrame = table.to_pandas()
    return frame


def empty_event_log() -> pd.DataFrame:
    """A log with no events, with the columns and dtypes of :meth:`EventLog.to_frame`."""
    return _frame(_encode([], 0, {}))


def concat_event_logs(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Event logs (of replications, or scenarios) stacked in order. The categories of each
    categorical column are the union of the frames' in order of appearance, as when their
    Parquet files are read back together, so the result is the same whether the logs were
    kept in memory or streamed (pandas alone would fall back to strings where the sets of
    categories differ)."""
    if not frames:
        return empty_event_log()
    frames = list(frames)
    for col in CATEGORICAL_COLUMNS:
        union = list(dict.fromkeys(v for f in frames if col in f for v in f[col].cat.categories))
        frames = [
            f.assign(**{col: f[col].cat.set_categories(union)}) if col in f else f for f in frames
        ]
    return pd.concat(frames, ignore_index=True)


def to_vidigi(event_log: pd.DataFrame, time_unit_minutes: bool = True) -> pd.DataFrame:
    """The event log with vidigi's column names (``entity_id``, ``run_number``) and only the
    event types vidigi animates. Times are converted to minutes unless told otherwise."""
    out = event_log[event_log["event_type"].isin(_VIDIGI_TYPES)].rename(
        columns={"patient_id": "entity_id", "replication": "run_number"}
    )
    out = out.assign(event_type=out["event_type"].astype(str), event=out["event"].astype(str))
    if time_unit_minutes:
        out = out.assign(time=out["time"] * 24 * 60)
    return out.reset_index(drop=True)
