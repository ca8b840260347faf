"""Browser-facing defences: the ``Host`` allowlist (DNS rebinding), CORS, and JSON-only writes (CSRF).

A tracking server on a laptop is reachable from any web page the user opens: a page can send
"simple" cross-origin requests (no preflight) to ``127.0.0.1``, or rebind its own DNS name to
``127.0.0.1`` and then read the answers. Three checks close this:

* **Host allowlist** (CVE-2025-14279): a request whose ``Host`` header is not one of the allowed
  hosts is refused with 403 before it reaches a route. ``/health`` and ``/version`` stay
  reachable from anywhere (load balancers and probes address the server by IP), as in MLflow.
* **CORS**: only the allowed origins (localhost by default) may read answers cross-origin, and a
  state-changing request carrying a foreign ``Origin`` is refused with 403.
* **JSON-only writes** (CVE-2023-43472): POST, PUT and PATCH on the APIs must be
  ``application/json``, a type no cross-origin page can send without a preflight. The artifact
  upload takes a raw body; it is a PUT, which browsers always preflight.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Addresses that mean "every interface": not a name a client can send as its Host.
WILDCARD_BINDS = ("0.0.0.0", "::", "")
ALLOW_ALL = "*"
HOST_CHECK_EXEMPT = ("/health", "/version")
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CONTENT_TYPE_MESSAGE = "Bad Request. Content-Type must be one of ['application/json']"
DEFAULT_CORS_ORIGIN_REGEX = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
_SHOWN_CHARS = 100  # how much of a refused header value an error message quotes


def split_list(text: str | None) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]`` (the form of ``--allowed-hosts`` and its variable)."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def default_allowed_hosts(bound_host: str | None = None) -> list[str]:
    """localhost, 127.0.0.1 and ::1 (any port), plus the host the server is bound to."""
    hosts = list(LOCAL_HOSTS)
    if bound_host and bound_host not in WILDCARD_BINDS and bound_host not in hosts:
        hosts.append(bound_host.strip("[]"))
    return hosts


def split_host_header(value: str) -> tuple[str, str | None]:
    """``"example.com:5000"`` -> ``("example.com", "5000")``; ``"[::1]:80"`` -> ``("::1", "80")``."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else None
    if value.count(":") == 1:
        name, _, port = value.partition(":")
        return name, port
    return value, None  # a bare name, or a bare IPv6 address


class HostAllowlist:
    """Which ``Host`` headers the server answers: names (any port), ``name:port``, ``*.domain``
    patterns, or ``*`` for every host."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.entries = [entry.strip().lower() for entry in allowed if entry.strip()]
        self.allow_all = ALLOW_ALL in self.entries

    def allows(self, host_header: str | None) -> bool:
        if self.allow_all:
            return True
        if not host_header:
            return False
        name, port = split_host_header(host_header)
        for entry in self.entries:
            entry_name, entry_port = split_host_header(entry)
            if entry_port is not None and entry_port != port:
                continue
            if fnmatch.fnmatchcase(name, entry_name):
                return True
        return False


def _json_error(status: int, code: str, message: str) -> tuple[dict[str, object], bytes]:
    body = json.dumps({"error_code": code, "message": message}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
        ],
    }
    return start, body


async def send_json_error(send: Send, status: int, code: str, message: str) -> None:
    """Answer a request from a middleware with carnet's JSON error body (never HTML)."""
    start, body = _json_error(status, code, message)
    await send(start)
    await send({"type": "http.response.body", "body": body})


_PLAIN_HEADER_VALUE = re.compile(rf"[A-Za-z0-9.\-_:/\[\]*]{{1,{_SHOWN_CHARS}}}")


def _shown(value: str) -> str:
    """A header value fit to quote in a message: only a short, plain host or origin is quoted,
    so no markup or control character from a request is ever reflected (CVE-2023-6568)."""
    return repr(value) if _PLAIN_HEADER_VALUE.fullmatch(value) else "(not shown: unexpected characters)"


class TrustedHostMiddleware:
    """403 ``PERMISSION_DENIED`` for a request whose ``Host`` is not allowed (DNS rebinding)."""

    def __init__(self, app: ASGIApp, allowed_hosts: HostAllowlist) -> None:
        self.app = app
        self.allowed = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed.allow_all or scope.get("path") in HOST_CHECK_EXEMPT:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if self.allowed.allows(host):
            await self.app(scope, receive, send)
            return
        name = split_host_header(host)[0] if host and _PLAIN_HEADER_VALUE.fullmatch(host) else ""
        await send_json_error(
            send,
            403,
            "PERMISSION_DENIED",
            f"Invalid Host header {_shown(host or '')} - possible DNS rebinding attack detected. "
            f"If this server should answer to that name, start it with "
            f"--allowed-hosts {name or 'NAME'} (or set CARNET_SERVER_ALLOWED_HOSTS; '*' allows any host)",
        )


class OriginAllowlist:
    """Which browser origins may talk to the server cross-origin: exact origins, ``*`` wildcards
    (``https://*.example.com``) or ``*`` alone; by default localhost on any port."""

    def __init__(self, origins: Sequence[str] | None) -> None:
        entries = [o.strip().rstrip("/") for o in origins or () if o.strip()]
        self.allow_all = ALLOW_ALL in entries
        if origins is None:
            self.regex = DEFAULT_CORS_ORIGIN_REGEX
        else:
            self.regex = "|".join(_origin_pattern(o) for o in entries) or r"(?!)"
        self._compiled = re.compile(self.regex, re.IGNORECASE)

    def allows(self, origin: str) -> bool:
        return self.allow_all or self._compiled.fullmatch(origin) is not None


def _origin_pattern(origin: str) -> str:
    return "".join("[^/]*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", origin))


def _same_origin(origin: str, host: str | None) -> bool:
    """An ``Origin`` naming the server itself (a page the server serves, posting back to it)."""
    without_scheme = origin.split("://", 1)[-1]
    return host is not None and without_scheme.lower() == host.lower()


class CrossOriginWriteGuard:
    """403 for a state-changing request whose ``Origin`` is neither the server nor allowed.

    CORS only hides answers from the page; it does not stop a "simple" request from running. This
    refuses the write itself, as MLflow's server does."""

    def __init__(self, app: ASGIApp, origins: OriginAllowlist) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in STATE_CHANGING_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or self.origins.allows(origin) or _same_origin(origin, headers.get("host")):
            await self.app(scope, receive, send)
            return
        await send_json_error(
            send,
            403,
            "PERMISSION_DENIED",
            f"Cross-origin request blocked: origin {_shown(origin)} is not allowed. "
            "Allow it with --cors-allowed-origins (or CARNET_SERVER_CORS_ALLOWED_ORIGINS)",
        )


class JsonContentTypeRequired:
    """400 ``INVALID_PARAMETER_VALUE`` for a POST, PUT or PATCH under ``prefixes`` that is not
    ``application/json`` (MLflow's answer, word for word). The refused type is never echoed."""

    def __init__(self, app: ASGIApp, prefixes: Sequence[str]) -> None:
        self.app = app
        self.prefixes = tuple(p.rstrip("/") + "/" for p in prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") not in JSON_BODY_METHODS
            or not (str(scope.get("path", "")) + "/").startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        content_type = Headers(scope=scope).get("content-type", "")
        if content_type.split(";")[0].strip().lower() == "application/json":
            await self.app(scope, receive, send)
            return
        await send_json_error(send, 400, "INVALID_PARAMETER_VALUE", CONTENT_TYPE_MESSAGE)


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` and ``X-Frame-Options: DENY`` on every answer, so no
    browser renders a JSON error or an artifact as HTML, and no page frames the server."""

    HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(n, v) for n, v in self.HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
