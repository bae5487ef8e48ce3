"""Routes for the knowledge graph and the analyses: SPARQL, export, overlaps, timeline."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import FileResponse, JSONResponse

from kg.errors import InputError

_MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples", "nq": "application/n-quads",
          "jsonld": "application/ld+json", "trig": "application/trig", "graphml": "application/xml",
          "gexf": "application/xml", "cytoscape": "application/json", "html": "text/html"}


def add_graph_routes(app: FastAPI, ws: Any, engine: Callable[[], Any]) -> None:
    """Attach the graph and analysis routes to ``app``."""

    def links() -> Any:
        from kg.embed.vectors import workspace_links

        return workspace_links(ws)

    @app.get("/sparql", summary="Read-only SPARQL (SPARQL 1.1 JSON results)")
    def sparql(query: Annotated[str, Query(description="SELECT or ASK query; prefixes predeclared")],
               year: int | None = None, jurisdiction: str | None = None) -> Any:
        from kg.graph.rdf import build_dataset
        from kg.graph.sparql import run_sparql

        result = run_sparql(build_dataset(ws.store(), year=year, jurisdiction=jurisdiction, links=links()), query)
        if result.kind in ("CONSTRUCT", "DESCRIBE"):
            return JSONResponse({"ok": True, "turtle": result.serialize("turtle")})
        return result.to_json()

    @app.get("/export/{fmt}", summary="Export the graph (ttl, nt, jsonld, trig, graphml, gexf, cytoscape, html)")
    def export(fmt: str, view: str = "full", year: int | None = None, jurisdiction: str | None = None) -> Any:
        from kg.graph.export import export_graph

        if fmt == "csv":
            raise InputError("format: csv writes two files; use `minsheng export csv -o DIR` or another format")
        out = Path(tempfile.mkdtemp(prefix="minsheng-export-"))
        written = export_graph(ws.store(), fmt, out, view=view, year=year, jurisdiction=jurisdiction, links=links())
        return FileResponse(written[0], media_type=_MEDIA.get(fmt, "application/octet-stream"),
                            filename=written[0].name)

    @app.get("/overlaps", summary="Shared, thematic, cross-district and official overlaps")
    def overlaps(kind: Annotated[list[str] | None, Query()] = None, jurisdiction: str | None = None,
                 year: int | None = None, department: str | None = None, min_score: float | None = None,
                 limit: int | None = None) -> list[dict[str, Any]]:
        from kg.analysis.overlaps import find_overlaps
        from kg.embed.vectors import vectors_for_overlaps

        found = find_overlaps(ws.store(), kinds=kind or None, jurisdiction=jurisdiction, year=year,
                              department=department, min_score=min_score, limit=limit,
                              vectors=vectors_for_overlaps(ws, kind))
        return [o.to_dict() for o in found]

    @app.get("/timeline", summary="A target type, theme or topic across years and districts")
    def timeline(q: str, jurisdiction: str | None = None, text: bool = False) -> dict[str, Any]:
        from kg.analysis.timeline import build_timeline

        def search(query: str) -> list[str]:
            return [h.id for h in engine().search(query, top_k=10, jurisdiction=jurisdiction).results]

        result = build_timeline(ws.store(), q, jurisdiction=jurisdiction, search=search, use_taxonomy=not text)
        return result.to_dict()
