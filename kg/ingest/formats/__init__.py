"""One reader per file format; each fills a RawDocument's lines, grids, title lines and meta."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument

Reader = Callable[["RawDocument"], None]

# Formats we cannot read, with what the user should do instead.
REFUSED = {
    ".doc": "a Word 97-2003 document (not readable); expected .docx: save it as .docx and ingest that",
    ".wps": "a WPS document (not readable); expected .docx: save it as .docx and ingest that",
    ".et": "a WPS spreadsheet (not readable); expected .xlsx: save it as .xlsx and ingest that",
    ".rtf": "an RTF document (not readable); expected .docx: save it as .docx and ingest that",
    ".ofd": "an OFD document (not readable); expected PDF or .docx: export it as one and ingest that",
}


def reader_for(suffix: str) -> Reader | None:
    """The reader of a file suffix (lower case, with the dot), imported on first use."""
    from importlib import import_module

    entry = READERS.get(suffix)
    if entry is None:
        return None
    module, func = entry
    return getattr(import_module(f"kg.ingest.formats.{module}"), func)


READERS: dict[str, tuple[str, str]] = {
    ".txt": ("text", "read_text"), ".md": ("text", "read_text"), ".markdown": ("text", "read_text"),
    ".csv": ("csvfile", "read_csv"), ".tsv": ("csvfile", "read_csv"),
    ".xlsx": ("xlsx", "read_xlsx"), ".xlsm": ("xlsx", "read_xlsx"), ".xls": ("xls", "read_xls"),
    ".docx": ("docx", "read_docx"), ".html": ("html", "read_html"), ".htm": ("html", "read_html"),
    ".shtml": ("html", "read_html"), ".mht": ("mhtml", "read_mhtml"), ".mhtml": ("mhtml", "read_mhtml"),
    ".pdf": ("pdf", "read_pdf"),
}
