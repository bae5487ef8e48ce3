"""Excel 97-2003 workbooks (.xls) through xlrd, merged ranges repeated like .xlsx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats import limits
from kg.ingest.formats.limits import TableBudget, check_count
from kg.ingest.formats.xlsx import _cell, add_sheet

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument


def _xls_cell(cell, datemode: int, xlrd) -> str:  # noqa: ANN001 - xlrd objects
    if cell.ctype == xlrd.XL_CELL_DATE:  # dates are floats in .xls, flagged by the cell type
        try:
            return _cell(xlrd.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return _cell(cell.value)
    return _cell(cell.value)


def read_xls(raw: RawDocument) -> None:
    import xlrd

    try:
        # formatting_info is what makes xlrd report merged ranges.
        book = xlrd.open_workbook(file_contents=raw.data, formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors…
        raise InputError(f"{raw.path}: not a readable .xls workbook ({type(exc).__name__}); expected an Excel 97-2003 spreadsheet") from None
    budget = TableBudget(raw.path)
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            check_count(raw.path, "table rows", sheet.nrows, limits.MAX_ROWS)
            check_count(raw.path, "table cells", sheet.nrows * sheet.ncols, limits.MAX_CELLS)
            grid = [[_xls_cell(sheet.cell(r, c), book.datemode, xlrd) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
            add_sheet(raw, budget, grid, sheet.merged_cells)  # xlrd's ranges are already 0-based, end-exclusive
    finally:
        book.release_resources()
