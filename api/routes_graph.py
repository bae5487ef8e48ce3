"""Routes for the knowledge graph and the analyses: export, overlaps, timeline (SPARQL: api.routes_sparql; ask: api.routes_ask)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse

from api.params import Department, Jurisdiction, SearchText, Year

# The kinds kg.analysis.overlaps.KINDS knows, as an enum in the OpenAPI document.
OverlapKind = Literal["shared", "thematic", "cross_district", "official"]

_MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples", "nq": "application/n-quads",
          "jsonld": "application/ld+json", "trig": "application/trig", "graphml": "application/xml",
          "gexf": "application/xml", "cytoscape": "application/json", "html": "text/html"}
_EXTENSIONS = {"jsonld": "jsonld", "cytoscape": "cyjs"}


def add_graph_routes(app: FastAPI, ws: Any, engine: Callable[[], Any]) -> None:
    """Attach the graph and analysis routes to ``app``."""

    def links() -> Any:
        from kg.embed.vectors import workspace_links

        engine().ensure_neighbours()  # links come from the index's neighbour lists: new items only
        return workspace_links(ws)

    @app.get("/export/{fmt}", summary="Export the graph (ttl, nt, nq, trig, jsonld, graphml, gexf, cytoscape, html)")
    def export(fmt: str, view: str = "full", year: int | None = None, jurisdiction: str | None = None) -> Any:
        """Streamed: RDF formats straight from the graph store, nothing written to disk."""
        from kg.graph.export import RDF_FORMATS, iter_export

        fmt = fmt.lower()
        graph = link_list = None
        if fmt in RDF_FORMATS:
            from kg.graph.oxstore import workspace_graph

            graph = workspace_graph(ws, prepare=lambda: engine().ensure_neighbours())
        elif fmt in _MEDIA:
            link_list = links()
        chunks = iter_export(ws.store(), fmt, view=view, year=year, jurisdiction=jurisdiction, links=link_list,
                             graph=graph)
        name = f"minsheng-{'rdf' if fmt in RDF_FORMATS else view}.{_EXTENSIONS.get(fmt, fmt)}"
        return StreamingResponse(chunks, media_type=_MEDIA.get(fmt, "application/octet-stream"),
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/overlaps", summary="Shared, thematic, cross-district and official overlaps")
    def overlaps(kind: Annotated[list[OverlapKind] | None, Query()] = None, jurisdiction: Jurisdiction = None,
                 year: Year = None, department: Department = None,
                 min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
        from kg.analysis.overlaps import find_overlaps

        if not kind or {"thematic", "cross_district"} & set(kind):
            engine().ensure_neighbours()
        found = find_overlaps(ws.store(), kinds=list(kind) if kind else None, jurisdiction=jurisdiction, year=year,
                              department=department, min_score=min_score, limit=limit, offset=offset,
                              workspace=ws)
        return [o.to_dict() for o in found]

    @app.get("/timeline", summary="A target type, theme or topic across years and districts")
    def timeline(q: SearchText, jurisdiction: Jurisdiction = None, text: bool = False) -> dict[str, Any]:
        from kg.analysis.timeline import build_timeline

        def search(query: str) -> list[str]:
            return [h.id for h in engine().search(query, top_k=10, jurisdiction=jurisdiction).results]

        result = build_timeline(ws.store(), q, jurisdiction=jurisdiction, search=search, use_taxonomy=not text)
        return result.to_dict()
