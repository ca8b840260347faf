"""What the artifact browser shows for a file: text, JSON, YAML, a CSV table, an image, an MLmodel
with its flavors and signature, a notebook's cells, or a message saying why it cannot (too big,
binary, malformed). Everything is capped in size; the page always has a download link."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import posixpath
from typing import Any

from carnet.exceptions import NotFound
from carnet.store.artifacts.base import ArtifactRepository, FileInfo
from carnet.validation import check_relative_path

MAX_TEXT_BYTES = 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_CSV_ROWS = 1000
# Served inline to an <img>; anything else (SVG included: it can hold scripts) is a download.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
_TEXT = {".txt", ".log", ".md", ".py", ".cfg", ".ini", ".toml", ".sh", ".r", ".sql", ".html", ".xml", ".svg"}
_YAML = {".yaml", ".yml"}


def find_file(repo: ArtifactRepository, path: str) -> FileInfo:
    """The entry at ``path`` (a file or a folder); ``NotFound`` naming ``path`` when absent."""
    check_relative_path(path, "path")
    parent = posixpath.dirname(path)
    for entry in repo.list_files(parent or None):
        if entry.path == path:
            return entry
    raise NotFound(f"path: no file {path!r} among the artifacts", field="path")


def kind_of(path: str) -> str:
    name = posixpath.basename(path)
    ext = posixpath.splitext(name)[1].lower()
    if name == "MLmodel":
        return "mlmodel"
    if ext in IMAGE_TYPES:
        return "image"
    if ext == ".json":
        return "json"
    if ext in _YAML:
        return "yaml"
    if ext in (".csv", ".tsv"):
        return "csv"
    if ext == ".ipynb":
        return "notebook"
    if ext in _TEXT:
        return "text"
    return "unknown"


def _decode(data: bytes) -> str | None:
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def preview(repo: ArtifactRepository, path: str) -> dict[str, Any]:
    """``{path, size, kind, ...}``: ``kind`` says how to show it; ``message`` when it cannot be."""
    entry = find_file(repo, path)
    size = entry.file_size or 0
    base: dict[str, Any] = {"path": path, "size": size}
    if entry.is_dir:
        return {**base, "kind": "folder"}
    kind = kind_of(path)
    limit = MAX_IMAGE_BYTES if kind == "image" else MAX_TEXT_BYTES
    if size > limit:
        return {
            **base,
            "kind": "too_large",
            "message": f"{path} is {size:,} bytes, more than the {limit:,} bytes shown here: download it",
        }
    if kind == "image":
        return {**base, "kind": "image"}
    text = _decode(repo.read_bytes(path))
    if text is None:
        return {**base, "kind": "binary", "message": f"{path} is a binary file: download it to open it"}
    if kind == "json":
        try:
            return {**base, "kind": "json", "text": json.dumps(json.loads(text), indent=2)}
        except ValueError as exc:
            return {**base, "kind": "text", "text": text, "message": f"not valid JSON: {exc}"}
    if kind == "csv":
        return {**base, **_csv(text, "\t" if path.lower().endswith(".tsv") else ",")}
    if kind == "notebook":
        return {**base, **_notebook(text)}
    if kind == "mlmodel":
        return {**base, **_mlmodel(text)}
    return {**base, "kind": "yaml" if kind == "yaml" else "text", "text": text}


def _csv(text: str, delimiter: str) -> dict[str, Any]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_CSV_ROWS:
                break
    except csv.Error as exc:
        return {"kind": "text", "text": text, "message": f"not a valid CSV file: {exc}"}
    if not rows:
        return {"kind": "text", "text": text}
    truncated = len(rows) > MAX_CSV_ROWS
    return {"kind": "csv", "columns": rows[0], "rows": rows[1 : MAX_CSV_ROWS + 1], "truncated": truncated}


def _mlmodel(text: str) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {"kind": "mlmodel", "text": text}
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return {**out, "message": f"MLmodel is not valid YAML: {exc}"}
    if isinstance(doc, dict):
        flavors = doc.get("flavors")
        out["flavors"] = sorted(flavors) if isinstance(flavors, dict) else []
        signature = doc.get("signature")
        if isinstance(signature, dict):
            out["signature"] = {k: _schema_columns(signature.get(k)) for k in ("inputs", "outputs")}
    return out


def _schema_columns(spec: Any) -> list[dict[str, str]]:
    """A signature's columns as ``{name, type}``; MLmodel keeps each side as a JSON string."""
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            return []
    if not isinstance(spec, list):
        return []
    return [
        {"name": str(c.get("name", "")), "type": str(c.get("type", c.get("tensor-spec", "")))}
        for c in spec
        if isinstance(c, dict)
    ]


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _notebook(text: str) -> dict[str, Any]:
    """The cells as plain data the page renders as text (never as HTML): source, text outputs and
    PNG images."""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return {"kind": "text", "text": text, "message": "not a valid notebook (no cells): shown as text"}
    out = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        outputs = []
        for item in cell.get("outputs") or []:
            if not isinstance(item, dict):
                continue
            data = item.get("data") if isinstance(item.get("data"), dict) else {}
            png = data.get("image/png") if data else None
            if isinstance(png, str) and _is_base64(png):
                outputs.append({"png": "".join(png.split())})
            elif "text" in item:
                outputs.append({"text": _joined(item["text"])})
            elif data and "text/plain" in data:
                outputs.append({"text": _joined(data["text/plain"])})
            elif item.get("output_type") == "error":
                outputs.append({"text": f"{item.get('ename', 'Error')}: {item.get('evalue', '')}"})
        kind = str(cell.get("cell_type", "code"))
        out.append({"cell_type": kind, "source": _joined(cell.get("source")), "outputs": outputs})
    return {"kind": "notebook", "cells": out}


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
