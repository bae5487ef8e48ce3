"""One JSON error shape for every failure, after datasette's: {ok, error, status, title}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import MinshengError


def error_response(status: int, message: str, title: str | None = None) -> JSONResponse:
    """The single error body the API returns."""
    return JSONResponse({"ok": False, "error": message, "status": status, "title": title}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Map library errors, validation errors and HTTP errors to the one shape."""

    @app.exception_handler(MinshengError)
    async def _library_error(_: Request, exc: MinshengError) -> JSONResponse:
        return error_response(exc.http_status, str(exc), type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
        return error_response(400, f"{field or 'request'}: {first.get('msg', 'invalid value')}", "InvalidParameter")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))
