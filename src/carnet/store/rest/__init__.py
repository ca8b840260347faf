"""The REST tracking store: the :class:`~carnet.store.base.TrackingStore` contract over a carnet
server's native API (``/api/v1``)."""

from __future__ import annotations

from carnet.store.rest.client import RestClient
from carnet.store.rest.store import RestTrackingStore

__all__ = ["RestClient", "RestTrackingStore"]
