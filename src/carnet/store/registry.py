"""The model registry contract: registered models, their versions, stages, aliases and history.

Every tracking store is also a registry store (:class:`~carnet.store.base.TrackingStore` extends
this class), so code holding a store can register what it logged. The rules:

* Names are validated like experiment names and may not hold ``/`` or ``:`` (they appear in
  ``models:/<name>/<version>`` URIs). An unknown model, version or alias is ``NotFound``; a taken
  name ``AlreadyExists``; an unknown stage or a reserved alias (``latest``, ``v1``, ...)
  ``InvalidValue``.
* Versions are numbered 1, 2, ... per model and a number is never reused, not even after a delete.
* A version's ``source`` must lie inside the artifact location of its run (``run_id``) or of its
  logged model (``model_id``), or be ``models:/<model_id>`` naming that logged model, or
  ``runs:/<run_id>/<path>``; anything else (``..`` after URL-decoding, fragments, other folders)
  is ``InvalidValue``.
* Every version creation, stage change, alias change and version deletion is recorded with who
  and when (:meth:`RegistryStore.get_model_version_history`).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from carnet.entities import (
    ModelStage,
    ModelVersion,
    ModelVersionEvent,
    ModelVersionPage,
    RegisteredModel,
    RegisteredModelPage,
)

SEARCH_MODELS_MAX_RESULTS = 1000
SEARCH_VERSIONS_MAX_RESULTS = 200_000


class RegistryStore(abc.ABC):
    """Registered models and their versions."""

    # -- registered models ---------------------------------------------------------------------

    @abc.abstractmethod
    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        """Raises ``AlreadyExists`` when the name is taken."""

    @abc.abstractmethod
    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model with its tags, aliases and latest version per stage. Raises ``NotFound``."""

    @abc.abstractmethod
    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename the model; its versions, aliases and history follow it."""

    @abc.abstractmethod
    def update_registered_model(self, name: str, description: str) -> RegisteredModel: ...

    @abc.abstractmethod
    def delete_registered_model(self, name: str) -> None:
        """Delete the model, its versions, aliases and history (the model files are kept)."""

    @abc.abstractmethod
    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RegisteredModelPage:
        """Models matching the filter (``name LIKE 'iris%'``, ``tags.team = 'a'``), by name unless
        ``order_by`` says otherwise (``name``, ``creation_timestamp``, ``last_updated_timestamp``)."""

    @abc.abstractmethod
    def set_registered_model_tag(self, name: str, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Raises ``NotFound`` when the model has no tag ``key``."""

    # -- model versions ------------------------------------------------------------------------

    @abc.abstractmethod
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
        """The model's next version, in stage None. Raises ``NotFound`` for an unknown model, run
        or logged model, ``InvalidValue`` for a source outside their artifact locations."""

    @abc.abstractmethod
    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """Raises ``NotFound``."""

    @abc.abstractmethod
    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion: ...

    @abc.abstractmethod
    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete the version and the aliases pointing to it; the deletion stays in the history."""

    @abc.abstractmethod
    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> ModelVersionPage:
        """Versions matching the filter (``name = 'm'``, ``run_id = '...'``, ``version_number > 1``,
        ``source_path LIKE '...'``, ``tags.x = 'y'``), newest first unless ``order_by`` says
        otherwise."""

    @abc.abstractmethod
    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Raises ``NotFound`` when the version has no tag ``key``."""

    @abc.abstractmethod
    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: ModelStage | str,
        archive_existing_versions: bool = False,
        user_id: str = "",
    ) -> ModelVersion:
        """Move the version to ``stage``; with ``archive_existing_versions`` (only for Staging and
        Production) the model's other versions in that stage move to Archived. Each move is
        recorded in the history."""

    @abc.abstractmethod
    def get_latest_versions(
        self, name: str, stages: Sequence[ModelStage | str] | None = None
    ) -> list[ModelVersion]:
        """The newest version of each of ``stages`` (of every stage when None or empty)."""

    # -- aliases -------------------------------------------------------------------------------

    @abc.abstractmethod
    def set_registered_model_alias(
        self, name: str, alias: str, version: int | str, user_id: str = ""
    ) -> None:
        """Point ``alias`` at ``version`` (moving it from another version if needed)."""

    @abc.abstractmethod
    def delete_registered_model_alias(self, name: str, alias: str, user_id: str = "") -> None:
        """Raises ``NotFound`` for an unknown alias."""

    @abc.abstractmethod
    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Raises ``NotFound`` for an unknown alias."""

    # -- history and files ---------------------------------------------------------------------

    @abc.abstractmethod
    def get_model_version_history(
        self, name: str, version: int | str | None = None
    ) -> list[ModelVersionEvent]:
        """The model's changes (of one version when ``version`` is given), oldest first."""

    @abc.abstractmethod
    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        """Where the version's files are: the folder or ``s3://`` location ``source`` resolves to
        (a logged model's artifact location for ``models:/<model_id>``)."""
