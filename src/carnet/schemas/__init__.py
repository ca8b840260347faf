"""The wire contract of carnet's native REST API (``/api/v1``).

Pydantic models shared by the server's routers and the REST store, so the two cannot drift.
Non-finite floats travel as the JSON strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (bare
``NaN`` is not valid JSON) and come back as floats. Inside structured record payloads (rows, tables)
a non-finite number travels as ``{"$float": "NaN"}``, since a cell may legitimately be the text
``"NaN"``.
"""

from __future__ import annotations

from carnet.schemas.models import (
    API_PREFIX,
    CreateExperimentRequest,
    CreateExperimentResponse,
    ErrorBody,
    ExperimentResponse,
    ExperimentSchema,
    ExperimentsResponse,
    LogBatchRequest,
    MetricDeclarationSchema,
    MetricHistoryResponse,
    MetricInfoSchema,
    MetricInfosResponse,
    MetricPointSchema,
    MetricRecordSchema,
    MetricRecordsResponse,
    NewRunRequest,
    ParamSchema,
    RecordWriteSchema,
    RenameExperimentRequest,
    RunDataSchema,
    RunInfoResponse,
    RunInfoSchema,
    RunResponse,
    RunSchema,
    SearchRunsRequest,
    SearchRunsResponse,
    SetTagRequest,
    TagSchema,
    UpdateRunRequest,
    decode_float,
    decode_payload,
    encode_float,
    encode_payload,
)

__all__ = [
    "API_PREFIX",
    "CreateExperimentRequest",
    "CreateExperimentResponse",
    "ErrorBody",
    "ExperimentResponse",
    "ExperimentSchema",
    "ExperimentsResponse",
    "LogBatchRequest",
    "MetricDeclarationSchema",
    "MetricHistoryResponse",
    "MetricInfoSchema",
    "MetricInfosResponse",
    "MetricPointSchema",
    "MetricRecordSchema",
    "MetricRecordsResponse",
    "NewRunRequest",
    "ParamSchema",
    "RecordWriteSchema",
    "RenameExperimentRequest",
    "RunDataSchema",
    "RunInfoResponse",
    "RunInfoSchema",
    "RunResponse",
    "RunSchema",
    "SearchRunsRequest",
    "SearchRunsResponse",
    "SetTagRequest",
    "TagSchema",
    "UpdateRunRequest",
    "decode_float",
    "decode_payload",
    "encode_float",
    "encode_payload",
]
