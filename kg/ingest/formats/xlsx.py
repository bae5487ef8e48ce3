"""Excel 2007+ workbooks (.xlsx): every sheet, merged ranges repeated over the cells they cover."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats import limits
from kg.ingest.formats.limits import TableBudget, check_count, check_zip
from kg.text import normalize_text

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument


def add_sheet(raw: RawDocument, budget: TableBudget, grid: list[list[str]],
              merged: Iterable[tuple[int, int, int, int]]) -> None:
    """Add a sheet's grid to the document; empty rows dropped, an empty sheet skipped.

    `merged` holds (first row, end row, first column, end column), 0-based and end-exclusive.
    A leader or unit merged over several rows belongs to each of them, as in a docx table, so
    the range's top-left text is repeated over every cell it covers.
    """
    for r0, r1, c0, c1 in merged:
        if r0 >= len(grid):
            continue
        top = grid[r0][c0]
        for r in range(r0, min(r1, len(grid))):
            for c in range(c0, min(c1, len(grid[r]))):
                grid[r][c] = top
    grid = [row for row in grid if any(row)]
    budget.add(len(grid), sum(len(r) for r in grid))
    if grid:
        raw.grids.append(grid)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):  # a 完成时限 typed as a date
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 序号 1 stored as 1.0
    return normalize_text(str(value)).strip()


def read_xlsx(raw: RawDocument) -> None:
    from openpyxl import load_workbook

    check_zip(raw.path, raw.data, ".xlsx workbook", "an Excel 2007+ spreadsheet")
    try:
        # Not read_only: merged ranges are only visible in a fully loaded sheet.
        wb = load_workbook(io.BytesIO(raw.data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip
        raise InputError(f"{raw.path}: not a readable .xlsx workbook ({type(exc).__name__}); expected an Excel 2007+ spreadsheet") from None
    budget = TableBudget(raw.path)
    try:
        for ws in wb.worksheets:
            check_count(raw.path, "table rows", ws.max_row, limits.MAX_ROWS)
            check_count(raw.path, "table cells", ws.max_row * ws.max_column, limits.MAX_CELLS)
            grid = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            merged = [(r.min_row - 1, r.max_row, r.min_col - 1, r.max_col) for r in ws.merged_cells.ranges]
            add_sheet(raw, budget, grid, merged)
    finally:
        wb.close()
