"""Knowledge-graph commands: `sparql` and `export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import FormatOpt, JurisdictionOpt, WorkspaceOpt, YearOpt, workspace
from cli.render import OutputFormat, render

ViewOpt = Annotated[str, typer.Option("--view", help="full, departments (co-responsibility) or officials (official–department).")]


def sparql(
    query: Annotated[str | None, typer.Argument(help="A SPARQL SELECT/ASK/CONSTRUCT/DESCRIBE query (prefixes ms:, org:, skos:, schema: … predeclared).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from a file.")] = None,
    year: YearOpt = None, jurisdiction: JurisdictionOpt = None, ws: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Run a read-only SPARQL query over the RDF graph (json = SPARQL 1.1 JSON results)."""
    from kg.embed.vectors import workspace_links
    from kg.errors import InputError
    from kg.graph.rdf import build_dataset
    from kg.graph.sparql import run_sparql

    if file is not None:
        if not file.exists():
            raise InputError(f"{file}: no such file; expected a SPARQL query file")
        query = file.read_text(encoding="utf-8-sig")
    if not query:
        raise InputError("QUERY: expected a SPARQL query or --file F")
    w = workspace(ws)
    store = w.store()
    result = run_sparql(build_dataset(store, year=year, jurisdiction=jurisdiction, links=workspace_links(w)), query)
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        sys.stdout.write(result.serialize("turtle"))
        return
    if fmt is OutputFormat.json:
        render([], fmt, document=result.to_json())
    elif fmt is OutputFormat.csv:
        sys.stdout.write(result.to_csv())
    elif result.kind == "ASK":
        typer.echo("true" if result.boolean else "false")
    else:
        render(result.display_rows(), fmt, columns=result.variables)


def export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="ttl, nt, nq, jsonld, trig, graphml, gexf, cytoscape, csv or html.")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Output file (or directory; csv writes nodes.csv and edges.csv into it).")],
    view: ViewOpt = "full", year: YearOpt = None, jurisdiction: JurisdictionOpt = None, ws: WorkspaceOpt = None,
) -> None:
    """Export the graph for triple stores (RDF), Gephi (gexf/graphml), Cytoscape, or as an offline HTML view."""
    from kg.embed.vectors import workspace_links
    from kg.graph.export import export_graph

    w = workspace(ws)
    store = w.store()
    written = export_graph(store, fmt, out, view=view, year=year, jurisdiction=jurisdiction,
                           links=workspace_links(w))
    for path in written:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the graph commands to the app."""
    app.command()(sparql)
    app.command()(export)
