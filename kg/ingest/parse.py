"""Orchestrate parsing: normalise, recover tables, segment the rest, read fields.

`parse_document(raw)` runs the stages of the ingest pipeline on one read document:
normalise (script, chrome) -> real tables (raw.grids) and tables saved as text
(`kg.ingest.tables` / `kg.ingest.rows`) -> segment the remaining running
text (`kg.ingest.segment`) -> fields (`kg.ingest.fields`). It records which layout it
recognised so the ingest summary can say it. Rows a reader keyed itself (`raw.rows`, csv
files whose grid `kg.ingest.rows` does not read as an item table) still go through `parse_rows`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kg.errors import InputError, TooLargeError
from kg.ingest.fields import (
    Fields,
    extract_fields,
    field_line,
    parse_departments,
    parse_officials,
)
from kg.ingest.normalise import NormalisedText, looks_traditional, normalise_lines, to_simplified
from kg.ingest.read import RawDocument
from kg.ingest.segment import Segment, clean_line, is_heading, segment_lines
from kg.text import CN_NUMERAL_CHARS, chinese_to_int, collapse_spaces


def _table_stage() -> tuple[Any, Any]:
    """kg.ingest.tables and kg.ingest.rows, imported at call time: rows builds ParsedItems, so it imports this module."""
    from kg.ingest import rows, tables

    return tables, rows

_CN = "一二三四五六七八九十百零〇两"
_HEADING_RE = re.compile(rf"^([{_CN}]+)\s*[、.．]\s*(.+)$")
_COUNT_SUFFIX_RE = re.compile(r"\s*[（(]\s*[\d" + CN_NUMERAL_CHARS + r"]+\s*(?:项|件)\s*[）)]\s*$")
_LABELLED_RE = re.compile(r"^[\u4e00-\u9fff]{2,8}\s*[:：]")
_LABEL_RE = re.compile(r"^(?:项目名称|实事名称|名称)\s*[:：]\s*(.+)$")
# Items per document before parsing stops: a real list has tens, a city's annual plan a
# few hundred; thousands mean a wrong file or a runaway split.
MAX_ITEMS = 2000


@dataclass
class ParsedItem:
    """One item of a list as the document states it, before enrichment."""

    seq: int
    text: str
    title: str = ""
    category: str | None = None
    officials: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    lead_departments: list[str] = field(default_factory=list)
    supporting_departments: list[str] = field(default_factory=list)
    progress: str | None = None
    deadline: str | None = None
    original_text: str | None = None  # as written, when the document used traditional characters


@dataclass
class ParsedDocument:
    """The items of one document plus what its title says."""

    title: str | None
    layout: str
    items: list[ParsedItem]


def split_officials(cell: str) -> list[str]:
    """Split a 牵头领导 cell into names, whitespace-normalised ("张  源" -> 张源)."""
    return parse_officials(cell)


def make_title(text: str) -> str:
    """The item's leading clause: its first sentence when short, else its first clause."""
    first = re.split(r"[。！？]", text, maxsplit=1)[0].strip()
    if first and len(first) <= 40 and len(first) < len(text.rstrip("。")):
        return first
    clause = re.split(r"[，；。：,;]", text, maxsplit=1)[0].strip()
    return clause if len(clause) <= 60 else clause[:60] + "…"


def apply_fields(item: ParsedItem, found: Fields) -> None:
    """Merge fields read from a cell, clause or line into the item, keeping roles and order."""
    for name in found.officials:
        if name not in item.officials:
            item.officials.append(name)
    for name, role in found.departments:
        _add_department(item, name, role)
    if found.progress:
        item.progress = f"{item.progress}；{found.progress}" if item.progress else found.progress
    if found.deadline and not item.deadline:
        item.deadline = found.deadline


def _add_department(item: ParsedItem, name: str, role: str) -> None:
    if name in item.departments:
        return
    if role == "lead":
        # Leads come first, whatever order the layout states them in.
        n_leads = sum(1 for d in item.departments if d in item.lead_departments)
        item.departments.insert(n_leads, name)
        item.lead_departments.append(name)
    else:
        item.departments.append(name)
        if role == "supporting":
            item.supporting_departments.append(name)


def parse_rows(rows: list[dict[str, str]], layout: str) -> list[ParsedItem]:
    """Items from table rows keyed by column role; lone heading rows set the category."""
    items: list[ParsedItem] = []
    category = None
    for row in rows:
        body = row.get("text") or row.get("title") or ""
        seq_cell = row.get("seq", "").strip()
        filled = {v.strip() for k, v in row.items() if k != "_all" and v.strip()}
        # A category row has one distinct value (alone, or repeated over merged cells) that
        # reads as a heading; a lone long text without 序号 is still an item.
        lone = next(iter(filled)) if len(filled) == 1 else ""
        if lone and not seq_cell.rstrip("、.．").isdigit() and (
                _HEADING_RE.match(lone) or _COUNT_SUFFIX_RE.search(lone) or len(lone) <= 15):
            m = _HEADING_RE.match(lone)
            category = _COUNT_SUFFIX_RE.sub("", m.group(2) if m else lone).strip().rstrip("：:")
            continue
        if not body.strip():
            continue
        try:
            seq = chinese_to_int(seq_cell.rstrip("、.．"))
        except ValueError:
            seq = len(items) + 1
        text = collapse_spaces(body.replace("\n", ""))
        item = ParsedItem(seq=seq, text=text, category=row.get("category") or category)
        item.title = collapse_spaces(row["title"]) if row.get("title") and row.get("text") else make_title(text)
        item.officials = parse_officials(row.get("officials", ""))
        for key in ("lead", "departments", "supporting"):
            for name, role in parse_departments(row.get(key, ""), key if key != "departments" else "responsible"):
                _add_department(item, name, role)
        for key in ("progress", "deadline"):
            if row.get(key, "").strip():
                setattr(item, key, collapse_spaces(row[key]))
        if not item.departments:
            found = extract_fields(item.text)
            item.text = found.text or item.text
            apply_fields(item, found)
        items.append(item)
    return items


def items_from_segments(segs: list[Segment], norm: NormalisedText) -> list[ParsedItem]:
    """ParsedItems from segments: join each item's lines, then read its fields."""
    lines = norm.lines
    items: list[ParsedItem] = []
    for n, seg in enumerate(segs, 1):
        pieces = [seg.head] + [clean_line(lines[i])[0] for i, _ in seg.parts[1:]]
        text = collapse_spaces(_join(pieces))
        found = extract_fields(text)
        item = ParsedItem(seq=seg.seq if seg.seq is not None else n, text=found.text or text, category=seg.category)
        apply_fields(item, found)
        last_role: str | None = None
        for i, _ in seg.fields:
            line = clean_line(lines[i])[0]
            pairs = field_line(line)
            if pairs is None and last_role is not None:  # names under "责任单位：" on their own lines
                extra = Fields(text="")
                extra.add(last_role, line)
                apply_fields(item, extra)
                continue
            if pairs is None:  # "（区城乡交运局）" or "区卫健局牵头，区民政局配合" on its own line
                found = extract_fields("x" + line)
                if not found.departments:
                    found = Fields(text="", departments=parse_departments(line))
                apply_fields(item, found)
                continue
            for role, value in pairs:
                extra = Fields(text="")
                extra.add(role, value)
                apply_fields(item, extra)
            # A key with nothing after it ("责任单位：") takes the names on the next lines.
            last_role = pairs[-1][0] if pairs and not pairs[-1][1] and pairs[-1][0] != "progress" else None
        # An outline item's first line is its name ("第一项　学前教育扩容工程"), the rest its content.
        if seg.title:
            item.title = seg.title
        elif (label := _LABEL_RE.match(seg.head)) and len(pieces) > 1:
            item.title = collapse_spaces(label.group(1))  # "1. 项目名称：新建学校" then its content
        elif len(pieces) > 1 and is_heading(seg.head):
            item.title = collapse_spaces(seg.head)
        else:
            item.title = make_title(item.text)
        if norm.original is not None:
            item.original_text = collapse_spaces("".join(_original_pieces(seg, norm.original, lines)))
        items.append(item)
    return items


def _join(pieces: list[str]) -> str:
    """Wrapped lines join directly; a labelled line ("建设内容：…") after an unfinished one gets a "；"."""
    out = pieces[0]
    for piece in pieces[1:]:
        if _LABELLED_RE.match(piece) and out and out[-1] not in "。；;，,：:！？":
            out += "；"
        out += piece
    return out


def _original_pieces(seg: Segment, original: list[str], lines: list[str]) -> list[str]:
    # t2s maps character for character, so the simplified line's offsets hold in the original.
    first_i, first_c = seg.parts[0]
    head_at = first_c + max(0, len(lines[first_i][first_c:]) - len(lines[first_i][first_c:].lstrip()))
    head = original[first_i][head_at: head_at + len(seg.head)] if seg.marker == "sentence" else original[first_i][head_at:]
    if seg.marker != "sentence":
        cut = len(clean_line(lines[first_i])[0]) - len(seg.head.strip())
        head = clean_line(original[first_i])[0][cut:] if cut >= 0 else head
    return [head] + [clean_line(original[i])[0] for i, _ in seg.parts[1:]]


def _grid_items(grids: list[list[list[str]]], traditional: bool) -> tuple[list[ParsedItem], str | None, list[str]]:
    """Items from real tables (docx/html/xlsx/pdf grids), via kg.ingest.rows."""
    _, _rows = _table_stage()
    items: list[ParsedItem] = []
    layout = None
    titles: list[str] = []
    for grid in grids:
        if traditional:
            grid = [[to_simplified(c or "") for c in row] for row in grid]
        found = _rows.items_from_grid(grid)
        if found is None:
            continue
        items.extend(found.items)
        layout = layout or found.layout
        titles.extend(found.title_lines)
    return items, layout, titles


def _text_table_items(lines: list[str]) -> tuple[list[ParsedItem], str | None, list[str], set[int]]:
    """Items from tables saved as text; the line numbers they cover are returned too."""
    _tables, _rows = _table_stage()
    items: list[ParsedItem] = []
    covered: set[int] = set()
    layout = None
    titles: list[str] = []
    for table in _tables.find_text_tables(lines):
        found = _rows.items_from_grid(table.grid, getattr(table, "layout", "table-text"),
                                      multiline=getattr(table, "multiline", False))
        if found is None:
            continue
        items.extend(found.items)
        covered.update(range(table.start, table.end))
        layout = layout or found.layout
        titles.extend(found.title_lines)
    return items, layout, titles, covered


def _flat(texts: list[str]) -> str:
    return re.sub(r"\s+", "", "\n".join(texts))


def _restore_original(items: list[ParsedItem], norm: NormalisedText, grids: list[list[list[str]]]) -> None:
    """Original-script text for items read from tables: the same span of the text as written.

    t2s maps character for character, so an item's simplified text found in the simplified
    document sits at the same offsets in the original. Items are searched in document order
    from the last hit, so the search stays linear.
    """
    cells = [c or "" for grid in grids for row in grid for c in row]
    original_lines = norm.original if norm.original is not None else norm.lines
    simple = _flat([*norm.lines, *(to_simplified(c) for c in cells)])
    written = _flat([*original_lines, *cells])
    if len(simple) != len(written):
        return
    at = 0
    for item in items:
        if item.original_text:
            continue
        key = re.sub(r"\s+", "", item.text)
        hit = simple.find(key, at) if key else -1
        if hit < 0:
            continue
        item.original_text = written[hit: hit + len(key)]
        at = hit + len(key)


def _pick_title(candidates: list[str]) -> str | None:
    # A title names the list and is short; a lede mentioning 民生实事 is a sentence.
    cands = [c.strip() for c in candidates if c and c.strip()]
    named = [t for t in cands if "民生" in t or "实事" in t]
    return next((t for t in named if len(t) <= 50 and not t.endswith("。")), named[0] if named else
                cands[0] if cands else None)


def parse_document(raw: RawDocument, *, max_items: int = MAX_ITEMS) -> ParsedDocument:
    """Cut a read document into items; raise InputError when none are recognisable."""
    norm = normalise_lines(raw.lines)
    title_lines = [to_simplified(t) for t in raw.title_lines]
    candidates: list[tuple[list[ParsedItem], str, list[str]]] = []
    grid_text = "\n".join(c or "" for grid in raw.grids for row in grid for c in row)
    traditional = norm.traditional or looks_traditional(grid_text)
    items, layout, titles = _grid_items(raw.grids, traditional)
    if items:
        candidates.append((items, layout or "grid", titles))
    elif raw.kind == "table" and raw.rows:  # the reader keyed the rows (legacy path)
        candidates.append((parse_rows(raw.rows, "table"), "table", []))
    items, layout, titles, covered = _text_table_items(norm.lines)
    if items:
        candidates.append((items, layout or "text-table", titles))
    rest = [ln if i not in covered else "" for i, ln in enumerate(norm.lines)]
    seg = segment_lines(rest)
    if seg.segments:
        candidates.append((items_from_segments(seg.segments, norm), seg.layout, seg.title_lines))
    if not candidates or not any(c[0] for c in candidates):
        raise InputError(f"{raw.path}: no recognisable 民生实事 items; expected numbered items, a 序号/内容 table, "
                         "a sentence listing them after 分别是：, or 项目名称：描述 paragraphs")
    # One list per document: the reading that finds most items wins (a stray numbered
    # paragraph beside a table is not the list).
    items, layout, titles = max(candidates, key=lambda c: len(c[0]))
    if traditional:
        _restore_original(items, norm, raw.grids)
    if len(items) > max_items:
        raise TooLargeError(f"{raw.path}: {len(items)} items, more than the limit of {max_items} per document; "
                            "pass --max-items to raise it")
    seqs = [it.seq for it in items]
    if len(set(seqs)) != len(seqs):
        for i, item in enumerate(items, 1):
            item.seq = i
    title = _pick_title(titles) or _pick_title(title_lines) or _pick_title(seg.title_lines)
    return ParsedDocument(title=title, layout=layout, items=items)
