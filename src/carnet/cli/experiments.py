"""``carnet experiments``: list, create, rename, delete and restore experiments."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from carnet.cli import output
from carnet.cli.common import (
    NO_WORKSPACE_HINT,
    OutputOption,
    TrackingUriOption,
    display_uri,
    existing_store,
    open_store,
    resolve_experiment,
    view_type,
    workspace,
)
from carnet.cli.output import OutputFormat
from carnet.entities import Experiment, LifecycleStage
from carnet.validation import check_artifact_location, check_entity_name

app = typer.Typer(
    name="experiments",
    help="List, create, rename, delete and restore experiments.",
    no_args_is_help=True,
)

IdOrName = Annotated[
    str, typer.Argument(help="The experiment's id or name.", metavar="EXPERIMENT", show_default=False)
]


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "lifecycle_stage": experiment.lifecycle_stage.value,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "artifact_location": experiment.artifact_location,
        "tags": dict(sorted(experiment.tags.items())),
    }


@app.command("list")
def list_experiments(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include deleted experiments.")] = False,
    deleted: Annotated[bool, typer.Option("--deleted", help="Only deleted experiments.")] = False,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List experiments (active ones unless --all or --deleted), oldest first."""
    view = view_type(all_, deleted)
    store = open_store(ctx, tracking_uri, create=False)
    experiments = store.search_experiments(view) if store is not None else []
    if output_format is OutputFormat.json:
        output.print_json([experiment_json(e) for e in experiments])
    else:
        rows = [
            (
                e.experiment_id,
                e.name,
                Text(
                    e.lifecycle_stage.value,
                    style="dim" if e.lifecycle_stage is LifecycleStage.DELETED else "",
                ),
                output.format_time(e.creation_time),
                e.artifact_location,
            )
            for e in experiments
        ]
        output.print_table(
            ["ID", "Name", "Stage", "Created", "Artifact location"],
            rows,
            numeric=[True],
            wrap=[False, True, False, False, True],
        )
    if store is None:
        output.hint(NO_WORKSPACE_HINT)


@app.command("create")
def create_experiment(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="A name not used by any experiment (even a deleted one).", metavar="NAME")
    ],
    artifact_location: Annotated[
        str | None,
        typer.Option(
            "--artifact-location",
            help="Folder for the runs' files (default: under the workspace).",
            show_default=False,
        ),
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Create an experiment (and the workspace, if there is none yet)."""
    check_entity_name(name, "name")
    if artifact_location:
        check_artifact_location(artifact_location, "--artifact-location")
    ws = workspace(ctx, tracking_uri)
    experiment_id = ws.store.create_experiment(name, artifact_location)
    output.info(f"created experiment {name!r} (id {experiment_id}) in {display_uri(ws.tracking_uri)}")


@app.command("rename")
def rename_experiment(
    ctx: typer.Context,
    experiment: IdOrName,
    new_name: Annotated[str, typer.Argument(help="The new name.", metavar="NEW_NAME", show_default=False)],
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Rename an experiment."""
    check_entity_name(new_name, "new_name")
    store = existing_store(ctx, tracking_uri, f"experiment {experiment!r}")
    found = resolve_experiment(store, experiment)
    store.rename_experiment(found.experiment_id, new_name)
    output.info(f"renamed experiment {found.experiment_id} from {found.name!r} to {new_name!r}")


@app.command("delete")
def delete_experiment(
    ctx: typer.Context,
    experiment: IdOrName,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Delete an experiment and its runs (soft delete: `carnet experiments restore` brings them back)."""
    store = existing_store(ctx, tracking_uri, f"experiment {experiment!r}")
    found = resolve_experiment(store, experiment)
    store.delete_experiment(found.experiment_id)
    output.info(f"deleted experiment {found.name!r} (id {found.experiment_id}) and its runs")
    output.hint(f"undo with: carnet experiments restore {found.experiment_id}")


@app.command("restore")
def restore_experiment(
    ctx: typer.Context,
    experiment: IdOrName,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Restore a deleted experiment and its runs."""
    store = existing_store(ctx, tracking_uri, f"experiment {experiment!r}")
    found = resolve_experiment(store, experiment)
    store.restore_experiment(found.experiment_id)
    output.info(f"restored experiment {found.name!r} (id {found.experiment_id}) and its runs")
