"""The trust rule for model files that can run code when loaded.

Unpickling runs whatever the file says (the CVE-2024-37052 family of MLflow advisories), so a
pickle, cloudpickle or statsmodels file loads only when the caller opts in: ``allow_pickle=True``
or ``CARNET_ALLOW_PICKLE=1``. A skops file loads only the types skops trusts by default plus the
ones the *loading* caller names in ``trusted_types``; the list a model's author wrote into
``MLmodel`` is never trusted on its own, since whoever wrote the file chose it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.exceptions import UntrustedModel

ENV_ALLOW_PICKLE = "CARNET_ALLOW_PICKLE"
_TRUE = {"1", "true", "yes", "on"}


def pickle_allowed(allow_pickle: bool | None = None) -> bool:
    """The caller's choice when given, else ``CARNET_ALLOW_PICKLE``."""
    if allow_pickle is not None:
        return allow_pickle
    return os.environ.get(ENV_ALLOW_PICKLE, "").strip().lower() in _TRUE


def require_pickle_opt_in(what: str, allow_pickle: bool | None) -> None:
    if not pickle_allowed(allow_pickle):
        raise UntrustedModel(
            f"{what} is a pickle, and unpickling runs any code the file contains. Load it only if you "
            f"trust where it came from: pass allow_pickle=True (--allow-pickle to carnet serve or "
            f"carnet predict) or set {ENV_ALLOW_PICKLE}=1.",
            field="allow_pickle",
        )


def load_skops(path: Path, trusted_types: Sequence[str] | None, recorded: Sequence[str] | None = None) -> Any:
    """Load a skops file, refusing any type neither skops nor the caller trusts."""
    import skops.io

    untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in set(trusted_types or ())]
    if untrusted:
        hint = f" The model's author listed {list(recorded)}." if recorded else ""
        raise UntrustedModel(
            f"model: {path.name} holds types skops does not trust by default: {untrusted}. Pass "
            f"trusted_types={untrusted!r} to load it if you trust where the model came from.{hint}",
            field="trusted_types",
        )
    return skops.io.load(path, trusted=list(trusted_types or ()) or None)
