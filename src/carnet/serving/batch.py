"""Batch scoring (``carnet predict``): CSV or Parquet files, or a folder of them, scored chunk by
chunk into one Parquet file.

Only one chunk is in memory at a time. When a chunk fails, it is split in halves until the rows
that fail are found, so every other row is still scored; each failing row is reported with its file,
its row number and the reason, in the summary and in ``<output>.errors.csv``. Nothing is dropped
silently.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carnet.exceptions import InvalidArgument, InvalidValue, NotFound
from carnet.models.schema import ColSpec

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
DEFAULT_CHUNK_ROWS = 100_000
PREDICTION_COLUMN = "prediction"


class InputMismatch(InvalidValue):
    """The input as a whole does not fit the model (a column the signature requires is missing):
    no row could be scored, so the command stops instead of reporting every row."""


@dataclass(frozen=True)
class RowError:
    """A row the model could not score: the file, the row's number in it (from 0) and why."""

    file: str
    row: int
    reason: str


@dataclass
class BatchSummary:
    files: int = 0
    rows_in: int = 0
    rows_scored: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_path: Path | None = None


def input_files(path: str | Path) -> list[Path]:
    """The CSV and Parquet files ``path`` names: itself, or those in the folder, in name order."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise InvalidValue(f"input: {str(path)!r} is neither .csv nor .parquet", field="input")
        return [path]
    if not path.is_dir():
        raise NotFound(f"input: nothing at {str(path)!r}", field="input")
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InvalidValue(f"input: the folder {str(path)!r} holds no .csv or .parquet files", field="input")
    return files


def count_rows(files: Sequence[Path]) -> int:
    """Rows in ``files`` (Parquet from its footer; CSV by counting lines, less the header)."""
    import pyarrow.parquet as pq

    total = 0
    for file in files:
        if SUFFIXES[file.suffix.lower()] == "parquet":
            total += pq.ParquetFile(file).metadata.num_rows
        else:
            lines, last = 0, b"\n"
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    lines += block.count(b"\n")
                    last = block[-1:]
            total += max(lines + (last != b"\n") - 1, 0)  # a last line without its newline; the header
    return total


def read_chunks(file: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if SUFFIXES[file.suffix.lower()] == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(file).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
        return
    try:
        yield from pd.read_csv(file, chunksize=chunk_rows)
    except (ValueError, pd.errors.ParserError) as e:
        raise InvalidValue(f"input: {file.name} is not a valid CSV table ({e})", field="input") from None


def _chunks(files: Sequence[Path], chunk_rows: int) -> Iterator[tuple[Path, pd.DataFrame]]:
    for file in files:
        for chunk in read_chunks(file, chunk_rows):
            yield file, chunk


def prefetched(items: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """``items``, produced in a background thread up to ``depth`` ahead: the next chunk is read
    while this one is scored (pyarrow and the tree models release the GIL). An error in the
    producer is raised here, in order."""
    import queue
    import threading

    buffer: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(("item", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(("done", None))
        except BaseException as exc:  # handed to the consumer, raised there
            buffer.put(("error", exc))

    thread = threading.Thread(target=produce, name="carnet-predict-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = buffer.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def prediction_frame(predictions: Any, index: pd.Index) -> pd.DataFrame:
    """Predictions as columns: ``prediction`` for one value per row, ``prediction_<i>`` for several
    (class probabilities), a DataFrame's own columns prefixed with ``prediction_``."""
    if isinstance(predictions, pd.DataFrame):
        out = predictions.add_prefix(f"{PREDICTION_COLUMN}_")
        out.index = index
        return out
    array = predictions.to_numpy() if isinstance(predictions, pd.Series) else np.asarray(predictions)
    if array.ndim == 1:
        return pd.DataFrame({PREDICTION_COLUMN: array}, index=index)
    if array.ndim == 2:
        return pd.DataFrame(
            {f"{PREDICTION_COLUMN}_{i}": array[:, i] for i in range(array.shape[1])}, index=index
        )
    raise InvalidValue(
        f"model output: predictions of shape {array.shape} do not fit in a table", field="output"
    )


class _Scoring:
    """Scores chunks, bisecting a failing one down to the rows that fail."""

    def __init__(self, predict: Callable[[pd.DataFrame], Any], numeric: Collection[str] | None) -> None:
        self.predict = predict
        self.numeric = numeric

    def score(self, frame: pd.DataFrame) -> tuple[pd.DataFrame | None, list[tuple[int, str]]]:
        """(predictions for the rows that scored, in order; [(position, reason)] for the others)."""
        try:
            return prediction_frame(self.predict(frame), frame.index), []
        except InputMismatch:
            raise
        except Exception as exc:
            if len(frame) == 1:
                return None, [(0, _reason(exc))]
        half = len(frame) // 2
        parts, failures = [], []
        for offset, part in ((0, frame.iloc[:half]), (half, frame.iloc[half:])):
            part = _retyped(part, self.numeric)
            scored, failed = self.score(part)
            if scored is not None:
                parts.append(scored)
            failures += [(offset + position, reason) for position, reason in failed]
        return (pd.concat(parts) if parts else None), failures


def _retyped(frame: pd.DataFrame, numeric: Collection[str] | None) -> pd.DataFrame:
    """Text columns the model wants as numbers converted when every value is one: one bad value in
    a CSV column makes the whole column text, and once its row is split off, the rest are numbers."""
    converted = {}
    for name in frame.columns:
        if numeric is not None and name not in numeric:
            continue
        if pd.api.types.is_numeric_dtype(frame[name]) or not (
            pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name])
        ):
            continue
        try:
            converted[name] = pd.to_numeric(frame[name])
        except (ValueError, TypeError):
            continue
    return frame.assign(**converted) if converted else frame


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}".strip()


def numeric_columns(model: Any) -> set[str] | None:
    """The columns ``model``'s signature types as numbers (None: no column signature, any may be)."""
    signature = getattr(model.metadata, "signature", None)
    schema = signature.inputs if signature is not None else None
    if schema is None or schema.is_tensor:
        return None
    kinds = ("double", "float", "long", "integer")
    return {str(s.name) for s in schema.specs if isinstance(s, ColSpec) and s.type in kinds}


def model_predictor(model: Any, method: str = "predict") -> Callable[[pd.DataFrame], Any]:
    """``model``'s ``method`` as a function of a chunk. Columns the signature does not name (ids,
    labels) are kept in the output but not given to the model, without a warning per chunk."""
    import warnings

    function = getattr(model, method)
    signature = getattr(model.metadata, "signature", None)
    schema = signature.inputs if signature is not None else None
    required = [
        str(s.name)
        for s in (schema.specs if schema is not None and not schema.is_tensor else ())
        if isinstance(s, ColSpec) and s.name is not None and s.required
    ]

    def predict(frame: pd.DataFrame) -> Any:
        missing = [name for name in required if name not in frame.columns]
        if missing:
            raise InputMismatch(
                f"input: missing column(s) {', '.join(repr(m) for m in missing[:5])} required by the model's "
                "signature",
                field=missing[0],
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return function(frame)

    return predict


def predict_files(
    predict: Callable[[pd.DataFrame], Any],
    inputs: str | Path,
    output: str | Path,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    keep_columns: bool = True,
    numeric: Collection[str] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Score every row of ``inputs`` with ``predict`` into the Parquet file ``output`` (the input
    columns, unless ``keep_columns`` is false, then the prediction columns); failing rows go to
    ``<output>.errors.csv``. ``numeric`` names the columns the model takes as numbers (see
    :func:`numeric_columns`; None: any). ``on_rows`` is called with the number of rows each chunk consumed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if chunk_rows < 1:
        raise InvalidArgument("chunk_size: must be at least 1", field="chunk_size")
    out = Path(output)
    if out.suffix.lower() not in (".parquet", ".pq"):
        raise InvalidValue(f"output: {str(out)!r} must end in .parquet", field="output")
    files = input_files(inputs)
    if out.resolve() in {f.resolve() for f in files}:
        raise InvalidValue("output: the output file is one of the inputs", field="output")
    out.parent.mkdir(parents=True, exist_ok=True)
    errors_path = out.with_name(out.stem + ".errors.csv")
    partial = out.with_name(out.name + ".partial")
    summary = BatchSummary(files=len(files))
    scoring = _Scoring(predict, numeric)
    writer: pq.ParquetWriter | None = None
    starts: dict[Path, int] = {}
    try:
        for file, chunk in prefetched(_chunks(files, chunk_rows)):
            start = starts.get(file, 0)
            starts[file] = start + len(chunk)
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            scored, failed = scoring.score(chunk)
            summary.errors += [RowError(file.name, start + pos, reason) for pos, reason in failed]
            if scored is not None:
                kept = chunk.loc[scored.index] if failed else chunk
                table_frame = pd.concat([kept, scored], axis=1) if keep_columns else scored
                table = pa.Table.from_pandas(table_frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema)
                elif table.schema != writer.schema:
                    table = _cast(table, writer.schema, file)
                writer.write_table(table)
                summary.rows_scored += len(scored)
            summary.rows_in += len(chunk)
            if on_rows is not None:
                on_rows(len(chunk))
        if writer is None:  # nothing scored: still leave a valid (empty) file
            pq.write_table(pa.table({PREDICTION_COLUMN: pa.array([], pa.float64())}), partial)
    except BaseException:
        if writer is not None:
            writer.close()
        partial.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()
    partial.replace(out)  # whole or nothing: the output appears once every chunk is in
    errors_path.unlink(missing_ok=True)
    if summary.errors:
        with errors_path.open("w", newline="", encoding="utf-8") as handle:
            rows = csv.writer(handle)
            rows.writerow(["file", "row", "reason"])
            rows.writerows((e.file, e.row, e.reason) for e in summary.errors)
        summary.errors_path = errors_path
    return summary


def _cast(table: Any, schema: Any, file: Path) -> Any:
    try:
        return table.select(schema.names).cast(schema)
    except (KeyError, ValueError, TypeError) as e:  # pyarrow's errors derive from these
        raise InvalidValue(
            f"input: {file.name} does not have the columns and types of the first chunk ({e})", field="input"
        ) from None
