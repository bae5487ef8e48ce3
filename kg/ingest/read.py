"""Read a document file of any supported format into a RawDocument.

Every format (one reader module each under kg/ingest/formats/) ends up as running lines in
reading order, table grids, title lines and page metadata, so the stages after reading do not
care where the text came from. Size limits (kg/ingest/formats/limits.py) apply while reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.ingest.fields import column_role
from kg.ingest.formats import READERS, REFUSED, Reader, limits, reader_for
from kg.ingest.formats.limits import check_bytes
from kg.ingest.formats.text import decode_text

SUPPORTED_SUFFIXES = tuple(READERS)
_SPREADSHEETS = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls")
__all__ = ["RawDocument", "collect_files", "decode_text", "read_bytes", "read_document", "rows_from_table"]

@dataclass
class RawDocument:
    """The text of one file before layout parsing."""

    path: Path
    data: bytes
    lines: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    title_lines: list[str] = field(default_factory=list)
    kind: str = "text"  # text | table
    # Tables as grids of cell text in document order (docx/html/xlsx/csv/pdf), header rows
    # included; `kg.ingest.rows.items_from_grid` finds the header and the items.
    grids: list[list[list[str]]] = field(default_factory=list)
    # For each grid, the index in `lines` where it sits (its text comes before lines[grid_at[i]]).
    grid_at: list[int] = field(default_factory=list)
    # Page metadata found in chrome or a key/value table: 索引号, 发布机构, 成文日期, 文号…
    meta: dict[str, str] = field(default_factory=dict)


def rows_from_table(table: list[list[str]], path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Find the header row of a table and key the rows below it by column role.

    Rows above the header are returned as title lines (spreadsheets often carry the
    list's title in a merged first row).
    """
    best: tuple[int, int, list[str | None]] | None = None
    for i, header in enumerate(table[:10]):
        roles = [column_role(c) for c in header]
        score = len({r for r in roles if r})
        # The header is the row naming most roles; it must name the item's text or title.
        if ("text" in roles or "title" in roles) and (best is None or score > best[0]):
            best = (score, i, roles)
    if best is None:
        raise InputError(f"{path}: expected a header row with 序号/民生实事内容/牵头领导/责任单位 columns")
    _, h, roles = best
    titles = list(dict.fromkeys(c.strip() for row in table[:h] for c in row if c and c.strip()))
    rows = []
    for raw in table[h + 1:]:
        row: dict[str, str] = {}
        for role, cell in zip(roles, raw, strict=False):
            if role and cell and cell.strip():
                row[role] = (row[role] + "\n" + cell) if role in row else cell
        if any(v.strip() for v in raw if v):
            row.setdefault("_all", " ".join(c for c in raw if c))
            rows.append(row)
    return titles, rows


def _legacy_rows(raw: RawDocument) -> None:
    # Today's parser reads item tables as rows keyed by column role (kg.ingest.rows replaces this).
    for grid in raw.grids:
        try:
            titles, rows = rows_from_table(grid, raw.path)
        except InputError:
            continue
        raw.rows.extend(rows)
        raw.kind = "table"
        if not raw.title_lines:
            raw.title_lines = titles


def _reader(path: Path) -> Reader:
    """The reader of a file named explicitly; InputError when its type is refused or unknown."""
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise InputError(f"{path}: {REFUSED[suffix]}")
    reader = reader_for(suffix)
    if reader is None:
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'}; expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    return reader


def read_document(path: Path) -> RawDocument:
    """Read one file; raise InputError (TooLargeError for limits) naming the file for anything unreadable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a file (directories are expanded by collect_files)")
    _reader(path)
    try:
        check_bytes(path, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or type(exc).__name__}); expected a readable document") from None
    return read_bytes(path, data)


def read_bytes(path: Path, data: bytes) -> RawDocument:
    """Read a document from its bytes (an upload); `path` names it and gives its format."""
    path = Path(path)
    check_bytes(path, len(data))
    suffix = path.suffix.lower()
    reader = _reader(path)
    if not data.strip():
        raise InputError(f"{path}: file is empty; expected a 民生实事 list")
    raw = RawDocument(path=path, data=data)
    reader(raw)
    _legacy_rows(raw)
    if suffix in (".docx", ".pdf") and raw.kind == "table" and not raw.title_lines:
        # The title of a Word or PDF list is one of the lines above its table.
        first = raw.grid_at[0] if raw.grid_at else len(raw.lines)
        raw.title_lines = [ln for ln in raw.lines[:first] if ln.strip()][:3] or [ln for ln in raw.lines if ln.strip()][:3]
    if suffix in _SPREADSHEETS and raw.kind != "table":
        raise InputError(f"{path}: expected a header row with 序号/民生实事内容/牵头领导/责任单位 columns")
    return raw


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand directories into the files we can read, in a stable order.

    Returns (files, skipped): skipped names each file under a directory that was left out and
    why. A file named explicitly that cannot be read is an InputError instead.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if not path.is_dir():
            _reader(path)
            files.append(path)
            continue
        found = []
        for p in sorted(path.rglob("*")):
            if not p.is_file() or any(part.startswith(".") for part in p.relative_to(path).parts):
                continue
            suffix = p.suffix.lower()
            if p.name in ("manifest.toml", "gold.json"):
                continue
            if suffix in REFUSED:
                skipped.append((p, REFUSED[suffix]))
            elif reader_for(suffix) is None:
                skipped.append((p, f"unsupported file type {suffix or '(none)'}"))
            elif p.stat().st_size > limits.MAX_FILE_BYTES:
                skipped.append((p, f"larger than {limits.MAX_FILE_BYTES // 2**20} MB"))
            else:
                found.append(p)
        if not found:
            raise InputError(f"{path}: directory holds no supported files ({', '.join(SUPPORTED_SUFFIXES)})")
        files.extend(found)
    return list(dict.fromkeys(files)), skipped
