"""The SPARQL 1.1 Protocol endpoint at /sparql: GET, POST form and POST application/sparql-query.

Results follow the Accept header: SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT and
DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML. Updates are refused with 403, other
methods with 405 (and Allow), an Accept nothing can satisfy with 406, an unknown request
body type with 415. Queries run under kg.graph.sparql's limits (time, rows, memory).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.errors import error_response
from kg.errors import ForbiddenError, InputError, TooLargeError

ALLOW = "GET, POST"
MAX_BODY = 512 * 1024
# (media type, result format), in the server's order of preference for */*.
RESULT_OFFERS = [("application/sparql-results+json", "json"), ("application/json", "json"),
                 ("application/sparql-results+xml", "xml"), ("application/xml", "xml"),
                 ("text/xml", "xml"), ("text/csv", "csv"), ("text/tab-separated-values", "tsv")]
GRAPH_OFFERS = [("text/turtle", "turtle"), ("application/turtle", "turtle"), ("application/x-turtle", "turtle"),
                ("application/n-triples", "nt"), ("text/plain", "nt"), ("application/ld+json", "jsonld"),
                ("application/json", "jsonld"), ("application/rdf+xml", "rdfxml"), ("application/xml", "rdfxml")]
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
         "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
         "turtle": "text/turtle; charset=utf-8", "nt": "application/n-triples", "jsonld": "application/ld+json",
         "rdfxml": "application/rdf+xml"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed query, SERVICE, or a FROM naming no graph"},
    403: {"description": "An update (the graph is read-only)"},
    405: {"description": "Method not allowed (Allow: GET, POST)"},
    406: {"description": "No acceptable result format"},
    413: {"description": "Query or result too large (row limit)"},
    415: {"description": "Unsupported request body type"},
    503: {"description": "Time or memory limit reached, or every query worker busy"},
}


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> str | None:
    """The offered format the Accept header prefers (q-values, wildcards); None when nothing is acceptable."""
    if not accept or not accept.strip():
        return offers[0][1]
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media, q))
    best: tuple[float, int, str] | None = None
    for rank, (media, fmt) in enumerate(offers):
        main = media.split("/")[0]
        # The most specific range that matches an offer decides its quality (RFC 9110 12.5.1).
        matches = [(2 if p == media else 1 if p == f"{main}/*" else 0, q) for p, q in ranges
                   if p in (media, f"{main}/*", "*/*")]
        if not matches:
            continue
        specific, q = max(matches)
        if q <= 0:
            continue
        key = (q, -rank, fmt)
        if best is None or key[:2] > best[:2]:
            best = key
        del specific
    return best[2] if best else None


def _params(query_string: str) -> dict[str, list[str]]:
    return parse_qs(query_string, keep_blank_values=True)


def add_sparql_routes(app: FastAPI, ws: Any, engine: Callable[[], Any] | None = None, *, timeout: float | None = None,
                      max_rows: int | None = None) -> None:
    """Attach /sparql (the workspace's graph store, synced on use).

    ``timeout``/``max_rows`` are the server's options (``minsheng serve --sparql-timeout``);
    unset, each request reads MINSHENG_SPARQL_TIMEOUT / MINSHENG_SPARQL_MAX_ROWS or the defaults.
    """

    def run(query: str, accept: str | None, default_graphs: list[str], year: int | None,
            jurisdiction: str | None) -> Response:
        from kg.graph.export import _filtered_graphs
        from kg.graph.oxstore import workspace_graph
        from kg.graph.sparql import GRAPH_KINDS, SparqlLimits, check_query, run_sparql

        checked = check_query(query)
        graph_result = checked.kind in GRAPH_KINDS
        fmt = negotiate(accept, GRAPH_OFFERS if graph_result else RESULT_OFFERS)
        if fmt is None:
            wanted = ", ".join(sorted({m for m, _ in (GRAPH_OFFERS if graph_result else RESULT_OFFERS)}))
            return error_response(406, f"Accept: no acceptable format for a {checked.kind.upper()} result; "
                                       f"offered: {wanted}", "NotAcceptable")
        graph = workspace_graph(ws, prepare=engine().ensure_neighbours if engine is not None else None)
        restrict = default_graphs or _filtered_graphs(ws.store(), graph, year, jurisdiction)
        limits = SparqlLimits.from_env(timeout=timeout, max_rows=max_rows)
        result = run_sparql(graph, query, default_graph=restrict or None, limits=limits)
        if graph_result:
            body = result.serialize(fmt)
        elif fmt == "json":
            body = json.dumps(result.to_json(), ensure_ascii=False)
        elif fmt == "xml":
            body = result.to_xml()
        elif fmt == "csv":
            body = result.to_csv()
        else:
            body = result.to_tsv()
        return Response(body.encode("utf-8"), media_type=MEDIA[fmt], headers={"Vary": "Accept"})

    def one(params: dict[str, list[str]], name: str) -> str | None:
        values = params.get(name) or []
        if len(values) > 1:
            raise InputError(f"{name}: given {len(values)} times; expected once")
        return values[0] if values else None

    def number(params: dict[str, list[str]], name: str) -> int | None:
        raw = one(params, name)
        if not raw:  # absent or empty
            return None
        try:
            value = int(raw)
        except ValueError:
            raise InputError(f"{name}: expected a whole number, not {raw!r}") from None
        if not 0 < value < 10_000:
            raise InputError(f"{name}: expected a year such as 2024, not {raw!r}")
        return value

    async def handle(request: Request, params: dict[str, list[str]], query: str | None) -> Response:
        if params.get("update") or params.get("using-graph-uri"):
            raise ForbiddenError("update: SPARQL updates are not allowed; the graph is read-only")
        if params.get("named-graph-uri"):
            raise InputError("named-graph-uri: not supported; use FROM NAMED or GRAPH in the query")
        if query is None:
            raise InputError("query: expected a SPARQL query (?query=, a form field, or an application/sparql-query body)")
        return await run_in_threadpool(run, query, request.headers.get("accept"), params.get("default-graph-uri") or [],
                                       number(params, "year"), one(params, "jurisdiction"))

    @app.get("/sparql", summary="SPARQL 1.1 query (GET): results by Accept", responses=ERRORS)
    async def sparql_get(request: Request, query: str | None = None, year: int | None = None,
                         jurisdiction: str | None = None) -> Response:
        """SELECT/ASK → SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE → Turtle, N-Triples, JSON-LD, RDF/XML.

        Prefixes ms:, org:, skos:, prov:, dcterms:, schema:, foaf: … are predeclared.
        ``year``/``jurisdiction`` restrict the default graph to those documents.
        """
        params = _params(request.url.query)
        return await handle(request, params, one(params, "query"))

    @app.post("/sparql", summary="SPARQL 1.1 query (POST form or application/sparql-query)", responses=ERRORS)
    async def sparql_post(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            raise TooLargeError(f"request body: {declared} bytes, at most {MAX_BODY}")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise TooLargeError(f"request body: more than {MAX_BODY} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("request body: not UTF-8") from None
        params = _params(request.url.query)
        if ctype == "application/x-www-form-urlencoded":
            form = _params(text)
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
            return await handle(request, params, one(params, "query"))
        if ctype == "application/sparql-query":
            return await handle(request, params, text)
        if ctype == "application/sparql-update":
            raise ForbiddenError("SPARQL updates are not allowed; the graph is read-only")
        return error_response(415, f"Content-Type: {ctype or 'none'} is not supported; expected "
                                   "application/x-www-form-urlencoded or application/sparql-query",
                              "UnsupportedMediaType")

    @app.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def sparql_other(request: Request) -> Response:
        response = error_response(405, f"{request.method} /sparql: method not allowed; use GET or POST",
                                  "MethodNotAllowed")
        response.headers["Allow"] = ALLOW
        return response
