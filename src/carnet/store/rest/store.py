"""``RestTrackingStore``: every :class:`TrackingStore` method as one call of the native API."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

from carnet.entities import (
    DatasetInput,
    Experiment,
    LoggedModel,
    LoggedModelPage,
    LoggedModelStatus,
    Metric,
    MetricColumns,
    MetricInfo,
    MetricRecord,
    ModelOutput,
    Param,
    Run,
    RunInfo,
    RunPage,
    RunStatus,
    RunTag,
    ViewType,
)
from carnet.exceptions import InvalidArgument, StoreError
from carnet.schemas import (
    API_PREFIX,
    CreateExperimentResponse,
    DatasetInputSchema,
    ExperimentResponse,
    ExperimentsResponse,
    FinalizeLoggedModelRequest,
    LogBatchRequest,
    LoggedModelResponse,
    LogLoggedModelParamsRequest,
    MetricColumnsResponse,
    MetricDeclarationSchema,
    MetricInfosResponse,
    MetricRecordsResponse,
    ModelOutputSchema,
    NewLoggedModelRequest,
    NewRunRequest,
    ParamSchema,
    RecordWriteSchema,
    RunInfoResponse,
    RunInputsRequest,
    RunInputsResponse,
    RunOutputsRequest,
    RunOutputsResponse,
    RunResponse,
    SearchLoggedModelsRequest,
    SearchLoggedModelsResponse,
    SearchRunsRequest,
    SetLoggedModelTagsRequest,
    TagSchema,
    decode_payload,
    encode_float,
    encode_payload,
    point_of,
    run_from_wire,
)
from carnet.schemas.server_info import ServerInfoResponse
from carnet.store.base import (
    LogBatch,
    MetricDeclaration,
    NewLoggedModel,
    NewRun,
    RecordWrite,
    TrackingStore,
)
from carnet.store.rest.client import RestClient
from carnet.store.rest.jobs import RestJobStore
from carnet.store.rest.registry import RestRegistryStore
from carnet.validation import MAX_BATCH_METRICS

if TYPE_CHECKING:
    from carnet.store.artifacts.base import ArtifactRepository


def _segment(value: str, field: str) -> str:
    """One path segment, percent-encoded; an empty id can never name a resource."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{field}: must not be empty", field=field)
    return quote(value, safe="")


def series_to_wire(metrics: Sequence[Metric], *, strings_for_non_finite: bool = True) -> list[dict[str, Any]]:
    """Points grouped by metric as aligned arrays (the ``series`` of a batch), in logging order.

    Non-finite values become "NaN"/"Infinity"/"-Infinity" unless the encoder does that itself
    (``strings_for_non_finite=False`` when the body goes through pydantic-core's JSON encoder).
    """
    grouped: dict[str, tuple[list[int], list[int], list[float | str]]] = {}
    for key, value, timestamp, step in metrics:
        columns = grouped.get(key)
        if columns is None:
            columns = grouped[key] = ([], [], [])
        columns[0].append(step)
        columns[1].append(timestamp)
        columns[2].append(value)
    out = []
    for key, (steps, timestamps, values) in grouped.items():
        if strings_for_non_finite and not all(map(math.isfinite, values)):  # type: ignore[arg-type]
            values = [encode_float(v) for v in values]  # type: ignore[arg-type]
        out.append({"key": key, "steps": steps, "timestamps": timestamps, "values": values})
    return out


def batch_to_wire(
    batch: LogBatch,
    points: Sequence[Metric] | None = None,
    *,
    first: bool = True,
    strings_for_non_finite: bool = True,
) -> dict[str, Any]:
    """A batch in the wire schema (a JSON-ready dict): its points as ``series`` (``points`` when
    given: one part of a batch split to fit the server's limit), and, for the first part, the rest."""
    body: dict[str, Any] = {
        "series": series_to_wire(
            batch.metrics if points is None else points, strings_for_non_finite=strings_for_non_finite
        )
    }
    if batch.series:
        raise InvalidArgument("batch_to_wire: send points as metrics; series are what the server receives")
    if first:
        rest = LogBatchRequest(
            params=[ParamSchema(key=p.key, value=p.value) for p in batch.params],
            tags=[TagSchema(key=t.key, value=t.value) for t in batch.tags],
            records=[
                RecordWriteSchema(
                    key=r.key, kind=r.kind, payload=encode_payload(r.payload), timestamp=r.timestamp
                )
                for r in batch.records
            ],
            declarations=[
                MetricDeclarationSchema(
                    key=d.key, kind=d.kind, description=d.description, columns=list(d.columns)
                )
                for d in batch.declarations
            ],
            deleted_tags=list(batch.deleted_tags),
        )
        body.update(rest.model_dump(mode="json", exclude_defaults=True))
    if batch.batch_id is not None:
        body["batch_id"] = batch.batch_id
    return body


def batch_from_wire(data: Any) -> LogBatch:
    """The inverse of :func:`batch_to_wire`."""
    body = LogBatchRequest.model_validate(data)
    return LogBatch(
        metrics=[point_of(m) for m in body.metrics]
        + [m for columns in body.series for m in columns.to_entity().to_metrics()],
        params=[Param(p.key, p.value) for p in body.params],
        tags=[RunTag(t.key, t.value) for t in body.tags],
        records=[RecordWrite(r.key, r.kind, decode_payload(r.payload), r.timestamp) for r in body.records],
        declarations=[
            MetricDeclaration(d.key, d.kind, d.description, tuple(d.columns)) for d in body.declarations
        ],
        batch_id=body.batch_id,
        deleted_tags=tuple(body.deleted_tags),
    )


class _Unknown:
    """Not asked yet (None is an answer: the server has no artifact proxy)."""


_UNKNOWN = _Unknown()


def under_root(location: str, root: str | None) -> str | None:
    """``location`` as a '/'-separated path under ``root`` ("" for the root itself), or None when
    there is no root or it lies elsewhere. Both are as the server wrote them: absolute folders (a
    ``file://`` location counts as its path) or ``s3://`` URIs."""
    if not root:
        return None
    if location.startswith("file://"):
        location = urlparse(location).path
    root = root.rstrip("/")
    location = location.rstrip("/")
    if location == root:
        return ""
    return location[len(root) + 1 :] if location.startswith(root + "/") else None


class RestTrackingStore(RestRegistryStore, RestJobStore, TrackingStore):
    """A :class:`TrackingStore` served by a carnet server at ``server_url``.

    Files at a location under the root of the server's artifact proxy go through the proxy, so a
    client on another machine needs no access to the server's folder; other locations (an
    experiment's own ``s3://`` bucket, say) are written directly. ``artifact_root`` is the local
    fallback for runs without a location.
    """

    def __init__(self, server_url: str, artifact_root: str = "", **client_options: Any) -> None:
        self.server_url = server_url.rstrip("/")
        self.artifact_root = artifact_root
        self._client = RestClient(self.server_url, **client_options)
        self._proxy_root: str | _Unknown | None = _UNKNOWN

    def artifact_repository(self, artifact_uri: str) -> ArtifactRepository:
        relative = under_root(artifact_uri, self._artifact_proxy_root())
        if relative is None:
            return super().artifact_repository(artifact_uri)
        from carnet.store.artifacts.proxy import ProxyArtifactRepository

        return ProxyArtifactRepository(self._client, relative)

    def _artifact_proxy_root(self) -> str | None:
        if isinstance(self._proxy_root, _Unknown):  # asked once: the root does not change
            info = ServerInfoResponse.model_validate(self._call("GET", "/server-info"))
            self._proxy_root = info.artifact_proxy_root
        return self._proxy_root

    def close(self) -> None:
        self._client.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        return self._client.request(method, API_PREFIX + path, json=json, params=params, raw=raw)

    # -- experiments -------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        body = {"name": name, "artifact_location": artifact_location, "tags": tags}
        return CreateExperimentResponse.model_validate(
            self._call("POST", "/experiments", json=body)
        ).experiment_id

    def get_experiment(self, experiment_id: str) -> Experiment:
        path = f"/experiments/{_segment(experiment_id, 'experiment_id')}"
        return ExperimentResponse.model_validate(self._call("GET", path)).experiment.to_entity()

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        from carnet.exceptions import NotFound

        if not name:
            return None
        try:
            answer = self._call("GET", f"/experiments/by-name/{_segment(name, 'name')}")
        except NotFound:
            return None
        return ExperimentResponse.model_validate(answer).experiment.to_entity()

    def search_experiments(
        self, view_type: ViewType = ViewType.ACTIVE_ONLY, name_like: str | None = None
    ) -> list[Experiment]:
        params: dict[str, Any] = {"view": ViewType(view_type).value}
        if name_like is not None:
            params["name_like"] = name_like
        answer = ExperimentsResponse.model_validate(self._call("GET", "/experiments", params=params))
        return [e.to_entity() for e in answer.experiments]

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        path = f"/experiments/{_segment(experiment_id, 'experiment_id')}"
        self._call("PATCH", path, json={"name": new_name})

    def delete_experiment(self, experiment_id: str) -> None:
        self._call("DELETE", f"/experiments/{_segment(experiment_id, 'experiment_id')}")

    def restore_experiment(self, experiment_id: str) -> None:
        self._call("POST", f"/experiments/{_segment(experiment_id, 'experiment_id')}/restore")

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        path = f"/experiments/{_segment(experiment_id, 'experiment_id')}/tags/{_segment(key, 'key')}"
        self._call("PUT", path, json={"value": value})

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, new: NewRun) -> Run:
        if not new.experiment_id:
            raise InvalidArgument("experiment_id: must not be empty", field="experiment_id")
        body = NewRunRequest(
            experiment_id=new.experiment_id,
            run_name=new.run_name,
            start_time=new.start_time,
            user_id=new.user_id,
            parent_run_id=new.parent_run_id,
            source_type=new.source_type,
            source_name=new.source_name,
            git_commit=new.git_commit,
            git_dirty=new.git_dirty,
            description=new.description,
            tags=dict(new.tags),
            run_id=new.run_id,
        )
        answer = self._call("POST", "/runs", json=body.model_dump(mode="json"))
        return RunResponse.model_validate(answer).run.to_entity()

    def get_run(self, run_id: str) -> Run:
        answer = self._call("GET", f"/runs/{_segment(run_id, 'run_id')}", raw=True)
        return RunResponse.model_validate_json(answer).run.to_entity()

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> RunInfo:
        body: dict[str, Any] = {}
        if status is not None:
            body["status"] = RunStatus.parse(status).value
        if end_time is not None:
            body["end_time"] = end_time
        if run_name is not None:
            body["run_name"] = run_name
        if description is not None:
            body["description"] = description
        answer = self._call("PATCH", f"/runs/{_segment(run_id, 'run_id')}", json=body)
        return RunInfoResponse.model_validate(answer).info.to_entity()

    def delete_run(self, run_id: str) -> None:
        self._call("DELETE", f"/runs/{_segment(run_id, 'run_id')}")

    def restore_run(self, run_id: str) -> None:
        self._call("POST", f"/runs/{_segment(run_id, 'run_id')}/restore")

    def set_run_tags(self, run_id: str, tags: dict[str, str], deleted: Sequence[str] = ()) -> None:
        body = {"tags": tags, "deleted": list(deleted)}
        self._call("PATCH", f"/runs/{_segment(run_id, 'run_id')}/tags", json=body)

    def log_batch(self, run_id: str, batch: LogBatch) -> None:
        """One request per batch; a batch over the server's point limit is sent in parts, each
        with its own id derived from the batch id (params, tags and declarations go first)."""
        path = f"/runs/{_segment(run_id, 'run_id')}/batches"
        metrics = list(batch.metrics)
        size = MAX_BATCH_METRICS
        parts = [metrics[i : i + size] for i in range(0, len(metrics), size)] or [[]]
        for index, part in enumerate(parts):
            body = batch_to_wire(batch, part, first=index == 0, strings_for_non_finite=False)
            if batch.batch_id is not None and index:
                body["batch_id"] = f"{batch.batch_id}:{index}"
            self._call("POST", path, json=body)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RunPage:
        body = SearchRunsRequest(
            experiment_ids=list(experiment_ids),
            filter=filter_string,
            view=ViewType(view_type),
            max_results=max_results,
            order_by=list(order_by) if order_by is not None else None,
            page_token=page_token,
        )
        answer = self._call("POST", "/runs/search", json=body.model_dump(mode="json"))
        try:
            runs = [run_from_wire(r) for r in answer["runs"]]
            token = answer.get("next_page_token")
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"the carnet server sent a malformed search answer: {exc}") from None
        return RunPage(runs=runs, next_page_token=str(token) if token else None)

    # -- metrics -----------------------------------------------------------------------------

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        return self.get_metric_columns(run_id, key).to_metrics()

    def get_metric_columns(self, run_id: str, key: str) -> MetricColumns:
        path = f"/runs/{_segment(run_id, 'run_id')}/metrics/{_segment(key, 'key')}/history"
        answer = self._call("GET", path, params={"layout": "columns"}, raw=True)
        return MetricColumnsResponse.model_validate_json(answer).to_entity()

    def get_metric_infos(self, run_id: str) -> list[MetricInfo]:
        answer = MetricInfosResponse.model_validate(
            self._call("GET", f"/runs/{_segment(run_id, 'run_id')}/metrics")
        )
        return [i.to_entity() for i in answer.metrics]

    def get_metric_records(self, run_id: str, key: str) -> list[MetricRecord]:
        path = f"/runs/{_segment(run_id, 'run_id')}/metrics/{_segment(key, 'key')}/records"
        answer = MetricRecordsResponse.model_validate(self._call("GET", path))
        return [r.to_entity() for r in answer.records]

    # -- logged models -----------------------------------------------------------------------

    def create_logged_model(self, new: NewLoggedModel) -> LoggedModel:
        if not new.experiment_id:
            raise InvalidArgument("experiment_id: must not be empty", field="experiment_id")
        body = NewLoggedModelRequest(
            experiment_id=new.experiment_id,
            name=new.name,
            model_type=new.model_type,
            source_run_id=new.source_run_id,
            creator_id=new.creator_id,
            tags=dict(new.tags),
            params=dict(new.params),
        )
        answer = self._call("POST", "/logged-models", json=body.model_dump(mode="json"))
        return LoggedModelResponse.model_validate(answer).model.to_entity()

    def get_logged_model(self, model_id: str) -> LoggedModel:
        answer = self._call("GET", f"/logged-models/{_segment(model_id, 'model_id')}")
        return LoggedModelResponse.model_validate(answer).model.to_entity()

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        body = FinalizeLoggedModelRequest(
            status=LoggedModelStatus.parse(status).value, status_message=status_message
        )
        path = f"/logged-models/{_segment(model_id, 'model_id')}"
        answer = self._call("PATCH", path, json=body.model_dump(mode="json"))
        return LoggedModelResponse.model_validate(answer).model.to_entity()

    def delete_logged_model(self, model_id: str) -> None:
        self._call("DELETE", f"/logged-models/{_segment(model_id, 'model_id')}")

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        path = f"/logged-models/{_segment(model_id, 'model_id')}/tags"
        self._call("PATCH", path, json=SetLoggedModelTagsRequest(tags=dict(tags)).model_dump(mode="json"))

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self._call("DELETE", f"/logged-models/{_segment(model_id, 'model_id')}/tags/{_segment(key, 'key')}")

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        path = f"/logged-models/{_segment(model_id, 'model_id')}/params"
        body = LogLoggedModelParamsRequest(params=dict(params))
        self._call("POST", path, json=body.model_dump(mode="json"))

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> LoggedModelPage:
        body = SearchLoggedModelsRequest(
            experiment_ids=list(experiment_ids),
            filter=filter_string,
            order_by=list(order_by) if order_by is not None else None,
            max_results=max_results,
            page_token=page_token,
        )
        answer = self._call("POST", "/logged-models/search", json=body.model_dump(mode="json"))
        return SearchLoggedModelsResponse.model_validate(answer).to_entity()

    def log_run_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        body = RunOutputsRequest(
            models=[ModelOutputSchema(model_id=o.model_id, step=o.step) for o in outputs]
        )
        self._call("POST", f"/runs/{_segment(run_id, 'run_id')}/outputs", json=body.model_dump(mode="json"))

    def get_run_outputs(self, run_id: str) -> list[ModelOutput]:
        answer = self._call("GET", f"/runs/{_segment(run_id, 'run_id')}/outputs")
        return [m.to_entity() for m in RunOutputsResponse.model_validate(answer).models]

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        body = RunInputsRequest(datasets=[DatasetInputSchema.of(i) for i in inputs])
        self._call("POST", f"/runs/{_segment(run_id, 'run_id')}/inputs", json=body.model_dump(mode="json"))

    def get_run_inputs(self, run_id: str) -> list[DatasetInput]:
        answer = self._call("GET", f"/runs/{_segment(run_id, 'run_id')}/inputs")
        return [i.to_entity() for i in RunInputsResponse.model_validate(answer).datasets]
