"""One JSON error shape for every failure, after datasette's: {ok, error, status, title}.

Library errors keep their class name as the title; HTTP errors raised by the router
(unknown route, wrong method) get the standard reason phrase; anything unexpected is a
500 with a generic message, its traceback going to the server log, never to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import MinshengError

log = logging.getLogger("minsheng.api")


class ErrorBody(BaseModel):
    """The body of every error response."""

    ok: bool = False
    error: str
    status: int
    title: str


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, message: str, title: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The single error body the API returns."""
    body = {"ok": False, "error": message, "status": status, "title": title or _phrase(status)}
    return JSONResponse(body, status_code=status, headers=headers)


def _described(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Listed in the OpenAPI document for every route, so clients (and schemathesis) know the shape.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _described("Bad input: a malformed value or a query the library rejects"),
    404: _described("Not found: an unknown id, jurisdiction or department"),
    422: _described("Invalid parameter: wrong type or out of range"),
    500: _described("Unexpected server error (no details are returned)"),
    503: _described("The store was removed or replaced under the server, or a time limit ran out"),
}

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described("Missing or wrong `Authorization: Bearer KEY`"),
    403: _described("Writes are disabled (no API key) or the Origin is not allowed"),
    413: _described("The upload exceeds a size limit (bytes, decompressed parts, items, nesting)"),
}


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    first = errors[0] if errors else {}
    field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
    message = str(first.get("msg", "invalid value"))
    return f"{field or 'request'}: {message}"


def install_error_handlers(app: FastAPI) -> None:
    """Map library errors, validation errors, HTTP errors and crashes to the one shape."""

    @app.exception_handler(MinshengError)
    async def _library_error(_: Request, exc: MinshengError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return error_response(exc.http_status, str(exc), type(exc).__name__, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(exc), "InvalidParameter")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 404 and message == _phrase(404):
            message = f"no route {request.url.path}; /docs lists the routes"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; allowed: {(exc.headers or {}).get('Allow', '')}"
        return error_response(exc.status_code, message, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        # Starlette also re-raises to the server, which logs the traceback; the client sees one line.
        log.error("unhandled error on %s %s: %r", request.method, request.url.path, exc)
        return error_response(500, "internal error; the server log has the details", "InternalError")
