"""How `minsheng ingest --dry-run` shows the items it would store."""

from __future__ import annotations

from typing import Any

import typer

from cli.render import OutputFormat, render

_ROLE = {"lead": "牵头", "supporting": "配合", "responsible": ""}


def _fmt_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def preview_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per commitment: officials, departments with their roles, targets."""
    rows = []
    for c in doc["commitments"]:
        rows.append({
            "id": c["id"], "category": c["category"], "title": c["title"], "officials": c["officials"],
            "departments": [d["name"] + (f"（{_ROLE[d['role']]}）" if _ROLE.get(d["role"]) else "")
                            for d in c["departments"]],
            "targets": [f"{_fmt_value(t['value'])}{t['unit']}" for t in c["targets"]],
            "deadline": c.get("deadline"), "progress": c.get("progress"),
        })
    return rows


def show_preview(preview: list[dict[str, Any]], fmt: OutputFormat) -> None:
    columns = ["id", "category", "title", "officials", "departments", "targets", "deadline"]
    for doc in preview:
        if fmt is OutputFormat.table:
            typer.echo(f"{doc['source']}: {doc['jurisdiction']} {doc['year']} ({doc['layout']}) {doc['title'] or ''}")
        render(preview_rows(doc), fmt, columns=columns)
