"""Artifact previews over a real local artifact folder: each kind, the caps, and bad paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carnet.exceptions import InvalidName, NotFound
from carnet.store.artifacts.local import LocalArtifactRepository
from carnet.studio import previews
from studio.data import MLMODEL, NOTEBOOK, png


@pytest.fixture
def repo(tmp_path: Path) -> LocalArtifactRepository:
    files = {
        "a.csv": b"x,y\n1,2\n3,4\n",
        "a.json": b'{"b": 1}',
        "broken.json": b"{nope",
        "model/MLmodel": MLMODEL.encode(),
        "nb.ipynb": json.dumps(NOTEBOOK).encode(),
        "not-a-notebook.ipynb": b"[1, 2]",
        "pic.png": png(),
        "blob.dat": b"\x00\x01\x02" * 10,
        "big.txt": b"a" * (previews.MAX_TEXT_BYTES + 1),
        "readme": b"plain words",
    }
    repository = LocalArtifactRepository(tmp_path / "root")
    for name, data in files.items():
        repository.log_bytes(data, name)
    return repository


def test_each_kind_is_previewed(repo: LocalArtifactRepository) -> None:
    assert previews.preview(repo, "a.csv") == {
        "path": "a.csv",
        "size": 12,
        "kind": "csv",
        "columns": ["x", "y"],
        "rows": [["1", "2"], ["3", "4"]],
        "truncated": False,
    }
    assert previews.preview(repo, "a.json")["text"] == '{\n  "b": 1\n}'
    broken = previews.preview(repo, "broken.json")
    assert broken["kind"] == "text" and "not valid JSON" in broken["message"]
    model = previews.preview(repo, "model/MLmodel")
    assert model["flavors"] == ["python_function", "sklearn"]
    assert model["signature"]["inputs"] == [
        {"name": "age", "type": "double"},
        {"name": "bmi", "type": "double"},
    ]
    notebook = previews.preview(repo, "nb.ipynb")
    assert [c["cell_type"] for c in notebook["cells"]] == ["markdown", "code"]
    assert notebook["cells"][1]["outputs"] == [{"text": "2\n"}]
    assert previews.preview(repo, "not-a-notebook.ipynb")["kind"] == "text"
    assert previews.preview(repo, "pic.png")["kind"] == "image"
    assert previews.preview(repo, "readme")["kind"] == "text"
    assert previews.preview(repo, "model")["kind"] == "folder"


def test_binary_and_big_files_are_not_shown(repo: LocalArtifactRepository) -> None:
    assert previews.preview(repo, "blob.dat")["kind"] == "binary"
    big = previews.preview(repo, "big.txt")
    assert big["kind"] == "too_large" and "download it" in big["message"]
    assert "text" not in big


def test_missing_and_escaping_paths_are_refused(repo: LocalArtifactRepository) -> None:
    with pytest.raises(NotFound) as missing:
        previews.preview(repo, "nope.txt")
    assert missing.value.field == "path"
    for bad in ("../x", "/etc/passwd", "a/../../b"):
        with pytest.raises(InvalidName):
            previews.preview(repo, bad)
