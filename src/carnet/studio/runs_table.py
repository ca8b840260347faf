"""The runs table of the studio: one page of a search, the chosen columns filled in, children
nested under their parents, and the column names the page could show."""

from __future__ import annotations

from typing import Any

from carnet.entities import Run, ViewType
from carnet.exceptions import InvalidArgument
from carnet.store.base import TrackingStore

ATTRIBUTES = (
    "run_name",
    "status",
    "start_time",
    "end_time",
    "duration",
    "user_id",
    "source_name",
    "source_type",
    "git_commit",
    "run_id",
    "parent_run_id",
)
_PREFIXES = frozenset({"params", "metrics", "tags", "attributes"})
MAX_CHILDREN = 1000  # descendants shown under the parents of one page
MAX_DEPTH = 3  # levels of children below a top-level run
AUTO_COLUMNS = 5  # metrics, and params, shown when the user has chosen no columns


def parse_column(column: str) -> tuple[str, str]:
    """``"metrics.rmse"`` -> ``("metrics", "rmse")``; InvalidArgument naming ``columns``."""
    prefix, dot, key = column.partition(".")
    if not dot or not key or prefix not in _PREFIXES:
        raise InvalidArgument(
            f"columns: {column!r} is not a column; use params.<key>, metrics.<key>, tags.<key> "
            f"or attributes.<{'|'.join(ATTRIBUTES)}>",
            field="columns",
        )
    if prefix == "attributes" and key not in ATTRIBUTES:
        raise InvalidArgument(
            f"columns: unknown attribute {key!r}; use one of {', '.join(ATTRIBUTES)}", field="columns"
        )
    return prefix, key


def column_value(run: Run, prefix: str, key: str) -> Any:
    if prefix == "params":
        return run.data.params.get(key)
    if prefix == "metrics":
        return run.data.metrics.get(key)
    if prefix == "tags":
        return run.data.tags.get(key)
    info = run.info
    if key == "duration":
        return None if info.end_time is None else info.end_time - info.start_time
    value = getattr(info, key)
    return value.value if key == "status" else value


def _row(run: Run, columns: list[tuple[str, str]], names: list[str], depth: int) -> dict[str, Any]:
    info = run.info
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "status": info.status.value,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "parent_run_id": info.parent_run_id,
        "lifecycle_stage": info.lifecycle_stage.value,
        "depth": depth,
        "values": {name: column_value(run, p, k) for name, (p, k) in zip(names, columns, strict=True)},
    }


def _quoted(run_id: str) -> str:
    return "'" + run_id.replace("'", "''") + "'"


def _find_descendants(
    store: TrackingStore,
    experiment_ids: list[str],
    view: ViewType,
    order_by: list[str] | None,
    parents: list[Run],
    children: dict[str, list[Run]],
) -> None:
    """Fill ``children`` (parent id -> its runs, in the table's order) for ``parents`` and their
    descendants, one search per level, down to MAX_DEPTH levels and MAX_CHILDREN runs in all."""
    level, found_count = parents, 0
    for _ in range(MAX_DEPTH):
        if not level or found_count >= MAX_CHILDREN:
            return
        ids = ", ".join(_quoted(r.info.run_id) for r in level)
        found = store.search_runs(
            experiment_ids,
            f"attributes.parent_run_id IN ({ids})",
            view,
            MAX_CHILDREN - found_count,
            order_by,
        ).runs
        for child in found:
            children.setdefault(child.info.parent_run_id or "", []).append(child)
        found_count += len(found)
        level = found


def build_table(
    store: TrackingStore,
    experiment_ids: list[str],
    filter_string: str | None,
    order_by: list[str] | None,
    max_results: int,
    page_token: str | None,
    view: ViewType,
    columns: list[str],
    nested: bool,
    auto_columns: bool = False,
) -> dict[str, Any]:
    """The page as the table shows it: ``rows`` (children after their parent, with ``depth``),
    ``next_page_token``, the ``columns`` filled, and ``available`` param, metric and tag keys seen
    on the page. ``auto_columns`` with no ``columns`` fills the page's first few metrics and
    params."""
    parsed = [parse_column(c) for c in columns]
    text = (filter_string or "").strip()
    nest = nested and not text
    top_filter = "attributes.parent_run_id IS NULL" if nest else (text or None)
    page = store.search_runs(experiment_ids, top_filter, view, max_results, order_by, page_token)
    children: dict[str, list[Run]] = {}
    if nest:
        _find_descendants(store, experiment_ids, view, order_by, page.runs, children)
    if auto_columns and not columns:
        everyone = [*page.runs, *(c for kids in children.values() for c in kids)]
        metrics = sorted({k for r in everyone for k in r.data.metrics})[:AUTO_COLUMNS]
        params = sorted({k for r in everyone for k in r.data.params})[:AUTO_COLUMNS]
        columns = [f"metrics.{k}" for k in metrics] + [f"params.{k}" for k in params]
        parsed = [("metrics", k) for k in metrics] + [("params", k) for k in params]
    rows: list[dict[str, Any]] = []
    seen: list[Run] = []

    def add(run: Run, depth: int) -> None:
        kids = children.get(run.info.run_id, [])
        rows.append({**_row(run, parsed, columns, depth), "child_count": len(kids)})
        seen.append(run)
        for child in kids:
            add(child, depth + 1)

    for run in page.runs:
        add(run, 0)
    available = {
        "params": sorted({k for r in seen for k in r.data.params}),
        "metrics": sorted({k for r in seen for k in r.data.metrics}),
        "tags": sorted({k for r in seen for k in r.data.tags if not k.startswith("mlflow.")}),
        "attributes": list(ATTRIBUTES),
    }
    return {
        "rows": rows,
        "columns": columns,
        "next_page_token": page.next_page_token,
        "available": available,
    }
