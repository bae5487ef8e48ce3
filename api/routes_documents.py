"""POST /documents: add a list to the workspace over HTTP, safely.

Writes are off unless the server has an API key. A request is checked in the cheapest
order: Origin (a web page must not write into a local workspace), key, declared length,
then the body is streamed with a byte count so an oversized upload is refused before it
is all read. Parsing runs in a child process with a time and memory limit (a hostile
document can make a parser spin or balloon; a process can be killed, a thread cannot);
the parent then writes the parsed batch in one transaction, one upload at a time. Any
failure leaves the store as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import multiprocessing
import os
import signal
import tempfile
import threading
import time
import unicodedata
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.errors import WRITE_RESPONSES, error_response
from api.params import Jurisdiction, Year
from kg.errors import (
    BusyError,
    ForbiddenError,
    InputError,
    InvalidParameterError,
    MinshengError,
    TooLargeError,
    UnauthorizedError,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The longest bundled list has 24 items and the largest real lists about 100; 5,000 leaves room for
# county-wide lists while stopping a spreadsheet of junk rows from becoming a million commitments.
MAX_ITEMS = 5000
PARSE_TIMEOUT_S = 60.0
# Address-space cap for the parsing child: a backstop under the readers' own limits.
PARSE_MEMORY_BYTES = 3 * 1024**3
MAX_NAME_CHARS = 255


@dataclass
class UploadPolicy:
    """What the server accepts as a write; built from `minsheng serve` options."""

    api_key: str | None = None
    allow_origins: list[str] = field(default_factory=list)
    max_bytes: int = MAX_UPLOAD_BYTES
    max_items: int = MAX_ITEMS
    parse_timeout: float = PARSE_TIMEOUT_S

    def origin_allowed(self, origin: str) -> bool:
        return origin.rstrip("/") in {o.rstrip("/") for o in self.allow_origins}

    def check_request(self, request: Request) -> None:
        """Origin, then key: 403 for a foreign page or disabled writes, 401 for a wrong key."""
        origin = request.headers.get("origin")
        if origin is not None and not self.origin_allowed(origin):
            raise ForbiddenError(f"Origin {origin[:100]!r} may not write; start the server with --allow-origin to allow it")
        if not self.api_key:
            raise ForbiddenError("writes are disabled; start the server with --api-key KEY (or MINSHENG_API_KEY)")
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.api_key.encode()):
            raise UnauthorizedError("writes need the header `Authorization: Bearer KEY` with the server's API key")


def check_upload_name(name: str | None) -> str:
    """The uploaded file's name, if it is a plain, short, printable name with a supported suffix."""
    from kg.ingest.read import SUPPORTED_SUFFIXES

    if not name or not name.strip():
        raise InvalidParameterError("file: expected an uploaded file with a name such as list.docx")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidParameterError(f"file name: {len(name)} characters; at most {MAX_NAME_CHARS}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise InvalidParameterError("file name: contains control characters; expected a plain name such as list.docx")
    if "/" in name or "\\" in name or name.strip(". ") == "" or ".." in name:
        raise InvalidParameterError(f"file name {name!r}: expected a plain name without path separators or '..'")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(f"{name}: unsupported file type; expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    return name


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    # Counting what arrives (not trusting Content-Length) also bounds chunked uploads.
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise TooLargeError(f"upload: more than {limit:,} bytes; the limit is {limit // 2**20} MB")
        yield chunk


async def read_upload(request: Request, policy: UploadPolicy) -> tuple[str, bytes]:
    """(file name, bytes) of the single file part of a multipart request, within the byte limit."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InputError("body: expected multipart/form-data with one part named 'file'")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise TooLargeError(f"upload: {int(declared):,} bytes; the limit is {policy.max_bytes // 2**20} MB")
    parser = MultiPartParser(request.headers, _limited(request, policy.max_bytes), max_files=1, max_fields=10,
                             max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError(f"body: {exc.message}; expected multipart/form-data with one part named 'file'") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("file: expected a file part named 'file' (multipart/form-data)")
        name = check_upload_name(upload.filename)
        data = await upload.read()
    finally:
        await form.close()
    return name, data


# -- the parsing child -----------------------------------------------------------------------------


class _Capture:
    """Stands in for the store during parsing: reads pass through, the write is kept for the parent."""

    def __init__(self, store: Any):
        self.store = store
        self.batch: tuple[list[Any], str, dict[str, str]] | None = None

    def document_state(self, doc_id: str) -> tuple[str, str] | None:
        return self.store.document_state(doc_id)

    def jurisdiction_codes(self) -> list[str]:
        return self.store.jurisdiction_codes()

    def replace_documents(self, batch: Any, parser_version: str, labels: dict[str, str]) -> None:
        self.batch = (list(batch), parser_version, labels)


def _watch_server(server_pid: int) -> None:
    # The child's parent is the forkserver, not the server: poll the server itself.
    while True:
        time.sleep(0.5)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _parse_child(conn: Any, db_path: str, file_path: str, year: int | None, jurisdiction: str | None,
                 memory_bytes: int, timeout: float, server_pid: int) -> None:
    # The child ends itself when its time is up or the server is gone, even if nobody is left to kill it.
    if hasattr(signal, "alarm"):
        signal.alarm(int(timeout) + 2)
        threading.Thread(target=_watch_server, args=(server_pid,), daemon=True).start()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass
    try:
        from kg.ingest.pipeline import ingest_paths
        from kg.store.db import Store

        store = Store.open(Path(db_path))
        capture = _Capture(store)
        summary = ingest_paths(capture, [Path(file_path)], year=year, jurisdiction=jurisdiction)  # type: ignore[arg-type]
        store.close()
        conn.send(("ok", (summary, capture.batch)))
    except MemoryError:
        conn.send(("error", TooLargeError(f"{file_path}: parsing needs more than {memory_bytes // 2**30} GB")))
    except MinshengError as exc:
        conn.send(("error", exc))
    except Exception as exc:  # a parser bug on odd input is still the input's fault to the client
        conn.send(("error", InputError(f"{file_path}: could not be parsed ({type(exc).__name__}: {exc})")))
    finally:
        conn.close()


def _context() -> Any:
    # forkserver: children fork from a clean, single-threaded process with the parser preloaded,
    # not from the server (threads, sockets); spawn where forkserver does not exist.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["kg.ingest.pipeline", "api.routes_documents"])
        return ctx
    return multiprocessing.get_context("spawn")


def parse_in_child(db_path: Path, file_path: Path, year: int | None, jurisdiction: str | None,
                   timeout: float) -> tuple[Any, Any]:
    """(IngestSummary, captured batch) from a child process, or an error within ``timeout`` seconds."""
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_parse_child, args=(child, str(db_path), str(file_path), year, jurisdiction,
                                                  PARSE_MEMORY_BYTES, timeout, os.getpid()), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise BusyError(f"{file_path.name}: parsing took longer than {timeout:g} s and was stopped")
        try:
            status, payload = parent.recv()
        except EOFError:
            raise InputError(f"{file_path.name}: the parser stopped unexpectedly (exit code {proc.exitcode})") from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "error":
        raise payload
    return payload


def add_cors(app: FastAPI, policy: UploadPolicy) -> None:
    """CORS for the allowed origins only, so a page there can upload (its Authorization header
    makes the browser send a preflight). Other origins get no CORS headers and a JSON 403 preflight."""

    @app.middleware("http")
    async def _cors(request: Request, call_next: Any) -> Any:
        origin = request.headers.get("origin")
        allowed = origin is not None and policy.origin_allowed(origin)
        if request.method == "OPTIONS" and origin and "access-control-request-method" in request.headers:
            if not allowed:
                return error_response(403, f"Origin {origin[:100]!r} is not allowed; start the server with "
                                      "--allow-origin to allow it", "ForbiddenError")
            return Response(status_code=204, headers={
                "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Max-Age": "600",
                "Vary": "Origin"})
        response = await call_next(request)
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response


_BEARER = HTTPBearer(auto_error=False, description="The server's API key (`minsheng serve --api-key`)")


# Searches run at a lower CPU priority than the upload parser, so a document is parsed at full
# speed under search load (8 clients on 2 cores made a 200-item upload 6x slower, scripts/load.py)
# while searches still get every cycle the parser leaves. Linux sets nice per thread.
SEARCH_NICE = 10
_niced = threading.local()


def lower_search_priority() -> None:
    """Give the calling (search) thread SEARCH_NICE once; a no-op where threads cannot be reniced."""
    if getattr(_niced, "done", False):
        return
    _niced.done = True
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SEARCH_NICE)


def add_document_routes(app: FastAPI, ws: Any, policy: UploadPolicy) -> None:
    """Attach POST /documents."""
    writer = asyncio.Lock()
    # The write runs on a thread of its own, never on a search thread that was reniced.
    write_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minsheng-writer")
    if policy.api_key and "forkserver" in multiprocessing.get_all_start_methods():
        # Start the parser's forkserver now, from this thread, so it (and every parser it forks)
        # keeps normal priority rather than inheriting a reniced search thread's.
        from multiprocessing import forkserver

        _context()
        forkserver.ensure_running()

    @app.post("/documents", summary="Add a document (multipart upload; needs the API key)",
              responses=WRITE_RESPONSES, openapi_extra={
                  "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                      "type": "object", "required": ["file"],
                      "properties": {"file": {"type": "string", "format": "binary",
                                              "description": ".txt .md .docx .csv .xlsx .html"}}}}}}})
    async def add_document(request: Request, year: Year = None, jurisdiction: Jurisdiction = None,
                           _bearer: Annotated[Any, Depends(_BEARER)] = None) -> dict[str, Any]:
        # _bearer only declares the scheme in the OpenAPI document (Swagger UI's Authorize button);
        # the check itself is `check_request`, after the Origin check and in constant time.
        policy.check_request(request)
        name, data = await read_upload(request, policy)
        store = ws.store()  # refuses a removed or replaced database before any work
        with tempfile.TemporaryDirectory(prefix="minsheng-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            try:
                async with writer:
                    summary, batch = await run_in_threadpool(
                        parse_in_child, ws.db_path, path, year, jurisdiction, policy.parse_timeout)
                    if batch is not None:
                        docs, parser_version, labels = batch
                        for _doc, commitments, _ in docs:
                            if len(commitments) > policy.max_items:
                                raise TooLargeError(f"{name}: {len(commitments):,} items; the limit is "
                                                    f"{policy.max_items:,} per document")
                        await asyncio.get_running_loop().run_in_executor(
                            write_thread, store.replace_documents, docs, parser_version, labels)
            except MinshengError as exc:
                # Name the upload, not the temporary path it was saved under.
                raise type(exc)(str(exc).replace(str(path), name).replace(tmp + os.sep, "")) from None
        return {"ok": True, **summary.to_dict()}
