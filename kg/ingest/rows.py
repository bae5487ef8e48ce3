"""Items out of a table grid: header, merged cells, sub-rows, categories, fields.

The same function reads real tables (docx/xlsx/html/pdf grids) and tables recovered from
text (kg.ingest.tables). A grid is a list of rows of cell text; rows may be shorter than
the header (dropped or merged cells) or split over lines, and kg.ingest.align places
their cells by what they look like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.ingest.align import align_row
from kg.ingest.cells import looks_like_unit, seq_value
from kg.ingest.fields import parse_departments, parse_officials
from kg.ingest.header import CN_HEADING_RE, find_header, is_repeated_header, is_subheader, merge_subheader
from kg.text import CN_NUMERAL_CHARS, collapse_spaces, normalize_name

if TYPE_CHECKING:
    from kg.ingest.parse import ParsedItem

_EXPLICIT_RUN = 3
_COUNT_SUFFIX_RE = re.compile(r"\s*[（(]\s*[\d" + CN_NUMERAL_CHARS + r"]+\s*(?:项|件|个)\s*[）)]\s*$")
# 合计/小计 rows sum the items; 注/说明 rows annotate the table; neither is an item.
_TOTAL_OR_NOTE_RE = re.compile(r"^\s*(?:合\s*计|总\s*计|小\s*计|共\s*计|注\s*[:：]|说明\s*[:：]|备注\s*[:：])")
_CARRY_ROLES = ("category", "officials", "lead", "supporting", "departments", "deadline")
_UNIT_ROLES = ("lead", "supporting", "departments")
_LEAD_MARK_RE = re.compile(r"\s*[（(]\s*(?:牵头|主责|牵头单位)\s*[）)]")
_LEAD_PHRASE_RE = re.compile(r"^(.+?)(?:牵头|负责)[，,；;、\s]*(.*?)(?:配合|协助|参与|协同)?[。；;]?$")


@dataclass
class GridItems:
    """Items read from one grid, the lines above its header, and the layout recognised."""

    items: list[ParsedItem]
    title_lines: list[str] = field(default_factory=list)
    layout: str = "table"


def _clean(cell: str | None) -> str:
    return (cell or "").replace("\r", "").strip()


def _category_of(row: list[str], has_seq_cell: bool) -> str | None:
    filled = [c for c in row if c]
    values = set(filled)
    if len(values) != 1 or has_seq_cell:
        return None
    lone = next(iter(values))
    m = CN_HEADING_RE.match(lone)
    if m or _COUNT_SUFFIX_RE.search(lone) or len(filled) > 1 or (len(lone) <= 10 and not re.search(r"[\d。，]", lone)):
        return _COUNT_SUFFIX_RE.sub("", m.group(1) if m else lone).strip().rstrip("：:")
    return None


def unit_pairs(cell: str, role: str) -> list[tuple[str, str]]:
    """(name, role) pairs of a unit cell; "X牵头，Y配合" sets roles inside the cell."""
    text = cell.strip()
    if _LEAD_MARK_RE.search(text):
        # "区教育局（牵头）、区财政局": the marked units lead, the others support.
        pairs = []
        for name, _ in _split_units(_LEAD_MARK_RE.sub("#lead#", text), role):
            lead = name.endswith("#lead#")
            pairs.append((name.replace("#lead#", ""), "lead" if lead else "supporting"))
        return [(n, r) for n, r in pairs if n]
    m = _LEAD_PHRASE_RE.match(normalize_name(text).replace("\n", ""))
    if m and ("牵头" in text or "负责" in text) and m.group(1):
        pairs = _split_units(m.group(1), "lead")
        if m.group(2):
            pairs += _split_units(m.group(2), "supporting")
        return pairs
    return _split_units(text, role)


def _split_units(text: str, role: str) -> list[tuple[str, str]]:
    # Units printed with spaces between them ("财政局 发改委 各区镇") are one name each;
    # a padded single name ("区 民政局") is not split because its parts are not units.
    pieces = [text]
    tokens = text.split()
    if len(tokens) > 1 and all(looks_like_unit(t) for t in tokens):
        pieces = tokens
    pairs: list[tuple[str, str]] = []
    for piece in pieces:
        for name, r in parse_departments(piece, role):
            if name and name not in {n for n, _ in pairs}:
                pairs.append((name, r))
    return pairs


def _join_single_chars(tokens: list[str]) -> list[str]:
    """"周 平" split on spaces gives 周, 平: one-character pieces are a padded name."""
    out: list[str] = []
    for t in tokens:
        if out and len(t) == 1 and (len(out[-1]) == 1 or out[-1].endswith("\0")):
            out[-1] = out[-1].rstrip("\0") + t + "\0"
        else:
            out.append(t)
    return [t.rstrip("\0") for t in out]


def _row_cells(subrow: dict[int, str], roles: list[str | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col in sorted(subrow):
        out.setdefault(roles[col] or "", []).append(subrow[col])
    return out


def items_from_grid(grid: list[list[str]], layout: str = "table", *, multiline: bool = False) -> GridItems | None:
    """Items of a table grid, or None when the grid is not a list of items."""
    grid = [[_clean(c) for c in row] for row in grid]
    found = find_header(grid)
    if found is None:
        return None
    h, roles = found
    header = grid[h]
    title_lines = list(dict.fromkeys(c for row in grid[:h] for c in row if c))
    body = grid[h + 1:]
    if body and is_subheader(body[0], header):
        header, roles = merge_subheader(header, roles, body[0])
        body = body[1:]
    roles = _settle_roles(roles)
    k = len(roles)
    aligned, categories = _align_rows(body, header, roles, multiline=multiline, merged=False)
    if not _explicit_columns(aligned, k) and any(len([c for c in r if c]) < k for r in body):
        # The table writes merged cells once: read its short rows again with that known.
        aligned, categories = _align_rows(body, header, roles, multiline=multiline, merged=True)
    items = _build_items(aligned, categories, roles)
    if not items:
        return None
    return GridItems(items=items, title_lines=title_lines, layout=layout)


def items_from_grids(grids: list[list[list[str]]], layout: str = "table") -> list[GridItems]:
    """Items of a document's real tables, a table split over pages read as one.

    A PDF (or a Word document with page-sized tables) cuts one table into several grids:
    a grid without a header of its own, as wide as the table before it, or one that
    repeats that table's header, continues it, and a row cut at the page break joins the
    item above it.
    """
    groups: list[list[list[str]]] = []
    last_header: list[str] | None = None
    for grid in grids:
        rows = [[_clean(c) for c in row] for row in grid]
        found = find_header(rows)
        width = max((len(r) for r in rows), default=0)
        if last_header is not None and groups and (
                (found is None and abs(width - len(last_header)) <= 1)
                or (found is not None and [c for c in rows[found[0]] if c] == [c for c in last_header if c])):
            groups[-1].extend(rows[found[0] + 1:] if found is not None else rows)
            continue
        groups.append(rows)
        last_header = rows[found[0]] if found is not None else None
    return [got for g in groups if (got := items_from_grid(g, layout)) is not None]


def _align_rows(body: list[list[str]], header: list[str], roles: list[str | None], *, multiline: bool,
                merged: bool) -> tuple[list[list[dict[int, str]]], list[str | None]]:
    k = len(roles)
    aligned: list[list[dict[int, str]]] = []
    categories: list[str | None] = []
    seq_col = roles.index("seq") if "seq" in roles else None
    for row in body:
        while row and not row[-1]:
            row = row[:-1]
        first = next((c for c in row if c), "")
        if not first or is_repeated_header(row, header) or _TOTAL_OR_NOTE_RE.match(first):
            continue
        has_seq = seq_col is not None and seq_col < len(row) and seq_value(row[seq_col]) is not None
        cat = _category_of(row, has_seq)
        if cat is not None:
            aligned.append([])
            categories.append(cat)
            continue
        # A row that writes its empty cells (or fills every column) keeps its positions;
        # a short row without gaps lost cells and is aligned by what its cells look like.
        if not multiline and (len(row) == k or (len(row) < k and "" in row)):
            subrows = [{i: c for i, c in enumerate(row) if c}]
        else:
            subrows = align_row(row, roles, multiline=multiline, merged=merged)
        aligned.append(subrows)
        categories.append(None)
    return aligned, categories


def _settle_roles(roles: list[str | None]) -> list[str | None]:
    roles = list(roles)
    # 责任单位 beside 协同/配合单位 is the lead column (D05's 责任单位 versus 协同单位).
    if "supporting" in roles and "lead" not in roles:
        roles = ["lead" if r == "departments" else r for r in roles]
    return roles


def _explicit_columns(aligned: list[list[dict[int, str]]], k: int) -> set[int]:
    """Columns in which a missing cell means empty rather than "same as the merged cell above".

    A table that writes one value in three consecutive rows of a column writes every
    cell (a table with merged cells would have merged those three), so its missing cells
    are empty (D05's dropped 分管领导). Otherwise a missing cell continues a merged
    cell (D10's 牵头单位, html rowspans). Runs of two happen in merged tables too
    (two groups led by one unit), so they decide nothing.
    """
    firsts = [rows[0] for rows in aligned if rows]
    for col in range(k):
        run = 1
        for a, b in zip(firsts, firsts[1:], strict=False):
            run = run + 1 if col in a and col in b and a[col] == b[col] else 1
            if run >= _EXPLICIT_RUN:
                return set(range(k))
    return set()


def _build_items(aligned: list[list[dict[int, str]]], categories: list[str | None],
                 roles: list[str | None]) -> list[ParsedItem]:
    # Imported here: kg.ingest.parse imports this module (ParsedItem lives there).
    from kg.ingest.parse import ParsedItem, make_title

    k = len(roles)
    explicit = _explicit_columns(aligned, k)
    carry: dict[int, str] = {}
    items: list[ParsedItem] = []
    category: str | None = None
    has_seq_col = "seq" in roles
    for subrows, cat in zip(aligned, categories, strict=True):
        if cat is not None:
            category, carry = cat, {}
            continue
        for n, sub in enumerate(subrows):
            sub = dict(sub)
            cells = _row_cells(sub, roles)
            seq = next((seq_value(c) for c in cells.get("seq", []) if seq_value(c) is not None), None)
            heading = [c for c in cells.get("title", []) + cells.get("category", []) if CN_HEADING_RE.match(c)]
            for c in heading:
                category = _COUNT_SUFFIX_RE.sub("", CN_HEADING_RE.match(c).group(1)).strip()  # type: ignore[union-attr]
            # A 序号 merged over sub-rows is repeated in each of them by docx/xlsx readers.
            same_seq = seq is not None and bool(items) and items[-1].seq == seq
            starts_item = n == 0 and not same_seq and (seq is not None or not has_seq_col or not items)
            if starts_item:
                for col in range(k):
                    if roles[col] in _CARRY_ROLES:
                        if col in sub:
                            carry[col] = sub[col]
                        elif col not in explicit and col in carry:
                            sub[col] = carry[col]
                cells = _row_cells(sub, roles)
            texts = [c for c in cells.get("title", []) + cells.get("text", []) if c not in heading]
            if starts_item:
                if not texts:
                    continue
                item = ParsedItem(seq=seq if seq is not None else len(items) + 1, text="", category=category)
                items.append(item)
                titles = [c for c in cells.get("title", []) if c not in heading]
                item.title = collapse_spaces(titles[0]) if titles and cells.get("text") else ""
                cat_cells = [c for c in cells.get("category", []) if c not in heading]
                if cat_cells:
                    item.category = collapse_spaces(cat_cells[0])
            elif items:
                item = items[-1]
            else:
                continue
            _add_fields(item, texts, cells)
    for item in items:
        item.text = collapse_spaces(item.text)
        item.title = item.title or make_title(item.text)
        leads = [d for d in item.departments if d in item.lead_departments]
        item.departments = leads + [d for d in item.departments if d not in leads]
    return items


def _add_fields(item: ParsedItem, texts: list[str], cells: dict[str, list[str]]) -> None:
    body = "；".join(collapse_spaces(t.replace("\n", "")) for t in texts if t)
    if body:
        item.text = f"{item.text}；{body}" if item.text else body
    pairs: list[tuple[str, str]] = []
    for cell in cells.get("officials", []):
        # A "牵头领导及单位" column names units beside the leaders: they lead.
        tokens = _join_single_chars([t for t in re.split(r"[、，,；;\s]+", cell) if t])
        units = [t for t in tokens if looks_like_unit(t)]
        if units and len(units) < len(tokens):
            pairs += [(normalize_name(u), "lead") for u in units]
            cell = "、".join(t for t in tokens if t not in units)
        item.officials.extend(n for n in parse_officials(cell) if n not in item.officials)
    for role in _UNIT_ROLES:
        for cell in cells.get(role, []):
            pairs += unit_pairs(cell, {"departments": "responsible"}.get(role, role))
    for name, role in sorted(pairs, key=lambda p: p[1] != "lead"):
        if role == "lead" and name not in item.lead_departments:
            item.lead_departments.append(name)
        if role == "supporting" and name not in item.supporting_departments:
            item.supporting_departments.append(name)
        if name not in item.departments:
            item.departments.append(name)
    for role, attr in (("progress", "progress"), ("deadline", "deadline")):
        vals = [collapse_spaces(v) for v in cells.get(role, []) if v]
        if vals:
            old = getattr(item, attr)
            setattr(item, attr, "；".join([old, *vals]) if old else "；".join(vals))
