"""Normalisation of Chinese text: full-width forms, whitespace in names, numerals.

Government documents mix full-width and half-width digits and punctuation and pad
two-character names to the width of three ("张  源"), so every comparison in the
project goes through these helpers first.
"""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_BIG)
_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


_HALFWIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
    | {ch: chr(ord(ch) - 0xFEE0) for ch in "．％－"}
    | {"\u3000": " "}
)
# The characters _HALFWIDTH maps: most strings hold none, and one regex scan is far cheaper
# than translate's per-character lookup (to_halfwidth runs ~45 times per ingested item).
_FULLWIDTH_RE = re.compile("[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A．％－\u3000]")


def to_halfwidth(text: str) -> str:
    """Map full-width ASCII (ＡＢ１２．％) to half-width, leaving CJK punctuation alone.

    NFKC would also fold "，" and "（" into ASCII, which the parsers rely on seeing,
    so only digits, letters, '.', '%' and '-' are mapped (one character to one, so
    offsets into the text stay valid).
    """
    return text.translate(_HALFWIDTH) if _FULLWIDTH_RE.search(text) else text


def normalize_text(text: str) -> str:
    """Half-width digits, unified line endings, no BOM or zero-width characters."""
    text = text.replace("\ufeff", "").replace("\u200b", "").replace("\r\n", "\n").replace("\r", "\n")
    return to_halfwidth(unicodedata.normalize("NFC", text))


def normalize_name(name: str) -> str:
    """Strip all whitespace from a person's or department's name: "张  源" -> "张源"."""
    return _SPACE_RE.sub("", to_halfwidth(name)).strip()


def collapse_spaces(text: str) -> str:
    """Collapse runs of whitespace inside running text to nothing between CJK, one space otherwise."""
    text = _SPACE_RE.sub(" ", text).strip()
    # Spaces between two CJK characters are layout artefacts, not word breaks.
    return re.sub(r"(?<=[\u4e00-\u9fff，。、；：）（]) (?=[\u4e00-\u9fff，。、；：）（])", "", text)


def chinese_to_int(text: str) -> int:
    """Convert a Chinese numeral ("二十", "十三", "一百零五", "两万") or Arabic digits to an int.

    Raises ValueError for anything else, so callers can tell a numeral from a word.
    """
    text = to_halfwidth(text).strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdigit():
        return int(text)
    total = section = digit = 0
    seen = False
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            seen = True
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
            seen = True
        elif ch in _CN_BIG:
            total += (section + digit) * _CN_BIG[ch]
            section = digit = 0
            seen = True
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    if not seen:
        raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + digit
