"""Pydantic models of the native API for the model registry."""

from __future__ import annotations

from pydantic import Field

from carnet.entities import (
    ModelStage,
    ModelVersion,
    ModelVersionEvent,
    ModelVersionPage,
    RegisteredModel,
    RegisteredModelPage,
)
from carnet.schemas.datasets import DatasetInputSchema
from carnet.schemas.models import _Model, _Response


class ModelVersionSchema(_Response):
    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: ModelStage = ModelStage.NONE
    source: str
    run_id: str | None = None
    model_id: str | None = None
    description: str = ""
    user_id: str = ""
    status: str = "READY"
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, v: ModelVersion) -> ModelVersionSchema:
        return cls.model_validate(v, from_attributes=True)

    def to_entity(self) -> ModelVersion:
        return ModelVersion(**{name: getattr(self, name) for name in ModelVersionSchema.model_fields})


class ModelVersionResponse(_Response):
    model_version: ModelVersionSchema
    # Lineage: the experiment of the version's run (when it has one), so a reader can go
    # version -> run -> experiment in one hop; and the datasets that run logged as inputs.
    experiment_id: str | None = None
    datasets: list[DatasetInputSchema] = Field(default_factory=list)


class ModelVersionsResponse(_Response):
    model_versions: list[ModelVersionSchema]


class RegisteredModelSchema(_Response):
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, int] = Field(default_factory=dict)
    latest_versions: list[ModelVersionSchema] = Field(default_factory=list)

    @classmethod
    def of(cls, m: RegisteredModel) -> RegisteredModelSchema:
        return cls(
            name=m.name,
            creation_timestamp=m.creation_timestamp,
            last_updated_timestamp=m.last_updated_timestamp,
            description=m.description,
            tags=m.tags,
            aliases=m.aliases,
            latest_versions=[ModelVersionSchema.of(v) for v in m.latest_versions],
        )

    def to_entity(self) -> RegisteredModel:
        return RegisteredModel(
            name=self.name,
            creation_timestamp=self.creation_timestamp,
            last_updated_timestamp=self.last_updated_timestamp,
            description=self.description,
            tags=dict(self.tags),
            aliases=dict(self.aliases),
            latest_versions=[v.to_entity() for v in self.latest_versions],
        )


class RegisteredModelResponse(_Response):
    registered_model: RegisteredModelSchema


class NewRegisteredModelRequest(_Model):
    name: str
    tags: dict[str, str] = Field(default_factory=dict)
    description: str | None = None


class UpdateRegisteredModelRequest(_Model):
    """Rename (``new_name``) and/or describe (``description``) a model."""

    new_name: str | None = None
    description: str | None = None


class SearchRegistryRequest(_Model):
    filter: str | None = None
    max_results: int = 100
    order_by: list[str] | None = None
    page_token: str | None = None


class SearchRegisteredModelsResponse(_Response):
    registered_models: list[RegisteredModelSchema]
    next_page_token: str | None = None

    @classmethod
    def of(cls, page: RegisteredModelPage) -> SearchRegisteredModelsResponse:
        return cls(
            registered_models=[RegisteredModelSchema.of(m) for m in page.models],
            next_page_token=page.next_page_token,
        )

    def to_entity(self) -> RegisteredModelPage:
        return RegisteredModelPage([m.to_entity() for m in self.registered_models], self.next_page_token)


class SearchModelVersionsResponse(_Response):
    model_versions: list[ModelVersionSchema]
    next_page_token: str | None = None

    @classmethod
    def of(cls, page: ModelVersionPage) -> SearchModelVersionsResponse:
        return cls(
            model_versions=[ModelVersionSchema.of(v) for v in page.versions],
            next_page_token=page.next_page_token,
        )

    def to_entity(self) -> ModelVersionPage:
        return ModelVersionPage([v.to_entity() for v in self.model_versions], self.next_page_token)


class RegistryTagRequest(_Model):
    value: str


class NewModelVersionRequest(_Model):
    source: str
    run_id: str | None = None
    model_id: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    user_id: str = ""


class UpdateModelVersionRequest(_Model):
    description: str


class TransitionStageRequest(_Model):
    # A string, parsed by ModelStage.parse, so any case is accepted.
    stage: str
    archive_existing_versions: bool = False
    user_id: str = ""


class SetAliasRequest(_Model):
    version: int
    user_id: str = ""


class DownloadUriResponse(_Response):
    artifact_uri: str


class ModelVersionEventSchema(_Response):
    name: str
    version: int
    kind: str
    from_value: str | None = None
    to_value: str | None = None
    user_id: str = ""
    timestamp: int

    def to_entity(self) -> ModelVersionEvent:
        return ModelVersionEvent(
            self.name, self.version, self.kind, self.from_value, self.to_value, self.user_id, self.timestamp
        )


class ModelVersionHistoryResponse(_Response):
    events: list[ModelVersionEventSchema]
