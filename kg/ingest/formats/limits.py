"""Size limits applied while reading a file, all in one place.

Every limit raises TooLargeError naming the file and the limit, before the expensive work:
a 民生实事 list is a few pages, so each default is two or three orders of magnitude above the
largest real list seen (about 300 KB, 60 items, 12 PDF pages).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from kg.errors import InputError, TooLargeError

MAX_FILE_BYTES = 20 * 1024 * 1024  # any input file
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # sum of the parts of a .docx/.xlsx
MAX_PART_BYTES = 100 * 1024 * 1024  # one part of a .docx/.xlsx
MAX_ZIP_RATIO = 200  # uncompressed/compressed per part; plain XML is ~5-30
MAX_ZIP_ENTRIES = 10_000
MAX_LINES = 200_000  # text lines or docx paragraphs
MAX_ROWS = 50_000  # table rows, over all tables of a file
MAX_CELLS = 1_000_000  # table cells, over all tables of a file
MAX_HTML_DEPTH = 512  # element nesting in an HTML page
MAX_PDF_PAGES = 500


def check_bytes(path: Path, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise TooLargeError(f"{path}: file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB per file")


def check_zip(path: Path, data: bytes, kind: str, expected: str) -> None:
    """Refuse zip bombs before a .docx/.xlsx library inflates them."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise InputError(f"{path}: not a readable {kind} (not a zip container); expected {expected}") from None
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise TooLargeError(f"{path}: {len(infos)} parts in the {kind} container; the limit is {MAX_ZIP_ENTRIES}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise TooLargeError(f"{path}: part {info.filename} unpacks to {info.file_size / 1e6:.0f} MB; "
                                f"the limit is {MAX_PART_BYTES // 2**20} MB per part")
        # Small parts compress well by chance; only a big part with an absurd ratio is a bomb.
        if info.file_size > 1_000_000 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise TooLargeError(f"{path}: part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}:1; "
                                f"the limit is {MAX_ZIP_RATIO}:1 (a zip bomb?)")
    if total > MAX_UNZIPPED_BYTES:
        raise TooLargeError(f"{path}: the {kind} unpacks to {total / 1e6:.0f} MB; the limit is {MAX_UNZIPPED_BYTES // 2**20} MB")


def check_count(path: Path, what: str, count: int, limit: int) -> None:
    if count > limit:
        raise TooLargeError(f"{path}: more than {limit} {what}; the limit is {limit} {what} per file")


class TableBudget:
    """Counts rows and cells over all tables of one file."""

    def __init__(self, path: Path) -> None:
        self.path, self.rows, self.cells = path, 0, 0

    def add(self, rows: int, cells: int) -> None:
        self.rows += rows
        self.cells += cells
        check_count(self.path, "table rows", self.rows, MAX_ROWS)
        check_count(self.path, "table cells", self.cells, MAX_CELLS)
