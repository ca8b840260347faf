"""Where a model version's files are: a version's ``source`` checked and resolved.

A source an attacker controls is how MLflow's registry was turned into a file reader
(CVE-2023-1177, -1176, -2356, -2780, -6909, CVE-2024-1483, -3573): register ``file:///etc/`` or
``<run folder>/../../..`` as a version, then download "the model". So a source must be one of

* ``models:/<model_id>``: the files of that logged model (``model_id``, when given, must match);
* ``runs:/<run_id>/<path>``: a path inside that run's artifact location;
* a folder, ``file:`` or ``s3://`` location inside the artifact location of the version's run or
  logged model (symbolic links resolved, so a link inside the run cannot point out of it),

and it may never hold ``..`` segments, a fragment, a query or ``;`` parameters, also after
repeated URL-decoding.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from carnet.exceptions import InvalidValue
from carnet.store.sql import logged_models, runs
from carnet.utils import join_uri
from carnet.validation import check_model_source_text, fully_decoded

_LOGGED_MODEL_URI = re.compile(r"models:/+(m-[0-9a-f]{32})/*", re.IGNORECASE)
_RUN_URI = re.compile(r"runs:/+([^/]+)(?:/(.*))?", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ResolvedSource:
    source: str
    storage_location: str
    run_id: str | None
    model_id: str | None


def resolve(session: Session, source: str, run_id: str | None, model_id: str | None) -> ResolvedSource:
    """Check ``source`` against the version's run and logged model; raise ``InvalidValue`` (field
    ``source``) when it points anywhere else, ``NotFound`` for an unknown run or logged model."""
    check_model_source_text(source)
    decoded = fully_decoded(source).strip()
    run_id = run_id or None
    model_id = model_id or None
    scheme = urlparse(decoded).scheme.lower()

    if scheme == "models":
        found = _LOGGED_MODEL_URI.fullmatch(decoded)
        if found is None:
            raise InvalidValue(
                f"source: {source!r}: a models:/ source must name a logged model (models:/m-<32 hex>)",
                field="source",
            )
        named = found.group(1).lower()
        if model_id is not None and model_id != named:
            raise InvalidValue(
                f"source: {source!r} names logged model {named}, but model_id is {model_id}", field="source"
            )
        model = logged_models.load(session, named)
        if run_id is not None and model.source_run_id and model.source_run_id != run_id:
            raise InvalidValue(
                f"run_id: logged model {named} comes from run {model.source_run_id}, not {run_id}",
                field="run_id",
            )
        return ResolvedSource(source, model.artifact_location, run_id or model.source_run_id, named)

    if scheme == "runs":
        found = _RUN_URI.fullmatch(decoded)
        if found is None:
            raise InvalidValue(f"source: {source!r}: expected runs:/<run_id>/<path>", field="source")
        named, path = found.group(1), (found.group(2) or "").strip("/")
        if run_id is not None and run_id != named:
            raise InvalidValue(
                f"source: {source!r} names run {named}, but run_id is {run_id}", field="source"
            )
        run = runs.load(session, named)
        location = join_uri(run.artifact_uri, *path.split("/")) if path else run.artifact_uri
        _check_model(session, model_id)
        return ResolvedSource(source, location, named, model_id)

    roots = []
    if run_id is not None:
        roots.append(runs.load(session, run_id).artifact_uri)
    if model_id is not None:
        roots.append(logged_models.load(session, model_id).artifact_location)
    if not roots:
        raise InvalidValue(
            f"source: {source!r}: a version must come from a run (run_id) or a logged model "
            "(model_id, or a models:/<model_id> source)",
            field="source",
        )
    if not any(is_inside(decoded, root) for root in roots):
        owner = " or ".join(
            name for name, given in (("run", run_id), ("logged model", model_id)) if given is not None
        )
        raise InvalidValue(
            f"source: {source!r} is not inside the artifact location of its {owner}", field="source"
        )
    return ResolvedSource(source, source, run_id, model_id)


def _check_model(session: Session, model_id: str | None) -> None:
    if model_id is not None:
        logged_models.load(session, model_id)


def is_inside(location: str, root: str) -> bool:
    """Whether ``location`` is ``root`` or lies under it. Local paths (plain, ``file:``) are
    compared after resolving symbolic links; URIs (``s3://``) by scheme, host and path prefix."""
    local = _local_path(location)
    local_root = _local_path(root)
    if local is not None and local_root is not None:
        try:
            resolved = Path(local).resolve()
            resolved_root = Path(local_root).resolve()
        except (OSError, RuntimeError):
            return False
        return resolved == resolved_root or resolved_root in resolved.parents
    if local is not None or local_root is not None:
        return False
    parsed, parsed_root = urlparse(location), urlparse(root)
    if (parsed.scheme.lower(), parsed.netloc) != (parsed_root.scheme.lower(), parsed_root.netloc):
        return False
    path, root_path = parsed.path.rstrip("/"), parsed_root.path.rstrip("/")
    return path == root_path or path.startswith(root_path + "/")


def _local_path(location: str) -> str | None:
    """The absolute filesystem path ``location`` names, or None when it is a remote URI (or not
    an absolute local path: a relative one would depend on the server's working directory)."""
    parsed = urlparse(location)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            return None
        path = parsed.path
    elif scheme and len(scheme) > 1:
        return None
    elif location.startswith(("//", "\\\\")):
        return None  # //host/share: another machine
    else:
        path = location
    return path if os.path.isabs(path) else None
