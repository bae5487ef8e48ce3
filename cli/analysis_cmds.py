"""Analysis commands: `overlaps` and `timeline`."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import DepartmentOpt, FormatOpt, JurisdictionOpt, WorkspaceOpt, YearOpt, workspace
from cli.render import OutputFormat, render

OVERLAP_COLUMNS = ["kind", "score", "departments", "jurisdictions", "years", "concepts", "commitments",
                   "same_function", "officials"]
TIMELINE_COLUMNS = ["jurisdiction", "year", "commitment_id", "title", "target_type_label", "value", "unit",
                    "comparator", "cumulative", "change", "change_pct", "note", "continues"]


def overlaps(
    kind: Annotated[list[str] | None, typer.Option("--kind", help="shared, thematic, cross_district or official (repeatable).")] = None,
    jurisdiction: JurisdictionOpt = None, year: YearOpt = None, department: DepartmentOpt = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Drop overlaps scoring below this [default: per kind].")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows per kind, best first.")] = 100,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many rows of each kind (paging).")] = 0,
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Departments that share, duplicate or split commitments, with evidence to check."""
    from kg.analysis.overlaps import find_overlaps

    w = workspace(ws)
    if not kind or {"thematic", "cross_district"} & set(kind):
        from search.engine import SearchEngine

        SearchEngine(w).ensure_neighbours()  # embeds only commitments added since the last index update
    found = find_overlaps(w.store(), kinds=kind or None, jurisdiction=jurisdiction, year=year, department=department,
                          min_score=min_score, limit=limit, offset=offset, workspace=w)
    rows = [o.to_dict() for o in found]
    for row in rows:
        row["score"] = round(row["score"], 3)
    render(rows, fmt, columns=OVERLAP_COLUMNS)


def timeline(
    query: Annotated[str, typer.Argument(help="A target type (养老床位), theme (养老) or free text.")],
    jurisdiction: JurisdictionOpt = None,
    text: Annotated[bool, typer.Option("--text", help="Treat QUERY as free text (search), not as a taxonomy term.")] = False,
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Follow a target type, theme or topic across years and districts, with year-on-year change."""
    from kg.analysis.timeline import build_timeline
    from search.engine import SearchEngine

    w = workspace(ws)
    engine = SearchEngine(w)

    def search(q: str) -> list[str]:
        return [h.id for h in engine.search(q, top_k=10, jurisdiction=jurisdiction).results]

    result = build_timeline(w.store(), query, jurisdiction=jurisdiction, search=search, use_taxonomy=not text)
    render(result.rows(), fmt, document=result.to_dict(), columns=TIMELINE_COLUMNS)


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the app."""
    app.command()(overlaps)
    app.command()(timeline)
