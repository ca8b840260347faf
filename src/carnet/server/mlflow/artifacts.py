"""The artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``): upload, download, list, delete
files under the server's artifact root.

Every path is checked twice: after repeated URL-decoding it must be a relative path without
``..`` (:func:`carnet.validation.check_relative_path`), and the resolved target (symlinks
followed) must lie inside the root. Uploads stream to a temporary file chunk by chunk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import quote, unquote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, StreamingResponse

from carnet.exceptions import InvalidName, NotFound
from carnet.server.mlflow.deps import ArtifactRootDep
from carnet.server.mlflow.request import Message, Query
from carnet.store.artifacts.s3 import S3ArtifactRepository
from carnet.validation import check_relative_path

router = APIRouter(prefix="/artifacts", include_in_schema=False)


def _root(root: Path | None) -> Path:
    if root is None:
        raise NotFound("this server has no artifact root: the artifact proxy is off", field="path")
    return root


def _s3(root: Path) -> S3ArtifactRepository | None:
    """The S3 repository when the root is an ``s3://`` URI (``create_app`` hands it over as a Path,
    ``<cwd>/s3:/bucket/prefix``), else None."""
    if "s3:" not in root.parts:
        return None
    parts = root.parts
    return S3ArtifactRepository("s3://" + "/".join(parts[parts.index("s3:") + 1 :]))


def _s3_path(path: str) -> str:
    """``path`` checked as :func:`resolve` does (also after URL-decoding), normalised."""
    resolve(Path("/"), path)  # raises InvalidName for anything escaping the root
    return check_relative_path(path, "path")


def resolve(root: Path, path: str) -> Path:
    """The file or folder ``path`` names under ``root``; ``InvalidName`` for anything escaping it."""
    decoded = path
    for _ in range(10):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    if decoded != path or "#" in path or ";" in path:
        check_relative_path(decoded, "path")  # what a later decoding step would see
        if "#" in decoded or ";" in decoded:
            raise InvalidName(f"path: invalid path {path!r}", field="path")
    relative = check_relative_path(path, "path")
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise InvalidName(f"path: invalid path {path!r}", field="path")
    return target


@router.put("/{path:path}")
async def upload(path: str, request: Request, root: ArtifactRootDep) -> Message:
    base = _root(root)
    s3 = _s3(base)
    if s3 is not None:
        relative = _s3_path(path)
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:  # bounded memory
            async for chunk in request.stream():
                if chunk:
                    await anyio.to_thread.run_sync(spool.write, chunk)
            spool.seek(0)
            await anyio.to_thread.run_sync(s3.log_stream, cast("BinaryIO", spool), relative)
        return {}
    target = resolve(base, path)
    if target == base or target.is_dir():
        raise InvalidName(f"path: {path!r} is a folder", field="path")
    await anyio.to_thread.run_sync(lambda: target.parent.mkdir(parents=True, exist_ok=True))
    resolve(base, path)  # the folders just made must not have changed where the path leads
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with open(tmp, "wb") as out:
            async for chunk in request.stream():
                if chunk:
                    await anyio.to_thread.run_sync(out.write, chunk)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return {}


@router.get("/{path:path}", response_model=None)
def download(path: str, root: ArtifactRootDep) -> FileResponse | StreamingResponse:
    s3 = _s3(_root(root))
    if s3 is not None:
        relative = _s3_path(path)
        body = s3.open_stream(relative)
        return StreamingResponse(
            body.iter_chunks(1024 * 1024),
            media_type="application/octet-stream",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": f"attachment; filename*=utf-8''{quote(relative.rsplit('/', 1)[-1])}",
            },
        )
    target = resolve(_root(root), path)
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
    s3 = _s3(base)
    if s3 is not None:
        relative = _s3_path(path) if path else ""
        entries = [f for f in s3.list_files(relative or None) if f.path != relative]
        listed: list[dict[str, object]] = [
            {"path": f.path.rsplit("/", 1)[-1], "is_dir": True}
            if f.is_dir
            else {"path": f.path.rsplit("/", 1)[-1], "is_dir": False, "file_size": f.file_size}
            for f in entries
        ]
        return {"files": listed} if listed else {}
    folder = resolve(base, path) if path else base
    if not folder.is_dir():
        return {}
    files = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") and entry.name.endswith(".part"):
            continue
        if entry.is_dir():
            files.append({"path": entry.name, "is_dir": True})
        elif entry.is_file():
            files.append({"path": entry.name, "is_dir": False, "file_size": entry.stat().st_size})
    return {"files": files} if files else {}


@router.delete("/{path:path}")
def delete(path: str, root: ArtifactRootDep) -> Message:
    base = _root(root)
    s3 = _s3(base)
    if s3 is not None:
        s3.delete(_s3_path(path))
        return {}
    target = resolve(base, path)
    if target == base:
        raise InvalidName("path: the artifact root cannot be deleted", field="path")
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    else:
        raise NotFound(f"No such artifact: {path!r}", field="path")
    return {}
