"""carnet's tracking server: a FastAPI app over any :class:`~carnet.store.base.TrackingStore`.

``create_app(store)`` builds the app; ``carnet server`` runs it with uvicorn. The native API lives
under ``/api/v1`` (OpenAPI schema at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``).
"""

from __future__ import annotations

from carnet.server.app import create_app

__all__ = ["create_app"]
