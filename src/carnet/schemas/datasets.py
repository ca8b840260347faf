"""Pydantic models of the native API for the datasets a run logged as inputs."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from carnet.entities import Dataset, DatasetInput
from carnet.schemas.models import _Model, _Response


class DatasetSchema(_Model):
    # ``schema`` would shadow a BaseModel method: the field has another name and keeps the alias.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    name: str
    digest: str
    source_type: str
    source: str
    schema_: str = Field("", alias="schema")
    profile: str = ""

    @classmethod
    def of(cls, d: Dataset) -> DatasetSchema:
        return cls(
            name=d.name,
            digest=d.digest,
            source_type=d.source_type,
            source=d.source,
            schema=d.schema,
            profile=d.profile,
        )

    def to_entity(self) -> Dataset:
        return Dataset(self.name, self.digest, self.source_type, self.source, self.schema_, self.profile)


class DatasetInputSchema(_Model):
    dataset: DatasetSchema
    tags: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(cls, i: DatasetInput) -> DatasetInputSchema:
        return cls(dataset=DatasetSchema.of(i.dataset), tags=dict(i.tags))

    def to_entity(self) -> DatasetInput:
        return DatasetInput(self.dataset.to_entity(), dict(self.tags))


class RunInputsRequest(_Model):
    datasets: list[DatasetInputSchema]


class RunInputsResponse(_Response):
    datasets: list[DatasetInputSchema]
