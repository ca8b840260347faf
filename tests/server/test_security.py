"""The server's security settings: the Host allowlist and CORS origins (options, defaults, the
environment the workers read), and the artifact upload cap."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from carnet.server import create_app
from carnet.server.app import (
    ENV_ALLOWED_HOSTS,
    ENV_ARTIFACTS_DESTINATION,
    ENV_BACKEND_STORE_URI,
    ENV_CORS_ALLOWED_ORIGINS,
    ENV_MAX_ARTIFACT_BYTES,
    app_from_env,
)
from carnet.server.security import HostAllowlist, OriginAllowlist, default_allowed_hosts, split_list
from carnet.store.sql.store import SqlTrackingStore

ART = "/api/2.0/mlflow-artifacts/artifacts"
Serve = Callable[..., contextlib.AbstractContextManager[str]]


def _store(tmp_path: Path) -> SqlTrackingStore:
    return SqlTrackingStore(f"sqlite:///{tmp_path / 'carnet.db'}", str(tmp_path / "artifacts"))


@contextlib.contextmanager
def _client(serve_app: Serve, app: Any) -> Iterator[httpx.Client]:
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http


def test_split_list_and_default_hosts() -> None:
    assert split_list(" a.example, b.example:8080 ,,") == ["a.example", "b.example:8080"]
    assert split_list(None) == []
    assert default_allowed_hosts() == ["localhost", "127.0.0.1", "::1"]
    assert default_allowed_hosts("0.0.0.0") == ["localhost", "127.0.0.1", "::1"]
    assert default_allowed_hosts("10.0.0.5") == ["localhost", "127.0.0.1", "::1", "10.0.0.5"]
    assert default_allowed_hosts("[fe80::1]")[-1] == "fe80::1"


@pytest.mark.parametrize(
    ("allowed", "host", "ok"),
    [
        (["localhost"], "localhost:5000", True),
        (["localhost"], "LocalHost", True),
        (["::1"], "[::1]:5000", True),
        (["::1"], "[::2]:5000", False),
        (["tracking.example.com"], "tracking.example.com:443", True),
        (["tracking.example.com"], "tracking.example.com.attacker.example", False),
        (["tracking.example.com:8080"], "tracking.example.com:8080", True),
        (["tracking.example.com:8080"], "tracking.example.com:9090", False),
        (["*.example.com"], "ml.example.com", True),
        (["*.example.com"], "example.org", False),
        (["*"], "anything.example", True),
        (["localhost"], None, False),
        ([], "localhost", False),
    ],
)
def test_host_allowlist_matching(allowed: list[str], host: str | None, ok: bool) -> None:
    assert HostAllowlist(allowed).allows(host) is ok


def test_origin_allowlist_matching() -> None:
    default = OriginAllowlist(None)
    assert default.allows("http://localhost:3000") and default.allows("http://127.0.0.1")
    assert default.allows("https://[::1]:8443")
    assert not default.allows("http://localhost.attacker.example")
    assert not default.allows("http://attacker.example")
    custom = OriginAllowlist(["https://app.example.com", "https://*.lab.example.com"])
    assert custom.allows("https://app.example.com") and custom.allows("https://x.lab.example.com")
    assert not custom.allows("http://localhost:3000")  # an explicit list replaces the default
    assert not custom.allows("https://x.lab.example.com.attacker.example/")
    assert not OriginAllowlist([]).allows("http://localhost")
    assert OriginAllowlist(["*"]).allows("https://any.example")


def test_allowed_hosts_option_of_create_app(tmp_path: Path, serve_app: Serve) -> None:
    app = create_app(_store(tmp_path), allowed_hosts=["tracking.example.com"])
    with _client(serve_app, app) as http:
        assert http.get("/api/v1/experiments", headers={"host": "tracking.example.com"}).status_code == 200
        # an explicit list replaces the default: localhost is refused now
        refused = http.get("/api/v1/experiments")
        assert refused.status_code == 403 and "--allowed-hosts 127.0.0.1" in refused.json()["message"]
    with _client(serve_app, create_app(_store(tmp_path), allowed_hosts=["*"])) as http:
        assert http.get("/api/v1/experiments", headers={"host": "anything.example"}).status_code == 200


def test_cors_allowed_origins_option(tmp_path: Path, serve_app: Serve) -> None:
    app = create_app(_store(tmp_path), cors_allowed_origins=["https://ui.example.com"])
    with _client(serve_app, app) as http:
        ok = http.get("/api/v1/experiments", headers={"origin": "https://ui.example.com"})
        assert ok.headers["access-control-allow-origin"] == "https://ui.example.com"
        preflight = http.options(
            "/api/2.0/mlflow/experiments/create",
            headers={"origin": "https://ui.example.com", "access-control-request-method": "POST"},
        )
        assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
        other = http.post(
            "/api/2.0/mlflow/experiments/create",
            json={"name": "x"},
            headers={"origin": "http://localhost:3000"},
        )
        assert other.status_code == 403


def test_every_answer_says_nosniff(tmp_path: Path, serve_app: Serve) -> None:
    with _client(serve_app, create_app(_store(tmp_path))) as http:
        for reply in (http.get("/health"), http.get("/api/v1/experiments"), http.get("/nothing")):
            assert reply.headers["x-content-type-options"] == "nosniff"
            assert reply.headers["x-frame-options"] == "DENY"


def test_app_from_env_reads_the_security_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BACKEND_STORE_URI, f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv(ENV_ARTIFACTS_DESTINATION, str(tmp_path / "artifacts"))
    monkeypatch.setenv(ENV_ALLOWED_HOSTS, "tracking.example.com, localhost")
    monkeypatch.setenv(ENV_CORS_ALLOWED_ORIGINS, "https://ui.example.com")
    monkeypatch.setenv(ENV_MAX_ARTIFACT_BYTES, "1234")
    app = app_from_env()
    assert app.state.max_artifact_bytes == 1234
    assert app.state.artifact_root.folder == (tmp_path / "artifacts").resolve()
    monkeypatch.setenv(ENV_MAX_ARTIFACT_BYTES, "lots")
    with pytest.raises(Exception, match="CARNET_SERVER_MAX_ARTIFACT_BYTES"):
        app_from_env()


# -- the artifact upload cap ------------------------------------------------------------------


@pytest.fixture
def capped(tmp_path: Path, serve_app: Serve) -> Iterator[tuple[httpx.Client, Path]]:
    root = tmp_path / "artifacts"
    with _client(
        serve_app, create_app(_store(tmp_path), artifact_root=root, max_artifact_bytes=1000)
    ) as http:
        yield http, root


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_upload_over_the_cap_is_413_and_leaves_nothing(capped: tuple[httpx.Client, Path]) -> None:
    http, root = capped
    assert http.put(f"{ART}/1/r/artifacts/ok.bin", content=b"x" * 1000).status_code == 200
    before = _files(root)
    declared = http.put(f"{ART}/1/r/artifacts/big.bin", content=b"x" * 5000)
    assert declared.status_code == 413
    body = declared.json()
    assert body["error_code"] == "INVALID_PARAMETER_VALUE" and "1000 bytes" in body["message"]
    assert "--max-artifact-bytes" in body["message"]
    # chunked: no Content-Length, the cap is found while streaming; new folders are removed too
    streamed = http.put(f"{ART}/2/new/folder/big.bin", content=iter([b"y" * 600, b"y" * 600]))
    assert streamed.status_code == 413, streamed.text
    assert _files(root) == before
    # an existing artifact is not harmed by a refused replacement
    assert http.put(f"{ART}/1/r/artifacts/ok.bin", content=iter([b"z" * 800, b"z" * 800])).status_code == 413
    assert (root / "1" / "r" / "artifacts" / "ok.bin").read_bytes() == b"x" * 1000


def test_upload_cap_zero_means_no_limit(tmp_path: Path, serve_app: Serve) -> None:
    root = tmp_path / "artifacts"
    with _client(serve_app, create_app(_store(tmp_path), artifact_root=root, max_artifact_bytes=0)) as http:
        assert http.put(f"{ART}/big.bin", content=b"x" * 3_000_000).status_code == 200
    assert (root / "big.bin").stat().st_size == 3_000_000
