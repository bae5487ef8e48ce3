"""Word's automatic list numbers (w:numPr), which are not in the paragraph text.

A list typed with Word's numbering shows "1." / "一、" / "（1）" / "①" on screen but stores only
a reference to numbering.xml; the parser needs the numbers in the text (as for HTML <ol>), so
they are rendered here from each level's format (numFmt) and pattern (lvlText, e.g. "%1、").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                       (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": str,
    "decimalHalfWidth": str,
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "chineseLegalSimplified": _chinese,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "ideographDigital": lambda n: "".join(_CN[int(d)] for d in str(n)),
    "taiwaneseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedParen": lambda n: f"({n})",
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}


def _val(el, path: str) -> str | None:  # noqa: ANN001
    found = el.find(path)
    return None if found is None else found.get(f"{_W}val")


class Numbering:
    """Counters over a document's numbered paragraphs, in document order."""

    def __init__(self, numbering_xml, styles_xml=None) -> None:  # noqa: ANN001 - w:numbering, w:styles or None
        # Paragraph styles that number their paragraphs (Word's "List Number"): styleId -> (numId, ilvl).
        self.style_nums: dict[str, tuple[str, int]] = {}
        for style in (styles_xml.findall(f"{_W}style") if styles_xml is not None else []):
            num_id = _val(style, f"{_W}pPr/{_W}numPr/{_W}numId")
            if num_id:
                self.style_nums[style.get(f"{_W}styleId", "")] = (num_id, int(_val(style, f"{_W}pPr/{_W}numPr/{_W}ilvl") or "0"))
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.nums: dict[str, str] = {}
        self.starts: dict[tuple[str, int], int] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_xml is None:
            return
        for abstract in numbering_xml.findall(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.findall(f"{_W}lvl"):
                start = _val(lvl, f"{_W}start")
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    _val(lvl, f"{_W}numFmt") or "decimal", _val(lvl, f"{_W}lvlText") or "", int(start) if start and start.isdigit() else 1)
            self.levels[abstract.get(f"{_W}abstractNumId", "")] = levels
        for num in numbering_xml.findall(f"{_W}num"):
            num_id = num.get(f"{_W}numId", "")
            self.nums[num_id] = _val(num, f"{_W}abstractNumId") or ""
            for override in num.findall(f"{_W}lvlOverride"):
                start = _val(override, f"{_W}startOverride")
                if start and start.isdigit():
                    self.starts[(num_id, int(override.get(f"{_W}ilvl", "0")))] = int(start)

    def label(self, p) -> str:  # noqa: ANN001 - a w:p element
        """The number Word shows before this paragraph ("" when it has none)."""
        num_id = _val(p, f"{_W}pPr/{_W}numPr/{_W}numId")
        ilvl = int(_val(p, f"{_W}pPr/{_W}numPr/{_W}ilvl") or "0")
        if num_id is None:
            num_id, ilvl = self.style_nums.get(_val(p, f"{_W}pPr/{_W}pStyle") or "", (None, 0))
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        levels = self.levels.get(self.nums[num_id], {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, self.starts.get((num_id, ilvl), start) - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new item restarts its sub-levels
        if fmt in ("bullet", "none") or not text:
            return ""
        out = text
        for level in range(9):
            if f"%{level + 1}" in out:
                lfmt, _, lstart = levels.get(level, ("decimal", "", 1))
                value = counters.get(level, self.starts.get((num_id, level), lstart))
                out = out.replace(f"%{level + 1}", _FORMATS.get(lfmt, str)(value))
        return out
