"""Knowledge-graph commands: `sparql`, `export` and `push`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import FormatOpt, JurisdictionOpt, WorkspaceOpt, YearOpt, progress, workspace
from cli.render import OutputFormat, render

if TYPE_CHECKING:
    from kg.store.workspace import Workspace

ViewOpt = Annotated[str, typer.Option("--view", help="full, departments (co-responsibility) or officials (official–department).")]
EndpointOpt = Annotated[str | None, typer.Option("--endpoint", help="Query this SPARQL 1.1 endpoint instead of the workspace (e.g. http://127.0.0.1:7878/query).")]
TimeoutOpt = Annotated[float | None, typer.Option("--timeout", help="Seconds before the query is stopped (default: $MINSHENG_SPARQL_TIMEOUT or 30).", show_default=False)]
MaxRowsOpt = Annotated[int | None, typer.Option("--max-rows", help="Most result rows (default: $MINSHENG_SPARQL_MAX_ROWS or 100000).", show_default=False)]
RdfOpt = Annotated[str, typer.Option("--rdf", help="CONSTRUCT/DESCRIBE output: turtle, nt or jsonld.")]


def _read_query(query: str | None, file: Path | None) -> str:
    from kg.errors import InputError, TooLargeError
    from kg.graph.sparql import MAX_QUERY_CHARS

    if file is not None:
        try:
            if file.stat().st_size > 4 * MAX_QUERY_CHARS:
                raise TooLargeError(f"{file}: {file.stat().st_size} bytes; a query has at most {MAX_QUERY_CHARS} characters")
            query = file.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{file}: no such file; expected a SPARQL query file") from None
        except IsADirectoryError:
            raise InputError(f"{file}: is a directory; expected a SPARQL query file") from None
        except UnicodeDecodeError:
            raise InputError(f"{file}: not UTF-8 text; expected a SPARQL query file in UTF-8") from None
        except OSError as exc:
            raise InputError(f"{file}: cannot read ({exc.strerror})") from None
    if not query:
        raise InputError("QUERY: expected a SPARQL query or --file F")
    return query


def sparql(
    query: Annotated[str | None, typer.Argument(help="A SPARQL SELECT/ASK/CONSTRUCT/DESCRIBE query (prefixes ms:, org:, skos:, schema: … predeclared).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from a file (UTF-8).")] = None,
    year: YearOpt = None, jurisdiction: JurisdictionOpt = None, ws: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table, endpoint: EndpointOpt = None, timeout: TimeoutOpt = None,
    max_rows: MaxRowsOpt = None, rdf_format: RdfOpt = "turtle",
) -> None:
    """Run a read-only SPARQL query over the graph store (json = SPARQL 1.1 JSON results).

    SERVICE and updates are refused; a query past --timeout or --max-rows stops with an error.
    """
    from kg.errors import InputError
    from kg.graph.remote import run_remote
    from kg.graph.sparql import SparqlLimits, run_sparql

    text = _read_query(query, file)
    limits = SparqlLimits.from_env(timeout=timeout, max_rows=max_rows)
    if endpoint:
        if year is not None or jurisdiction:
            raise InputError("--year/--jurisdiction filter the workspace graph; put the filter in the query for --endpoint")
        result = run_remote(endpoint, text, limits=limits)
    else:
        from kg.graph.oxstore import workspace_graph

        w = workspace(ws)
        graph = workspace_graph(w, progress=progress, prepare=_neighbours_of(w))
        result = run_sparql(graph, text, limits=limits, default_graph=_filter_graphs(w, graph, year, jurisdiction))
    if result.kind in ("construct", "describe"):
        sys.stdout.write(result.serialize(rdf_format))
        return
    if fmt is OutputFormat.json:
        render([], fmt, document=result.to_json())
    elif fmt is OutputFormat.csv:
        sys.stdout.write(result.to_csv())
    elif result.kind == "ask":
        typer.echo("true" if result.boolean else "false")
    else:
        render(result.display_rows(), fmt, columns=result.variables)


def _filter_graphs(w: Workspace, graph: Any, year: int | None, jurisdiction: str | None) -> list[str] | None:
    from kg.graph.export import _filtered_graphs

    return _filtered_graphs(w.store(), graph, year, jurisdiction)


def export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="ttl, nt, nq, jsonld, trig, graphml, gexf, cytoscape, csv or html.")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Output file (or directory; csv writes nodes.csv and edges.csv into it).")],
    view: ViewOpt = "full", year: YearOpt = None, jurisdiction: JurisdictionOpt = None, ws: WorkspaceOpt = None,
) -> None:
    """Export the graph for triple stores (RDF, streamed from the graph store), Gephi, Cytoscape, or as HTML."""
    from kg.graph.export import RDF_FORMATS, export_graph

    w = workspace(ws)
    graph = links = None
    if fmt.lower() in RDF_FORMATS:
        from kg.graph.oxstore import workspace_graph

        graph = workspace_graph(w, progress=progress, prepare=_neighbours_of(w))
    else:
        from kg.embed.vectors import workspace_links

        _neighbours_of(w)()
        links = workspace_links(w)
    written = export_graph(w.store(), fmt, out, view=view, year=year, jurisdiction=jurisdiction,
                           links=links, graph=graph)
    for path in written:
        typer.echo(str(path))


def push(
    endpoint: Annotated[str, typer.Option("--endpoint", help="SPARQL 1.1 Graph Store endpoint, e.g. http://127.0.0.1:7878/store.")],
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Load the workspace's named graphs into a SPARQL 1.1 store (Graph Store Protocol PUT per graph)."""
    from kg.graph.oxstore import workspace_graph
    from kg.graph.push import push_graphs

    w = workspace(ws)
    graph = workspace_graph(w, progress=progress, prepare=_neighbours_of(w))
    report = push_graphs(graph, endpoint, progress=progress)
    if fmt is OutputFormat.table:
        typer.echo(f"pushed {report.graphs} graphs ({report.triples} triples) to {report.endpoint} "
                   f"in {report.seconds:.1f} s")
    else:
        render([report.to_dict()], fmt)


def register(app: typer.Typer) -> None:
    """Add the graph commands to the app."""
    app.command()(sparql)
    app.command()(export)
    app.command()(push)


def _neighbours_of(w: Any) -> Callable[[], None]:
    """Bring the neighbour lists (links) up to date through the search index: embeds only new items."""
    def prepare() -> None:
        from search.engine import SearchEngine

        SearchEngine(w).ensure_neighbours()
    return prepare
