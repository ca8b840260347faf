"""``runs/*``: create, get, update, delete, restore, search and the logging calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from carnet.entities import Metric, Param, RunStatus, RunTag
from carnet.exceptions import InvalidArgument, LimitExceeded
from carnet.server import checks
from carnet.server.deps import StoreDep
from carnet.server.mlflow import convert
from carnet.server.mlflow.datasets import parse_inputs
from carnet.server.mlflow.deps import ArtifactRootDep
from carnet.server.mlflow.request import (
    Body,
    Message,
    Query,
    answer,
    as_float,
    as_int,
    as_list,
    key_values,
    required,
    run_id_of,
    text,
)
from carnet.store.base import LogBatch, NewRun, TrackingStore

router = APIRouter(prefix="/runs")

MAX_METRICS = 1000
MAX_PARAMS = 100
MAX_TAGS = 100
MAX_ENTITIES = 1000
SEARCH_MAX_RESULTS = 50_000


@router.post("/create")
def create(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    tags = dict(key_values(body.get("tags"), "tags"))
    run_name = str(body.get("run_name") or tags.get(convert.RUN_NAME_TAG) or "") or None
    tags.pop(convert.RUN_NAME_TAG, None)
    checks.check_optional_name(run_name, "run_name")
    new = NewRun(
        experiment_id=str(body.get("experiment_id") or "0"),
        run_name=run_name,
        start_time=as_int(body, "start_time"),
        user_id=str(tags.pop(convert.USER_TAG, "") or body.get("user_id") or ""),
        parent_run_id=tags.pop(convert.PARENT_RUN_TAG, None) or None,
        source_type=tags.pop(convert.SOURCE_TYPE_TAG, ""),
        source_name=tags.pop(convert.SOURCE_NAME_TAG, ""),
        git_commit=tags.pop(convert.GIT_COMMIT_TAG, None) or None,
        description=tags.pop(convert.NOTE_TAG, ""),
        tags=tags,
    )
    checks.check_tags(tags)
    checks.check_description(new.description)
    return {"run": convert.run(store.create_run(new), root)}


@router.get("/get")
def get(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    run_id = run_id_of(query)
    run = store.get_run(run_id)
    latest = {
        i.name: (i.last_timestamp or 0, i.last_step or 0)
        for i in store.get_metric_infos(run_id)
        if i.last_value is not None
    }
    out = convert.run(run, root, latest, store.get_run_inputs(run_id))
    outputs = store.get_run_outputs(run_id)
    if outputs:  # lets the client link metrics logged after log_model to the model
        out["outputs"] = {"model_outputs": [{"model_id": o.model_id, "step": o.step} for o in outputs]}
    return {"run": out}


@router.post("/update")
def update(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    run_id = run_id_of(body)
    status = RunStatus.parse(str(body["status"])) if body.get("status") else None
    run_name = str(body["run_name"]) if body.get("run_name") else None
    checks.check_optional_name(run_name, "run_name")
    current = store.get_run(run_id).info
    if status is not None and status is current.status:
        status = None  # MLflow lets a run be set to the status it has
    info = store.update_run(run_id, status, as_int(body, "end_time"), run_name)
    return {"run_info": convert.run_info(info, root)}


@router.post("/delete")
def delete(body: Body, store: StoreDep) -> Message:
    store.delete_run(run_id_of(body))
    return {}


@router.post("/restore")
def restore(body: Body, store: StoreDep) -> Message:
    store.restore_run(run_id_of(body))
    return {}


def _metrics(items: list[Any]) -> list[Metric]:
    """The batch's metrics. Well-formed items (what the mlflow client sends) take a fast path;
    anything else goes through :func:`_metric`, which says what is wrong."""
    out: list[Metric] = []
    append = out.append
    for item in items:
        if type(item) is dict:
            key, value, timestamp = item.get("key"), item.get("value"), item.get("timestamp")
            step = item.get("step", 0)
            if (
                type(key) is str
                and key
                and type(value) is float
                and type(timestamp) is int
                and type(step) is int
            ):
                append(Metric(key, value, timestamp, step))
                continue
        append(_metric(item))
    return out


def _metric(item: Any) -> Metric:
    if not isinstance(item, dict):
        raise InvalidArgument("metrics: each metric must be an object", field="metrics")
    key = text(item, "key")
    value = as_float(required(item, "value"), "value")
    timestamp = as_int(item, "timestamp")
    if timestamp is None:
        raise InvalidArgument("Missing value for required parameter 'timestamp'", field="timestamp")
    return Metric(key, value, timestamp, as_int(item, "step", 0) or 0)


def _log(
    store: TrackingStore,
    run_id: str,
    metrics: list[Metric],
    params: list[tuple[str, str]],
    tags: list[tuple[str, str]],
) -> None:
    checks.check_metric_keys(m.key for m in metrics)
    checks.check_params(params)
    seen: dict[str, str] = {}
    for key, value in params:
        if key in seen and seen[key] != value:
            raise InvalidArgument(
                f"Duplicate parameter keys have been submitted: {key!r} appears more than once",
                field="params",
            )
        seen[key] = value
    plain: dict[str, str] = {}
    for key, value in tags:
        if key == convert.RUN_NAME_TAG:
            checks.check_entity_name(value, "run_name")
            store.update_run(run_id, run_name=value)
        elif key == convert.NOTE_TAG:
            checks.check_description(value)
            store.update_run(run_id, description=value)
        else:
            plain[key] = value
    checks.check_tags(plain)
    batch = LogBatch(
        metrics=metrics,
        params=[Param(k, v) for k, v in seen.items()],
        tags=[RunTag(k, v) for k, v in plain.items()],
    )
    if batch:
        store.log_batch(run_id, batch)


@router.post("/log-metric")
def log_metric(body: Body, store: StoreDep) -> Message:
    _log(store, run_id_of(body), [_metric(body)], [], [])
    return {}


@router.post("/log-parameter")
def log_param(body: Body, store: StoreDep) -> Message:
    value = body.get("value")
    _log(store, run_id_of(body), [], [(text(body, "key"), "" if value is None else str(value))], [])
    return {}


@router.post("/set-tag")
def set_tag(body: Body, store: StoreDep) -> Message:
    value = body.get("value")
    _log(store, run_id_of(body), [], [], [(text(body, "key"), "" if value is None else str(value))])
    return {}


@router.post("/delete-tag")
def delete_tag(body: Body, store: StoreDep) -> Message:
    store.log_batch(run_id_of(body), LogBatch(deleted_tags=(text(body, "key"),)))
    return {}


@router.post("/log-batch")
def log_batch(body: Body, store: StoreDep) -> Message:
    metrics = _metrics(as_list(body.get("metrics")))
    params = key_values(body.get("params"), "params")
    tags = key_values(body.get("tags"), "tags")
    for name, items, limit in (
        ("metrics", metrics, MAX_METRICS),
        ("params", params, MAX_PARAMS),
        ("tags", tags, MAX_TAGS),
    ):
        if len(items) > limit:
            raise LimitExceeded(
                f"A batch logging request can contain at most {limit} {name}. Got {len(items)} {name}.",
                field=name,
            )
    if len(metrics) + len(params) + len(tags) > MAX_ENTITIES:
        raise LimitExceeded(
            f"A batch logging request can contain at most {MAX_ENTITIES} metrics, params and tags in total",
            field="metrics",
        )
    _log(store, run_id_of(body), metrics, params, tags)
    return {}


@router.post("/log-inputs")
def log_inputs(body: Body, store: StoreDep) -> Message:
    run_id = run_id_of(body)
    datasets = parse_inputs(body.get("datasets"))
    if datasets:
        store.log_inputs(run_id, datasets)
    else:  # model inputs alone (``models``) are accepted and not kept
        store.get_run(run_id)
    return {}


@router.post("/search")
def search(body: Body, store: StoreDep, root: ArtifactRootDep) -> Response:
    max_results = as_int(body, "max_results", 1000) or 1000
    if not 0 < max_results <= SEARCH_MAX_RESULTS:
        raise InvalidArgument(
            f"Invalid value {max_results} for parameter 'max_results': "
            f"it must be at most {SEARCH_MAX_RESULTS}",
            field="max_results",
        )
    order_by = [str(o) for o in as_list(body.get("order_by"))]
    page = store.search_runs(
        [str(e) for e in as_list(body.get("experiment_ids"))],
        str(body.get("filter") or "") or None,
        convert.view_type(body.get("run_view_type")),
        max_results,
        order_by or None,
        str(body.get("page_token") or "") or None,
    )
    inputs = store.get_runs_inputs([r.info.run_id for r in page.runs])
    out: Message = {"runs": [convert.run(r, root, inputs=inputs.get(r.info.run_id)) for r in page.runs]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return answer(out)
