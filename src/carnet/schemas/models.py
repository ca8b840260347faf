"""Pydantic models of the native API, with conversions to and from ``carnet.entities``."""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator
from typing_extensions import NotRequired, TypedDict

from carnet.entities import (
    Experiment,
    LifecycleStage,
    Metric,
    MetricColumns,
    MetricInfo,
    MetricKind,
    MetricRecord,
    Run,
    RunData,
    RunInfo,
    RunPage,
    RunStatus,
    ViewType,
)

API_PREFIX = "/api/v1"

_NON_FINITE_IN = {
    "nan": math.nan,
    "infinity": math.inf,
    "inf": math.inf,
    "+infinity": math.inf,
    "+inf": math.inf,
    "-infinity": -math.inf,
    "-inf": -math.inf,
}


def encode_float(value: float) -> float | str:
    """A float as JSON can hold it: non-finite values become "NaN", "Infinity" or "-Infinity"."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def decode_float(value: Any) -> Any:
    """The inverse of :func:`encode_float`; anything else is left for pydantic to check."""
    if isinstance(value, str):
        found = _NON_FINITE_IN.get(value.strip().lower())
        if found is not None:
            return found
    return value


def encode_payload(value: Any) -> Any:
    """A record payload made JSON-safe: a non-finite float becomes ``{"$float": "NaN"}``."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": encode_float(value)}
    if isinstance(value, dict):
        return {k: encode_payload(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_payload(v) for v in value]
    return value


def decode_payload(value: Any) -> Any:
    """The inverse of :func:`encode_payload`."""
    if isinstance(value, dict):
        if len(value) == 1 and "$float" in value:
            return float(decode_float(value["$float"]))
        return {k: decode_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_payload(v) for v in value]
    return value


# pydantic itself reads "NaN", "Infinity", "-Infinity" (any case, also "inf") into floats.
WireFloat = Annotated[float, PlainSerializer(encode_float, return_type=Any, when_used="json")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    """Responses ignore unknown fields, so an older client can read a newer server."""

    model_config = ConfigDict(extra="ignore")


class ErrorBody(_Response):
    """Every error answer: MLflow's ``error_code`` plus carnet's class name for exact rebuilding."""

    error_code: str
    message: str
    field: str | None = None
    error_class: str | None = None


# -- experiments -------------------------------------------------------------------------------


class ExperimentSchema(_Response):
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    creation_time: int = 0
    last_update_time: int = 0
    tags: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(cls, e: Experiment) -> ExperimentSchema:
        return cls.model_validate(e, from_attributes=True)

    def to_entity(self) -> Experiment:
        return Experiment(**dict(self))


class CreateExperimentRequest(_Model):
    name: str
    artifact_location: str | None = None
    tags: dict[str, str] | None = None


class CreateExperimentResponse(_Response):
    experiment_id: str


class ExperimentResponse(_Response):
    experiment: ExperimentSchema


class ExperimentsResponse(_Response):
    experiments: list[ExperimentSchema]


class RenameExperimentRequest(_Model):
    name: str


class SetTagRequest(_Model):
    value: str


# -- runs --------------------------------------------------------------------------------------


class RunInfoSchema(_Response):
    run_id: str
    experiment_id: str
    run_name: str
    status: RunStatus
    start_time: int
    end_time: int | None = None
    artifact_uri: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    user_id: str = ""
    parent_run_id: str | None = None
    source_type: str = ""
    source_name: str = ""
    git_commit: str | None = None
    git_dirty: bool | None = None
    description: str = ""

    @classmethod
    def of(cls, i: RunInfo) -> RunInfoSchema:
        return cls.model_validate(i, from_attributes=True)

    def to_entity(self) -> RunInfo:
        return RunInfo(**dict(self))


class RunDataSchema(_Response):
    metrics: dict[str, WireFloat] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class RunSchema(_Response):
    info: RunInfoSchema
    data: RunDataSchema = Field(default_factory=RunDataSchema)

    @classmethod
    def of(cls, run: Run) -> RunSchema:
        return cls(
            info=RunInfoSchema.of(run.info),
            data=RunDataSchema(
                metrics=dict(run.data.metrics), params=dict(run.data.params), tags=dict(run.data.tags)
            ),
        )

    def to_entity(self) -> Run:
        return Run(
            info=self.info.to_entity(),
            data=RunData(
                metrics=dict(self.data.metrics), params=dict(self.data.params), tags=dict(self.data.tags)
            ),
        )


def run_to_wire(run: Run) -> dict[str, Any]:
    """``RunSchema.of(run).model_dump(mode="json")`` written out by hand, for the API's biggest
    answers (search pages of a thousand runs). Non-finite metric values stay floats: encode with
    :func:`to_json`, which writes them as strings. ``tests/schemas`` holds the two to equality."""
    i = run.info
    return {
        "info": {
            "run_id": i.run_id,
            "experiment_id": i.experiment_id,
            "run_name": i.run_name,
            "status": i.status.value,
            "start_time": i.start_time,
            "end_time": i.end_time,
            "artifact_uri": i.artifact_uri,
            "lifecycle_stage": i.lifecycle_stage.value,
            "user_id": i.user_id,
            "parent_run_id": i.parent_run_id,
            "source_type": i.source_type,
            "source_name": i.source_name,
            "git_commit": i.git_commit,
            "git_dirty": i.git_dirty,
            "description": i.description,
        },
        "data": {"metrics": run.data.metrics, "params": run.data.params, "tags": run.data.tags},
    }


_STATUSES = {s.value: s for s in RunStatus}
_STAGES = {s.value: s for s in LifecycleStage}


def run_from_wire(message: Any) -> Run:
    """The inverse of :func:`run_to_wire`, from decoded JSON, for the REST store's search pages:
    a thousand runs without a thousand validated models. A message that does not fit raises
    ``ValueError``."""
    try:
        i = message["info"]
        data = message.get("data") or {}
        info = RunInfo(
            run_id=str(i["run_id"]),
            experiment_id=str(i["experiment_id"]),
            run_name=str(i["run_name"]),
            status=_STATUSES[i["status"]],
            start_time=int(i["start_time"]),
            end_time=None if i.get("end_time") is None else int(i["end_time"]),
            artifact_uri=str(i["artifact_uri"]),
            lifecycle_stage=_STAGES[i.get("lifecycle_stage", "active")],
            user_id=str(i.get("user_id") or ""),
            parent_run_id=i.get("parent_run_id"),
            source_type=str(i.get("source_type") or ""),
            source_name=str(i.get("source_name") or ""),
            git_commit=i.get("git_commit"),
            git_dirty=i.get("git_dirty"),
            description=str(i.get("description") or ""),
        )
        metrics = {
            str(k): v if type(v) is float else float(v) for k, v in (data.get("metrics") or {}).items()
        }
        params = {str(k): str(v) for k, v in (data.get("params") or {}).items()}
        tags = {str(k): str(v) for k, v in (data.get("tags") or {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a run message: {exc!r}") from None
    return Run(info=info, data=RunData(metrics=metrics, params=params, tags=tags))


def to_json(value: Any) -> bytes:
    """JSON bytes in the wire's conventions (non-finite floats as "NaN", "Infinity", "-Infinity"),
    by pydantic-core's encoder: several times faster than the standard library's."""
    return pydantic_core.to_json(value, inf_nan_mode="strings")


class RunResponse(_Response):
    run: RunSchema


class RunInfoResponse(_Response):
    info: RunInfoSchema


class NewRunRequest(_Model):
    experiment_id: str
    run_name: str | None = None
    start_time: int | None = None
    user_id: str = ""
    parent_run_id: str | None = None
    source_type: str = ""
    source_name: str = ""
    git_commit: str | None = None
    git_dirty: bool | None = None
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    run_id: str | None = None


class UpdateRunRequest(_Model):
    status: str | None = None
    end_time: int | None = None
    run_name: str | None = None
    description: str | None = None


# -- logging -----------------------------------------------------------------------------------


# Steps and timestamps are stored as 64-bit integers: anything larger is refused at the edge.
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class MetricPointSchema(_Model):
    key: str
    value: WireFloat
    timestamp: Int64
    step: Int64 = 0

    @classmethod
    def of(cls, m: Metric) -> MetricPointSchema:
        return cls(key=m.key, value=m.value, timestamp=m.timestamp, step=m.step)

    def to_entity(self) -> Metric:
        return Metric(self.key, self.value, self.timestamp, self.step)


class ParamSchema(_Model):
    key: str
    value: str


class TagSchema(_Model):
    key: str
    value: str


class RecordWriteSchema(_Model):
    key: str
    kind: MetricKind
    payload: Any
    timestamp: int


class MetricDeclarationSchema(_Model):
    key: str
    kind: MetricKind
    description: str = ""
    columns: list[str] = Field(default_factory=list)


class SeriesPointsSchema(_Model):
    """Points of one numeric metric as aligned arrays: the compact form of ``metrics``, which the
    REST store sends (a few numbers per point instead of an object). ``values`` may hold the strings
    ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``."""

    key: str
    steps: list[Int64]
    timestamps: list[Int64]
    values: list[float]

    @model_validator(mode="after")
    def _aligned(self) -> SeriesPointsSchema:
        if not len(self.steps) == len(self.timestamps) == len(self.values):
            raise ValueError(
                f"steps, timestamps and values must have the same length "
                f"(got {len(self.steps)}, {len(self.timestamps)} and {len(self.values)})"
            )
        return self

    def to_entity(self) -> MetricColumns:
        return MetricColumns(
            self.key,
            np.array(self.steps, dtype=np.int64),
            np.array(self.timestamps, dtype=np.int64),
            np.array(self.values, dtype=np.float64),
        )


class MetricPointItem(TypedDict):
    """One point of ``LogBatchRequest.metrics``: a typed dict, not a model, since a batch holds
    thousands and pydantic validates dicts without building an object for each."""

    key: str
    value: WireFloat
    timestamp: Int64
    step: NotRequired[Int64]


def point_of(item: MetricPointItem) -> Metric:
    return Metric(item["key"], item["value"], item["timestamp"], item.get("step", 0))


class LogBatchRequest(_Model):
    metrics: list[MetricPointItem] = Field(default_factory=list)
    series: list[SeriesPointsSchema] = Field(default_factory=list)
    params: list[ParamSchema] = Field(default_factory=list)
    tags: list[TagSchema] = Field(default_factory=list)
    records: list[RecordWriteSchema] = Field(default_factory=list)
    declarations: list[MetricDeclarationSchema] = Field(default_factory=list)
    batch_id: str | None = None
    deleted_tags: list[str] = Field(default_factory=list)


# -- search ------------------------------------------------------------------------------------


class SearchRunsRequest(_Model):
    experiment_ids: list[str]
    filter: str | None = None
    view: ViewType = ViewType.ACTIVE_ONLY
    max_results: int = 1000
    order_by: list[str] | None = None
    page_token: str | None = None


class SearchRunsResponse(_Response):
    runs: list[RunSchema]
    next_page_token: str | None = None

    @classmethod
    def of(cls, page: RunPage) -> SearchRunsResponse:
        return cls(runs=[RunSchema.of(r) for r in page.runs], next_page_token=page.next_page_token)

    def to_entity(self) -> RunPage:
        return RunPage(runs=[r.to_entity() for r in self.runs], next_page_token=self.next_page_token)


# -- metrics -----------------------------------------------------------------------------------


class MetricInfoSchema(_Response):
    name: str
    kind: MetricKind
    description: str = ""
    count: int = 0
    last_value: WireFloat | None = None
    last_step: int | None = None
    last_timestamp: int | None = None

    @classmethod
    def of(cls, i: MetricInfo) -> MetricInfoSchema:
        return cls.model_validate(i, from_attributes=True)

    def to_entity(self) -> MetricInfo:
        return MetricInfo(**dict(self))


class MetricInfosResponse(_Response):
    metrics: list[MetricInfoSchema]


class MetricHistoryResponse(_Response):
    metrics: list[MetricPointSchema]


class MetricColumnsResponse(_Response):
    """A history as aligned arrays (``?layout=columns``), ordered by step then logging order."""

    key: str
    steps: list[int]
    timestamps: list[int]
    values: list[float]

    @classmethod
    def encode(cls, columns: MetricColumns) -> bytes:
        """The JSON body, written without building a model: numbers straight from the arrays."""
        return pydantic_core.to_json(
            {
                "key": columns.key,
                "steps": columns.steps.tolist(),
                "timestamps": columns.timestamps.tolist(),
                "values": columns.values.tolist(),
            },
            inf_nan_mode="strings",
        )

    def to_entity(self) -> MetricColumns:
        return SeriesPointsSchema.model_construct(
            key=self.key, steps=self.steps, timestamps=self.timestamps, values=self.values
        ).to_entity()


class MetricRecordSchema(_Response):
    name: str
    kind: MetricKind
    seq: int
    payload: Any
    timestamp: int

    @classmethod
    def of(cls, r: MetricRecord) -> MetricRecordSchema:
        return cls(
            name=r.name, kind=r.kind, seq=r.seq, payload=encode_payload(r.payload), timestamp=r.timestamp
        )

    def to_entity(self) -> MetricRecord:
        return MetricRecord(self.name, self.kind, self.seq, decode_payload(self.payload), self.timestamp)


class MetricRecordsResponse(_Response):
    records: list[MetricRecordSchema]
