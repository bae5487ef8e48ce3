"""One render function for every listing command: table, json or csv."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any


class OutputFormat(StrEnum):
    """The shared --format choices."""

    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return value.get("name") or value.get("label") or json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(rows: Sequence[dict[str, Any]], fmt: OutputFormat | str, *, columns: Sequence[str] | None = None,
           document: Any = None, title: str | None = None) -> None:
    """Print rows in the chosen format.

    ``json`` prints one JSON document: ``document`` when given (e.g. a search response),
    otherwise the list of rows with every field. ``table`` and ``csv`` show ``columns``.
    """
    fmt = OutputFormat(fmt)
    if fmt is OutputFormat.json:
        payload = document if document is not None else list(rows)
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    cols = list(columns or (rows[0].keys() if rows else []))
    if fmt is OutputFormat.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in cols])
        sys.stdout.write(buf.getvalue())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in cols])
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        # Piped output has no width to fit; wrapping CJK cells at 80 columns only hurts.
        console = Console(soft_wrap=False, width=200)
    console.print(table)
    if not rows:
        sys.stderr.write("(no rows)\n")
