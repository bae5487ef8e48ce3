"""Cut running text into items: numbered, outlined, listed in a sentence, or headed paragraphs.

Every numbering style is a *marker type* (一、 / （一） / 1. / （1） / ① / "01 " / 第一项 / a
bare number on its own line). The item level is found from the document itself: the
outermost marker type whose lines read like commitments (a sentence, a number) rather
than headings; outer heading-like types are categories, inner types are sub-items that
stay inside their item. Without numbering, a sentence listing items after "分别是：" or
consecutive "项目名称：描述" paragraphs are the items. One pass over the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.ingest.fields import extract_fields, field_line, key_role, looks_like_department, parse_departments
from kg.text import chinese_to_int

_CN = "一二三四五六七八九十百零〇两"
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("di", re.compile(rf"^第\s*([{_CN}\d]+)\s*[项件条个]\s*[、.．:：\s]?\s*(.*)$")),
    # "实事一：…", "项目3：…": an ordinal after a generic word is numbering, not the item's name.
    ("lab", re.compile(rf"^(?:民生实事|为民办实事|实事项目|实事|项目|事项)\s*([{_CN}]+|\d{{1,4}})\s*[：:、.．]\s*(.+)$")),
    ("cn", re.compile(rf"^([{_CN}]+)\s*[、．.]\s*(.*)$")),
    ("pcn", re.compile(rf"^[（(]\s*([{_CN}]+)\s*[）)]\s*[、.．]?\s*(.*)$")),
    ("par", re.compile(r"^[（(]\s*(\d{1,4})\s*[）)]\s*[、.．]?\s*(.*)$")),
    ("ar", re.compile(r"^(\d{1,4})\s*[．.、](?!\d)\s*(.*)$")),
    ("arp", re.compile(r"^(\d{1,4})\s*[)）]\s*(.*)$")),
    ("bullet", re.compile(r"^([●•▪■◆◇○◎□])\s*(.*)$")),
    ("circ", re.compile(r"^([①-⑳])\s*(.*)$")),
    # "01 新建…": a number, then a space, then words (never 2023年 or 12月).
    # A wrapped PDF line can start "3 个社区…": a measure word after the space is a quantity.
    ("pad", re.compile(r"^(\d{1,4})[ \t\u3000]+(?![年月日个所家张人名处座条台万亿元米辆间套户项件次批种])"
                       r"([\u4e00-\u9fff“\"《].*)$")),
    ("bare", re.compile(r"^(\d{1,4})\s*[、.．]?$")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_COUNT_RE = re.compile(rf"[（(]\s*(?:共\s*)?[\d{_CN}]+\s*[项件个类]\s*[）)]\s*[:：]?\s*$")
_COUNT_LINE_RE = re.compile(rf"^[（(]\s*(?:共\s*)?[\d{_CN}]+\s*[项件个]\s*[）)]$")
_TERMINAL = "。；;！？!?）)”\""
_LIST_INTRO_RE = re.compile(r"(?:分别是|分别为|具体是|具体为|具体包括|主要有|主要包括|包括)[:：]")
_PARA_RE = re.compile(r"^([^：:，,。；;、\s（）()]{2,30})[：:](.+)$")
_MD_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*+>]\s+)")
# A heading reads as a phrase: short, without sentence punctuation or quantities.
_MAX_HEADING = 30


@dataclass
class Segment:
    """One item's lines as cut from the text (before fields are read)."""

    seq: int | None
    marker: str
    category: str | None
    parts: list[tuple[int, int]] = field(default_factory=list)  # (line index, start column)
    fields: list[tuple[int, int]] = field(default_factory=list)  # field-only lines
    head: str = ""  # the first line's text, after the marker
    title: str | None = None  # set for "项目名称：描述" paragraphs


@dataclass
class Segmentation:
    segments: list[Segment]
    layout: str
    title_lines: list[str]


def clean_line(line: str) -> tuple[str, int]:
    """The line without markdown prefix, bold marks and indentation, plus its start column."""
    s = line.replace("**", "  ") if "**" in line else line
    m = _MD_RE.match(s)
    start = m.end() if m else 0
    while start < len(s) and s[start] in " \t\u3000":
        start += 1
    return s[start:].rstrip(), start


def _marker(text: str) -> tuple[str, str, str] | None:
    for kind, rx in _MARKERS:
        m = rx.match(text)
        if m and (m.group(2).strip() if kind != "bare" else True):
            if kind == "cn" and m.group(1) in ("十", "百") and not m.group(2):
                continue
            return kind, m.group(1), (m.group(2) if kind != "bare" else "")
    return None


def is_heading(text: str) -> bool:
    """A category heading: "城市建设管理类", "教育服务（3项）", "提升教育服务质量，办好人民满意教育".

    Headings are phrases: no sentence end and no quantity; an item commits to something
    and nearly always says how much.
    """
    t = text.strip()
    if _COUNT_RE.search(t):
        return True
    if t.rstrip("：:").endswith("类"):
        return True
    return len(t) <= _MAX_HEADING and not re.search(r"[。；;！？!?\d]", t)


def _seq(token: str) -> int | None:
    if token in "●•▪■◆◇○◎□":
        return None  # bullets count in document order
    if token in _CIRCLED:
        return _CIRCLED.index(token) + 1
    try:
        return chinese_to_int(token)
    except ValueError:
        return None


def _category_name(text: str) -> str:
    return _COUNT_RE.sub("", text).strip().rstrip("：:").strip()


def _choose_levels(marked: list[tuple[int, str, str]]) -> tuple[set[str], set[str]]:
    """The item marker types and the outer (category) types, from the lines' own shape.

    A marker type first seen right after another type's line sits one level below it
    ("一、" heading, then "1." items; a later "（1）" under "二、" is on the same level as
    "1."). The item level is the outermost one whose lines read as commitments, not
    headings; when every level reads as headings (an outline of names), the innermost.
    """
    level: dict[str, int] = {}
    counts: dict[str, int] = {}
    headings: dict[str, int] = {}
    prev: str | None = None
    for _, kind, text in marked:
        if _is_section(text):
            continue  # "二、工作要求" is the notice's outline, not the list's
        if kind not in level:
            level[kind] = level[prev] + 1 if prev is not None else 0
            counts[kind] = headings[kind] = 0
        counts[kind] += 1
        headings[kind] += is_heading(text) if kind != "bare" else 0
        prev = kind
    if len(level) > 1:
        level.pop("circ", None)  # ①② are sub-items whenever anything else numbers the items
    by_level: dict[int, list[str]] = {}
    for kind, lv in level.items():
        by_level.setdefault(lv, []).append(kind)
    levels = [lv for lv in sorted(by_level) if sum(counts[k] for k in by_level[lv]) >= 2] or sorted(by_level)
    if not levels:
        return set(), set()
    item_level = next((lv for lv in levels
                       if sum(headings[k] for k in by_level[lv]) < 0.5 * sum(counts[k] for k in by_level[lv])),
                      levels[-1])
    outer = {k for k, lv in level.items() if lv < item_level}
    return set(by_level[item_level]), outer


def segment_lines(lines: list[str]) -> Segmentation:
    """Items out of running text; see the module docstring for the rules."""
    cleaned = [clean_line(ln) for ln in lines]
    marked = [(i, *(m[0], m[2] or (cleaned[i + 1][0] if i + 1 < len(cleaned) else "")))
              for i, (text, _) in enumerate(cleaned) if (m := _marker(text))]
    item_kinds, outer = _choose_levels(marked)
    segs: list[Segment] = []
    if item_kinds:
        segs = _numbered(cleaned, item_kinds, outer)
    # "grouped" when headings above the items give categories (layout (c) of the seeds).
    layout = ("grouped" if any(s.category for s in segs) else "numbered") if segs else ""
    if len(segs) < 2:
        listed = _sentence_list(cleaned)
        if len(listed) > len(segs):
            segs, layout = listed, "sentence-list"
    if len(segs) < 2:
        paras = _paragraphs(cleaned)
        if len(paras) > len(segs):
            segs, layout = paras, "paragraphs"
    first = min((s.parts[0][0] for s in segs), default=len(lines))
    titles = [cleaned[i][0] for i in range(first) if cleaned[i][0]]
    return Segmentation(segments=segs, layout=layout or "none", title_lines=titles)


def _numbered(cleaned: list[tuple[str, int]], item_kinds: set[str], outer: set[str]) -> list[Segment]:
    segs: list[Segment] = []
    category: str | None = None
    current: Segment | None = None
    last_text = ""
    after_blank = False
    names_follow = False
    held: Segment | None = None  # the item a non-continuing line followed
    pending: list[tuple[int, int]] = []
    i = 0
    n = len(cleaned)
    while i < n:
        text, col = cleaned[i]
        if not text:
            after_blank = True
            i += 1
            continue
        m = _marker(text)
        kind = m[0] if m else None
        if kind is not None:
            held, pending = None, []
        if kind in item_kinds and m is not None and _is_section(m[2]):
            current = None  # "二、工作要求" / "（一）加强组织领导。…": the notice around the list
        elif kind in item_kinds:
            assert m is not None
            start = col + len(text) - len(m[2])
            if kind == "bare":  # the item's text is on the next line(s)
                j = i + 1
                while j < n and not cleaned[j][0]:
                    j += 1
                if j >= n:
                    break
                i, start = j, cleaned[j][1]
                text = cleaned[j][0]
                m = (kind, m[1], text)
            current = Segment(seq=_seq(m[1]), marker=kind, category=category, parts=[(i, start)], head=m[2].strip())
            segs.append(current)
            last_text = m[2]
        elif kind in outer and m is not None and is_heading(m[2]):
            category = _category_name(m[2])
            current = None
        elif _COUNT_LINE_RE.match(text):
            pass  # "（4件）" under a heading belongs to the heading
        elif m is None and _COUNT_RE.search(text) and is_heading(text):
            category = _category_name(text)  # "教育服务（3项）" without a number
            current = None
        elif current is not None and (pairs := field_line(text)):
            current.fields.append((i, col))
            names_follow = not pairs[-1][1]  # "责任单位：" with the names on the next lines
            after_blank = False
            i += 1
            continue
        elif current is not None and names_follow and kind is None and _names_line(text):
            current.fields.append((i, col))
            after_blank = False
            i += 1
            continue
        elif current is not None and (_paren_fields(text) or _phrase_fields(text)):
            current.fields.append((i, col))
        elif current is not None and (kind is not None and kind not in outer  # a sub-item
                                      or _continues(last_text, after_blank, len(current.parts) == 1)):
            current.parts.append((i, col))
            last_text = text
        elif (current is None and held is not None and kind is None and pending
              and len(pending) <= _MAX_PENDING and field_line(text)):
            # "（1）新建学校。" / its description / "责任单位：…": the fields claim the lines above them.
            held.parts.extend(pending)
            held.fields.append((i, col))
            current, held, pending = held, None, []
            names_follow = not (field_line(text) or [("", "x")])[-1][1]
            after_blank = False
            i += 1
            continue
        elif kind is None and (current is not None or held is not None):
            # A closing paragraph, a signature: not part of the item unless fields follow it.
            held = held or current
            pending.append((i, col))
            current = None
        else:
            current = None  # a new section: not part of the item
            held, pending = None, []
        names_follow = False
        after_blank = False
        i += 1
    return segs


# Sections of the notice around a list, never items: "一、总体要求", "三、保障措施", "（二）强化督查考核。".
_SECTION_WORDS = ("总体要求", "指导思想", "基本原则", "工作要求", "保障措施", "组织保障", "有关要求", "工作措施",
                  "考核方式", "实施步骤", "其他事项", "组织领导", "督查考核", "督导考核", "工作机制", "宣传引导",
                  "资金保障", "工作目标", "主要目标", "目标任务", "项目清单", "具体项目")
_MAX_SECTION_HEAD = 10


def _is_section(head: str) -> bool:
    first = re.split(r"[。，,：:；;]", head.strip(), maxsplit=1)[0].strip()
    return len(first) <= _MAX_SECTION_HEAD and first.endswith(_SECTION_WORDS)


def _names_line(text: str) -> bool:
    """A short line of names (区教育局、区财政局 / 区教育局) under a key with no value."""
    return len(text) <= 60 and not re.search(r"[。；;：:\d]", text)


_MAX_PENDING = 3


def _continues(last_text: str, after_blank: bool, head_only: bool = False) -> bool:
    """A line without a marker continues the item when the item's last line is unfinished.

    A wrapped line follows a line with no sentence end; after a blank line only an item
    that is so far just a name ("1. 新建学校" then its description) takes the paragraph,
    so a closing paragraph after a finished item is never glued to it.
    """
    last = last_text.rstrip()
    if head_only and last.endswith("。") and is_heading(last[:-1]) and "。" not in last[:-1]:
        return True  # "（1）新建学校。" is a name; its description follows
    if last.endswith(tuple(_TERMINAL)):
        return False
    return not after_blank or is_heading(last)


def _phrase_fields(text: str) -> bool:
    """A line that only assigns departments: "区卫健局牵头，区民政局、区医保局配合。"."""
    if len(text) > 80 or not re.search(r"(?:牵头|配合|协同|协办)[。；;]?$", text):
        return False
    pairs = parse_departments(text)
    return bool(pairs) and all(role != "responsible" for _, role in pairs) and all(looks_like_department(n) for n, _ in pairs)


_RUNIN_RE = re.compile(rf"(?:^|(?<=[：:；;。，,]))\s*([{_CN}]+)是")


def _runin(i: int, text: str, col: int) -> list[Segment]:
    """Run-in enumerations: "一是新建公园2座；二是新增车位300个；三是…" (numbers in order from 一)."""
    marks = [m for m in _RUNIN_RE.finditer(text)]
    seqs = [_seq(m.group(1)) for m in marks]
    if len(marks) < 3 or seqs != list(range(1, len(marks) + 1)):
        return []
    segs = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        body = text[m.end(): end].strip().rstrip("；;，,。")
        segs.append(Segment(seq=k + 1, marker="runin", category=None, parts=[(i, col + m.end())], head=body))
    return segs


def _paren_fields(text: str) -> bool:
    """A line that is only a bracketed field list: "（区城乡交运局）", "（牵头单位：…）"."""
    if not (text[:1] in "（(" and text.rstrip("。；;")[-1:] in "）)"):
        return False
    found = extract_fields("x" + text)
    return found.text == "x" and bool(found.departments or found.officials)


def _sentence_list(cleaned: list[tuple[str, int]]) -> list[Segment]:
    """Items listed in one sentence: "十二件实事分别是：建成…；交付…；…。"."""
    from kg.ingest.fields import _split_top_level

    for i, (text, col) in enumerate(cleaned):
        runin = _runin(i, text, col)
        if runin:
            return runin
        m = _LIST_INTRO_RE.search(text)
        if not m:
            continue
        offset = col + m.end()
        segs: list[Segment] = []
        for part in _split_top_level(text[m.end():], "；;"):
            stripped = part.strip()
            if len(stripped.rstrip("。")) >= 2:
                segs.append(Segment(seq=len(segs) + 1, marker="sentence", category=None,
                                    parts=[(i, offset + len(part) - len(part.lstrip()))], head=stripped))
            offset += len(part) + 1
        if len(segs) >= 3:
            for s in segs:
                s.head = s.head.rstrip("。")
            return segs
    return []


_GENERIC_LABELS = ("项目名称", "实事名称", "实事项目", "项目", "名称", "事项")


def _paragraphs(cleaned: list[tuple[str, int]]) -> list[Segment]:
    """Unnumbered "项目名称：描述" paragraphs; field lines below one belong to it.

    When the first key repeats ("项目名称：…" / "建设内容：…" / "责任单位：…" record blocks),
    only that key starts an item and the other keys' lines are its content.
    """
    keyed = [(i, m.group(1)) for i, (text, _) in enumerate(cleaned)
             if text and (m := _PARA_RE.match(text)) and key_role(m.group(1)) is None and not field_line(text)]
    record_key = keyed[0][1] if keyed and sum(1 for _, k in keyed if k == keyed[0][1]) >= 2 else None
    segs: list[Segment] = []
    current: Segment | None = None
    for i, (text, col) in enumerate(cleaned):
        if not text:
            continue
        m = _PARA_RE.match(text)
        if m and key_role(m.group(1)) is None and not field_line(text) and record_key in (None, m.group(1)):
            title = m.group(2).strip() if m.group(1) in _GENERIC_LABELS or record_key else m.group(1)
            current = Segment(seq=len(segs) + 1, marker="paragraph", category=None, parts=[(i, col)],
                              head=text, title=title)
            segs.append(current)
        elif current is not None and (field_line(text) or _paren_fields(text) or _phrase_fields(text)):
            current.fields.append((i, col))
        elif current is not None and record_key is not None and m:
            current.parts.append((i, col))
        else:
            current = None
    return segs if len(segs) >= 2 else []
