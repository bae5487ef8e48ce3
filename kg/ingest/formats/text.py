"""Plain text and Markdown in any common encoding: UTF-8 (with or without BOM), UTF-16 with BOM,
GB18030/GBK; CRLF or CR line ends. Also decodes the text of .csv and .html files."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats import limits
from kg.ingest.formats.limits import check_count
from kg.text import normalize_text

# Characters Chinese lists do not contain but mis-decoded bytes produce: private use, kana, hangul.
_ODD_RE = re.compile(r"[\ue000-\uf8ff\u3040-\u30ff\uac00-\ud7af\ufffd]")

if TYPE_CHECKING:
    from pathlib import Path

    from kg.ingest.read import RawDocument


def decode_text(data: bytes, path: Path, declared: str | None = None) -> str:
    """Decode bytes as UTF-16 (BOM), the declared charset, UTF-8 or GB18030; refuse binary data."""
    if not data.strip():
        raise InputError(f"{path}: file is empty; expected a 民生实事 list")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{path}: starts with a UTF-16 mark but does not decode as UTF-16") from None
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: looks like a binary file; expected text (UTF-8 or GB18030)")
    # UTF-8 first even when a page declares another charset: strict UTF-8 almost never accepts
    # GBK bytes, while GB18030 accepts UTF-8 bytes as nonsense (and pages do mis-declare).
    encodings = ["utf-8-sig"]
    if declared:
        # GBK/GB2312 pages are decoded as GB18030, their superset; a wrong declaration falls through.
        encodings.append("gb18030" if declared.lower() in ("gbk", "gb2312", "gb_2312-80", "x-gbk") else declared.lower())
    for encoding in dict.fromkeys(encodings):
        try:
            return _no_controls(data.decode(encoding), path)
        except (UnicodeDecodeError, LookupError):
            continue
    # GB18030 decodes almost any byte string, Big5 text included (as kana and private-use
    # characters): take whichever of the two Chinese encodings reads with fewer odd characters.
    decoded = []
    for encoding in ("gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        decoded.append((len(_ODD_RE.findall(text[:20000])), encoding != "gb18030", text))
    if decoded:
        return _no_controls(min(decoded)[2], path)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{path}: cannot detect the text encoding; expected UTF-8 or GB18030")
    return str(best)


def _no_controls(text: str, path: Path) -> str:
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text[:4096]) // 100):
        raise InputError(f"{path}: looks like a binary file; expected text (UTF-8 or GB18030)")
    return text


def read_text(raw: RawDocument) -> None:
    text = normalize_text(decode_text(raw.data, raw.path))
    raw.lines = text.split("\n")
    check_count(raw.path, "lines", len(raw.lines), limits.MAX_LINES)
    raw.meta.update(text_meta(raw.lines))


def text_meta(lines: list[str], head: int = 60) -> dict[str, str]:
    """Page metadata saved with the text (索引号：… / 发布机构 | 区发改局 | 发文日期 | 2024-10-16 |).

    The lines stay in place (normalising drops them as chrome); this only records what they say.
    """
    from kg.ingest.formats.meta import key_value_cells, meta_pairs

    meta: dict[str, str] = {}
    for line in lines[:head]:
        if "|" in line or "｜" in line:
            pairs = key_value_cells([c for c in re.split(r"[|｜]", line)])
        else:
            pairs = meta_pairs(line) or {}
        for key, value in pairs.items():
            if value and key not in meta:
                meta[key] = value
    return meta
