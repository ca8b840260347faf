"""The ``carnet`` command line: a thin layer that parses, calls the library and prints.

Every :class:`~carnet.exceptions.CarnetError` ends the command with a one-line ``Error: ...`` on
stderr (plus a hint when one helps) and the error's ``exit_code``; never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from carnet.cli import automl, db, endpoints, experiments, models, output, runs
from carnet.cli import jobs as jobs_cli
from carnet.cli.common import CliState
from carnet.cli.predict import predict
from carnet.cli.serve import serve
from carnet.cli.server import server
from carnet.cli.sync import sync
from carnet.cli.ui import ui
from carnet.config import ENV_TRACKING_URI
from carnet.exceptions import CarnetError, InvalidFilter, NotFound, SchemaOutOfDate

__all__ = ["app", "main"]


def _hint_for(exc: CarnetError) -> str | None:
    explicit = exc.details.get("hint")
    if explicit:
        return str(explicit)
    if isinstance(exc, InvalidFilter):
        return "see `carnet runs list --help` for the filter and order-by grammar"
    if isinstance(exc, NotFound) and exc.field == "run_id":
        return "list runs with `carnet runs list` (add --all to include deleted ones)"
    if (
        isinstance(exc, NotFound)
        and exc.field in ("name", "version", "alias")
        and "registered model" in exc.message
    ):
        return "see `carnet models list` and `carnet models show NAME`"
    if isinstance(exc, SchemaOutOfDate):
        return None  # the message already says what to run
    return None


def report(exc: CarnetError) -> None:
    output.error(exc.message or str(exc), _hint_for(exc))


class CarnetGroup(TyperGroup):
    """The root command group: turns carnet's errors into a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return super().invoke(ctx)
        except CarnetError as exc:
            report(exc)
            raise typer.Exit(exc.exit_code) from None
        except SQLAlchemyError as exc:  # e.g. the database server cannot be reached
            lines = str(getattr(exc, "orig", exc)).strip().splitlines()
            output.error(f"database error: {lines[0] if lines else type(exc).__name__}")
            raise typer.Exit(1) from None


app = typer.Typer(
    name="carnet",
    cls=CarnetGroup,
    help="carnet: track machine-learning experiments, runs, metrics and files.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["--help", "-h"]},
)
app.add_typer(experiments.app, name="experiments")
app.add_typer(runs.app, name="runs")
app.add_typer(models.app, name="models")
app.add_typer(db.app, name="db")
app.add_typer(automl.app, name="automl")
app.add_typer(endpoints.app, name="endpoints")
app.command(name="server")(server)
app.command(name="sync")(sync)
app.command(name="ui")(ui)
app.command(name="serve")(serve)
app.command(name="predict")(predict)
app.add_typer(jobs_cli.app, name="job")
app.add_typer(jobs_cli.compute_app, name="compute")
app.command(name="worker")(jobs_cli.worker)


def _print_version(value: bool) -> None:
    if value:
        from carnet import __version__

        typer.echo(f"carnet {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            "--tracking-uri",
            "-u",
            envvar=ENV_TRACKING_URI,
            help="sqlite:///file.db, postgresql://user@host/db or a workspace folder "
            "(default: the nearest .carnet folder).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print carnet's version and exit."
        ),
    ] = False,
) -> None:
    """carnet: track machine-learning experiments, runs, metrics and files."""
    ctx.obj = CliState(tracking_uri=tracking_uri or None)


def main() -> None:
    """The console script: ``carnet ...`` and ``python -m carnet ...``."""
    try:
        app(prog_name="carnet")
    except CarnetError as exc:  # raised outside a command (the group catches the rest)
        report(exc)
        sys.exit(exc.exit_code)
