"""The store the routers work on: ``app.state.store``, injected as a FastAPI dependency
(override :func:`get_store` in ``app.dependency_overrides`` to swap it)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from carnet.store.base import TrackingStore


def get_store(request: Request) -> TrackingStore:
    return cast(TrackingStore, request.app.state.store)


StoreDep = Annotated[TrackingStore, Depends(get_store)]
