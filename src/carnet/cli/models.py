"""``carnet models``: the model registry: list, show, register, stage, alias, history, download."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carnet.cli import output
from carnet.cli.common import OutputOption, TrackingUriOption, existing_store, open_store, resolve_run
from carnet.cli.datasets import dataset_json, datasets_table
from carnet.cli.output import OutputFormat
from carnet.entities import DatasetInput, ModelStage, ModelVersion, ModelVersionEvent, RegisteredModel
from carnet.exceptions import InvalidArgument, NotFound
from carnet.sdk.registry import resolve_source
from carnet.store.base import TrackingStore

app = typer.Typer(
    name="models",
    help="The model registry: list, show, register, stage, alias, history and download registered models.",
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="The registered model's name.", show_default=False)]
VersionArgument = Annotated[int, typer.Argument(help="The version number (1, 2, ...).", show_default=False)]

_STAGE_STYLES = {
    ModelStage.PRODUCTION: "bold green",
    ModelStage.STAGING: "cyan",
    ModelStage.ARCHIVED: "dim",
    ModelStage.NONE: "",
}


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "")


def _stage(stage: ModelStage) -> Text:
    return Text(stage.value, style=_STAGE_STYLES[stage])


def _model_store(ctx: typer.Context, tracking_uri: str | None, name: str) -> TrackingStore:
    return existing_store(ctx, tracking_uri, f"registered model {name!r}")


def version_json(v: ModelVersion) -> dict[str, Any]:
    return {
        "name": v.name,
        "version": v.version,
        "current_stage": v.current_stage.value,
        "source": v.source,
        "run_id": v.run_id,
        "model_id": v.model_id,
        "description": v.description,
        "user_id": v.user_id,
        "status": v.status,
        "creation_timestamp": v.creation_timestamp,
        "last_updated_timestamp": v.last_updated_timestamp,
        "tags": dict(sorted(v.tags.items())),
        "aliases": list(v.aliases),
    }


def model_json(m: RegisteredModel) -> dict[str, Any]:
    return {
        "name": m.name,
        "description": m.description,
        "creation_timestamp": m.creation_timestamp,
        "last_updated_timestamp": m.last_updated_timestamp,
        "tags": dict(sorted(m.tags.items())),
        "aliases": dict(sorted(m.aliases.items())),
        "latest_versions": [version_json(v) for v in m.latest_versions],
    }


def event_json(e: ModelVersionEvent) -> dict[str, Any]:
    return {
        "version": e.version,
        "kind": e.kind,
        "from": e.from_value,
        "to": e.to_value,
        "user_id": e.user_id,
        "timestamp": e.timestamp,
    }


def _latest_text(model: RegisteredModel) -> str:
    ordered = sorted(model.latest_versions, key=lambda v: -v.version)
    return ", ".join(f"v{v.version} {v.current_stage.value}" for v in ordered)


@app.command("list")
def list_models(
    ctx: typer.Context,
    filter_string: Annotated[
        str | None,
        typer.Option(
            "--filter",
            "-f",
            help="e.g. \"name LIKE 'iris%'\" or \"tags.team = 'vision'\".",
            show_default=False,
        ),
    ] = None,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List registered models by name, with their latest version per stage and their aliases."""
    store = open_store(ctx, tracking_uri, create=False)
    models: list[RegisteredModel] = []
    token: str | None = None
    while store is not None:
        page = store.search_registered_models(filter_string, 1000, None, token)
        models.extend(page.models)
        token = page.next_page_token
        if not token:
            break
    if output_format is OutputFormat.json:
        output.print_json([model_json(m) for m in models])
        return
    rows = [
        (
            m.name,
            _latest_text(m),
            ", ".join(f"{a} → v{v}" for a, v in sorted(m.aliases.items())),
            output.format_time(m.last_updated_timestamp),
            m.description,
        )
        for m in models
    ]
    output.print_table(["Name", "Latest versions", "Aliases", "Updated", "Description"], rows)
    if not models:
        output.hint("no registered models yet: register one with `carnet models register NAME SOURCE`")


def _lineage(store: TrackingStore, version: ModelVersion) -> str:
    """``run <id> in experiment <name> (id <n>)`` when the run is still there."""
    if not version.run_id:
        return ""
    try:
        run = store.get_run(version.run_id)
        experiment = store.get_experiment(run.info.experiment_id)
    except NotFound:
        return f"run {version.run_id} (deleted)"
    where = f"experiment {experiment.name} (id {experiment.experiment_id})"
    return f"run {run.info.run_name} ({run.info.run_id}) in {where}"


def _datasets(store: TrackingStore, version: ModelVersion) -> list[DatasetInput]:
    """The datasets the version's run (or its logged model's run) logged as inputs."""
    try:
        run_id = version.run_id
        if not run_id and version.model_id:
            run_id = store.get_logged_model(version.model_id).source_run_id
        return store.get_run_inputs(run_id) if run_id else []
    except NotFound:  # deleted since: the lineage line says so
        return []


def _show_version(store: TrackingStore, version: ModelVersion, output_format: OutputFormat) -> None:
    lineage = _lineage(store, version)
    datasets = _datasets(store, version)
    if output_format is OutputFormat.json:
        body = version_json(version)
        body["lineage"] = lineage
        body["datasets"] = [dataset_json(d) for d in datasets]
        output.print_json(body)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    rows: list[tuple[str, Any]] = [
        ("Model", version.name),
        ("Version", str(version.version)),
        ("Stage", _stage(version.current_stage)),
        ("Aliases", ", ".join(version.aliases)),
        ("Source", version.source),
        ("From", lineage),
        ("Logged model", version.model_id or ""),
        ("Registered", output.format_time(version.creation_timestamp)),
        ("Updated", output.format_time(version.last_updated_timestamp)),
        ("By", version.user_id),
        ("Description", version.description),
    ]
    for key, value in rows:
        if value not in ("", None):
            grid.add_row(key, output.cell(value))
    parts: list[Any] = [
        Panel(grid, title=Text(f"{version.name} v{version.version}"), title_align="left", expand=False)
    ]
    if version.tags:
        table = output.make_table(["Tag", "Value"], title="Tags")
        for key, value in sorted(version.tags.items()):
            table.add_row(Text(key), Text(value))
        parts.append(table)
    if datasets:
        parts.append(datasets_table(datasets, title="Datasets (run inputs)"))
    output.stdout_console().print(Group(*parts))


@app.command("show")
def show_model(
    ctx: typer.Context,
    name: NameArgument,
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Show this version in detail.", show_default=False)
    ] = None,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Show a registered model and its versions (or one version, with its run and experiment)."""
    store = _model_store(ctx, tracking_uri, name)
    if version is not None:
        _show_version(store, store.get_model_version(name, version), output_format)
        return
    model = store.get_registered_model(name)
    escaped = name.replace("'", "''")
    versions = store.search_model_versions(f"name = '{escaped}'", 10_000).versions
    if output_format is OutputFormat.json:
        body = model_json(model)
        body["versions"] = [version_json(v) for v in versions]
        output.print_json(body)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for key, value in (
        ("Name", model.name),
        ("Description", model.description),
        ("Created", output.format_time(model.creation_timestamp)),
        ("Updated", output.format_time(model.last_updated_timestamp)),
        ("Aliases", ", ".join(f"{a} → v{v}" for a, v in sorted(model.aliases.items()))),
        ("Tags", ", ".join(f"{k}={v}" for k, v in sorted(model.tags.items()))),
    ):
        if value:
            grid.add_row(key, output.cell(value))
    table = output.make_table(
        ["Version", "Stage", "Aliases", "Registered", "Run", "Source"], [True], title="Versions"
    )
    for v in versions:
        table.add_row(
            Text(str(v.version)),
            _stage(v.current_stage),
            Text(", ".join(v.aliases)),
            Text(output.format_time(v.creation_timestamp)),
            Text(v.run_id or ""),
            Text(v.source),
        )
    output.stdout_console().print(
        Group(Panel(grid, title=Text(model.name), title_align="left", expand=False), table)
    )


def _parse_tags(items: list[str]) -> dict[str, str]:
    tags = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"--tag: expected KEY=VALUE, got {item!r}", field="tags")
        tags[key] = value
    return tags


def _source_of(store: TrackingStore, source: str, run: str | None) -> tuple[str, str | None, str | None]:
    """The source to register, its run id and logged model id: ``runs:/<run or prefix>/<path>``,
    ``models:/<m-id>``, or a path inside the files of ``--run``."""
    if source.startswith("runs:/"):
        ref, _, path = source.removeprefix("runs:/").lstrip("/").partition("/")
        found = resolve_run(store, ref)
        # As the SDK does (and MLflow 3): a model logged from the run under this name is the
        # logged model's folder, not a folder of the run's own files.
        runs_uri = f"runs:/{found.info.run_id}/{path}"
        resolved = resolve_source(store, runs_uri)
        if resolved.model_id is not None:
            return resolved.location, found.info.run_id, resolved.model_id
        return runs_uri, found.info.run_id, None
    if source.startswith("models:/"):
        return source, resolve_run(store, run).info.run_id if run else None, None
    if run is None:
        raise InvalidArgument(
            f"source: {source!r}: give the run whose files hold the model with --run, "
            "or use runs:/<run>/<path> or models:/<model id>",
            field="source",
        )
    found = resolve_run(store, run)
    if "://" in source or os.path.isabs(source):
        return source, found.info.run_id, None
    from carnet.utils import join_uri

    return join_uri(found.info.artifact_uri, *source.strip("/").split("/")), found.info.run_id, None


@app.command("register")
def register_model(
    ctx: typer.Context,
    name: NameArgument,
    source: Annotated[
        str,
        typer.Argument(
            help="runs:/<run id>/<path>, models:/<logged model id>, or a path inside the files of --run.",
            show_default=False,
        ),
    ],
    run: Annotated[
        str | None,
        typer.Option("--run", "-r", help="The run (id or prefix) the model comes from.", show_default=False),
    ] = None,
    description: Annotated[str | None, typer.Option("--description", "-d", show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="KEY=VALUE; repeat for more.")] = None,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Register a model as the next version of NAME (creating NAME if needed)."""
    store = _model_store(ctx, tracking_uri, name)
    tags = _parse_tags(tag or [])
    resolved, run_id, model_id = _source_of(store, source, run)
    try:
        store.get_registered_model(name)
    except NotFound:
        store.create_registered_model(name)
        output.hint(f"created registered model {name!r}")
    version = store.create_model_version(
        name,
        resolved,
        run_id=run_id,
        model_id=model_id,
        tags=tags,
        description=description,
        user_id=_user(),
    )
    if output_format is OutputFormat.json:
        output.print_json(version_json(version))
    else:
        output.info(f"registered {name} version {version.version} from {version.source}")


@app.command("stage")
def stage_version(
    ctx: typer.Context,
    name: NameArgument,
    version: VersionArgument,
    stage: Annotated[
        str, typer.Argument(help="None, Staging, Production or Archived (any case).", show_default=False)
    ],
    archive_existing: Annotated[
        bool,
        typer.Option("--archive-existing", help="Move the other versions in that stage to Archived."),
    ] = False,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Move a version to another stage."""
    store = _model_store(ctx, tracking_uri, name)
    before = store.get_model_version(name, version).current_stage
    moved = store.transition_model_version_stage(name, version, stage, archive_existing, _user())
    output.info(f"{name} version {version}: {before.value} → {moved.current_stage.value}")


@app.command("alias")
def alias_version(
    ctx: typer.Context,
    name: NameArgument,
    alias: Annotated[
        str, typer.Argument(help="e.g. champion (not 'latest' or v<number>).", show_default=False)
    ],
    version: Annotated[
        int | None, typer.Argument(help="The version to point the alias at.", show_default=False)
    ] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the alias instead.")] = False,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Point an alias at a version (models:/NAME@ALIAS then loads it), or remove it with --delete."""
    store = _model_store(ctx, tracking_uri, name)
    if delete:
        if version is not None:
            raise InvalidArgument("--delete: give the alias only, not a version", field="version")
        store.delete_registered_model_alias(name, alias, _user())
        output.info(f"removed alias {alias} of {name}")
        return
    if version is None:
        raise InvalidArgument(
            "version: give the version to point the alias at (or --delete)", field="version"
        )
    store.set_registered_model_alias(name, alias, version, _user())
    output.info(f"{name}@{alias} → version {version}")


_EVENT_TEXT = {
    "created": "registered",
    "stage": "stage",
    "alias_set": "alias set",
    "alias_deleted": "alias removed",
    "deleted": "deleted",
}


@app.command("history")
def version_history(
    ctx: typer.Context,
    name: NameArgument,
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Only this version's changes.", show_default=False)
    ] = None,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Every version registration, stage and alias change and deletion: who, when, from, to."""
    store = _model_store(ctx, tracking_uri, name)
    events = store.get_model_version_history(name, version)
    if output_format is OutputFormat.json:
        output.print_json([event_json(e) for e in events])
        return
    rows = [
        (
            output.format_time(e.timestamp),
            e.version,
            _EVENT_TEXT.get(e.kind, e.kind),
            e.from_value or "",
            e.to_value or "",
            e.user_id,
        )
        for e in events
    ]
    output.print_table(["When", "Version", "Change", "From", "To", "By"], rows, numeric=[False, True])


def resolve_version(store: TrackingStore, name: str, ref: str) -> ModelVersion:
    """A version by number (``3``), alias (``@champion``), stage (``Production``) or ``latest``."""
    text = ref.strip()
    if text.startswith("@"):
        return store.get_model_version_by_alias(name, text[1:])
    if text.isdigit():
        return store.get_model_version(name, text)
    if text.lower() == "latest":
        found = store.get_latest_versions(name)
    else:
        found = store.get_latest_versions(name, [ModelStage.parse(text)])
    if not found:
        raise NotFound(f"registered model {name!r} has no version in {text!r}", field="version")
    return max(found, key=lambda v: v.version)


def _split_location(location: str) -> tuple[str, str]:
    """A location as (its folder, its last segment), for local paths and URIs alike."""
    if "://" in location and not location.startswith("file://"):
        parent, _, leaf = location.rstrip("/").rpartition("/")
        return parent, leaf
    path = Path(location.removeprefix("file://"))
    return str(path.parent), path.name


@app.command("download")
def download_version(
    ctx: typer.Context,
    name: NameArgument,
    ref: Annotated[
        str,
        typer.Argument(
            help="A version number (3), an alias (@champion), a stage (Production) or latest.",
            metavar="VERSION",
            show_default=False,
        ),
    ],
    destination: Annotated[
        Path | None,
        typer.Option(
            "--to", help="The folder to copy into (default: ./<name>-v<version>).", show_default=False
        ),
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Copy a version's model files to a local folder."""
    store = _model_store(ctx, tracking_uri, name)
    version = resolve_version(store, name, ref)
    location = store.get_model_version_download_uri(name, version.version)
    folder, leaf = _split_location(location)
    target = destination or Path(f"{name}-v{version.version}")
    target.mkdir(parents=True, exist_ok=True)
    written = store.artifact_repository(folder).download(leaf, target)
    output.info(f"downloaded {name} version {version.version} to {written}")
