"""FastAPI application: the same operations as the CLI, as JSON over HTTP.

Every route parses its parameters, calls kg/ or search/, and returns the record's
``to_dict()``; errors leave through `api.errors` in one shape.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi import Path as Path_
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

from api.errors import COMMON_RESPONSES, install_error_handlers
from api.params import MAX_NAME_CHARS, Department, Jurisdiction, Official, SearchText, Theme, TopK, Year
from api.routes_documents import UploadPolicy, add_cors, add_document_routes, lower_search_priority
from kg.store.workspace import Workspace, open_workspace

DOCS_ASSETS = "/docs-assets"


def create_app(workspace: Path | None = None, *, model: str | None = None,
               policy: UploadPolicy | None = None) -> FastAPI:
    """Build the app for one workspace (built from the bundled corpus if missing).

    Writes (POST /documents) need ``policy.api_key``; without a policy the key comes from
    MINSHENG_API_KEY, and without a key writes are refused.
    """
    ws: Workspace = open_workspace(workspace)
    if policy is None:
        policy = UploadPolicy(api_key=os.environ.get("MINSHENG_API_KEY") or None)

    async def current_store() -> None:
        # Every route answers from the live database or not at all (503 when it was removed or replaced).
        ws.store()

    app = FastAPI(title="minsheng-kg", version="0.1.0",
                  description="民生实事 commitments as a knowledge graph with semantic search.",
                  responses=COMMON_RESPONSES, dependencies=[Depends(current_store)],
                  docs_url=None, redoc_url=None)
    install_error_handlers(app)
    state: dict[str, Any] = {}
    engine_lock = threading.Lock()

    def engine() -> Any:
        # The engine holds the embedding model and indexes: load once, on first search, by one thread.
        with engine_lock:
            if "engine" not in state:
                from search.engine import SearchEngine

                state["engine"] = SearchEngine(ws, model=model)
        return state["engine"]

    @app.get("/", summary="Workspace summary")
    def root() -> dict[str, Any]:
        store = ws.store()
        with store.snapshot():
            return {"ok": True, "workspace": str(ws.path), "totals": store.counts(),
                    "documents": [d.to_dict() for d in store.documents()]}

    @app.get("/health", summary="Liveness and the store's counts")
    def health() -> dict[str, Any]:
        store = ws.store()
        with store.snapshot():
            return {"ok": True, "status": "ok", "counts": store.counts(), "version": store.version(),
                    "writes": bool(policy.api_key)}

    @app.get("/commitments", summary="List commitments")
    def commitments(year: Year = None, jurisdiction: Jurisdiction = None, department: Department = None,
                    official: Official = None, theme: Theme = None) -> list[dict[str, Any]]:
        store = ws.store()
        with store.snapshot():  # the listing and its departments, officials, targets from one commit
            found = store.commitments(year=year, jurisdiction=jurisdiction, department=department,
                                      official=official, theme=theme)
        return [c.to_dict() for c in found]

    @app.get("/commitments/{commitment_id}", summary="One commitment")
    def commitment(commitment_id: Annotated[str, Path_(max_length=MAX_NAME_CHARS)]) -> dict[str, Any]:
        store = ws.store()
        with store.snapshot():
            return store.commitment(commitment_id).to_dict()

    @app.get("/departments", summary="Departments with aliases and commitments")
    def departments(jurisdiction: Jurisdiction = None) -> list[dict[str, Any]]:
        store = ws.store()
        with store.snapshot():
            return [d.to_dict() for d in store.departments(jurisdiction)]

    @app.get("/officials", summary="Lead officials with years and commitments")
    def officials(jurisdiction: Jurisdiction = None) -> list[dict[str, Any]]:
        store = ws.store()
        with store.snapshot():
            return [o.to_dict() for o in store.officials(jurisdiction)]

    @app.get("/search", summary="Hybrid semantic search")
    def search(q: SearchText, top_k: TopK = 10,
               mode: Annotated[str, Query(pattern="^(hybrid|dense|lexical)$")] = "hybrid",
               year: Year = None, jurisdiction: Jurisdiction = None, department: Department = None,
               official: Official = None, theme: Theme = None) -> dict[str, Any]:
        lower_search_priority()
        response = engine().search(q, top_k=top_k, mode=mode, year=year, jurisdiction=jurisdiction,
                                   department=department, official=official, theme=theme)
        return response.to_dict()

    add_document_routes(app, ws, policy)
    add_cors(app, policy)
    _add_offline_docs(app)

    from api.routes_ask import add_ask_routes
    from api.routes_graph import add_graph_routes
    from api.routes_sparql import add_sparql_routes

    add_graph_routes(app, ws, engine)
    add_sparql_routes(app, ws, engine)
    add_ask_routes(app, ws, engine)

    @app.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    return app


def _add_offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the installed fastapi-offline package: no CDN, works offline.

    Its Swagger UI is 5.x, which reads the OpenAPI 3.1 documents FastAPI writes; the
    swagger-ui-bundle package ships 4.15, which renders "Unable to render this definition".
    """
    from importlib.util import find_spec

    from fastapi.openapi.docs import get_swagger_ui_html

    # Located without importing fastapi_offline: its __init__ builds an app factory we do not use.
    spec = find_spec("fastapi_offline")
    assets = Path(spec.origin).parent / "static" if spec and spec.origin else None
    if assets is None or not (assets / "swagger-ui-bundle.js").is_file():
        raise RuntimeError("fastapi-offline is not installed; it provides the offline /docs assets")
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                                   # No validator badge: it would send the schema to validator.swagger.io.
                                   swagger_ui_parameters={"validatorUrl": None})
