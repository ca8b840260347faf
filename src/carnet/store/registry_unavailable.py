"""A registry for stores that cannot hold one (e.g. a store that works without its server): every
registry method raises the error :meth:`RegistryUnavailable.registry_unavailable` makes.

Mix it in before the tracking store base: ``class MyStore(RegistryUnavailable, TrackingStore)``,
and override ``registry_unavailable`` to say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from carnet.entities import (
    ModelStage,
    ModelVersion,
    ModelVersionEvent,
    ModelVersionPage,
    RegisteredModel,
    RegisteredModelPage,
)
from carnet.exceptions import CarnetError, InvalidState
from carnet.store.registry import RegistryStore


class RegistryUnavailable(RegistryStore):
    """Every registry call fails with :meth:`registry_unavailable`'s error."""

    def registry_unavailable(self, what: str) -> CarnetError:
        return InvalidState(f"{what} needs the model registry, which this store does not have")

    def _fail(self, what: str) -> NoReturn:
        raise self.registry_unavailable(what)

    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        self._fail(f"registering model {name!r}")

    def get_registered_model(self, name: str) -> RegisteredModel:
        self._fail(f"reading registered model {name!r}")

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        self._fail(f"renaming registered model {name!r}")

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        self._fail(f"describing registered model {name!r}")

    def delete_registered_model(self, name: str) -> None:
        self._fail(f"deleting registered model {name!r}")

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RegisteredModelPage:
        self._fail("searching registered models")

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        self._fail(f"tagging registered model {name!r}")

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._fail(f"tagging registered model {name!r}")

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
        self._fail(f"registering a version of {name!r}")

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        self._fail(f"reading version {version} of {name!r}")

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        self._fail(f"describing version {version} of {name!r}")

    def delete_model_version(self, name: str, version: int | str) -> None:
        self._fail(f"deleting version {version} of {name!r}")

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> ModelVersionPage:
        self._fail("searching model versions")

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        self._fail(f"tagging version {version} of {name!r}")

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        self._fail(f"tagging version {version} of {name!r}")

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: ModelStage | str,
        archive_existing_versions: bool = False,
        user_id: str = "",
    ) -> ModelVersion:
        self._fail(f"moving version {version} of {name!r} to another stage")

    def get_latest_versions(
        self, name: str, stages: Sequence[ModelStage | str] | None = None
    ) -> list[ModelVersion]:
        self._fail(f"reading the latest versions of {name!r}")

    def set_registered_model_alias(
        self, name: str, alias: str, version: int | str, user_id: str = ""
    ) -> None:
        self._fail(f"setting alias {alias!r} of {name!r}")

    def delete_registered_model_alias(self, name: str, alias: str, user_id: str = "") -> None:
        self._fail(f"deleting alias {alias!r} of {name!r}")

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        self._fail(f"resolving alias {alias!r} of {name!r}")

    def get_model_version_history(
        self, name: str, version: int | str | None = None
    ) -> list[ModelVersionEvent]:
        self._fail(f"reading the history of {name!r}")

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        self._fail(f"locating version {version} of {name!r}")
