"""The one request method the REST store's mixins share."""

from __future__ import annotations

from typing import Any


class CallsServer:
    """A part of ``RestTrackingStore`` (the registry, the job queue) that talks to the server
    through the store's ``_call``; ``RestTrackingStore`` provides it."""

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        raise NotImplementedError  # pragma: no cover - RestTrackingStore provides it
