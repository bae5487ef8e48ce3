"""Comma, tab or semicolon separated values in any text encoding."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats.limits import TableBudget
from kg.ingest.formats.text import decode_text
from kg.text import normalize_text

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument


def _parse(text: str, delimiter: str) -> list[list[str]]:
    # The field size limit is process-wide: raise it for this file only (a cell may hold a
    # whole paragraph, beyond the 128 KB default), then put it back.
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, len(text) + 1))
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    finally:
        csv.field_size_limit(old)


def read_csv(raw: RawDocument) -> None:
    from kg.ingest.read import rows_from_table

    text = normalize_text(decode_text(raw.data, raw.path))
    try:
        sniffed = [csv.Sniffer().sniff(text[:4096], delimiters=",\t;|").delimiter]
    except csv.Error:
        sniffed = []
    # The sniffer guesses from a sample and can be fooled by ";" in the text; the right
    # delimiter is the one under which a header row appears.
    tables = []
    for delimiter in dict.fromkeys([*sniffed, ",", "\t", ";"]):
        table = _parse(text, delimiter)
        tables.append(table)
        try:
            rows_from_table(table, raw.path)
        except InputError:
            continue
        break
    else:
        raise InputError(f"{raw.path}: expected a header row with 序号/民生实事内容/牵头领导/责任单位 columns")
    TableBudget(raw.path).add(len(table), sum(len(r) for r in table))
    raw.grids.append([r for r in table if any(c.strip() for c in r)])
