"""``RegistryUnavailable``: a store without a registry fails every registry call with its own error."""

from __future__ import annotations

import inspect

import pytest

from carnet.exceptions import CarnetError, InvalidState, NotFound
from carnet.store.registry import RegistryStore
from carnet.store.registry_unavailable import RegistryUnavailable


class _NoRegistry(RegistryUnavailable):
    def registry_unavailable(self, what: str) -> CarnetError:
        return NotFound(f"offline: {what}")


def _arguments(method: object) -> list[object]:
    params = list(inspect.signature(method).parameters.values())[1:]  # type: ignore[arg-type]
    return ["x" for p in params if p.default is inspect.Parameter.empty]


@pytest.mark.parametrize("name", sorted(RegistryStore.__abstractmethods__))
def test_every_registry_method_raises_the_stores_error(name: str) -> None:
    store = _NoRegistry()
    method = getattr(RegistryStore, name)
    with pytest.raises(NotFound, match="offline: "):
        getattr(store, name)(*_arguments(method))


def test_the_default_error_is_invalid_state() -> None:
    with pytest.raises(InvalidState, match="model registry"):
        RegistryUnavailable().get_registered_model("m")
