"""MLflow's security advisories replayed against a carnet server on a loopback port.

One test (or parametrised case) per advisory that applies to tracking and artifacts, named after
its id. Every attack must get a 4xx and leave the files outside the artifact root untouched: a
sentinel file sits next to the root, and the tree outside the root is compared before and after.
Advisories about users, GraphQL, webhooks and the gateway do not apply (carnet has no such
endpoints); docs/server.md lists them. The model registry's are in ``test_registry_security.py``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from carnet.server import create_app
from carnet.store.sql.store import SqlTrackingStore

MLFLOW = "/api/2.0/mlflow"
AJAX = "/ajax-api/2.0/mlflow"
NATIVE = "/api/v1"
ART = "/api/2.0/mlflow-artifacts/artifacts"
CONTENT_TYPE_MESSAGE = "Bad Request. Content-Type must be one of ['application/json']"


@dataclass
class Server:
    url: str
    http: httpx.Client
    root: Path
    sentinel: Path
    store: SqlTrackingStore

    def outside_tree(self) -> dict[str, bytes]:
        """Every file under the test folder but outside the artifact root, with its content."""
        base = self.root.parent
        return {
            str(p.relative_to(base)): p.read_bytes()
            for p in base.rglob("*")
            if p.is_file() and self.root not in p.parents and p.suffix not in (".db", ".db-wal", ".db-shm")
        }

    def raw(self, method: str, raw_path: str, **kwargs: object) -> httpx.Response:
        """A request whose path goes out byte for byte (httpx must not normalise the dots away)."""
        url = httpx.URL(self.url).copy_with(raw_path=raw_path.encode())
        return self.http.request(method, url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def server(
    tmp_path: Path, serve_app: Callable[..., contextlib.AbstractContextManager[str]]
) -> Iterator[Server]:
    root = tmp_path / "artifacts"
    root.mkdir()
    sentinel = tmp_path / "outside.txt"
    sentinel.write_text("secret")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0")
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'carnet.db'}", str(root))
    with (
        serve_app(create_app(store, artifact_root=root)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield Server(url, http, root.resolve(), sentinel, store)


def _error(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert body["error_code"] == code
    return str(body["message"])


# -- DNS rebinding ----------------------------------------------------------------------------


def test_cve_2025_14279_dns_rebinding_unknown_host_is_refused(server: Server) -> None:
    port = httpx.URL(server.url).port
    for api in (f"{MLFLOW}/experiments/search?max_results=1", f"{NATIVE}/experiments", f"{ART}?path="):
        reply = server.http.get(api, headers={"host": f"attacker.example:{port}"})
        message = _error(reply, 403, "PERMISSION_DENIED")
        assert "DNS rebinding" in message and "--allowed-hosts attacker.example" in message
    refused = server.http.post(
        f"{MLFLOW}/experiments/create", json={"name": "rebound"}, headers={"host": "attacker.example"}
    )
    _error(refused, 403, "PERMISSION_DENIED")
    assert server.store.get_experiment_by_name("rebound") is None
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost", f"[::1]:{port}", "LOCALHOST"):
        assert server.http.get(f"{NATIVE}/experiments", headers={"host": host}).status_code == 200, host
    # health checks come from load balancers that address the server by IP: always answered
    assert server.http.get("/health", headers={"host": "10.1.2.3:80"}).text == "OK"


# -- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{MLFLOW}/experiments/create"),
        ("POST", f"{AJAX}/experiments/create"),
        ("POST", f"{MLFLOW}/experiments/update"),
        ("POST", f"{NATIVE}/experiments"),
        ("PATCH", f"{NATIVE}/experiments/0"),
        ("PUT", f"{NATIVE}/experiments/0/tags/owner"),
        ("POST", f"{NATIVE}/experiments/0/restore"),
    ],
)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_cve_2023_43472_csrf_writes_must_be_json(
    server: Server, method: str, path: str, content_type: str | None
) -> None:
    body = b'{"name": "csrf", "new_name": "csrf", "experiment_id": "0", "value": "x"}'
    headers = {"content-type": content_type} if content_type else {}
    reply = server.http.request(method, path, content=body, headers=headers)
    assert _error(reply, 400, "INVALID_PARAMETER_VALUE") == CONTENT_TYPE_MESSAGE
    assert server.store.get_experiment_by_name("csrf") is None
    assert server.store.get_experiment("0").name == "Default"
    assert server.store.get_experiment("0").tags == {}


def test_cve_2023_43472_json_writes_and_raw_artifact_uploads_still_work(server: Server) -> None:
    ok = server.http.post(
        f"{MLFLOW}/experiments/create",
        content=b'{"name": "fine"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 200, ok.text
    upload = server.http.put(
        f"{ART}/1/r/artifacts/model.bin",
        content=b"\x00\x01",
        headers={"content-type": "application/octet-stream"},
    )
    assert upload.status_code == 200, upload.text


def test_cve_2023_43472_cross_origin_write_is_refused(server: Server) -> None:
    evil = {"origin": "http://attacker.example"}
    refused = server.http.post(f"{MLFLOW}/experiments/create", json={"name": "drive-by"}, headers=evil)
    assert "Cross-origin request blocked" in _error(refused, 403, "PERMISSION_DENIED")
    assert server.store.get_experiment_by_name("drive-by") is None
    # no CORS grant for a foreign origin: the page cannot read answers either
    read = server.http.get(f"{NATIVE}/experiments", headers=evil)
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    preflight = server.http.options(
        f"{MLFLOW}/experiments/create",
        headers={
            **evil,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code >= 400 and "access-control-allow-origin" not in preflight.headers
    # localhost pages (a notebook, a local UI) and the server's own pages are allowed
    local = {"origin": "http://localhost:8888"}
    ok = server.http.post(f"{MLFLOW}/experiments/create", json={"name": "local"}, headers=local)
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://localhost:8888"
    same = server.http.post(
        f"{MLFLOW}/experiments/create", json={"name": "same"}, headers={"origin": server.url}
    )
    assert same.status_code == 200, same.text


# -- reflected XSS ----------------------------------------------------------------------------


def test_cve_2023_6568_headers_are_never_reflected_as_html(server: Server) -> None:
    script = "<script>alert(document.domain)</script>"
    for method, path in (("POST", f"{MLFLOW}/experiments/create"), ("POST", f"{NATIVE}/experiments")):
        reply = server.http.request(
            method, path, content=b"{}", headers={"content-type": f"text/html{script}"}
        )
        _error(reply, 400, "INVALID_PARAMETER_VALUE")
        assert b"<script" not in reply.content and "alert" not in reply.text
        assert reply.headers["x-content-type-options"] == "nosniff"
    for header in ("host", "origin"):
        reply = server.http.post(
            f"{MLFLOW}/experiments/create", json={"name": "x"}, headers={header: f"a{script}"}
        )
        _error(reply, 403, "PERMISSION_DENIED")
        assert b"<script" not in reply.content and "alert" not in reply.text
    missing = server.http.get(f"/no/such/{script}")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"


def test_stored_xss_artifacts_are_served_as_downloads(server: Server) -> None:
    """MLflow's test_server_overrides_requested_mime_type: an uploaded page is never rendered."""
    page = b"<html><script>alert(1)</script></html>"
    assert server.http.put(f"{ART}/1/r/artifacts/x.html", content=page).status_code == 200
    got = server.http.get(f"{ART}/1/r/artifacts/x.html", headers={"accept": "text/html"})
    assert got.content == page
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")


# -- artifact path traversal ------------------------------------------------------------------

# (advisory, raw URL path under the artifact proxy)
PATH_TRICKS = [
    ("CVE-2023-30172", "../../outside.txt"),
    ("CVE-2023-30172", "a/../../outside.txt"),
    ("CVE-2023-6909", "..%2F..%2Foutside.txt"),
    ("CVE-2023-6909", "%2e%2e/%2e%2e/etc/passwd"),
    ("CVE-2023-6831", "a/%2E%2E%2F%2E%2E%2Foutside.txt"),
    ("CVE-2024-1560", "%252e%252e%252f%252e%252e%252foutside.txt"),
    ("CVE-2024-1560", "%25252e%25252e%25252foutside.txt"),
    ("CVE-2023-6730", "%2Fetc%2Fpasswd"),
    ("CVE-2023-6730", "%2F%2Fetc%2Fpasswd"),
    ("CVE-2024-1593", "..;/..;/outside.txt"),
    ("CVE-2024-1593", "a/..;/..;/outside.txt"),
    ("CVE-2024-1593", "a%3B/..%3B/outside.txt"),
    ("CVE-2023-2780", "%5C..%5C..%5Coutside.txt"),
    ("CVE-2023-6977", "..%5Coutside.txt"),
    ("CVE-2023-6977", "a%5C..%5C..%5Coutside.txt"),
    ("CVE-2023-1176", "C:%5Cwindows%5Cwin.ini"),
    ("CVE-2023-1176", "c:/outside.txt"),
    ("CVE-2023-1176", "%2Ftmp%2Foutside.txt"),
    ("CVE-2024-1483", "a%23/../../outside.txt"),
    ("CVE-2024-1483", "%23%2F..%2F..%2Foutside.txt"),
    ("CVE-2023-6975", "a/%00/outside.txt"),
    ("CVE-2023-6976", "1/r/artifacts/..%2F..%2F..%2F..%2Foutside.txt"),
]


@pytest.mark.parametrize(
    ("advisory", "trick"), PATH_TRICKS, ids=[f"{a}-{i}" for i, (a, _) in enumerate(PATH_TRICKS)]
)
def test_artifact_path_traversal_is_refused(server: Server, advisory: str, trick: str) -> None:
    before = server.outside_tree()
    for method in ("GET", "PUT", "DELETE"):
        reply = server.raw(method, f"{ART}/{trick}", content=b"pwned" if method == "PUT" else None)
        assert 400 <= reply.status_code < 500, (advisory, method, trick, reply.status_code)
        assert b"secret" not in reply.content and b"root:x" not in reply.content
    listing = server.raw("GET", f"{ART}?path={trick}")
    assert 400 <= listing.status_code < 500, (advisory, "list", trick, listing.status_code)
    # below a folder, an absolute-looking tail ("1//etc/passwd") is still inside the root
    nested = server.raw("GET", f"{ART}?path=1/{trick}")
    assert nested.status_code < 500 and "files" not in nested.json(), (advisory, nested.text)
    assert server.outside_tree() == before
    assert server.sentinel.read_text() == "secret"


def test_cve_2023_6975_symlink_out_of_the_root_is_refused(server: Server, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "key.txt").write_text("secret")
    os.symlink(secret, server.root / "link")
    os.symlink(server.sentinel, server.root / "file-link")
    before = server.outside_tree()
    for path in ("link/key.txt", "file-link", "link/new.txt"):
        for method in ("GET", "PUT", "DELETE"):
            reply = server.http.request(
                method, f"{ART}/{path}", content=b"pwned" if method == "PUT" else None
            )
            assert reply.status_code == 400, (method, path, reply.status_code)
            assert b"secret" not in reply.content
    assert server.http.get(ART, params={"path": "link"}).status_code == 400
    assert server.outside_tree() == before


# -- artifact_location tricks -----------------------------------------------------------------

LOCATION_TRICKS = [
    ("CVE-2024-1483", "http:///#/../../../../etc/"),
    ("CVE-2024-1483", "file:///tmp/x#/../../etc"),
    ("CVE-2024-1594", "file:///tmp/x%23/../../etc"),
    ("CVE-2024-2928", "s3://bucket/path#frag"),
    ("CVE-2024-3848", "file:///tmp/x%2523/..%252F..%252Fetc"),
    ("PR-10653", "http://host/path?../../"),
    ("PR-10653", "file:///tmp/x?a=../../etc"),
    ("CVE-2024-1593", "file:///tmp/x;/../../etc"),
    ("runs-scheme", "runs:/0123456789abcdef/artifacts"),
    ("models-scheme", "models:/m-123"),
    ("dotdot", "/tmp/carnet/../../etc"),
    ("dotdot", "s3://bucket/prefix/../other"),
    ("dotdot", "file:///tmp/x/%2e%2e/%2e%2e/etc"),
    ("dotdot", "C:\\data\\..\\..\\windows"),
]


@pytest.mark.parametrize(
    ("advisory", "location"), LOCATION_TRICKS, ids=[f"{a}-{i}" for i, (a, _) in enumerate(LOCATION_TRICKS)]
)
def test_experiment_artifact_location_tricks_are_refused(
    server: Server, advisory: str, location: str
) -> None:
    for path in (f"{MLFLOW}/experiments/create", f"{NATIVE}/experiments"):
        reply = server.http.post(path, json={"name": "located", "artifact_location": location})
        message = _error(reply, 400, "INVALID_PARAMETER_VALUE")
        assert "artifact_location" in message, (advisory, path, message)
    assert server.store.get_experiment_by_name("located") is None


def test_experiment_artifact_location_plain_folder_is_kept(server: Server, tmp_path: Path) -> None:
    location = str(tmp_path / "elsewhere" / "exp")
    reply = server.http.post(f"{NATIVE}/experiments", json={"name": "located", "artifact_location": location})
    assert reply.status_code == 201, reply.text
    assert server.store.get_experiment(reply.json()["experiment_id"]).artifact_location == location


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [257, 501, 100_000])
def test_cve_2024_6838_overlong_names_are_refused(server: Server, length: int) -> None:
    name = "x" * length
    for reply in (
        server.http.post(f"{MLFLOW}/experiments/create", json={"name": name}),
        server.http.post(f"{NATIVE}/experiments", json={"name": name}),
        server.http.post(f"{MLFLOW}/experiments/update", json={"experiment_id": "0", "new_name": name}),
        server.http.patch(f"{NATIVE}/experiments/0", json={"name": name}),
        server.http.post(f"{MLFLOW}/runs/create", json={"experiment_id": "0", "run_name": name}),
        server.http.post(f"{NATIVE}/runs", json={"experiment_id": "0", "run_name": name}),
    ):
        message = _error(reply, 400, "INVALID_PARAMETER_VALUE")
        assert "the limit is 256" in message and len(message) < 300
    assert [e.name for e in server.store.search_experiments()] == ["Default"]


@pytest.mark.parametrize("name", ["team%2Fproject", "team%2fproject", "a%252Fb", "%2e%2e", "x%00y"])
def test_cve_2024_3099_url_encoded_names_are_refused(server: Server, name: str) -> None:
    assert server.http.post(f"{NATIVE}/experiments", json={"name": "team/project"}).status_code == 201
    for reply in (
        server.http.post(f"{MLFLOW}/experiments/create", json={"name": name}),
        server.http.post(f"{NATIVE}/experiments", json={"name": name}),
        server.http.post(f"{MLFLOW}/experiments/update", json={"experiment_id": "0", "new_name": name}),
        server.http.post(f"{MLFLOW}/runs/create", json={"experiment_id": "0", "run_name": name}),
    ):
        assert "URL escapes" in _error(reply, 400, "INVALID_PARAMETER_VALUE")
    assert sorted(e.name for e in server.store.search_experiments()) == ["Default", "team/project"]
