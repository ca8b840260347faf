"""``carnet runs``: search, show, delete and restore runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carnet.cli import output
from carnet.cli.common import (
    NO_WORKSPACE_HINT,
    OutputOption,
    TrackingUriOption,
    existing_store,
    open_store,
    resolve_experiment,
    resolve_run,
    view_type,
)
from carnet.cli.datasets import dataset_json, datasets_table
from carnet.cli.output import OutputFormat
from carnet.entities import LifecycleStage, MetricInfo, Run, ViewType
from carnet.exceptions import InvalidArgument
from carnet.search import ENTITY_PREFIXES
from carnet.utils import now_ms

app = typer.Typer(name="runs", help="Search, show, delete and restore runs.", no_args_is_help=True)

RunIdArgument = Annotated[
    str,
    typer.Argument(
        help="The run's id, or a unique start of it (at least 4 characters).",
        metavar="RUN_ID",
        show_default=False,
    ),
]

# Default table: at most this many metric and param columns (pick others with --columns).
MAX_DEFAULT_METRICS = 8
MAX_DEFAULT_PARAMS = 8

# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------

Kind = Literal["attribute", "metric", "param", "tag"]


@dataclass(frozen=True)
class Column:
    """One column of ``runs list``: ``key`` is its JSON key (``run_name``, ``metrics.rmse``)."""

    kind: Kind
    name: str

    @property
    def key(self) -> str:
        if self.kind == "attribute":
            return self.name
        return f"{self.kind}s.{self.name}"

    @property
    def header(self) -> str:
        if self.kind == "attribute":
            return _ATTRIBUTES[self.name].header
        return self.name

    @property
    def numeric(self) -> bool:
        return self.kind == "metric" or (self.kind == "attribute" and _ATTRIBUTES[self.name].numeric)

    @property
    def wraps(self) -> bool:
        """Free text may wrap in a narrow terminal; ids, statuses, times and numbers never do."""
        return self.kind != "metric" and (self.kind != "attribute" or self.name not in _NO_WRAP)


@dataclass(frozen=True)
class _Attribute:
    header: str
    json: Callable[[Run, dict[str, str]], Any]
    table: Callable[[Run, dict[str, str]], Any]
    numeric: bool = False


def _duration_ms(run: Run, *, until_now: bool) -> int | None:
    end = run.info.end_time
    if end is None:
        return now_ms() - run.info.start_time if until_now else None
    return end - run.info.start_time


def _duration_s(run: Run) -> float | None:
    ms = _duration_ms(run, until_now=False)
    return None if ms is None else ms / 1000


def _attr(
    header: str,
    get: Callable[[Run, dict[str, str]], Any],
    table: Callable[..., Any] | None = None,
    numeric: bool = False,
) -> _Attribute:
    return _Attribute(header, get, table or get, numeric)


_ATTRIBUTES: dict[str, _Attribute] = {
    "run_id": _attr("Run ID", lambda r, _: r.info.run_id, lambda r, _: r.info.run_id[:8]),
    "run_name": _attr("Name", lambda r, _: r.info.run_name),
    "experiment_id": _attr("Exp. ID", lambda r, _: r.info.experiment_id, numeric=True),
    "experiment_name": _attr("Experiment", lambda r, names: names.get(r.info.experiment_id, "")),
    "status": _attr(
        "Status", lambda r, _: r.info.status.value, lambda r, _: output.status_text(r.info.status)
    ),
    "lifecycle_stage": _attr("Stage", lambda r, _: r.info.lifecycle_stage.value),
    "start_time": _attr(
        "Start", lambda r, _: r.info.start_time, lambda r, _: output.format_time(r.info.start_time)
    ),
    "end_time": _attr("End", lambda r, _: r.info.end_time, lambda r, _: output.format_time(r.info.end_time)),
    "duration_s": _attr(
        "Duration",
        lambda r, _: _duration_s(r),
        lambda r, _: output.format_duration(_duration_ms(r, until_now=True)),
        numeric=True,
    ),
    "user_id": _attr("User", lambda r, _: r.info.user_id),
    "parent_run_id": _attr("Parent", lambda r, _: r.info.parent_run_id),
    "source_type": _attr("Source type", lambda r, _: r.info.source_type),
    "source_name": _attr("Source", lambda r, _: r.info.source_name),
    "git_commit": _attr("Git commit", lambda r, _: r.info.git_commit),
    "git_dirty": _attr("Dirty", lambda r, _: r.info.git_dirty),
    "description": _attr("Description", lambda r, _: r.info.description),
    "artifact_uri": _attr("Artifact URI", lambda r, _: r.info.artifact_uri),
}

_NO_WRAP = frozenset(
    {
        "run_id",
        "experiment_id",
        "status",
        "lifecycle_stage",
        "start_time",
        "end_time",
        "duration_s",
        "git_dirty",
    }
)

_ATTRIBUTE_ALIASES = {
    "id": "run_id",
    "run_uuid": "run_id",
    "name": "run_name",
    "experiment": "experiment_name",
    "stage": "lifecycle_stage",
    "start": "start_time",
    "created": "start_time",
    "end": "end_time",
    "duration": "duration_s",
    "user": "user_id",
    "parent": "parent_run_id",
    "source": "source_name",
}


DEFAULT_ATTRIBUTES = ("run_id", "run_name", "status", "start_time", "duration_s")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "`\"'":
        return text[1:-1]
    return text


def parse_columns(spec: str) -> list[Column]:
    """``run_name,status,metrics.rmse,params.alpha`` as columns; raises ``InvalidArgument`` naming
    an unknown column."""
    columns: list[Column] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        prefix, dot, rest = item.partition(".")
        kind = ENTITY_PREFIXES.get(prefix.lower()) if dot else None
        if kind is not None and rest.strip():
            name = _unquote(rest.strip())
            column = _attribute_column(name, item) if kind == "attribute" else Column(kind, name)
        else:
            column = _attribute_column(item, item)
        if column not in columns:
            columns.append(column)
    if not columns:
        raise InvalidArgument(
            "columns: no column given; e.g. --columns run_name,status,metrics.rmse", field="columns"
        )
    return columns


def _attribute_column(name: str, written: str) -> Column:
    canonical = _ATTRIBUTE_ALIASES.get(name.lower(), name.lower())
    if canonical not in _ATTRIBUTES:
        known = ", ".join(sorted(_ATTRIBUTES))
        raise InvalidArgument(
            f"columns: unknown column {written!r}; use metrics.<name>, params.<name>, tags.<name> "
            f"or one of {known}",
            field="columns",
        )
    return Column("attribute", canonical)


def _keys_in_order(runs: Sequence[Run], kind: Kind, first: Sequence[str]) -> list[str]:
    found: set[str] = set()
    for run in runs:
        found.update(run.data.metrics if kind == "metric" else run.data.params)
    return [k for k in first if k in found] + sorted(found - set(first))


def _mentioned(filter_string: str | None, order_by: Sequence[str]) -> dict[str, list[str]]:
    """Metric and param keys named in the filter and order-by, so their columns come first."""
    from carnet.search import And, Comparison, Node, Not, Or, parse_filter, parse_order_by

    out: dict[str, list[str]] = {"metric": [], "param": []}

    def add(entity: str, key: str) -> None:
        if entity in out and key not in out[entity]:
            out[entity].append(key)

    for key in parse_order_by(list(order_by)):
        add(key.ident.entity, key.ident.key)

    def walk(node: Node | None) -> None:
        if isinstance(node, Comparison):
            add(node.ident.entity, node.ident.key)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    walk(parse_filter(filter_string))
    return out


def default_columns(
    runs: Sequence[Run], filter_string: str | None, order_by: Sequence[str], view: ViewType
) -> tuple[list[Column], int]:
    """The default table columns, and how many metric/param columns were left out."""
    columns = [Column("attribute", name) for name in DEFAULT_ATTRIBUTES]
    if len({r.info.experiment_id for r in runs}) > 1:
        columns.insert(2, Column("attribute", "experiment_name"))
    if view is not ViewType.ACTIVE_ONLY:
        columns.insert(
            columns.index(Column("attribute", "status")) + 1, Column("attribute", "lifecycle_stage")
        )
    mentioned = _mentioned(filter_string, order_by)
    metrics = _keys_in_order(runs, "metric", mentioned["metric"])
    params = _keys_in_order(runs, "param", mentioned["param"])
    columns += [Column("metric", k) for k in metrics[:MAX_DEFAULT_METRICS]]
    columns += [Column("param", k) for k in params[:MAX_DEFAULT_PARAMS]]
    hidden = max(0, len(metrics) - MAX_DEFAULT_METRICS) + max(0, len(params) - MAX_DEFAULT_PARAMS)
    return columns, hidden


def column_json(column: Column, run: Run, names: dict[str, str]) -> Any:
    if column.kind == "attribute":
        return _ATTRIBUTES[column.name].json(run, names)
    if column.kind == "metric":
        return run.data.metrics.get(column.name)
    if column.kind == "param":
        return run.data.params.get(column.name)
    return run.data.tags.get(column.name)


def column_cell(column: Column, run: Run, names: dict[str, str]) -> Any:
    if column.kind == "attribute":
        return _ATTRIBUTES[column.name].table(run, names)
    value = column_json(column, run, names)
    return "" if value is None else value


# ---------------------------------------------------------------------------------------------
# JSON form of a run
# ---------------------------------------------------------------------------------------------


def run_json(run: Run, names: dict[str, str]) -> dict[str, Any]:
    """Everything about a run, with stable keys (times in ms since the epoch, duration in s)."""
    info = run.info
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "experiment_name": names.get(info.experiment_id),
        "status": info.status.value,
        "lifecycle_stage": info.lifecycle_stage.value,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "duration_s": _duration_s(run),
        "user_id": info.user_id,
        "parent_run_id": info.parent_run_id,
        "source_type": info.source_type,
        "source_name": info.source_name,
        "git_commit": info.git_commit,
        "git_dirty": info.git_dirty,
        "description": info.description,
        "artifact_uri": info.artifact_uri,
        "params": dict(sorted(run.data.params.items())),
        "metrics": dict(sorted(run.data.metrics.items())),
        "tags": dict(sorted(run.data.tags.items())),
    }


def _experiment_names(store: Any) -> dict[str, str]:
    return {e.experiment_id: e.name for e in store.search_experiments(ViewType.ALL)}


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

_LIST_HELP = (
    "Search runs and print them as a table or JSON, newest first unless --order-by says otherwise."
    "\n\n"
    "Filter grammar (MLflow's, plus OR, NOT and parentheses): metrics.NAME, params.NAME, tags.NAME and "
    "attributes.NAME (run_id, run_name, status, user_id, start_time, end_time, source_name, git_commit, "
    "parent_run_id, ...) compared with = != < <= > >= (numbers for metrics, quoted strings for params and "
    "tags), LIKE, ILIKE, IN (...), IS NULL or IS NOT NULL, combined with AND, OR, NOT and parentheses."
    "\n\n"
    "Examples:"
    "\n\n"
    'carnet runs list -e ridge -f "metrics.rmse < 60 and params.alpha = \'0.1\'" -o "metrics.rmse ASC"'
    "\n\n"
    "carnet runs list -f \"status = 'Failed' or tags.team IN ('a', 'b')\" -c run_name,metrics.rmse"
    "\n\n"
    "carnet runs list --output json | jq '.[].metrics.rmse'"
)


@app.command("list", help=_LIST_HELP)
def list_runs(
    ctx: typer.Context,
    experiments: Annotated[
        list[str] | None,
        typer.Option(
            "--experiment",
            "-e",
            help="Experiment name or id; repeat for several (default: every active experiment).",
            show_default=False,
        ),
    ] = None,
    filter_string: Annotated[
        str | None,
        typer.Option(
            "--filter", "-f", help="e.g. \"metrics.rmse < 60 and params.alpha = '0.1'\"", show_default=False
        ),
    ] = None,
    order_by: Annotated[
        list[str] | None,
        typer.Option(
            "--order-by",
            "-o",
            help='e.g. "metrics.rmse ASC" or "start_time DESC"; repeat for tie-breakers.',
            show_default=False,
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
            help="Comma list, e.g. run_name,status,metrics.rmse,params.alpha (default: id, name, status, "
            "start, duration, then the metrics and params found).",
            show_default=False,
        ),
    ] = None,
    max_results: Annotated[int, typer.Option("--max-results", "-n", help="At most this many runs.")] = 50,
    all_: Annotated[bool, typer.Option("--all", help="Include deleted runs.")] = False,
    deleted: Annotated[bool, typer.Option("--deleted", help="Only deleted runs.")] = False,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    from carnet.search import parse_filter, parse_order_by

    view = view_type(all_, deleted)
    order = list(order_by or [])
    chosen = parse_columns(columns) if columns is not None else None
    parse_filter(filter_string)  # report a bad filter even where there is nothing to search
    parse_order_by(order)
    store = open_store(ctx, tracking_uri, create=False)
    runs: list[Run] = []
    more = False
    names: dict[str, str] = {}
    if store is not None:
        names = _experiment_names(store)
        if experiments:
            ids = list(dict.fromkeys(resolve_experiment(store, ref).experiment_id for ref in experiments))
        else:
            # Deleting an experiment deletes its runs: look in deleted experiments too when asked.
            ids = [
                e.experiment_id
                for e in store.search_experiments(
                    ViewType.ACTIVE_ONLY if view is ViewType.ACTIVE_ONLY else ViewType.ALL
                )
            ]
        if ids:
            page = store.search_runs(ids, filter_string, view, max_results, order or None)
            runs, more = page.runs, page.next_page_token is not None

    if output_format is OutputFormat.json:
        if chosen is None:
            output.print_json([run_json(r, names) for r in runs])
        else:
            output.print_json([{c.key: column_json(c, r, names) for c in chosen} for r in runs])
    else:
        if chosen is None:
            shown, hidden = default_columns(runs, filter_string, order, view)
        else:
            shown, hidden = chosen, 0
        rows = [[column_cell(c, r, names) for c in shown] for r in runs]
        hidden += output.print_table(
            [c.header for c in shown],
            rows,
            numeric=[c.numeric for c in shown],
            wrap=[c.wraps for c in shown],
            # default metric and param columns give way when the terminal is too narrow for them
            droppable_from=None if chosen is not None else sum(c.kind == "attribute" for c in shown),
        )
        if hidden:
            what = "column is" if hidden == 1 else "columns are"
            output.hint(f"{hidden} more metric/param {what} not shown: pick columns with --columns")
    if store is None:
        output.hint(NO_WORKSPACE_HINT)
    elif more:
        output.hint(f"showing the first {len(runs)} matching runs; more match: raise --max-results")
    elif not runs and output_format is OutputFormat.table:
        output.hint("no runs match")


def _metric_info_json(m: MetricInfo) -> dict[str, Any]:
    return {
        "name": m.name,
        "kind": m.kind.value,
        "description": m.description,
        "count": m.count,
        "last_value": m.last_value,
        "last_step": m.last_step,
        "last_timestamp": m.last_timestamp,
    }


@app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: RunIdArgument,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Show one run: its info, params, metrics, tags, dataset inputs and files."""
    store = existing_store(ctx, tracking_uri, f"run {run_id}")
    run = resolve_run(store, run_id)
    names = _experiment_names(store)
    infos = store.get_metric_infos(run.info.run_id)
    datasets = store.get_run_inputs(run.info.run_id)
    files = [
        f for f in store.artifact_repository(run.info.artifact_uri).list_files(recursive=True) if not f.is_dir
    ]

    if output_format is OutputFormat.json:
        body = run_json(run, names)
        body["metric_infos"] = [_metric_info_json(m) for m in infos]
        body["datasets"] = [dataset_json(d) for d in datasets]
        body["files"] = [{"path": f.path, "size": f.file_size} for f in files]
        output.print_json(body)
        return

    info = run.info
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    git = ""
    if info.git_commit:
        git = info.git_commit + (" (dirty)" if info.git_dirty else "")
    end = output.format_time(info.end_time) if info.end_time is not None else "-"
    rows: list[tuple[str, Any]] = [
        ("Name", info.run_name),
        ("ID", info.run_id),
        ("Experiment", f"{names.get(info.experiment_id, '?')} (id {info.experiment_id})"),
        ("Status", output.status_text(info.status)),
        ("Start", output.format_time(info.start_time)),
        ("End", end),
        ("Duration", output.format_duration(_duration_ms(run, until_now=True))),
        ("User", info.user_id),
        ("Source", f"{info.source_name} ({info.source_type})" if info.source_type else info.source_name),
        ("Git commit", git),
        ("Parent", info.parent_run_id or ""),
        ("Description", info.description),
        ("Artifacts", info.artifact_uri),
    ]
    if info.lifecycle_stage is LifecycleStage.DELETED:
        rows.insert(4, ("Stage", Text("deleted", style="bold yellow")))
    for key, value in rows:
        if value not in ("", None):
            grid.add_row(key, output.cell(value))
    parts: list[Any] = [Panel(grid, title=Text(f"Run {info.run_name}"), title_align="left", expand=False)]

    if run.data.params:
        table = output.make_table(["Param", "Value"], title="Params")
        for key, value in sorted(run.data.params.items()):
            table.add_row(Text(key), Text(value))
        parts.append(table)
    if infos:
        table = output.make_table(
            ["Metric", "Kind", "Count", "Last value", "Last step"],
            [False, False, True, True, True],
            title="Metrics",
        )
        for m in infos:
            table.add_row(
                Text(m.name),
                Text(m.kind.value),
                Text(str(m.count)),
                Text(output.format_number(m.last_value)),
                Text("" if m.last_step is None else str(m.last_step)),
            )
        parts.append(table)
    if run.data.tags:
        table = output.make_table(["Tag", "Value"], title="Tags")
        for key, value in sorted(run.data.tags.items()):
            table.add_row(Text(key), Text(value))
        parts.append(table)
    if datasets:
        parts.append(datasets_table(datasets))
    if files:
        table = output.make_table(["File", "Size"], [False, True], title="Files")
        for f in files:
            table.add_row(Text(f.path), Text(output.format_size(f.file_size)))
        parts.append(table)
    output.stdout_console().print(Group(*parts))


@app.command("delete")
def delete_run(ctx: typer.Context, run_id: RunIdArgument, tracking_uri: TrackingUriOption = None) -> None:
    """Delete a run (soft delete: `carnet runs restore` brings it back)."""
    store = existing_store(ctx, tracking_uri, f"run {run_id}")
    run = resolve_run(store, run_id)
    store.delete_run(run.info.run_id)
    output.info(f"deleted run {run.info.run_id} ({run.info.run_name})")
    output.hint(f"undo with: carnet runs restore {run.info.run_id}")


@app.command("restore")
def restore_run(ctx: typer.Context, run_id: RunIdArgument, tracking_uri: TrackingUriOption = None) -> None:
    """Restore a deleted run."""
    store = existing_store(ctx, tracking_uri, f"run {run_id}")
    run = resolve_run(store, run_id)
    store.restore_run(run.info.run_id)
    output.info(f"restored run {run.info.run_id} ({run.info.run_name})")
