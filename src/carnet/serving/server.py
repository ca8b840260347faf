"""Loading a model for serving and running the scoring app with uvicorn (``carnet serve``)."""

from __future__ import annotations

import gc
import os
import socket
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette

from carnet.serving.app import DEFAULT_MAX_BODY_BYTES, create_scoring_app
from carnet.serving.scorer import Scorer

# How `carnet serve --workers N` hands its settings to every uvicorn worker (see app_from_env).
ENV_MODEL_URI = "CARNET_SERVING_MODEL_URI"
ENV_TRUSTED_TYPES = "CARNET_SERVING_TRUSTED_TYPES"
ENV_MAX_BODY_BYTES = "CARNET_SERVING_MAX_BODY_BYTES"
# Set by the endpoint supervisor: the scoring process ends when that process is gone.
ENV_PARENT_PID = "CARNET_SERVING_PARENT_PID"


def load_app(
    model_uri: str,
    *,
    allow_pickle: bool | None = None,
    trusted_types: Sequence[str] | None = None,
    tracking_uri: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """Load the model ``model_uri`` names and build the scoring app around it (raises the loader's
    error when the model cannot load: a scoring process never starts without its model)."""
    from carnet import pyfunc

    model = pyfunc.load_model(
        model_uri, allow_pickle=allow_pickle, trusted_types=trusted_types, tracking_uri=tracking_uri
    )
    app = create_scoring_app(
        Scorer(model), name=model_uri, model_path=model.path, max_body_bytes=max_body_bytes
    )
    return app


def app_from_env() -> Starlette:
    """The app each worker of ``carnet serve --workers N`` builds, from ``CARNET_SERVING_*``."""
    types = [t for t in os.environ.get(ENV_TRUSTED_TYPES, "").split(",") if t]
    limit = os.environ.get(ENV_MAX_BODY_BYTES, "")
    app = load_app(
        os.environ[ENV_MODEL_URI],
        trusted_types=types or None,
        max_body_bytes=int(limit) if limit.isdigit() else DEFAULT_MAX_BODY_BYTES,
    )
    gc.freeze()  # the model lives as long as the process: keep it out of the collector's full passes
    return app


def watch_parent(interval: float = 1.0) -> None:
    """When ``CARNET_SERVING_PARENT_PID`` names the process that started this one, end this one
    (gracefully, with SIGTERM) once that process is gone, however it ended: a server stopped with
    a signal runs no exit handlers, and its scoring processes must not outlive it."""
    text = os.environ.get(ENV_PARENT_PID, "")
    if not text.isdigit():
        return
    import signal
    import threading
    import time

    parent = int(text)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="carnet-parent-watch", daemon=True).start()


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound socket (port 0: a free one), so the port is known before the model loads."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def run(app: Any, *, host: str, port: int, workers: int = 1, sock: socket.socket | None = None) -> None:
    """Serve ``app`` (an app, or with ``workers`` > 1 the factory's import string) until stopped."""
    import uvicorn

    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "ws": "none",
        "lifespan": "off",
        "timeout_graceful_shutdown": 5,
    }
    if workers > 1:
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options))
    server.run(sockets=[sock] if sock is not None else None)
