"""A small httpx wrapper: timeouts, retries with back-off, and carnet errors from error bodies.

Retried: connection errors and timeouts, 429, 502, 503 and 504 -- never another 4xx, since the
request itself is wrong. Writes are safe to retry: log batches carry a batch id, so a batch resent
after a lost reply is stored once.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pydantic_core

from carnet.exceptions import CarnetError, InvalidArgument, StoreError, error_from_dict

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_JSON_HEADERS = {"content-type": "application/json"}


class RestClient:
    """Calls one carnet server. Thread-safe (one ``httpx.Client`` with a connection pool)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_retries: int = 5,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"user-agent": "carnet-rest-store"},
            # Small requests go out at once (no Nagle / delayed-ACK stalls of ~40 ms).
            transport=httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]),
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        """Send one request; return the decoded JSON body (its bytes when ``raw``) or raise the
        ``CarnetError`` it names."""
        if json is None and method.upper() in ("POST", "PUT", "PATCH"):
            json = {}  # the server takes writes as application/json only (a CSRF defence)
        # pydantic-core's encoder: several times faster than the standard library's on big batches.
        content = None if json is None else pydantic_core.to_json(json, inf_nan_mode="strings")
        headers = None if json is None else _JSON_HEADERS
        response = self._retrying(
            lambda: self._http.request(method, path, content=content, params=params, headers=headers)
        )
        return self._decode(response, raw)

    def _retrying(self, attempt_once: Callable[[], httpx.Response], retry: bool = True) -> httpx.Response:
        """``attempt_once()`` until it answers with a status not worth retrying (or retries run out)."""
        attempt = 0
        while True:
            try:
                response = attempt_once()
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if not retry or attempt >= self.max_retries:
                    raise StoreError(
                        f"cannot reach the carnet server at {self.base_url}: {exc}", field=None
                    ) from exc
            else:
                if not retry or response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    return response
            time.sleep(min(self.max_backoff, self.backoff * 2**attempt) * (0.5 + random.random() / 2))
            attempt += 1

    def upload(
        self,
        path: str,
        open_body: Callable[[], bytes | BinaryIO],
        *,
        size: int | None = None,
        retry: bool = True,
    ) -> None:
        """PUT the bytes ``open_body()`` gives (bytes, or a binary stream read in chunks) to ``path``.
        ``open_body`` is called again for each retry, so it must hand out the whole body each time;
        pass ``retry=False`` for a stream that can be read only once."""
        headers = {"content-type": "application/octet-stream"}
        if size is not None:
            headers["content-length"] = str(size)

        def attempt_once() -> httpx.Response:
            body = open_body()
            content: bytes | Iterable[bytes] = body if isinstance(body, bytes) else _chunks(body)
            try:
                return self._http.put(path, content=content, headers=headers)
            finally:
                if not isinstance(body, bytes) and retry:
                    body.close()  # opened for this attempt; a caller's one-shot stream stays theirs

        self._decode(self._retrying(attempt_once, retry), raw=True)

    def download(self, path: str, target: Path) -> None:
        """GET ``path`` into the file ``target``, streamed; the file appears whole or not at all."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")

        def attempt_once() -> httpx.Response:
            with self._http.stream("GET", path) as response:
                if response.is_success:
                    with open(partial, "wb") as out:
                        for chunk in response.iter_bytes(1024 * 1024):
                            out.write(chunk)
                else:
                    response.read()
                return response

        try:
            response = self._retrying(attempt_once)
            if not response.is_success:
                raise self._error(response)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def _decode(self, response: httpx.Response, raw: bool = False) -> Any:
        if response.is_success:
            if raw:
                return response.content
            if not response.content:
                return {}
            try:
                return pydantic_core.from_json(response.content)
            except ValueError as exc:
                raise StoreError(f"the carnet server sent a malformed answer: {exc}") from None
        raise self._error(response)

    def _error(self, response: httpx.Response) -> CarnetError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "error_code" in body:
            return error_from_dict(body)
        text = response.text.strip().splitlines()
        detail = text[0] if text else response.reason_phrase
        if 400 <= response.status_code < 500:
            return InvalidArgument(
                f"the carnet server refused the request ({response.status_code}): {detail}"
            )
        return StoreError(f"the carnet server failed ({response.status_code}): {detail}")


def _chunks(stream: BinaryIO, size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk
