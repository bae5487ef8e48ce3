"""Tables flattened into run-on text: header words, then every cell, with no separators.

Copying a .docx table out of a document viewer gives one paragraph per page:
"序号项目名称主要内容区政府分管领导牵头单位配合单位1扩大优质学位供给推进…。顾清远教育局发改局…2稳定…".
The cells can still be told apart: a row starts at the next 序号, the wording runs to a
sentence end, a leader's name (2–3 characters) and units (names ending in 局/委/办/中心/
集团/公司/街道/镇…) follow it, and wording after the units without a 序号 is a sub-row.
Pages start with a page marker ("2、") that may split a cell; it is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.ingest.cells import header_role
from kg.ingest.tables import TextTable

_HEADER_WORDS = sorted([
    "项目名称", "实事名称", "名称", "主要内容", "建设内容", "具体内容", "实事内容", "民生实事内容", "项目内容",
    "目标任务", "实事项目", "内容", "牵头单位", "牵头部门", "主责单位", "实施单位", "配合单位", "协办单位",
    "配合部门", "协同单位", "责任单位", "责任部门", "完成时限", "计划完成时间", "完成时间", "备注", "类别",
], key=len, reverse=True)
_LEADER_WORD = r"(?:区|县|市)?(?:政府)?(?:分管|牵头|责任|包抓)(?:区|县|市)?(?:领导|负责人)"
_WORD = "(?:" + _LEADER_WORD + "|" + "|".join(_HEADER_WORDS) + ")"
_HEADER_RE = re.compile(r"序号((?:" + _WORD + r"){2,})")
_WORD_RE = re.compile(_WORD)
_PAGE_MARK_RE = re.compile(r"^\s*\d{1,3}\s*、")
_HAN = r"\u4e00-\u9fff"
# A unit: the shortest run of characters ending in an organisation suffix, with an
# optional bracketed place ("科创园(凤鸣镇)"). 局 never sits inside one, which keeps a
# leader's name from swallowing the next unit's first character ("何远教育局").
_UNIT_RE = re.compile(
    rf"(?:(?:各|相关)(?:街道|乡镇|区镇|镇|乡|社区|村|部门|单位)"
    rf"|(?:(?!局)[{_HAN}]){{2,12}}?(?:分局|局|委|办|中心|集团|公司|大队|支队|中队|街道|镇|乡|园区|园|院|所|站|联|会|社区))"
    rf"(?:[（(][{_HAN}]{{2,8}}[）)])?")
_SUBUNIT_RE = re.compile(r"(大队|支队|中队)$")
_VERB_START_RE = re.compile(
    r"^(?:新建|建成|建设|完成|开展|实施|启动|推进|改造|改建|提升|打造|新增|为|对|在|加快|组织|举办|全区|全县|全市)")
_DEADLINE_RE = re.compile(r"(?:\d{4}年)?(?:\d{1,2}月(?:底|份|末|中旬|下旬)?(?:前|以前)?|年底前?|年内|全年|长期)")
_NAME_RE = re.compile(rf"[{_HAN}]{{2,3}}")
_SENTENCE_END = "。；;！!)）"
_BREAK = "\x00"


def find_runon_tables(lines: list[str]) -> list[TextTable]:
    """Run-on tables: a line holding "序号" and two or more header words run together, then cells."""
    out: list[TextTable] = []
    i = 0
    while i < len(lines):
        m = _HEADER_RE.search(lines[i])
        if not m or not lines[i][m.end():].strip():
            i += 1
            continue
        j = i + 1
        while j < len(lines) and _PAGE_MARK_RE.match(lines[j]):
            j += 1
        stream = "".join(_PAGE_MARK_RE.sub("", ln).strip() for ln in lines[i:j])
        grid = _grid(stream)
        if grid is not None:
            out.append(TextTable(i, j, grid, "runon"))
            i = j
        else:
            i += 1
    return out


def _grid(stream: str) -> list[list[str]] | None:
    m = _HEADER_RE.search(stream)
    if m is None:
        return None
    header = ["序号", *_WORD_RE.findall(m.group(1))]
    roles = [header_role(h) for h in header]
    title = stream[: m.start()].strip()
    body = stream[m.end():].replace(m.group(0), _BREAK)  # repeated headers (page breaks)
    rows = _rows(body, has_officials="officials" in roles, has_deadline="deadline" in roles)
    if not rows:
        return None
    grid = [[title]] if title else []
    grid.append(header)
    for seq, text, officials, units, deadline in rows:
        grid.append(_place(roles, seq, text, officials, units, deadline))
    return grid


def _place(roles: list[str | None], seq: str, text: str, officials: str, units: list[str],
           deadline: str) -> list[str]:
    row = [""] * len(roles)
    if deadline and "deadline" in roles:
        row[roles.index("deadline")] = deadline
    text_col = next((c for c, r in enumerate(roles) if r == "text"), None)
    if text_col is None:
        text_col = next((c for c, r in enumerate(roles) if r == "title"), 1)
    row[0] = seq
    row[text_col] = text
    if "officials" in roles:
        row[roles.index("officials")] = officials
    unit_cols = [c for c, r in enumerate(roles) if r in ("lead", "departments", "supporting")]
    if unit_cols and units:
        # Run together, the lead column's single unit comes first and the rest follow.
        row[unit_cols[0]] = units[0] if len(unit_cols) > 1 else "、".join(units)
        if len(unit_cols) > 1 and units[1:]:
            row[unit_cols[1]] = "、".join(units[1:])
    return row


def _rows(body: str, *, has_officials: bool, has_deadline: bool) -> list[tuple[str, str, str, list[str], str]]:
    rows: list[tuple[str, str, str, list[str], str]] = []
    expected = 1
    pos = 0
    while pos < len(body):
        if body[pos] == _BREAK:
            pos += 1
            continue
        seq = ""
        m = _seq_re(expected).match(body, pos)
        if m:
            seq = str(expected)
            expected += 1
            pos = m.end()
        elif not rows:
            return []
        end, fields = _next_boundary(body, pos, expected, has_officials)
        text = body[pos:end].strip()
        officials, units, after = fields if fields else ("", [], end)
        deadline = ""
        if fields and has_deadline:
            d = _DEADLINE_RE.match(body, after)
            if d:
                deadline, after = d.group(0), d.end()
        if text or seq:
            rows.append((seq, text, officials, units, deadline))
        pos = max(after, pos + 1) if not text and not fields else after
    return rows


def _next_boundary(body: str, pos: int, expected: int, has_officials: bool) -> tuple[int, tuple[str, list[str], int] | None]:
    """Where the wording from pos ends, and the leader/units that follow it if any."""
    for q in range(pos + 1, len(body) + 1):
        if q == len(body) or body[q] == _BREAK:
            return q, None
        if body[q - 1] not in _SENTENCE_END:
            continue
        if _seq_re(expected).match(body, q):
            return q, None
        fields = _fields_at(body, q, has_officials)
        if fields:
            return q, fields
    return len(body), None


@lru_cache(maxsize=1024)
def _seq_re(n: int) -> re.Pattern[str]:
    """序号 n where a row starts: the number, then the wording (not a digit or a unit)."""
    return re.compile(rf"{n}(?=[{_HAN}“\"（(])")


def _fields_at(body: str, q: int, has_officials: bool) -> tuple[str, list[str], int] | None:
    """A leader's name and one or more units starting at q, ending where units stop."""
    starts = [q]
    if has_officials:
        m = _NAME_RE.match(body, q)
        if not m or _VERB_START_RE.match(m.group(0)):
            return None
        # A name is 3 characters unless its third is where a unit's 区/县/市 prefix starts.
        three = body[q:q + 3]
        lengths = [2] if len(three) == 3 and three[2] in "区县市镇乡各" else [3, 2]
        starts = [q + n for n in lengths]
    for start in starts:
        units, end = _units_at(body, start)
        if units:
            return body[q:start], units, end
    return None


def _units_at(body: str, pos: int) -> tuple[list[str], int]:
    units: list[str] = []
    while pos < len(body):
        m = _UNIT_RE.match(body, pos)
        if not m or _VERB_START_RE.match(m.group(0)):
            break
        name = m.group(0)
        if units and _SUBUNIT_RE.search(name) and units[-1].endswith("分局"):
            units[-1] += name  # 公安分局交警大队 is one unit
        else:
            units.append(name)
        pos = m.end()
    return units, pos
