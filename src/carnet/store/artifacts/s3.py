"""Artifacts in S3 or any S3-compatible store (MinIO, Ceph, moto), under ``s3://bucket/prefix``.

Needs ``boto3`` (``pip install carnet[s3]``), imported on first use. The endpoint comes from
``CARNET_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL`` (unset: AWS itself), credentials and region from
the usual AWS environment variables and files. Paths are validated like the local repository's
(:func:`carnet.validation.check_relative_path`, also after URL-decoding), so every key stays under
the prefix. Uploads stream (``upload_fileobj``: multipart for big files); nothing is read whole into
memory except by ``read_bytes``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

from carnet.exceptions import InvalidArgument, InvalidName, NotFound
from carnet.store.artifacts.base import ArtifactRepository, FileInfo
from carnet.validation import check_relative_path

ENV_S3_ENDPOINT_URL = "CARNET_S3_ENDPOINT_URL"


def _client() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise InvalidArgument(
            "artifact_root: s3:// artifact roots need boto3; run: pip install carnet[s3]",
            field="artifact_root",
        ) from exc
    endpoint = os.environ.get(ENV_S3_ENDPOINT_URL) or os.environ.get("AWS_ENDPOINT_URL") or None
    return boto3.client("s3", endpoint_url=endpoint)


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3ArtifactRepository(ArtifactRepository):
    def __init__(self, root_uri: str, client: Any = None) -> None:
        parsed = urlparse(root_uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise InvalidArgument(
                f"artifact_root: {root_uri!r} is not s3://bucket/prefix", field="artifact_root"
            )
        self.root_uri = root_uri.rstrip("/")
        self.bucket = parsed.netloc
        prefix = parsed.path.strip("/")
        if prefix:
            prefix = check_relative_path(prefix, "artifact_root")
        self.prefix = prefix + "/" if prefix else ""
        self._client_obj = client

    @property
    def client(self) -> Any:
        if self._client_obj is None:
            self._client_obj = _client()
        return self._client_obj

    def _relative(self, artifact_path: str, field: str = "artifact_path") -> str:
        relative = check_relative_path(artifact_path, field)
        decoded = artifact_path
        for _ in range(10):  # what a later decoding step (a proxy, a tool) would see
            once = unquote(decoded)
            if once == decoded:
                break
            decoded = once
        if decoded != artifact_path:
            try:
                check_relative_path(decoded, field)
            except InvalidName:
                raise InvalidName(
                    f"{field}: {artifact_path!r} decodes to a path outside the run's folder", field=field
                ) from None
        return relative

    def _key(self, artifact_path: str, field: str = "artifact_path") -> str:
        return self.prefix + self._relative(artifact_path, field)

    def _rel_of(self, key: str) -> str:
        return key[len(self.prefix) :]

    # writes

    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str) -> None:
        source = Path(local_path)
        key = self._key(artifact_path)
        if not source.is_file():
            raise NotFound(f"path: no file at {str(source)!r}", field="path")
        with open(source, "rb") as stream:
            self.client.upload_fileobj(stream, self.bucket, key)

    def log_stream(self, stream: BinaryIO, artifact_path: str) -> None:
        # upload_fileobj reads in chunks (multipart above the threshold); a failed upload is
        # aborted by boto3, so no partial object is left under the key.
        self.client.upload_fileobj(stream, self.bucket, self._key(artifact_path))

    def log_bytes(self, data: bytes, artifact_path: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(artifact_path), Body=data)

    def log_folder(self, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> list[str]:
        source = Path(local_dir)
        prefix = self._relative(artifact_path, "name") + "/" if artifact_path else ""
        if not source.is_dir():
            raise NotFound(f"path: no folder at {str(source)!r}", field="path")
        written = []
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = prefix + file.relative_to(source).as_posix()
            self.log_file(file, relative)
            written.append(relative)
        return written

    # reads

    def _objects(self, key_prefix: str, delimiter: str | None) -> tuple[list[FileInfo], list[str]]:
        """Objects (as files) and common prefixes (folder keys, without the trailing '/')."""
        paginator = self.client.get_paginator("list_objects_v2")
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": key_prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        files: list[FileInfo] = []
        folders: list[str] = []
        for page in paginator.paginate(**kwargs):
            for obj in page.get("Contents", []):
                key = str(obj["Key"])
                if key.endswith("/"):
                    continue  # a "folder marker" some tools create
                files.append(FileInfo(self._rel_of(key), False, int(obj["Size"])))
            folders.extend(str(p["Prefix"]).rstrip("/") for p in page.get("CommonPrefixes", []))
        return files, folders

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=key))
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise

    def list_files(self, path: str | None = None, recursive: bool = False) -> list[FileInfo]:
        base = self._key(path, "path") if path else None
        if base is not None:
            head = self._head(base)
            if head is not None:
                return [FileInfo(self._rel_of(base), False, int(head["ContentLength"]))]
        key_prefix = base + "/" if base is not None else self.prefix
        files, folders = self._objects(key_prefix, None if recursive else "/")
        out = files + [FileInfo(self._rel_of(folder), True) for folder in folders]
        return sorted(out, key=lambda f: f.path)

    def download(self, artifact_path: str, destination: str | os.PathLike[str]) -> Path:
        key = self._key(artifact_path)
        destination = Path(destination)
        if self._head(key) is not None:
            if destination.is_dir():
                destination = destination / key.rsplit("/", 1)[-1]
            destination.parent.mkdir(parents=True, exist_ok=True)
            self.client.download_file(self.bucket, key, str(destination))
            return destination
        files, _ = self._objects(key + "/", None)
        if not files:
            raise NotFound(f"name: the run has no file {artifact_path!r}", field="name")
        folder_rel = self._rel_of(key) + "/"
        for info in files:
            inner = check_relative_path(info.path[len(folder_rel) :], "name")  # keys made by others too
            target = destination / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            self.client.download_file(self.bucket, self.prefix + info.path, str(target))
        return destination

    def read_bytes(self, artifact_path: str) -> bytes:
        key = self._key(artifact_path)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound(f"name: the run has no file {artifact_path!r}", field="name") from None
            raise
        return bytes(response["Body"].read())

    def open_stream(self, artifact_path: str) -> Any:
        """A streaming body (``.iter_chunks()``, ``.read(n)``) for a file; ``NotFound`` if absent."""
        key = self._key(artifact_path)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound(f"name: the run has no file {artifact_path!r}", field="name") from None
            raise

    def delete(self, artifact_path: str) -> None:
        """Remove a file, or every file under a folder; ``NotFound`` if there is neither."""
        key = self._key(artifact_path)
        if self._head(key) is not None:
            self.client.delete_object(Bucket=self.bucket, Key=key)
            return
        files, _ = self._objects(key + "/", None)
        if not files:
            raise NotFound(f"No such artifact: {artifact_path!r}", field="path")
        for start in range(0, len(files), 1000):
            batch = [{"Key": self.prefix + f.path} for f in files[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
