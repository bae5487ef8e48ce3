"""`minsheng serve`: run the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import WorkspaceOpt

GRACEFUL_SHUTDOWN_S = 5


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; 127.0.0.1 keeps it local.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8000,
    model: Annotated[str | None, typer.Option("--model", help="Embedding model for /search (default: bundled e5).")] = None,
    api_key: Annotated[str | None, typer.Option(
        "--api-key", envvar="MINSHENG_API_KEY", show_envvar=True,
        help="Enable POST /documents for clients sending `Authorization: Bearer KEY`; writes are off without it.")] = None,
    allow_origin: Annotated[list[str] | None, typer.Option(
        "--allow-origin", help="A browser Origin (e.g. http://localhost:3000) allowed to write; repeatable. Default: none.")] = None,
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", min=0.001, help="Largest upload accepted.")] = 20.0,
    max_items: Annotated[int, typer.Option("--max-items", min=1, help="Most items one uploaded document may hold.")] = 5000,
    parse_timeout: Annotated[float, typer.Option("--parse-timeout", min=0.1, help="Seconds an upload may take to parse.")] = 60.0,
    ws: WorkspaceOpt = None,
    sparql_timeout: Annotated[float | None, typer.Option("--sparql-timeout", help="Seconds per SPARQL query (default: $MINSHENG_SPARQL_TIMEOUT or 30).", show_default=False)] = None,
    sparql_max_rows: Annotated[int | None, typer.Option("--sparql-max-rows", help="Most rows per SPARQL result (default: $MINSHENG_SPARQL_MAX_ROWS or 100000).", show_default=False)] = None,
) -> None:
    """Serve the JSON API (search, commitments, graph, overlaps, uploads) with uvicorn; docs at /docs."""
    import os

    import uvicorn

    from api.app import create_app
    from api.routes_documents import UploadPolicy
    from cli.common import progress
    from kg.store.workspace import open_workspace

    # The /sparql route reads its limits from the environment per request.
    for env, value in (("MINSHENG_SPARQL_TIMEOUT", sparql_timeout), ("MINSHENG_SPARQL_MAX_ROWS", sparql_max_rows)):
        if value is not None:
            os.environ[env] = str(value)
    workspace = open_workspace(ws, progress=progress)
    policy = UploadPolicy(api_key=api_key or None, allow_origins=list(allow_origin or []),
                          max_bytes=int(max_upload_mb * 1024 * 1024), max_items=max_items, parse_timeout=parse_timeout)
    if host not in ("127.0.0.1", "localhost", "::1"):
        progress(f"warning: serving on {host}, reachable from other machines; uploads "
                 f"{'need the API key' if policy.api_key else 'are off'}")
    # SIGTERM must end the server even while a long request runs: wait at most this long for it.
    uvicorn.run(create_app(workspace.path, model=model, policy=policy), host=host, port=port, log_level="info",
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)


def register(app: typer.Typer) -> None:
    """Add `serve` to the app."""
    app.command()(serve)
