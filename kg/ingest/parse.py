"""Recognise the layouts of 民生实事 lists and cut them into items.

Layouts handled:
(a) a table exported as text: 序号/民生实事内容/牵头领导/责任单位 cells, one per tab-led
    line, a cell continuing on following lines (seed 000);
(b) items numbered with Chinese numerals ("一、" … "二十、"), each ending with its
    departments in full-width parentheses (seed 003);
(c) category headings ("一、教育服务（3项）") with items numbered "1．", "1.", "1、" or
    "（1）" under them, followed by "牵头区领导：/责任单位：/牵头单位：/配合单位：" lines;
plus real tables (docx, xlsx, csv, html) whose rows `kg.ingest.read` has keyed by column role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.errors import InputError
from kg.ingest.fields import column_role
from kg.ingest.read import RawDocument
from kg.text import CN_NUMERAL_CHARS, chinese_to_int, collapse_spaces, normalize_name
from kg.vocab.departments import looks_like_department, split_departments

_CN = "一二三四五六七八九十百零〇两"
_HEADING_RE = re.compile(rf"^([{_CN}]+)\s*[、.．]\s*(.+)$")
_ITEM_AR_RE = re.compile(r"^(\d{1,3})\s*[．.、]\s*(?!\d)(.+)$")
_ITEM_PAREN_RE = re.compile(rf"^[（(]\s*(\d{{1,3}}|[{_CN}]+)\s*[）)]\s*(.+)$")
_COUNT_SUFFIX_RE = re.compile(r"\s*[（(]\s*[\d" + CN_NUMERAL_CHARS + r"]+\s*(?:项|件)\s*[）)]\s*$")
_META_KEYS = {
    "officials": ("牵头区领导", "牵头县领导", "牵头市领导", "牵头领导", "责任领导", "分管区领导", "区级领导", "分管领导"),
    "lead_departments": ("牵头单位", "牵头部门", "主责单位"),
    "cooperating": ("配合单位", "协办单位", "配合部门"),
    "departments": ("责任单位", "责任部门", "承办单位", "实施单位"),
}
_META_RE = re.compile(
    r"^(" + "|".join(k for keys in _META_KEYS.values() for k in keys) + r")\s*[:：]\s*(.*)$"
)
_TRAILING_PAREN_RE = re.compile(r"[（(]([^（）()]+)[）)]\s*[。.；;]?\s*$")
_SENTENCE_END_RE = re.compile(r"[。；;）)]\s*$")
_MD_PREFIX_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*+>]\s+)")
_NAME_SPLIT_RE = re.compile(r"[、，,；;/\n]+")


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
    # A job title in parentheses ("张源（副区长）") is not part of the name.
    cell = re.sub(r"[（(][^（）()]*[）)]", "", cell)
    names = [normalize_name(p) for p in _NAME_SPLIT_RE.split(cell)]
    return list(dict.fromkeys(n for n in names if n))


def make_title(text: str) -> str:
    """The item's leading clause: its first sentence when short, else its first clause."""
    first = re.split(r"[。！？]", text, maxsplit=1)[0].strip()
    if first and len(first) <= 40 and len(first) < len(text.rstrip("。")):
        return first
    clause = re.split(r"[，；。：,;]", text, maxsplit=1)[0].strip()
    return clause if len(clause) <= 60 else clause[:60] + "…"


def _apply_meta(item: ParsedItem, key: str, value: str) -> None:
    role = next(r for r, keys in _META_KEYS.items() if key in keys)
    if role == "officials":
        item.officials.extend(n for n in split_officials(value) if n not in item.officials)
        return
    names = split_departments(value)
    if role == "lead_departments":
        item.lead_departments.extend(names)
    item.departments.extend(n for n in names if n not in item.departments)


def _strip_trailing_departments(item: ParsedItem) -> None:
    m = _TRAILING_PAREN_RE.search(item.text)
    if not m:
        return
    inner = m.group(1)
    parts = [p for p in re.split(r"[；;]", inner) if p.strip()]
    metas = [_META_RE.match(p.strip()) for p in parts]
    if all(metas):
        for meta in metas:
            assert meta is not None
            _apply_meta(item, meta.group(1), meta.group(2))
    else:
        names = split_departments(inner)
        if not names or not all(looks_like_department(n) for n in names):
            return
        item.departments.extend(n for n in names if n not in item.departments)
    item.text = item.text[: m.start()].rstrip() or item.text


def _parse_table_text(lines: list[str]) -> tuple[str | None, list[dict[str, str]]] | None:
    """Layout (a): cells start on tab-led lines, continue on lines without a tab.

    Lines above the 序号 header cell are the list's title, not cells.
    """
    stripped = [ln.strip() for ln in lines]
    start = next((i for i, ln in enumerate(stripped[:20]) if ln == "序号"), None)
    if start is None or not any(column_role(h) == "text" for h in stripped[start:start + 8]):
        return None
    titles = [ln for ln in stripped[:start] if ln]
    rows: list[list[str]] = []
    cells: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            if cells:
                rows.append(cells)
                cells = []
        elif re.match(r"^\s*\t", line):
            cells.append(line.strip())
        elif cells:
            cells[-1] += "\n" + line.strip()
        else:
            cells.append(line.strip())
    if cells:
        rows.append(cells)
    header = rows[0]
    roles = [column_role(h) for h in header]
    if len(rows) == 1:  # no blank lines between rows: fall back to fixed-width chunks
        flat = header[len(roles):]
        rows = [header] + [flat[i: i + len(roles)] for i in range(0, len(flat), len(roles))]
    title = next((t for t in titles if "民生" in t or "实事" in t), titles[0] if titles else None)
    return title, [
        {role: cell for role, cell in zip(roles, row, strict=False) if role and cell}
        for row in rows[1:]
    ]


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
        item.officials = split_officials(row.get("officials", ""))
        item.lead_departments = split_departments(row.get("lead", ""))
        item.supporting_departments = split_departments(row.get("supporting", ""))
        for key in ("lead", "departments", "supporting"):
            item.departments.extend(n for n in split_departments(row.get(key, "")) if n not in item.departments)
        if not item.departments:
            _strip_trailing_departments(item)
        items.append(item)
    return items


def _parse_lines(lines: list[str]) -> tuple[str | None, str, list[ParsedItem]]:
    """Layouts (b) and (c): numbered items, optional headings and meta lines."""
    clean = [_MD_PREFIX_RE.sub("", ln).strip() for ln in lines]
    clean = [ln.replace("**", "") for ln in clean if ln]
    has_arabic = any(_ITEM_AR_RE.match(ln) or _ITEM_PAREN_RE.match(ln) for ln in clean)
    # "一、" lines are category headings only when they read like one ("（3项）", or a phrase
    # not ending a sentence); "一、…。（区人社局）" items with "1." sub-points are layout (b).
    cn_lines = [ln for ln in clean if _HEADING_RE.match(ln)]
    grouped = has_arabic and all(
        _COUNT_SUFFIX_RE.search(ln) or (len(ln) <= 40 and not _SENTENCE_END_RE.search(ln)) for ln in cn_lines)
    items: list[ParsedItem] = []
    titles: list[str] = []
    category: str | None = None
    current: ParsedItem | None = None
    for line in clean:
        meta = _META_RE.match(line)
        if meta and current is not None:
            _apply_meta(current, meta.group(1), meta.group(2))
            continue
        heading = _HEADING_RE.match(line)
        if heading and grouped:
            category = _COUNT_SUFFIX_RE.sub("", heading.group(2)).strip().rstrip("：:")
            current = None
            continue
        item_m = heading if not grouped else (_ITEM_AR_RE.match(line) or _ITEM_PAREN_RE.match(line))
        if item_m:
            current = ParsedItem(seq=chinese_to_int(item_m.group(1)), text=item_m.group(2).strip(), category=category)
            items.append(current)
        elif current is not None:
            current.text += line  # a wrapped line or a "1." sub-point of a layout (b) item
        elif not items:
            titles.append(line)
    for item in items:
        _strip_trailing_departments(item)
        item.text = collapse_spaces(item.text)
        item.title = make_title(item.text)
    # Numbering restarts under each heading in layout (c); ids need one sequence per list.
    numbers = [it.seq for it in items]
    if numbers != sorted(set(numbers)):
        for i, item in enumerate(items, 1):
            item.seq = i
    layout = "grouped" if grouped else "numbered"
    title = next((t for t in titles if "民生" in t or "实事" in t), titles[0] if titles else None)
    return title, layout, items


def parse_document(raw: RawDocument) -> ParsedDocument:
    """Cut a read document into items; raise InputError when none are recognisable."""
    try:  # [tables helper wiring, issue 8] real and text-saved tables first
        from kg.ingest.tables import document_tables
    except ImportError:
        document_tables = None  # type: ignore[assignment]
    recovered = document_tables(raw) if document_tables else None
    if recovered is not None:
        parsed = ParsedDocument(title=recovered[0], layout=recovered[1], items=recovered[2])
    elif raw.kind == "table":
        items = parse_rows(raw.rows, "table")
        title = next((t for t in raw.title_lines if "民生" in t or "实事" in t), None)
        parsed = ParsedDocument(title=title, layout="table", items=items)
    else:
        table_text = _parse_table_text(raw.lines)
        if table_text is not None:
            title, rows = table_text
            parsed = ParsedDocument(title=title, layout="table-text", items=parse_rows(rows, "table-text"))
        else:
            title, layout, items = _parse_lines(raw.lines)
            title = title or next((t for t in raw.title_lines if "民生" in t or "实事" in t), None)
            parsed = ParsedDocument(title=title, layout=layout, items=items)
    if not parsed.items:
        raise InputError(f"{raw.path}: no recognisable 民生实事 items; expected numbered items or a 序号/内容 table")
    seqs = [it.seq for it in parsed.items]
    if len(set(seqs)) != len(seqs):
        for i, item in enumerate(parsed.items, 1):
            item.seq = i
    return parsed
