"""`minsheng serve`: run the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import WorkspaceOpt


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; 127.0.0.1 keeps it local.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    model: Annotated[str | None, typer.Option("--model", help="Embedding model for /search (default: bundled e5).")] = None,
    ws: WorkspaceOpt = None,
    sparql_timeout: Annotated[float | None, typer.Option("--sparql-timeout", help="Seconds per SPARQL query (default: $MINSHENG_SPARQL_TIMEOUT or 30).", show_default=False)] = None,
    sparql_max_rows: Annotated[int | None, typer.Option("--sparql-max-rows", help="Most rows per SPARQL result (default: $MINSHENG_SPARQL_MAX_ROWS or 100000).", show_default=False)] = None,
) -> None:
    """Serve the JSON API (search, commitments, graph, overlaps) with uvicorn; docs at /docs."""
    import os

    import uvicorn

    from api.app import create_app
    from cli.common import progress
    from kg.store.workspace import open_workspace

    # The /sparql route reads its limits from the environment per request.
    for env, value in (("MINSHENG_SPARQL_TIMEOUT", sparql_timeout), ("MINSHENG_SPARQL_MAX_ROWS", sparql_max_rows)):
        if value is not None:
            os.environ[env] = str(value)
    workspace = open_workspace(ws, progress=progress)
    uvicorn.run(create_app(workspace.path, model=model), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add `serve` to the app."""
    app.command()(serve)
