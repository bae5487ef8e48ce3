"""Find tables saved as text among a document's lines and turn them into cell grids.

Kinds recognised (each a way a real table survives being saved as text):
- pipe: `序号 | 实事项目 | … |` rows, ragged trailing pipes, `---` separator rows;
- tab: spreadsheet exports, cells separated by tabs, quoted cells holding line breaks;
- cells: one cell per line, with or without blank lines between cells, `cell |` per line,
  or tab-led cell lines whose continuation lines have no tab; rows start at a 序号 cell;
- space: a header line and row lines whose cells are separated by runs of spaces;
- runon: a table flattened to one stream of text (kg.ingest.runon).
Grids go to kg.ingest.rows.items_from_grid, which learns the columns from the header.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.ingest.cells import header_role, seq_value
from kg.text import normalize_name

if TYPE_CHECKING:
    from kg.ingest.parse import ParsedItem
    from kg.ingest.read import RawDocument

_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$|^[\s|:-]+$")
_RULES = str.maketrans({"｜": "|", "│": "|", "┃": "|", "║": "|"} | {c: "-" for c in "─━═┌┐└┘├┤┬┴┼┏┓┗┛┣┫┳┻╋╔╗╚╝╠╣╦╩╬"})
_RULE_CHARS_RE = re.compile("[｜│┃║─━═┌┐└┘├┤┬┴┼┏┓┗┛┣┫┳┻╋╔╗╚╝╠╣╦╩╬]")
_BR_RE = re.compile(r"<br\s*/?>", re.I)  # markdown cells break lines with <br>
_CELL_PIPE_RE = re.compile(r"^([^|]+?)\s*\|\s*$")
_INNER_TAB_RE = re.compile(r"\S[ ]*\t")  # a tab after a cell, not one leading a line
# Lines that close a page's article: sharing, printing, navigation, footers.
_END_RE = re.compile(r"^\s*[【\[]?\s*(分享到|打印本页|关闭窗口|扫一扫|上一篇|下一篇|责任编辑|相关链接|主办单位|网站标识码"
                     r"|注\s*[:：]|备注\s*[:：]|说明\s*[:：]|附件\s*[:：\d]|抄送\s*[:：]|\d{4}年\d{1,2}月\d{1,2}日\s*$)")
# A signature just above the closing date: the issuing office, not a unit of the last row.
_SIGNATURE_RE = re.compile(r"(人民政府|办公室|委员会|办事处)$")
_MAX_HEADER_CELL = 24
_MAX_HEADER_CELLS = 20  # also bounds the scan from each line, keeping the search linear
_CN_NUMERAL_RE = re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]?$")
_CATEGORY_RE = re.compile(r"^[一二三四五六七八九十]{1,3}\s*[、.．]\s*\S+$|^\S{2,16}[（(]\s*[\d一二三四五六七八九十]+\s*[项件个]\s*[）)]$")
_MAX_SEQ_STEP = 30
_BRIDGE_LINES = 4
_MAX_TITLE = 60
_TITLE_RE = re.compile(r"民生|实事|项目|清单|计划|任务|分工|分解|进展|完成情况|一览表|统计表")
_MAX_BRIDGE = 60  # a plain line longer than this between pipe rows is prose, not part of the table


@dataclass
class TextTable:
    """A table found in lines[start:end]; grid rows are lists of cell text, header included."""

    start: int
    end: int
    grid: list[list[str]]
    kind: str  # pipe | tab | cells | space | runon
    multiline: bool = False  # a row's cells may span lines (cells, runon): align, don't index

    @property
    def layout(self) -> str:
        # One cell per line is the seed's layout, stored as "table-text" since schema 1.
        return "table-text" if self.kind == "cells" else f"table-{self.kind}"


def document_tables(raw: RawDocument) -> tuple[str | None, str, list[ParsedItem]] | None:
    """(title, layout, items) of every item table in a document (real grids, then text), or None."""
    from kg.ingest.rows import items_from_grid, items_from_grids

    texts = find_text_tables(raw.lines)
    results = items_from_grids(raw.grids)
    results += [r for t in texts if (r := items_from_grid(t.grid, t.layout, multiline=t.multiline))]
    items = [it for r in results for it in r.items]
    if not items:
        return None
    above = [ln.strip() for ln in raw.lines[: texts[0].start if texts else 0] if ln.strip()]
    titles = [t for r in results for t in r.title_lines] + above + raw.title_lines
    title = next((t for t in titles if "民生" in t or "实事" in t), None)
    return title, results[0].layout, items


def _pipe_cells(line: str) -> list[str]:
    parts = [_BR_RE.sub("\n", p).strip() for p in line.strip().split("|")]
    if parts and parts[0] == "" and line.strip().startswith("|"):
        parts = parts[1:]
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _is_pipe_row(line: str) -> bool:
    # "一、教育类 | | | |": a category row written across the table has one filled cell.
    return line.count("|") >= 1 and len(_pipe_cells(line)) >= 2 or line.count("|") >= 2 and bool(line.strip("| \t")) \
        or bool(_SEPARATOR_RE.match(line) and "|" in line)


def find_text_tables(lines: list[str]) -> list[TextTable]:
    """Every text-saved table in the lines, in document order, not overlapping."""
    from kg.ingest.runon import find_runon_tables

    # Full-width and box-drawing rules (｜ │ ┃, ┌─┬─┐ lines) are pipes and separator rows too.
    lines = [ln.translate(_RULES) if _RULE_CHARS_RE.search(ln) else ln for ln in lines]

    tables = find_runon_tables(lines)
    used = [False] * len(lines)
    for t in tables:
        for i in range(t.start, t.end):
            used[i] = True
    tables += _pipe_tables(lines, used)
    tables += _tab_tables(lines, used)
    tables += _cell_tables(lines, used)
    tables += _space_tables(lines, used)
    for t in tables:
        _add_title(t, lines, used)
    return sorted(tables, key=lambda t: t.start)


def _add_title(table: TextTable, lines: list[str], used: list[bool]) -> None:
    """The list's title just above a table becomes a title row of its grid (rows.title_lines)."""
    if table.kind == "runon" or table.grid and len(table.grid[0]) == 1:
        return
    for k in range(table.start - 1, max(-1, table.start - 4), -1):
        line = lines[k].strip()
        if used[k] or not line:
            continue
        if len(line) <= _MAX_TITLE and _TITLE_RE.search(line) and not line.endswith(("。", "：", ":")):
            table.grid.insert(0, [line])
        return


def _mark(used: list[bool], start: int, end: int) -> None:
    for i in range(start, end):
        used[i] = True


def _pipe_tables(lines: list[str], used: list[bool]) -> list[TextTable]:
    out: list[TextTable] = []
    i = 0
    while i < len(lines):
        if used[i] or not _is_pipe_row(lines[i]):
            i += 1
            continue
        j = i
        rows: list[list[str]] = []
        has_header = False
        while j < len(lines) and not used[j]:
            line = lines[j]
            if _is_pipe_row(line):
                if not _SEPARATOR_RE.match(line):
                    rows.append(_pipe_cells(line))
                    has_header = has_header or _names_columns(rows[-1])
                j += 1
                continue
            # Below a header, a plain line between pipe rows (a category heading, a wrapped
            # cell) or a blank line does not end the table.
            if not has_header or not _resumes(lines, used, j, _is_pipe_row):
                break
            if _SEPARATOR_RE.match(line) and line.strip():  # a rule line (┌──┬──┐ / ├──┼──┤)
                j += 1
                continue
            if line.strip():
                rows.append([line.strip()])
            j += 1
        if len(rows) >= 2:
            out.append(TextTable(i, j, rows, "pipe"))
            _mark(used, i, j)
        i = j
    return out


def _resumes(lines: list[str], used: list[bool], j: int, is_row: Callable[[str], bool]) -> bool:
    """Lines j.. are short plain lines (category headings, blanks) followed by a table row."""
    for k in range(j, min(len(lines), j + _BRIDGE_LINES)):
        if used[k]:
            return False
        if k > j and is_row(lines[k]):
            return True
        if len(lines[k].strip()) > _MAX_BRIDGE or (k == j and is_row(lines[k])):
            return False
    return False


def _names_columns(row: list[str]) -> bool:
    roles = {header_role(c.strip()) for c in row if len(c.strip()) <= _MAX_HEADER_CELL} - {None}
    return bool(roles & {"text", "title"}) and bool(roles & {"seq", "officials", "lead", "supporting", "departments"})


def _tab_tables(lines: list[str], used: list[bool]) -> list[TextTable]:
    out: list[TextTable] = []
    i = 0
    while i < len(lines):
        if used[i] or not _INNER_TAB_RE.search(lines[i].strip("\n")) or not lines[i].strip():
            i += 1
            continue
        j, quotes, has_header = i, 0, False
        while j < len(lines) and not used[j]:
            line = lines[j]
            # Below a header, category lines and blank lines between tab rows stay inside.
            if not (quotes % 2 or _INNER_TAB_RE.search(line)) and (
                    not has_header or not _resumes(lines, used, j, lambda ln: bool(_INNER_TAB_RE.search(ln)))):
                break
            has_header = has_header or (not quotes % 2 and _names_columns(line.strip().split("\t")))
            quotes += line.count('"')
            j += 1
        block = "\n".join(lines[i:j])
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(block), delimiter="\t")]
        if len(rows) >= 2:
            out.append(TextTable(i, j, rows, "tab"))
            _mark(used, i, j)
        i = max(j, i + 1)
    return out


def _cell_line(line: str) -> str:
    m = _CELL_PIPE_RE.match(line)
    return (m.group(1) if m else line).strip().strip("|").strip()  # a lone "|" is an empty cell


def _cell_tables(lines: list[str], used: list[bool]) -> list[TextTable]:
    out: list[TextTable] = []
    i = 0
    while i < len(lines):
        found = None if used[i] else _cell_header(lines, used, i)
        if found is None:
            i += 1
            continue
        header, first = found
        tab_led = lines[first].lstrip(" ").startswith("\t")
        cells: list[str] = []
        j = first
        while j < len(lines) and not used[j] and not _END_RE.match(lines[j]):
            line = lines[j]
            if not line.strip():
                j += 1
                continue
            if tab_led and not line.lstrip(" ").startswith("\t") and cells:
                cells[-1] += "\n" + line.strip()  # a cell continuing on the next line
            else:
                cells.append(_cell_line(line))
            j += 1
        if j < len(lines) and re.match(r"^\s*\d{4}年", lines[j]) and cells and _SIGNATURE_RE.search(cells[-1]):
            cells.pop()
        rows = _rows_at_seq(cells, header)
        if rows:
            out.append(TextTable(i, j, [header, *rows], "cells", multiline=True))
            _mark(used, i, j)
        i = max(j, i + 1)
    return out


def _split_header_line(line: str) -> tuple[list[str], str] | None:
    """Header cells written on one line separated by spaces, and the separator pattern used."""
    text = line.strip().rstrip("|").strip()
    # Every separator below is whitespace, so a line whose single-space tokens are too few or
    # too long fails both (most lines are prose): one split decides.
    words = text.split()
    if len(words) < 3 or any(len(t) > 12 for t in words):
        return None
    for sep in (r"\t+|\s{2,}|\u3000+", r"\s+"):
        tokens = [t for t in re.split(sep, text) if t]
        if len(tokens) < 3 or any(len(t) > 12 for t in tokens):
            continue
        roles = [header_role(t) for t in tokens]
        named = set(roles) - {None}
        if named & {"text", "title"} and named & {"seq", "officials", "lead", "supporting", "departments"} \
                and sum(1 for r in roles if r) * 5 >= len(tokens) * 3:
            return tokens, sep
    return None


def _next_filled(lines: list[str], j: int, window: int = 5) -> int | None:
    """The next non-blank line within a few lines (tables do not hold long blank runs)."""
    return next((k for k in range(j, min(len(lines), j + window)) if lines[k].strip()), None)


def _space_tables(lines: list[str], used: list[bool]) -> list[TextTable]:
    """A header on one line with its cells separated by spaces, rows the same way."""
    out: list[TextTable] = []
    i = 0
    while i < len(lines):
        found = None if used[i] or _INNER_TAB_RE.search(lines[i]) else _split_header_line(lines[i])
        nxt = _next_filled(lines, i + 1) if found else None
        if found is None or nxt is None or seq_value(_cell_line(lines[nxt])) is not None:
            i += 1
            continue
        header, sep = found
        rows: list[list[str]] = []
        j = i + 1
        while j < len(lines) and not used[j] and not _END_RE.match(lines[j]):
            line = lines[j].strip()
            if not line:
                after = _next_filled(lines, j + 1)
                if after is None or not re.match(r"^\d{1,3}\s", lines[after].strip()):
                    break
            else:
                rows.append([t for t in re.split(sep, line) if t])
            j += 1
        if rows and any(seq_value(r[0]) is not None for r in rows):
            out.append(TextTable(i, j, [header, *rows], "space", multiline=True))
            _mark(used, i, j)
            i = j
        else:
            i += 1
    return out


def _cell_header(lines: list[str], used: list[bool], i: int) -> tuple[list[str], int] | None:
    """Header cells written one per line from line i, and the index of the first data line."""
    one_line = _split_header_line(lines[i]) if not _INNER_TAB_RE.search(lines[i].strip()) else None
    nxt = _next_filled(lines, i + 1) if one_line else None
    if one_line and nxt is not None and seq_value(_cell_line(lines[nxt])) is not None:
        return one_line[0], nxt  # header on one line, cells one per line below it
    first = _cell_line(lines[i])
    # Length first: most lines are prose, too long for a header, and need no header_role.
    if not first or len(normalize_name(first)) > _MAX_HEADER_CELL or header_role(first) is None:
        return None
    header: list[str] = []
    j = i
    while j < len(lines) and not used[j]:
        cell = _cell_line(lines[j])
        if not cell:
            j += 1
            continue
        if seq_value(cell) is not None or len(normalize_name(cell)) > _MAX_HEADER_CELL or "|" in cell \
                or _CATEGORY_RE.match(cell):
            break
        if _INNER_TAB_RE.search(lines[j].strip()) or len(header) >= _MAX_HEADER_CELLS:
            return None
        header.append(cell)
        j += 1
    roles = {header_role(h) for h in header} - {None}
    if len(header) < 3 or len(roles) < 2 or not roles & {"text", "title"} or j >= len(lines):
        return None
    if seq_value(_cell_line(lines[j])) is None and not _CATEGORY_RE.match(_cell_line(lines[j])):
        return None
    return header, j


def _rows_at_seq(cells: list[str], header: list[str]) -> list[list[str]]:
    """Cut a stream of cells into rows at each 序号 cell (numbers rise, gaps allowed)."""
    names = [normalize_name(h) for h in header]
    rows: list[list[str]] = []
    last = 0
    k = 0
    open_row = False  # the last row has only its 序号 so far, or is a category line
    while k < len(cells):
        cell = cells[k]
        # a repeated header (page break) is dropped whole
        if normalize_name(cell) == names[0] and [normalize_name(c) for c in cells[k:k + 2]] == names[:2]:
            k += len(names)
            continue
        n = seq_value(cell) if not _CN_NUMERAL_RE.match(cell) else None
        if n is not None and last < n <= last + _MAX_SEQ_STEP and not (rows and open_row and len(rows[-1]) == 1):
            rows.append([cell])
            last = n
            open_row = True
        elif _CATEGORY_RE.match(cell) and len(cell) <= _MAX_HEADER_CELL + 6 or _CN_NUMERAL_RE.match(cell):
            # "二、城市建设类（4项）" or "二" then "城市建设类": a category row of its own
            rows.append([cell])
            open_row = False
        elif rows and (open_row or _CN_NUMERAL_RE.match(rows[-1][0]) and len(rows[-1]) == 1):
            rows[-1].append(cell)
        k += 1
    return rows
