"""The artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``): upload, download, list, delete
files under the server's artifact root, a local folder or an ``s3://`` prefix (``ArtifactRoot``).

Every path is checked twice: after repeated URL-decoding it must be a relative path without
``..``, backslashes, ``#`` or ``;`` (:func:`safe_relative`), and for a local root the resolved
target (symlinks followed) must lie inside the root. Uploads stream to a temporary file chunk by
chunk, up to the server's ``max_artifact_bytes``; an upload that fails or is too large leaves
nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import quote, unquote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, StreamingResponse

from carnet.exceptions import InvalidName, NotFound
from carnet.server.artifact_root import ArtifactRoot
from carnet.server.errors import PayloadTooLarge
from carnet.server.mlflow.deps import ArtifactRootDep, MaxArtifactBytesDep
from carnet.server.mlflow.request import Message, Query
from carnet.validation import check_relative_path

router = APIRouter(prefix="/artifacts", include_in_schema=False)

_MAX_DECODING_ROUNDS = 10
_SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


def _root(root: ArtifactRoot | None) -> ArtifactRoot:
    if root is None:
        raise NotFound("this server has no artifact root: the artifact proxy is off", field="path")
    return root


def _invalid(path: str) -> InvalidName:
    return InvalidName(f"path: invalid path {path!r}", field="path")


def safe_relative(path: str) -> str:
    """``path`` normalised to ``a/b/c``; ``InvalidName`` when it, or what any number of further
    URL-decoding steps make of it, could leave the root: ``..`` segments, absolute paths, drive
    letters, backslashes, or the ``#`` and ``;`` that URL parsers cut paths at."""
    decoded = path
    for _ in range(_MAX_DECODING_ROUNDS):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    else:
        raise _invalid(path)  # still changing after many rounds: no honest client sends that
    if any(mark in decoded for mark in ("\\", "#", ";", "\x00")):
        raise _invalid(path)
    check_relative_path(decoded, "path")
    return check_relative_path(path, "path")


def resolve(root: Path, path: str) -> Path:
    """The file or folder ``path`` names under the local ``root``; ``InvalidName`` for anything
    escaping it, symlinks included."""
    target = (root / safe_relative(path)).resolve()
    if target != root and root not in target.parents:  # a symlink leads out
        raise InvalidName(f"path: {path!r} resolves outside the artifact root", field="path")
    return target


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"artifact too large: the server accepts uploads up to {limit} bytes "
        "(raise it with carnet server --max-artifact-bytes, 0 for no limit)",
        field="path",
    )


def _check_declared_size(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if limit and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)


async def _receive(request: Request, write: Callable[[bytes], object], limit: int) -> None:
    """Stream the request body into ``write``; ``PayloadTooLarge`` once it passes ``limit``."""
    received = 0
    async for chunk in request.stream():
        if not chunk:
            continue
        received += len(chunk)
        if limit and received > limit:
            raise _too_large(limit)
        await anyio.to_thread.run_sync(write, chunk)


def _first_missing_folder(folder: Path) -> Path | None:
    missing = None
    while not folder.exists():
        missing, folder = folder, folder.parent
    return missing


def _remove_empty_folders(deepest: Path, top: Path) -> None:
    """Undo the folders an upload created, from ``deepest`` up to ``top``, while they are empty."""
    folder = deepest
    while True:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (another upload) or gone
        if folder == top:
            return
        folder = folder.parent


@router.put("/{path:path}")
async def upload(path: str, request: Request, root: ArtifactRootDep, limit: MaxArtifactBytesDep) -> Message:
    base = _root(root)
    relative = safe_relative(path)
    _check_declared_size(request, limit)
    if base.s3 is not None:
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES) as spool:  # bounded memory
            await _receive(request, spool.write, limit)
            spool.seek(0)
            await anyio.to_thread.run_sync(base.s3.log_stream, cast("BinaryIO", spool), relative)
        return {}
    assert base.folder is not None
    target = resolve(base.folder, path)
    if target == base.folder or target.is_dir():
        raise InvalidName(f"path: {path!r} is a folder", field="path")
    created = _first_missing_folder(target.parent)
    await anyio.to_thread.run_sync(lambda: target.parent.mkdir(parents=True, exist_ok=True))
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    stored = False
    try:
        resolve(base.folder, path)  # the folders just made must not have changed where the path leads
        with open(tmp, "wb") as out:
            await _receive(request, out.write, limit)
        os.replace(tmp, target)
        stored = True
    finally:
        tmp.unlink(missing_ok=True)
        if not stored and created is not None:
            _remove_empty_folders(target.parent, created)
    return {}


@router.get("/{path:path}", response_model=None)
def download(path: str, root: ArtifactRootDep) -> FileResponse | StreamingResponse:
    base = _root(root)
    if base.s3 is not None:
        relative = safe_relative(path)
        body = base.s3.open_stream(relative)
        return StreamingResponse(
            body.iter_chunks(1024 * 1024),
            media_type="application/octet-stream",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": f"attachment; filename*=utf-8''{quote(relative.rsplit('/', 1)[-1])}",
            },
        )
    assert base.folder is not None
    target = resolve(base.folder, path)
    if not target.is_file():
        raise NotFound(f"No such artifact: {path!r}", field="path")
    return FileResponse(
        target,
        media_type="application/octet-stream",
        filename=target.name,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get("")
def list_artifacts(query: Query, root: ArtifactRootDep) -> Message:
    base = _root(root)
    path = str(query.get("path") or "")
    if base.s3 is not None:
        relative = safe_relative(path) if path else ""
        entries = [f for f in base.s3.list_files(relative or None) if f.path != relative]
        listed: list[dict[str, object]] = [
            {"path": f.path.rsplit("/", 1)[-1], "is_dir": True}
            if f.is_dir
            else {"path": f.path.rsplit("/", 1)[-1], "is_dir": False, "file_size": f.file_size}
            for f in entries
        ]
        return {"files": listed} if listed else {}
    assert base.folder is not None
    folder = resolve(base.folder, path) if path else base.folder
    if not folder.is_dir():
        return {}
    files = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") and entry.name.endswith(".part"):
            continue  # an upload in progress
        if entry.is_dir():
            files.append({"path": entry.name, "is_dir": True})
        elif entry.is_file():
            files.append({"path": entry.name, "is_dir": False, "file_size": entry.stat().st_size})
    return {"files": files} if files else {}


@router.delete("/{path:path}")
def delete(path: str, root: ArtifactRootDep) -> Message:
    base = _root(root)
    if base.s3 is not None:
        base.s3.delete(safe_relative(path))
        return {}
    assert base.folder is not None
    target = resolve(base.folder, path)
    if target == base.folder:
        raise InvalidName("path: the artifact root cannot be deleted", field="path")
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    else:
        raise NotFound(f"No such artifact: {path!r}", field="path")
    return {}
