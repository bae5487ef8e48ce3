"""The typer app: core commands and the error mapping (cli.failures) for every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer import _click
from typer.core import TyperGroup

from cli.common import (
    DepartmentOpt,
    FormatOpt,
    JurisdictionOpt,
    OfficialOpt,
    ThemeOpt,
    WorkspaceOpt,
    YearOpt,
    progress,
    workspace,
)
from cli.render import OutputFormat, render


class _Group(TyperGroup):
    """Maps library errors to a one-line message and exit code for every command."""

    def invoke(self, ctx: _click.Context) -> object:
        from cli.failures import failure

        try:
            return super().invoke(ctx)
        except Exception as exc:  # MemoryError included
            reported = failure(exc)
            if reported is None:
                raise
            _fail(*reported)
        return None


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=_Group,
    name="minsheng",
    help="Turn 民生实事 (livelihood commitment) lists into a knowledge graph with semantic search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMITMENT_COLUMNS = ["id", "year", "jurisdiction", "title", "officials", "departments", "themes"]


@app.command()
def init(
    ws: WorkspaceOpt = None,
    empty: Annotated[bool, typer.Option("--empty", help="Start with no documents instead of the bundled corpus.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing workspace.")] = False,
) -> None:
    """Create a workspace, from the bundled corpus unless --empty."""
    from kg.store.workspace import default_home, init_workspace

    made = init_workspace(ws or default_home(), empty=empty, force=force, progress=progress)
    counts = made.store().counts()
    typer.echo(f"workspace {made.path}: {counts['documents']} documents, {counts['commitments']} commitments")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (.txt .md .docx .csv .xlsx .html .pdf).")],
    year: Annotated[int | None, typer.Option("--year", "-y", help="The list's year, when the document does not say.")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", "-j", help="Jurisdiction name, NAME:CODE or code, when the document does not say.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the items that would be stored (officials, departments with roles, targets); store nothing.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Store the good files of a batch and list the files skipped, instead of storing nothing.")] = False,
    max_items: Annotated[int, typer.Option("--max-items", help="Refuse a document with more items than this.")] = 2000,
    ws: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Add documents to the workspace; a changed document replaces its earlier version."""
    from kg.ingest.pipeline import ingest_paths

    store = None if dry_run else workspace(ws).store()  # a dry run needs no workspace
    summary = ingest_paths(store, paths, year=year, jurisdiction=jurisdiction, progress=progress,  # type: ignore[arg-type]
                           dry_run=dry_run, skip_bad=skip_bad, max_items=max_items)
    if fmt is OutputFormat.json:
        render([], fmt, document=summary.to_dict())
        return
    if dry_run:
        from cli.ingest_view import show_preview

        show_preview(summary.preview, fmt)
    render(summary.documents, fmt, columns=["id", "source", "status", "layout", "items", "no_department",
                                            "no_official", "warnings"])
    if fmt is OutputFormat.table:
        typer.echo(f"{summary.commitments} commitments, {summary.departments} departments, "
                   f"{summary.officials} officials, {summary.targets} targets" + (" (dry run: nothing stored)" if dry_run else ""))
        if summary.unknown_departments:
            typer.echo("unknown departments (kept verbatim): " + "、".join(summary.unknown_departments))
        for skipped in summary.skipped:
            typer.echo(f"skipped {skipped['source']}: {skipped['reason']}", err=True)


@app.command("list")
def list_commitments(
    year: YearOpt = None, jurisdiction: JurisdictionOpt = None, department: DepartmentOpt = None,
    official: OfficialOpt = None, theme: ThemeOpt = None, ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List commitments, filtered by year, jurisdiction, department, official or theme."""
    items = workspace(ws).store().commitments(year=year, jurisdiction=jurisdiction, department=department,
                                              official=official, theme=theme)
    render([c.to_dict() for c in items], fmt, columns=COMMITMENT_COLUMNS)


@app.command()
def show(
    commitment_id: Annotated[str, typer.Argument(metavar="ID", help="A commitment id such as 370103-2024-06.")],
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show one commitment with its departments, officials and targets."""
    c = workspace(ws).store().commitment(commitment_id).to_dict()
    if fmt is not OutputFormat.table:
        render([c], fmt, document=c, columns=list(c))
        return
    for key in ("id", "year", "jurisdiction", "seq", "category", "title", "text", "officials", "themes",
                "target_types", "beneficiaries", "source"):
        value = c[key]
        if value is None or value == []:
            continue
        typer.echo(f"{key:>13}: {'、'.join(map(str, value)) if isinstance(value, list) else value}")
    typer.echo("  departments: " + "、".join(f"{d['name']}（{d['function'] or '?'}）" for d in c["departments"]))
    render(c["targets"], fmt, columns=["metric", "value", "unit", "comparator", "target_type_label", "raw"],
           title="targets")


@app.command()
def departments(
    jurisdiction: JurisdictionOpt = None,
    communities: Annotated[bool, typer.Option("--communities", help="Group departments into communities of the co-responsibility graph.")] = False,
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List departments with their aliases, function and commitments."""
    store = workspace(ws).store()
    if communities:
        from kg.analysis.communities import department_communities

        render(department_communities(store, jurisdiction=jurisdiction), fmt,
               columns=["community", "jurisdiction", "size", "departments", "shared_commitments"])
        return
    rows = [d.to_dict() for d in store.departments(jurisdiction)]
    for row in rows:
        row["n"] = len(row["commitments"])
    render(rows, fmt, columns=["id", "name", "function", "aliases", "n", "commitments"])


@app.command()
def officials(jurisdiction: JurisdictionOpt = None, ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """List lead officials (牵头领导) with their years and commitments."""
    rows = [o.to_dict() for o in workspace(ws).store().officials(jurisdiction)]
    for row in rows:
        row["n"] = len(row["commitments"])
    render(rows, fmt, columns=["id", "name", "jurisdiction", "years", "n", "commitments"])


@app.command()
def stats(ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Count documents, commitments, departments, officials and targets, per document too."""
    w = workspace(ws)
    store = w.store()
    per_doc: dict[str, list[int]] = {}
    for c in store.commitments():
        per_doc.setdefault(c.document_id, []).append(len(c.targets))
    rows = [{"document": doc.id, "jurisdiction": doc.jurisdiction, "year": doc.year, "layout": doc.layout,
             "source": doc.source, "commitments": len(per_doc.get(doc.id, [])),
             "targets": sum(per_doc.get(doc.id, []))} for doc in store.documents()]
    if fmt is OutputFormat.json:
        render([], fmt, document={"workspace": str(w.path), "totals": store.counts(), "documents": rows})
        return
    render(rows, fmt, columns=["document", "jurisdiction", "year", "layout", "source", "commitments", "targets"])
    if fmt is OutputFormat.table:
        typer.echo(" ".join(f"{k}={v}" for k, v in store.counts().items()) + f"  ({w.path})")


def _register_command_groups() -> None:
    # Each group lives in its own module; importing them is cheap (heavy imports sit inside commands).
    from cli import analysis_cmds, eval_cmds, graph_cmds, search_cmds, serve_cmds

    for module in (search_cmds, graph_cmds, analysis_cmds, serve_cmds, eval_cmds):
        module.register(app)


_register_command_groups()


def main() -> None:
    """Run the typer app (the console script is cli.entry:main, which answers `ask` without it)."""
    app()


if __name__ == "__main__":
    main()
