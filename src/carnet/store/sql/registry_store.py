"""The registry methods of the SQL store: one session scope per call around ``registry``."""

from __future__ import annotations

from collections.abc import Sequence

from carnet.entities import (
    ModelStage,
    ModelVersion,
    ModelVersionEvent,
    ModelVersionPage,
    RegisteredModel,
    RegisteredModelPage,
)
from carnet.exceptions import InvalidArgument
from carnet.search import (
    decode_page_token,
    encode_page_token,
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
)
from carnet.store.registry import SEARCH_MODELS_MAX_RESULTS, SEARCH_VERSIONS_MAX_RESULTS, RegistryStore
from carnet.store.sql import registry
from carnet.store.sql.engine import SessionFactory


def check_max_results(max_results: int, limit: int) -> None:
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 0 < max_results <= limit:
        raise InvalidArgument(
            f"max_results: must be an integer from 1 to {limit}, got {max_results!r}", field="max_results"
        )


class SqlRegistryStore(RegistryStore):
    """The model registry on the SQL store's sessions (mixed into ``SqlTrackingStore``)."""

    _sessions: SessionFactory

    # -- registered models ---------------------------------------------------------------------

    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        with self._sessions.begin() as session:
            row = registry.create_model(session, name, dict(tags or {}), description)
            return registry.model_entities(session, [row])[0]

    def get_registered_model(self, name: str) -> RegisteredModel:
        with self._sessions.read() as session:
            return registry.model_entities(session, [registry.load_model(session, name)])[0]

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        with self._sessions.begin() as session:
            return registry.model_entities(session, [registry.rename_model(session, name, new_name)])[0]

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        with self._sessions.begin() as session:
            return registry.model_entities(session, [registry.update_model(session, name, description)])[0]

    def delete_registered_model(self, name: str) -> None:
        with self._sessions.begin() as session:
            registry.delete_model(session, name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RegisteredModelPage:
        check_max_results(max_results, SEARCH_MODELS_MAX_RESULTS)
        node = parse_registered_model_filter(filter_string)
        keys = parse_registered_model_order_by(list(order_by) if order_by else None)
        offset = decode_page_token(page_token)
        with self._sessions.read() as session:
            found = registry.search_models(session, node, keys)
            page = registry.model_entities(session, found[offset : offset + max_results])
        more = len(found) > offset + max_results
        return RegisteredModelPage(page, encode_page_token(offset + max_results) if more else None)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        with self._sessions.begin() as session:
            registry.set_model_tag(session, name, key, value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        with self._sessions.begin() as session:
            registry.delete_model_tag(session, name, key)

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
        with self._sessions.begin() as session:
            row = registry.create_version(
                session, name, source, run_id, model_id, dict(tags or {}), description, user_id
            )
            return registry.version_entities(session, [row])[0]

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        with self._sessions.read() as session:
            row = registry.load_version(session, registry.load_model(session, name), version)
            return registry.version_entities(session, [row])[0]

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        with self._sessions.begin() as session:
            row = registry.update_version(session, name, version, description)
            return registry.version_entities(session, [row])[0]

    def delete_model_version(self, name: str, version: int | str) -> None:
        with self._sessions.begin() as session:
            registry.delete_version(session, name, version)

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> ModelVersionPage:
        check_max_results(max_results, SEARCH_VERSIONS_MAX_RESULTS)
        node = parse_model_version_filter(filter_string)
        keys = parse_model_version_order_by(list(order_by) if order_by else None)
        offset = decode_page_token(page_token)
        with self._sessions.read() as session:
            found = registry.search_versions(session, node, keys)
        more = len(found) > offset + max_results
        page = found[offset : offset + max_results]
        return ModelVersionPage(page, encode_page_token(offset + max_results) if more else None)

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        with self._sessions.begin() as session:
            registry.set_version_tag(session, name, version, key, value)

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        with self._sessions.begin() as session:
            registry.delete_version_tag(session, name, version, key)

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: ModelStage | str,
        archive_existing_versions: bool = False,
        user_id: str = "",
    ) -> ModelVersion:
        with self._sessions.begin() as session:
            row = registry.transition_stage(session, name, version, stage, archive_existing_versions, user_id)
            return registry.version_entities(session, [row])[0]

    def get_latest_versions(
        self, name: str, stages: Sequence[ModelStage | str] | None = None
    ) -> list[ModelVersion]:
        with self._sessions.read() as session:
            return registry.version_entities(session, registry.latest_versions(session, name, stages))

    # -- aliases -------------------------------------------------------------------------------

    def set_registered_model_alias(
        self, name: str, alias: str, version: int | str, user_id: str = ""
    ) -> None:
        with self._sessions.begin() as session:
            registry.set_alias(session, name, alias, version, user_id)

    def delete_registered_model_alias(self, name: str, alias: str, user_id: str = "") -> None:
        with self._sessions.begin() as session:
            registry.delete_alias(session, name, alias, user_id)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._sessions.read() as session:
            return registry.version_entities(session, [registry.version_by_alias(session, name, alias)])[0]

    # -- history and files ---------------------------------------------------------------------

    def get_model_version_history(
        self, name: str, version: int | str | None = None
    ) -> list[ModelVersionEvent]:
        with self._sessions.read() as session:
            return registry.history(session, name, version)

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        with self._sessions.read() as session:
            return registry.load_version(
                session, registry.load_model(session, name), version
            ).storage_location
