"""FastAPI application: the same operations as the CLI, as JSON over HTTP.

Every route parses its parameters, calls kg/ or search/, and returns the record's
``to_dict()``; errors leave through `api.errors` in one shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, UploadFile
from fastapi.responses import PlainTextResponse

from api.errors import install_error_handlers
from kg.errors import InputError
from kg.store.workspace import Workspace, open_workspace


def create_app(workspace: Path | None = None, *, model: str | None = None) -> FastAPI:
    """Build the app for one workspace (built from the bundled corpus if missing)."""
    ws: Workspace = open_workspace(workspace)
    app = FastAPI(title="minsheng-kg", version="0.1.0",
                  description="民生实事 commitments as a knowledge graph with semantic search.")
    install_error_handlers(app)
    state: dict[str, Any] = {}

    def engine() -> Any:
        # The engine holds the embedding model and indexes: load once, on first search.
        if "engine" not in state:
            from search.engine import SearchEngine

            state["engine"] = SearchEngine(ws, model=model)
        return state["engine"]

    @app.get("/", summary="Workspace summary")
    def root() -> dict[str, Any]:
        store = ws.store()
        return {"ok": True, "workspace": str(ws.path), "totals": store.counts(),
                "documents": [d.to_dict() for d in store.documents()]}

    @app.get("/commitments", summary="List commitments")
    def commitments(year: int | None = None, jurisdiction: str | None = None, department: str | None = None,
                    official: str | None = None, theme: str | None = None) -> list[dict[str, Any]]:
        found = ws.store().commitments(year=year, jurisdiction=jurisdiction, department=department,
                                       official=official, theme=theme)
        return [c.to_dict() for c in found]

    @app.get("/commitments/{commitment_id}", summary="One commitment")
    def commitment(commitment_id: str) -> dict[str, Any]:
        return ws.store().commitment(commitment_id).to_dict()

    @app.get("/departments", summary="Departments with aliases and commitments")
    def departments(jurisdiction: str | None = None) -> list[dict[str, Any]]:
        return [d.to_dict() for d in ws.store().departments(jurisdiction)]

    @app.get("/officials", summary="Lead officials with years and commitments")
    def officials(jurisdiction: str | None = None) -> list[dict[str, Any]]:
        return [o.to_dict() for o in ws.store().officials(jurisdiction)]

    @app.get("/search", summary="Hybrid semantic search")
    def search(q: Annotated[str, Query(description="The query, e.g. 养老床位")], top_k: int = 10,
               mode: str = "hybrid", year: int | None = None, jurisdiction: str | None = None,
               department: str | None = None, official: str | None = None,
               theme: str | None = None) -> dict[str, Any]:
        response = engine().search(q, top_k=top_k, mode=mode, year=year, jurisdiction=jurisdiction,
                                   department=department, official=official, theme=theme)
        return response.to_dict()

    @app.post("/ingest", summary="Add a document (multipart upload)")
    async def ingest(file: UploadFile, year: int | None = None, jurisdiction: str | None = None) -> dict[str, Any]:
        import tempfile

        from kg.ingest.pipeline import ingest_paths

        name = Path(file.filename or "").name
        if not name:
            raise InputError("file: expected an uploaded file with a name such as list.docx")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(await file.read())
            try:
                summary = ingest_paths(ws.store(), [path], year=year, jurisdiction=jurisdiction)
            except InputError as exc:
                # Name the upload, not the temporary path it was saved under.
                raise InputError(str(exc).replace(str(path), name)) from None
        return {"ok": True, **summary.to_dict()}

    from api.routes_graph import add_graph_routes
    from api.routes_sparql import add_sparql_routes

    add_graph_routes(app, ws, engine)
    add_sparql_routes(app, ws)

    @app.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    return app
