"""The registry methods of the REST store: each one call of the native API
(``/api/v1/registered-models``, ``/api/v1/model-versions``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from carnet.entities import (
    ModelStage,
    ModelVersion,
    ModelVersionEvent,
    ModelVersionPage,
    RegisteredModel,
    RegisteredModelPage,
)
from carnet.exceptions import InvalidArgument
from carnet.schemas import (
    DownloadUriResponse,
    ModelVersionHistoryResponse,
    ModelVersionResponse,
    ModelVersionsResponse,
    NewModelVersionRequest,
    NewRegisteredModelRequest,
    RegisteredModelResponse,
    RegistryTagRequest,
    SearchModelVersionsResponse,
    SearchRegisteredModelsResponse,
    SearchRegistryRequest,
    SetAliasRequest,
    TransitionStageRequest,
    UpdateModelVersionRequest,
    UpdateRegisteredModelRequest,
)
from carnet.store.registry import RegistryStore
from carnet.store.rest.calls import CallsServer
from carnet.validation import check_version_number


def _segment(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{field}: must not be empty", field=field)
    return quote(value, safe="")


def _model_path(name: str) -> str:
    return f"/registered-models/{_segment(name, 'name')}"


def _version_path(name: str, version: int | str) -> str:
    return f"{_model_path(name)}/versions/{check_version_number(version)}"


class RestRegistryStore(CallsServer, RegistryStore):
    """The model registry through a carnet server (mixed into ``RestTrackingStore``)."""

    def _model(self, answer: Any) -> RegisteredModel:
        return RegisteredModelResponse.model_validate(answer).registered_model.to_entity()

    def _version(self, answer: Any) -> ModelVersion:
        return ModelVersionResponse.model_validate(answer).model_version.to_entity()

    # -- registered models ---------------------------------------------------------------------

    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        if not isinstance(name, str):
            raise InvalidArgument("name: expected a string", field="name")
        body = NewRegisteredModelRequest(name=name, tags=dict(tags or {}), description=description)
        return self._model(self._call("POST", "/registered-models", json=body.model_dump(mode="json")))

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._model(self._call("GET", _model_path(name)))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        body = UpdateRegisteredModelRequest(new_name=new_name)
        return self._model(self._call("PATCH", _model_path(name), json=body.model_dump(mode="json")))

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        body = UpdateRegisteredModelRequest(description=description)
        return self._model(self._call("PATCH", _model_path(name), json=body.model_dump(mode="json")))

    def delete_registered_model(self, name: str) -> None:
        self._call("DELETE", _model_path(name))

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RegisteredModelPage:
        body = SearchRegistryRequest(
            filter=filter_string,
            max_results=max_results,
            order_by=list(order_by) if order_by is not None else None,
            page_token=page_token,
        )
        answer = self._call("POST", "/registered-models/search", json=body.model_dump(mode="json"))
        return SearchRegisteredModelsResponse.model_validate(answer).to_entity()

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        body = RegistryTagRequest(value=value)
        path = f"{_model_path(name)}/tags/{_segment(key, 'key')}"
        self._call("PUT", path, json=body.model_dump(mode="json"))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._call("DELETE", f"{_model_path(name)}/tags/{_segment(key, 'key')}")

    # -- model versions ------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        model_id: str | None = None,
        tags: dict[str, str] | None = None,
        description: str | None = None,
        user_id: str = "",
    ) -> ModelVersion:
        body = NewModelVersionRequest(
            source=source,
            run_id=run_id,
            model_id=model_id,
            tags=dict(tags or {}),
            description=description,
            user_id=user_id,
        )
        path = f"{_model_path(name)}/versions"
        return self._version(self._call("POST", path, json=body.model_dump(mode="json")))

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return self._version(self._call("GET", _version_path(name, version)))

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        body = UpdateModelVersionRequest(description=description)
        path = _version_path(name, version)
        return self._version(self._call("PATCH", path, json=body.model_dump(mode="json")))

    def delete_model_version(self, name: str, version: int | str) -> None:
        self._call("DELETE", _version_path(name, version))

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> ModelVersionPage:
        body = SearchRegistryRequest(
            filter=filter_string,
            max_results=max_results,
            order_by=list(order_by) if order_by is not None else None,
            page_token=page_token,
        )
        answer = self._call("POST", "/model-versions/search", json=body.model_dump(mode="json"))
        return SearchModelVersionsResponse.model_validate(answer).to_entity()

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        path = f"{_version_path(name, version)}/tags/{_segment(key, 'key')}"
        self._call("PUT", path, json=RegistryTagRequest(value=value).model_dump(mode="json"))

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        self._call("DELETE", f"{_version_path(name, version)}/tags/{_segment(key, 'key')}")

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: ModelStage | str,
        archive_existing_versions: bool = False,
        user_id: str = "",
    ) -> ModelVersion:
        body = TransitionStageRequest(
            stage=ModelStage.parse(stage).value,
            archive_existing_versions=archive_existing_versions,
            user_id=user_id,
        )
        path = f"{_version_path(name, version)}/stage"
        return self._version(self._call("POST", path, json=body.model_dump(mode="json")))

    def get_latest_versions(
        self, name: str, stages: Sequence[ModelStage | str] | None = None
    ) -> list[ModelVersion]:
        params = {"stages": [ModelStage.parse(s).value for s in stages]} if stages else None
        answer = self._call("GET", f"{_model_path(name)}/latest-versions", params=params)
        return [v.to_entity() for v in ModelVersionsResponse.model_validate(answer).model_versions]

    # -- aliases -------------------------------------------------------------------------------

    def set_registered_model_alias(
        self, name: str, alias: str, version: int | str, user_id: str = ""
    ) -> None:
        body = SetAliasRequest(version=check_version_number(version), user_id=user_id)
        path = f"{_model_path(name)}/aliases/{_segment(alias, 'alias')}"
        self._call("PUT", path, json=body.model_dump(mode="json"))

    def delete_registered_model_alias(self, name: str, alias: str, user_id: str = "") -> None:
        path = f"{_model_path(name)}/aliases/{_segment(alias, 'alias')}"
        self._call("DELETE", path, params={"user_id": user_id} if user_id else None)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self._version(self._call("GET", f"{_model_path(name)}/aliases/{_segment(alias, 'alias')}"))

    # -- history and files ---------------------------------------------------------------------

    def get_model_version_history(
        self, name: str, version: int | str | None = None
    ) -> list[ModelVersionEvent]:
        params = {"version": check_version_number(version)} if version is not None else None
        answer = self._call("GET", f"{_model_path(name)}/history", params=params)
        return [e.to_entity() for e in ModelVersionHistoryResponse.model_validate(answer).events]

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        answer = self._call("GET", f"{_version_path(name, version)}/download-uri")
        return DownloadUriResponse.model_validate(answer).artifact_uri
