"""The event log of a replication as a Parquet file: the sink a run's log is streamed to.

The model's :class:`~pathsim.model.eventlog.EventLog` hands its events over in chunks to a
sink it is given (:class:`~pathsim.model.eventlog.EventSink`); :class:`ParquetSink` writes
each chunk as one row group of a file with the fixed schema :func:`arrow_schema` (zstd
compressed), under a temporary name beside the target (:func:`pathsim.atomic.atomic_path`)
that is renamed into place when the run has finished and removed when it failed. Read back
with ``pandas.read_parquet``, the file is exactly the DataFrame the log would have given in
memory (:meth:`~pathsim.model.eventlog.EventLog.to_frame`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pathsim.atomic import atomic_path
from pathsim.model.eventlog import EVENT_TYPES, EventSinkFactory, Row

if TYPE_CHECKING:
    import pyarrow.parquet as pq

COMPRESSION = "zstd"
"""Parquet compression of event-log files: about 15% smaller than snappy (pandas' default)
on the event log, and as fast to write."""


class ParquetSink:
    """An open Parquet writer on the temporary file of :func:`pathsim.atomic.atomic_path`
    for ``target``, writing the events of replication ``replication`` (``services`` gives
    each service's organisation): renamed into place by :meth:`close`, removed by
    :meth:`abort` or when closing fails."""

    def __init__(self, target: str | Path, replication: int, services: Mapping[str, str]) -> None:
        import pyarrow.parquet as pq

        self.target = Path(target)
        self.replication = replication
        self.services = dict(services)
        self.written = 0
        self._file = atomic_path(self.target)
        self.tmp = self._file.__enter__()
        try:
            self.writer: pq.ParquetWriter | None = pq.ParquetWriter(
                self.tmp, arrow_schema(), compression=COMPRESSION
            )
        except BaseException as exc:
            self._file.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def __repr__(self) -> str:
        return f"ParquetSink({str(self.target)!r})"

    def write(self, rows: Sequence[Row]) -> None:
        """Writes ``rows`` as one row group."""
        if self.writer is None:
            raise RuntimeError(f"the event log {self.target} is already closed")
        table = encode(rows, self.replication, self.services)
        self.writer.write_table(table, row_group_size=max(1, table.num_rows))
        self.written += table.num_rows

    def close(self) -> Path:
        """Closes the file and renames it into place; returns its path."""
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
        """Removes the unfinished file (nothing to do once closed)."""
        writer, self.writer = self.writer, None
        if writer is not None:  # else closed and renamed already, or aborted
            try:
                writer.close()
            finally:
                stop = RuntimeError(f"the event log {self.target} was abandoned")
                self._file.__exit__(RuntimeError, stop, None)  # removes the file


def parquet_sink(path: str | Path) -> EventSinkFactory:
    """The sink factory (for :func:`pathsim.model.replication.simulate`) that streams the
    replication's event log to the Parquet file ``path``."""
    target = Path(path)

    def make(replication: int, services: Mapping[str, str]) -> ParquetSink:
        return ParquetSink(target, replication, services)

    return make


@functools.cache
def arrow_schema(scenario: bool = False) -> pa.Schema:
    """The Arrow schema of an event-log file (with a leading ``scenario`` string column for
    the logs of several scenarios stacked, as in a run folder's event_log.parquet). It
    carries pandas metadata, so ``pandas.read_parquet`` gives the dtypes of
    :meth:`~pathsim.model.eventlog.EventLog.to_frame`."""
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


def encode(rows: Sequence[Row], replication: int, services: Mapping[str, str]) -> pa.Table:
    """Recorded events as an Arrow table of :func:`arrow_schema`. Dictionaries hold the
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
