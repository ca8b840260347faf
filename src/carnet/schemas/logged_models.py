"""Pydantic models of the native API for logged models and run outputs."""

from __future__ import annotations

from pydantic import Field

from carnet.entities import LoggedModel, LoggedModelPage, LoggedModelStatus, ModelOutput
from carnet.schemas.models import _Model, _Response


class LoggedModelSchema(_Response):
    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    status: LoggedModelStatus = LoggedModelStatus.PENDING
    creation_timestamp_ms: int = 0
    last_updated_timestamp_ms: int = 0
    creator_id: str = ""
    model_type: str = ""
    source_run_id: str | None = None
    status_message: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(cls, m: LoggedModel) -> LoggedModelSchema:
        return cls.model_validate(m, from_attributes=True)

    def to_entity(self) -> LoggedModel:
        return LoggedModel(**dict(self))


class LoggedModelResponse(_Response):
    model: LoggedModelSchema


class NewLoggedModelRequest(_Model):
    experiment_id: str
    name: str | None = None
    model_type: str = ""
    source_run_id: str | None = None
    creator_id: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)


class FinalizeLoggedModelRequest(_Model):
    # A string, parsed by LoggedModelStatus.parse, so MLflow's names are accepted too.
    status: str
    status_message: str | None = None


class SetLoggedModelTagsRequest(_Model):
    tags: dict[str, str]


class LogLoggedModelParamsRequest(_Model):
    params: dict[str, str]


class SearchLoggedModelsRequest(_Model):
    experiment_ids: list[str]
    filter: str | None = None
    order_by: list[str] | None = None
    max_results: int = 100
    page_token: str | None = None


class SearchLoggedModelsResponse(_Response):
    models: list[LoggedModelSchema]
    next_page_token: str | None = None

    @classmethod
    def of(cls, page: LoggedModelPage) -> SearchLoggedModelsResponse:
        return cls(
            models=[LoggedModelSchema.of(m) for m in page.models], next_page_token=page.next_page_token
        )

    def to_entity(self) -> LoggedModelPage:
        return LoggedModelPage([m.to_entity() for m in self.models], self.next_page_token)


class ModelOutputSchema(_Model):
    model_id: str
    step: int = 0

    def to_entity(self) -> ModelOutput:
        return ModelOutput(self.model_id, self.step)


class RunOutputsRequest(_Model):
    models: list[ModelOutputSchema]


class RunOutputsResponse(_Response):
    models: list[ModelOutputSchema]
