"""``carnet predict MODEL_URI -i INPUT -o OUTPUT.parquet``: batch scoring with a progress bar."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from carnet.cli import output
from carnet.cli.common import AllowPickleOption, TrackingUriOption, TrustedTypesOption, state

ERRORS_SHOWN = 5


def predict(
    ctx: typer.Context,
    model_uri: Annotated[
        str, typer.Argument(help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a folder.")
    ],
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="A .csv or .parquet file, or a folder of them.")
    ],
    output_path: Annotated[Path, typer.Option("--output", "-o", help="The .parquet file to write.")],
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Rows read, scored and written at a time (bounds memory).")
    ] = 100_000,
    method: Annotated[str, typer.Option(help="predict or predict_proba.")] = "predict",
    keep_columns: Annotated[
        bool,
        typer.Option(
            "--keep-columns/--predictions-only", help="Write the input columns beside the predictions."
        ),
    ] = True,
    allow_pickle: AllowPickleOption = False,
    trusted_types: TrustedTypesOption = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Score a table (or a folder of them) with a model, chunk by chunk, into a Parquet file.

    Rows the model cannot score are listed with the reason in OUTPUT.errors.csv (and the command
    exits with 1); every other row is scored.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from carnet import pyfunc
    from carnet.exceptions import InvalidValue
    from carnet.serving.batch import count_rows, input_files, model_predictor, numeric_columns, predict_files

    if method not in ("predict", "predict_proba"):
        raise InvalidValue(f"method: {method!r} is not predict or predict_proba", field="method")
    files = input_files(input_path)  # fail on a bad input before loading the model
    uri = tracking_uri or state(ctx).tracking_uri
    types = [t.strip() for t in (trusted_types or "").split(",") if t.strip()]
    model = pyfunc.load_model(
        model_uri, allow_pickle=True if allow_pickle else None, trusted_types=types or None, tracking_uri=uri
    )
    if method != "predict" and not hasattr(model, method):
        raise InvalidValue(f"method: this model has no {method}", field="method")
    started = time.perf_counter()
    with Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeRemainingColumn(),
        console=output.stderr_console(),
        transient=True,
    ) as progress:
        task = progress.add_task("rows", total=count_rows(files))
        summary = predict_files(
            model_predictor(model, method),
            input_path,
            output_path,
            chunk_rows=chunk_size,
            keep_columns=keep_columns,
            numeric=numeric_columns(model),
            on_rows=lambda n: progress.advance(task, n),
        )
    seconds = time.perf_counter() - started
    rate = summary.rows_in / seconds if seconds > 0 else 0.0
    output.info(
        f"Scored {summary.rows_scored:,} of {summary.rows_in:,} row(s) from {summary.files} file(s) into "
        f"{output_path} in {seconds:.1f} s ({rate:,.0f} rows/s)."
    )
    if summary.errors:
        for error in summary.errors[:ERRORS_SHOWN]:
            output.error(f"{error.file} row {error.row}: {error.reason}")
        more = len(summary.errors) - ERRORS_SHOWN
        output.error(
            f"{len(summary.errors):,} row(s) could not be scored"
            + (f" ({more:,} more not shown)" if more > 0 else ""),
            f"every failing row and its reason is in {summary.errors_path}",
        )
        raise typer.Exit(1)
