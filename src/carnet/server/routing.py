"""The route class of the native API: request bodies parsed by pydantic-core's JSON parser.

FastAPI parses a JSON body with the standard library before validating it; a log batch of a
thousand points spends more time there than in validation. Same behaviour otherwise: malformed
JSON still raises ``json.JSONDecodeError``, which FastAPI turns into a validation error (a 400).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import pydantic_core
from fastapi import Request, Response
from fastapi.routing import APIRoute


class JSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = pydantic_core.from_json(body)
            except ValueError as exc:
                raise json.JSONDecodeError(str(exc), body.decode("utf-8", "replace"), 0) from None
        return self._json


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def parse_with_pydantic_core(request: Request) -> Response:
            return await handler(JSONRequest(request.scope, request.receive))

        return parse_with_pydantic_core
