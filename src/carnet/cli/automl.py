"""``carnet automl``: run an AutoML search with a live leaderboard, read a search's leaderboard."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from carnet.cli import output
from carnet.cli.common import OutputOption, TrackingUriOption, state
from carnet.cli.output import OutputFormat

app = typer.Typer(
    name="automl",
    help="AutoML: train many models under a time budget and keep the best (classification, regression, "
    "forecasting).",
    no_args_is_help=True,
)

TOP_ROWS = 10


def _board_rows(board: Any, metric: str, limit: int | None) -> tuple[list[str], list[list[Any]]]:
    headers = ["rank", "framework", metric, "time (s)", "status", "run id", "hyperparameters"]
    rows = []
    for record in board.head(limit).to_dict("records") if limit else board.to_dict("records"):
        rank = record["rank"]
        rows.append(
            [
                "" if rank is None or rank != rank else int(rank),
                record["framework"],
                record.get(metric),
                record.get("training_time_s"),
                record["status"],
                record["run_id"],
                record["hyperparameters"],
            ]
        )
    return headers, rows


def _live_table(board: Any, metric: str) -> Any:
    headers, rows = _board_rows(board, metric, TOP_ROWS)
    table = output.make_table(headers, [True, False, True, True], title=f"Leaderboard (top {TOP_ROWS})")
    for row in rows:
        table.add_row(*[output.cell(v) for v in row])
    return table


class _Screen:
    """The live view: a progress bar over the time budget and the leaderboard so far."""

    def __init__(self, timeout_s: float, metric: str) -> None:
        self.started = time.monotonic()
        self.timeout_s = timeout_s
        self.metric = metric
        self.progress = Progress(
            TextColumn("[bold]searching"),
            BarColumn(),
            TextColumn("{task.fields[trials]} trials"),
            TimeElapsedColumn(),
            TextColumn("of {task.total:.0f}s"),
        )
        self.task = self.progress.add_task("search", total=timeout_s, trials=0)
        self.board: Any = None

    def __rich__(self) -> Group:
        self.progress.update(self.task, completed=min(time.monotonic() - self.started, self.timeout_s))
        parts: list[Any] = [self.progress]
        if self.board is not None:
            parts.append(_live_table(self.board, self.metric))
        return Group(*parts)


@app.command("run")
def run_command(
    ctx: typer.Context,
    data: Annotated[str, typer.Argument(help="A CSV or Parquet file.", show_default=False)],
    task: Annotated[
        str, typer.Option("--task", help="classification, regression or forecasting.", show_default=False)
    ],
    target: Annotated[str, typer.Option("--target", help="The column to predict.", show_default=False)],
    timeout: Annotated[str, typer.Option("--timeout", help="The time budget: 90, 90s, 10m, 1h.")] = "10m",
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="What to rank by (classification: roc_auc, log_loss, accuracy, f1, precision, recall; "
            "regression: rmse, mae, r2, mape; forecasting: mase, smape, rmse).",
            show_default=False,
        ),
    ] = None,
    frameworks: Annotated[
        str | None,
        typer.Option(
            "--frameworks", help="Comma-separated model families (default: all).", show_default=False
        ),
    ] = None,
    experiment: Annotated[
        str | None,
        typer.Option(
            "--experiment",
            "-e",
            help="The experiment of the AutoML run (default: automl).",
            show_default=False,
        ),
    ] = None,
    max_trials: Annotated[
        int | None, typer.Option("--max-trials", help="Stop after this many trials.", show_default=False)
    ] = None,
    time_column: Annotated[
        str | None,
        typer.Option("--time-column", help="Forecasting: the time stamp column.", show_default=False),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option("--horizon", help="Forecasting: how many steps to forecast.", show_default=False),
    ] = None,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Trials trained at once.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="The search's random seed.")] = 0,
    no_notebooks: Annotated[
        bool, typer.Option("--no-notebooks", help="Do not write the exploration and best-model notebooks.")
    ] = False,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Train models on DATA for --task under --timeout, show them ranked as they finish, and log the
    best one (ready to register) with its notebooks."""
    import carnet.automl
    from carnet.automl.validation import parse_timeout
    from carnet.sdk import fluent

    uri = tracking_uri or state(ctx).tracking_uri
    if uri:
        fluent.set_tracking_uri(uri)
    timeout_s = parse_timeout(timeout)
    console = output.stdout_console()
    screen = _Screen(timeout_s, metric or "")

    def on_trial(outcome: Any, board: Any) -> None:
        screen.board = board
        if not screen.metric:
            screen.metric = str(board.columns[2])
        screen.progress.update(screen.task, trials=len(board))
        if not console.is_terminal:
            score = outcome.scores.get(screen.metric)
            shown = output.format_number(score) if score is not None else "-"
            console.print(
                f"trial {outcome.number:>4}  {outcome.framework:<20} {outcome.status:<9} "
                f"{screen.metric}={shown}  {outcome.fit_time_s:.2f}s"
            )

    kwargs: dict[str, Any] = {
        "metric": metric,
        "frameworks": frameworks,
        "timeout": timeout_s,
        "max_trials": max_trials,
        "experiment": experiment,
        "time_column": time_column,
        "horizon": horizon,
        "n_jobs": n_jobs,
        "seed": seed,
        "on_trial": on_trial,
        "notebooks": not no_notebooks,
    }
    if console.is_terminal:
        with Live(screen, console=console, refresh_per_second=4, transient=True):
            result = carnet.automl.run(data, task, target, **kwargs)
    else:
        result = carnet.automl.run(data, task, target, **kwargs)
    headers, rows = _board_rows(result.leaderboard, result.metric, 20)
    output.print_table(headers, rows, [True, False, True, True], title="Leaderboard", droppable_from=5)
    console.print(
        f"best: {result.leaderboard.iloc[0]['framework'] if len(result.leaderboard) else '-'} "
        f"{result.metric}={output.format_number(result.best_score)} ({result.validation})"
    )
    console.print(f"AutoML run: {result.run.id}   model: {result.model_uri}")
    output.hint(f"register it with: carnet models register NAME {result.model_uri}")
    # The best pipeline is saved as a pickle (it holds carnet's own featurizer), so serving asks
    # for the opt-in.
    output.hint(f"serve it with: carnet serve {result.model_uri} --allow-pickle")


@app.command("leaderboard")
def leaderboard_command(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The AutoML run's id.", show_default=False)],
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Show the best N trials.")] = None,
    tracking_uri: TrackingUriOption = None,
    fmt: OutputOption = OutputFormat.table,
) -> None:
    """The trials of an AutoML run (finished or still running), best first."""
    import carnet.automl

    uri = tracking_uri or state(ctx).tracking_uri
    board = carnet.automl.leaderboard(run_id, tracking_uri=uri)
    metric = str(board.columns[2])
    if fmt == OutputFormat.json:
        import json

        output.print_json(json.loads((board.head(limit) if limit else board).to_json(orient="records")))
        return
    headers, rows = _board_rows(board, metric, limit)
    output.print_table(
        headers, rows, [True, False, True, True], title=f"Leaderboard of {run_id}", droppable_from=5
    )
