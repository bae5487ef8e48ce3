"""The header of a table grid: which row names the columns, and what each column holds.

Headers come in one row or two (a parent cell over sub-columns, written compressed in
text exports or positionally in real tables), after title rows and page chrome, and may
repeat at page breaks.
"""

from __future__ import annotations

import re

from kg.ingest.cells import header_role, seq_value
from kg.text import normalize_name

_HEADER_SCAN = 15
CN_HEADING_RE = re.compile(r"^[一二三四五六七八九十]{1,3}\s*[、.．]\s*(.+)$")
_ITEM_ROLES = {"seq", "officials", "lead", "supporting", "departments"}


def _clean(cell: str | None) -> str:
    return (cell or "").replace("\r", "").strip()


def find_header(grid: list[list[str]]) -> tuple[int, list[str | None]] | None:
    """(row index, column roles) of the row naming most roles, one of them the item's wording."""
    best: tuple[int, int, list[str | None]] | None = None
    for i, row in enumerate(grid[:_HEADER_SCAN]):
        roles = [header_role(c) if len(_clean(c)) <= 24 else None for c in row]
        named = {r for r in roles if r}
        # An item table names its 序号 or its units or leaders; a metadata table
        # (索引号/主题分类/发布机构) names neither.
        if not named & {"text", "title"} or not named & _ITEM_ROLES:
            continue
        if seq_value(_clean(row[0]) if row else "") is not None:
            continue
        if best is None or len(named) > best[0]:
            best = (len(named), i, roles)
    return (best[1], best[2]) if best else None


def merge_subheader(header: list[str], roles: list[str | None], sub: list[str]) -> tuple[list[str], list[str | None]]:
    """Fold a second header row into the first ("2024年进展情况" over "截至9月底进展 | 四季度计划")."""
    filled = [i for i, c in enumerate(sub) if c]
    hdr_filled = [i for i, c in enumerate(header) if c]
    if filled == list(range(len(filled))) and len(filled) < len(hdr_filled):
        # Written compressed (text export): the sub-cells split one parent header cell,
        # the one sharing words with them, else the last.
        parent = hdr_filled[-1]
        for i in hdr_filled:
            if any(_shares(header[i], s) for s in sub if s):
                parent = i
        subs = [sub[i] for i in filled]
        header = header[:parent] + subs + header[parent + 1:]
        roles = roles[:parent] + [header_role(s) or roles[parent] for s in subs] + roles[parent + 1:]
        return header, roles
    # Positional (real tables): a sub-cell refines the column above it.
    out_h, out_r = list(header), list(roles)
    for i, s in enumerate(sub):
        if s and i < len(out_h) and s != header[i]:
            parent_role = out_r[i] or (out_r[i - 1] if i and not header[i] else None)
            out_h[i] = s
            out_r[i] = header_role(s) or parent_role
    return out_h, out_r


def _shares(a: str, b: str) -> bool:
    a, b = normalize_name(a), normalize_name(b)
    return any(a[i:i + 2] in b for i in range(len(a) - 1) if not a[i:i + 2].isdigit())


def is_subheader(row: list[str], header: list[str]) -> bool:
    """A second header row: short label cells, no 序号, naming what the first row left open."""
    cells = [c for c in row if c]
    if len(cells) < 2 or seq_value(cells[0]) is not None or CN_HEADING_RE.match(cells[0]):
        return False
    if not all(len(normalize_name(c)) <= 12 and not re.search(r"[，。；]", c) for c in cells):
        return False
    if len(cells) < len([c for c in header if c]):
        return True
    # A real table repeats vertically merged header cells ("序号") in the second row; the
    # row still refines the header if its other cells are new column names.
    new = [c for i, c in enumerate(row) if c and (i >= len(header) or c != header[i])]
    same = len(cells) - len(new)
    return same >= 1 and bool(new) and all(header_role(c) for c in new)


def is_repeated_header(row: list[str], header: list[str]) -> bool:
    names = {normalize_name(h) for h in header if h}
    hits = sum(1 for c in row if c and normalize_name(c) in names)
    return hits >= 2
