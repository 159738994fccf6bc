"""Event logs of a run folder on disk: one file per replication, joined at the end into the
run's ``event_log.parquet`` without ever holding a whole log in memory.

A replication's log arrives either as a finished Parquet file (streamed by the replication
as it ran into a :class:`pathsim.experiment.parquet_log.ParquetSink`) or as a DataFrame (runs
on Dask, results from the Python API); both are stored in the same format (the schema of
:func:`pathsim.experiment.parquet_log.arrow_schema`), so the joined file is the same either
way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pathsim.atomic import atomic_path
from pathsim.experiment.parquet_log import COMPRESSION, arrow_schema
from pathsim.experiment.runner import ComparisonResult
from pathsim.model.eventlog import EVENT_LOG_COLUMNS
from pathsim.model.replication import ReplicationResult


def store_log(r: ReplicationResult, target: Path, staging: Path) -> bool:
    """Puts the event log of ``r`` at ``target``: a file streamed into ``staging`` is moved
    there, a file elsewhere (the caller's own) is copied, a DataFrame is written. Returns
    whether ``r`` has an event log."""
    if r.event_log_file is not None:
        if r.event_log_file.parent == staging:
            os.replace(r.event_log_file, target)
        else:
            shutil.copyfile(r.event_log_file, target)
        return True
    if r.event_log is not None:
        write_frame(target, r.event_log)
        return True
    return False


def write_frame(path: Path, frame: pd.DataFrame) -> None:
    """An event log held in memory written in the format of a streamed one."""
    import pyarrow.parquet as pq

    table = frame_table(frame)
    pq.write_table(table, path, row_group_size=max(1, table.num_rows), compression=COMPRESSION)


def write_event_log(path: Path, result: ComparisonResult) -> bool:
    """Writes the event logs of every scenario and replication of ``result`` to ``path``
    (atomically), in the order of ``result.event_log``: each log's row groups are appended
    in turn, read one at a time from its file (or converted from memory), so no log is held
    whole. ``pandas.read_parquet`` on the file equals ``result.event_log``. Writes nothing
    and returns False when the event log was off."""
    import pyarrow.parquet as pq

    logs = [r.event_log is not None or r.event_log_file is not None for _, r in _logs(result)]
    if not any(logs):
        return False
    schema = arrow_schema(scenario=True)
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, compression=COMPRESSION) as out:
        for label, r in _logs(result):
            for table in _tables(r, label):
                out.write_table(table, row_group_size=max(1, table.num_rows))
    return True


def _logs(result: ComparisonResult) -> Iterator[tuple[str, ReplicationResult]]:
    for e in result.experiments:
        for r in e.results:
            yield e.label, r


def _tables(r: ReplicationResult, label: str) -> Iterable[pa.Table]:
    if r.event_log_file is not None:
        yield from read_row_groups(r.event_log_file, scenario=label)
    elif r.event_log is not None:
        table = frame_table(r.event_log)
        if table.num_rows:
            yield with_scenario(table, label)


# -- reading task logs as Arrow tables of the one schema ----------------------------------
def read_row_groups(path: str | Path, scenario: str | None = None) -> Iterator[pa.Table]:
    """Yields the row groups of the event-log file ``path`` one at a time as Arrow tables
    of :func:`arrow_schema` (with a ``scenario`` column when ``scenario`` is given), so that
    files can be joined without holding any of them whole."""
    import pyarrow.parquet as pq

    target = arrow_schema()
    file = pq.ParquetFile(path)
    for i in range(file.num_row_groups):
        table = file.read_row_group(i).select(list(EVENT_LOG_COLUMNS))
        if not table.schema.equals(target, check_metadata=False):
            table = _conform(table)
        yield table if scenario is None else with_scenario(table, scenario)


def with_scenario(table: pa.Table, scenario: str) -> pa.Table:
    """An event-log table with a leading ``scenario`` column (:func:`arrow_schema` with
    ``scenario=True``)."""
    column = pa.repeat(pa.scalar(scenario, pa.string()), table.num_rows)
    return table.add_column(0, pa.field("scenario", pa.string(), nullable=False), column)


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """An event-log DataFrame (as from :meth:`EventLog.to_frame`) as an Arrow table of
    :func:`arrow_schema`."""
    return _conform(pa.Table.from_pandas(frame[list(EVENT_LOG_COLUMNS)], preserve_index=False))


def _conform(table: pa.Table) -> pa.Table:
    """``table`` (event-log columns, written by an earlier pathsim or by pandas) cast to
    :func:`arrow_schema`."""
    target = arrow_schema()
    columns = []
    for field in target:
        column = table.column(field.name).combine_chunks()
        if pa.types.is_dictionary(field.type):
            if not pa.types.is_dictionary(column.type):
                column = column.dictionary_encode()
            column = pa.DictionaryArray.from_arrays(
                column.indices.cast(pa.int32()), column.dictionary.cast(pa.string())
            )
        else:
            column = column.cast(field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=target)
