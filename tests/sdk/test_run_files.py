"""Run files (Azure ML style): upload a file, a stream or a folder, list and download them, and
never write outside the run's folder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import carnet
from carnet.exceptions import InvalidName, InvalidValue, LimitExceeded, NotFound


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_upload_file_from_a_path(store_run: carnet.Run, tmp_path: Path) -> None:
    run = store_run
    source = tmp_path / "model.bin"
    source.write_bytes(b"\x00weights\xff")
    run.upload_file("outputs/model.bin", source)
    run.upload_file("top.bin", str(source))
    assert run.get_file_names() == ["outputs/model.bin", "top.bin"]
    stored = Path(run.info.artifact_uri) / "outputs" / "model.bin"
    assert stored.read_bytes() == b"\x00weights\xff"


def test_upload_file_from_a_stream(run: carnet.Run) -> None:
    run.upload_file("outputs/log.txt", io.BytesIO(b"line 1\nline 2\n"))
    assert run.get_file_names() == ["outputs/log.txt"]
    assert run.download_file("outputs/log.txt").read_bytes() == b"line 1\nline 2\n"


def test_upload_file_normalises_the_name(run: carnet.Run) -> None:
    run.upload_file("./a//b/./c.txt", io.BytesIO(b"x"))
    assert run.get_file_names() == ["a/b/c.txt"]


def test_upload_file_rejects_other_sources(run: carnet.Run) -> None:
    with pytest.raises(InvalidValue, match="path_or_stream: expected a file path or a binary stream") as info:
        run.upload_file("x.txt", 42)  # type: ignore[arg-type]
    assert info.value.field == "path_or_stream"
    with pytest.raises(NotFound, match="no file at") as not_found:
        run.upload_file("x.txt", Path("does-not-exist.txt"))
    assert not_found.value.field == "path"
    assert run.get_file_names() == []


def test_upload_folder(run: carnet.Run, tmp_path: Path) -> None:
    folder = tmp_path / "report"
    (folder / "plots").mkdir(parents=True)
    (folder / "index.html").write_text("<html/>")
    (folder / "plots" / "a.svg").write_text("<svg/>")
    written = run.upload_folder("reports/v1", folder)
    assert written == ["reports/v1/index.html", "reports/v1/plots/a.svg"]
    assert run.get_file_names() == written
    with pytest.raises(NotFound, match="no folder at"):
        run.upload_folder("reports/v2", tmp_path / "missing")


def test_download_file_default_and_explicit_paths(run: carnet.Run, tmp_path: Path) -> None:
    run.upload_file("outputs/metrics.json", io.BytesIO(b'{"rmse": 54.1}'))
    default = run.download_file("outputs/metrics.json")
    assert default == Path.cwd() / "metrics.json"
    assert default.read_bytes() == b'{"rmse": 54.1}'
    explicit = run.download_file("outputs/metrics.json", tmp_path / "copies" / "m.json")
    assert explicit == tmp_path / "copies" / "m.json"
    assert explicit.read_bytes() == b'{"rmse": 54.1}'
    with pytest.raises(NotFound, match=r"the run has no file 'outputs/missing\.json'") as info:
        run.download_file("outputs/missing.json")
    assert info.value.field == "name"


def test_download_files_under_a_prefix(run: carnet.Run, tmp_path: Path) -> None:
    run.upload_file("outputs/a.txt", io.BytesIO(b"a"))
    run.upload_file("outputs/deep/b.txt", io.BytesIO(b"b"))
    run.upload_file("logs/c.txt", io.BytesIO(b"c"))
    out = run.download_files("outputs", tmp_path / "dl")
    assert {p.relative_to(out).as_posix() for p in _files_under(out)} == {
        "outputs/a.txt",
        "outputs/deep/b.txt",
    }


def test_files_of_a_run_are_readable_after_it_ends_and_from_another_object(
    store_uri: str, store_run: carnet.Run
) -> None:
    run = store_run
    run.upload_file("outputs/x.txt", io.BytesIO(b"x"))
    run.complete()
    attached = carnet.Workspace(store_uri).get_run(run.id)
    assert attached.get_file_names() == ["outputs/x.txt"]
    assert attached.download_file("outputs/x.txt", Path("x.txt")).read_bytes() == b"x"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("../../etc/x", InvalidName),
        ("../x", InvalidName),
        ("a/../../x", InvalidName),
        ("/abs", InvalidName),
        ("/etc/passwd", InvalidName),
        ("..\\..\\x", InvalidName),
        ("C:/x", InvalidName),
        ("", InvalidName),
        (".", InvalidName),
        ("a" * 300, LimitExceeded),
    ],
)
def test_upload_file_never_writes_outside_the_run(
    run: carnet.Run, tmp_path: Path, name: str, error: type[Exception]
) -> None:
    source = tmp_path / "payload.txt"
    source.write_text("payload")
    before = _files_under(tmp_path)
    run_folder = Path(run.info.artifact_uri)
    with pytest.raises(error) as info:
        run.upload_file(name, source)
    assert info.value.field == "name"  # type: ignore[attr-defined]
    assert str(info.value).startswith("name: ")
    with pytest.raises(error):
        run.upload_file(name, io.BytesIO(b"payload"))
    with pytest.raises(error):
        run.upload_folder(name, source.parent)
    assert _files_under(tmp_path) == before  # nothing new anywhere (no half-written .part either)
    assert not (run_folder / "../../etc/x").resolve().exists()
    assert not Path("/abs").exists()
    assert run.get_file_names() == []


def test_download_refuses_paths_outside_the_run(run: carnet.Run) -> None:
    with pytest.raises(InvalidName):
        run.download_file("../../carnet.db", "copy.db")
    assert not Path("copy.db").exists()
