"""Extract an item's fields (officials, departments with roles, progress, deadline).

This is the shared contract between the stages that recover structure (tables, prose
segments) and the store: every stage hands cells or clauses to these functions, so a
field key or name separator learnt here works in every layout.

Field keys are recognised by rule, not by list alone: a key ending in 领导 names officials,
one ending in 单位/部门 names departments, and its first characters give the role
(牵头/主责/实施 lead, 配合/协同/协办/协助/参与 supporting, anything else responsible).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.text import normalize_name, to_halfwidth

# Column roles recognised in table headers, most specific first. Roles:
# seq, category, title, text, officials, lead, supporting, departments (a plain
# 责任单位 list), progress, deadline, remark.
_COLUMN_ROLES: list[tuple[str, tuple[str, ...]]] = [
    ("seq", ("序号", "编号", "项目编号", "序列")),
    ("officials", ("牵头区领导", "牵头领导", "责任领导", "分管领导", "分管区领导", "区级领导", "牵头县领导",
                   "区政府分管领导", "县政府分管领导", "包抓领导", "牵头市领导", "联系领导", "包联领导")),
    ("lead", ("牵头单位", "牵头部门", "主责单位", "主责部门", "实施单位")),
    ("supporting", ("配合单位", "协办单位", "配合部门", "协同单位", "协助单位", "参与单位")),
    ("departments", ("责任单位", "责任部门", "承办单位", "主管部门")),
    ("progress", ("进展情况", "完成情况", "实际完成", "进度")),
    ("deadline", ("完成时限", "计划完成时间", "完成时间", "时限")),
    ("remark", ("备注",)),
    ("category", ("类别", "分类", "领域", "项目类别")),
    ("title", ("项目名称", "实事名称", "名称")),
    ("text", ("民生实事内容", "实事内容", "项目内容", "主要内容", "建设内容", "具体内容", "内容", "目标任务",
              "实事项目")),
]
_MAX_HEADER_LEN = 12

_LEAD_PREFIXES = ("牵头", "主责", "主办", "实施", "责任主体")
_SUPPORT_PREFIXES = ("配合", "协同", "协办", "协助", "参与", "协作")
# "区卫健局牵头，区民政局、区医保局配合" / "由区卫健局牵头" / "区人社局负责".
_PHRASE_RE = re.compile(
    r"^(?:由)?(?P<lead>.+?)(?:牵头负责|牵头|主责|负责)(?:[，,；;、\s]*(?P<sup>.+?)(?:共同)?(?:配合|协同|协办|协助|参与))?[。.；;]?$")
_SUPPORT_ONLY_RE = re.compile(r"^(?P<sup>.+?)(?:配合|协同|协办|协助|参与)[。.；;]?$")
_SEP = "、，,；;/\n"
_ROLE_SUFFIX_RE = re.compile(r"[（(]\s*(牵头(?:单位|部门)?|主责|配合(?:单位|部门)?|协办|协同)\s*[）)]$")
_OPEN, _CLOSE = "（(［[【", "）)］]】"
_TITLE_RE = re.compile(r"^(?:常务)?(?:副)?(?:区|县|市|镇|乡|街道)?(?:委)?(?:长|书记|常委|主任|副主任)(?=[\u4e00-\u9fff]{2,4}$)")
# A word that is only a job title ("副区长 王建国" splits into it and the name).
_JOB_TITLE_RE = re.compile(r"^(?:常务)?副?(?:区|县|市|镇|乡|旗)?(?:委)?(?:长|书记|副书记|常委|主任|副主任|委员|同志)$")
_TRAILING_ETC_RE = re.compile(r"(?:等(?:相关|有关)?(?:单位|部门)?|等)$")


def column_role(header: str) -> str | None:
    """The role of a table column from its header text, or None for other columns."""
    h = normalize_name(header)
    for role, names in _COLUMN_ROLES:
        if h in names:
            return role
    # Headers are short; a long cell containing 实事项目 is the list's title, not a column.
    if len(h) > _MAX_HEADER_LEN:
        return None
    for role, names in _COLUMN_ROLES:
        if any(map(h.__contains__, names)):
            return role
    return key_role(h)


def key_role(key: str) -> str | None:
    """Role of a field key: officials, lead, supporting, departments, progress, deadline or None.

    By rule so that unlisted keys work: 包抓区领导 names officials, 协作单位 supporting units.
    负责人/联系人 are contacts, not officials.
    """
    k = normalize_name(key)
    if k.endswith("领导"):
        return "officials"
    if k.endswith(("单位", "部门")):
        if k.startswith(_LEAD_PREFIXES):
            return "lead"
        if k.startswith(_SUPPORT_PREFIXES):
            return "supporting"
        if k in ("发布单位", "主办单位", "承办单位网站", "所属单位", "发文单位"):
            return None
        return "departments"
    if k == "实施主体":
        return "lead"
    if k == "责任主体":
        return "departments"
    if k in ("进展情况", "完成情况", "实际完成"):
        return "progress"
    if k in ("完成时限", "计划完成时间", "完成时间", "时间节点"):
        return "deadline"
    return None


def _split_top_level(text: str, seps: str) -> list[str]:
    """Split on separator characters outside brackets: 各镇（街道）、科创园(凤鸣镇) stay whole."""
    parts: list[str] = []
    depth = 0
    buf: list[str] = []
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if ch in seps and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _split_spaces(part: str) -> list[str]:
    # Spaces separate names ("财政局 发改委 各区镇") unless they pad one name ("张  源", "许 岚").
    words = part.split()
    if len(words) > 1 and all(len(w) >= 2 for w in words):
        return words
    return [part]


def split_names(text: str) -> list[str]:
    """Split a list of names on 、，,；; / line breaks and spaces, whitespace-normalised, in order."""
    names: list[str] = []
    for part in _split_top_level(to_halfwidth(text).replace("\u3000", " "), _SEP):
        for word in _split_spaces(part.strip()):
            name = normalize_name(word).strip("。.:：")
            if name:
                names.append(name)
    return list(dict.fromkeys(names))


def parse_officials(text: str) -> list[str]:
    """Names in a 牵头领导 cell or clause ("张  源" -> 张源; a job title in brackets dropped)."""
    text = re.sub(r"[（(][^（）()]*[）)]", "", text)
    names = []
    for name in split_names(text):
        name = _TITLE_RE.sub("", name)
        if name and name not in ("无", "/", "-", "—") and not _JOB_TITLE_RE.match(name):
            names.append(name)
    return list(dict.fromkeys(names))


def _department_names(text: str) -> list[str]:
    names = []
    for name in split_names(text):
        name = _TRAILING_ETC_RE.sub("", name) if len(name) > 3 else name
        if name.startswith("由"):
            name = name[1:]
        if name and name not in ("无", "/", "-", "—"):
            names.append(name)
    return list(dict.fromkeys(names))


def parse_departments(text: str, role: str = "responsible") -> list[tuple[str, str]]:
    """(name, role) pairs of a 责任单位 cell or clause; role is lead|supporting|responsible.

    A cell written as a phrase ("区卫健局牵头，区民政局、区医保局配合") says the roles itself.
    """
    flat = re.sub(r"\s*\n\s*", "、", text.strip())
    m = _PHRASE_RE.match(flat)
    if m and m.group("lead").strip():
        pairs = [(n, "lead") for n in _department_names(m.group("lead"))]
        if m.group("sup"):
            pairs += [(n, "supporting") for n in _department_names(m.group("sup"))]
        return _dedupe(pairs)
    m = _SUPPORT_ONLY_RE.match(flat)
    if m:
        return _dedupe([(n, "supporting") for n in _department_names(m.group("sup"))])
    if role == "departments":
        role = "responsible"
    pairs = []
    for name in _department_names(text):
        # "区教育局（牵头）、区财政局": a role written after the name.
        m = _ROLE_SUFFIX_RE.search(name)
        if m and len(name) > m.end() - m.start():
            pairs.append((name[: m.start()], "lead" if m.group(1).startswith(_LEAD_PREFIXES) else "supporting"))
        else:
            pairs.append((name, role))
    # Once one unit is marked as leading, the unmarked ones of a plain list work with it.
    if role == "responsible" and any(r == "lead" for _, r in pairs):
        pairs = [(n, "supporting" if r == "responsible" else r) for n, r in pairs]
    return _dedupe(pairs)


def _dedupe(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for name, role in pairs:
        if name not in seen:
            seen.add(name)
            out.append((name, role))
    return out


@dataclass
class Fields:
    """Fields found in one item's text, and the text without them."""

    text: str
    officials: list[str] = field(default_factory=list)
    departments: list[tuple[str, str]] = field(default_factory=list)
    progress: str | None = None
    deadline: str | None = None

    def add(self, role: str, value: str) -> None:
        value = value.strip(" ，,；;。")
        if not value:
            return
        if role == "officials":
            self.officials.extend(n for n in parse_officials(value) if n not in self.officials)
        elif role == "progress":
            self.progress = f"{self.progress}；{value}" if self.progress else value
        elif role == "deadline":
            self.deadline = self.deadline or value
        else:
            known = {n for n, _ in self.departments}
            self.departments.extend((n, r) for n, r in parse_departments(value, role) if n not in known)


_KNOWN_KEYS = frozenset(
    [n for role, names in _COLUMN_ROLES if role in ("officials", "lead", "supporting", "departments", "progress", "deadline")
     for n in names]
    + ["责任主体", "实施主体", "牵头区领导", "牵头县领导", "牵头市领导", "区领导", "县领导", "市领导", "包抓区领导",
       "包联区领导", "责任区领导", "联系区领导", "区级领导", "县级领导", "市级领导", "时间节点", "协作单位"])
_COLON_RE = re.compile(r"[:：]")
_MAX_KEY = 9


def _key_before(text: str, colon: int) -> tuple[int, str] | None:
    """The field key that ends at ``colon`` (start, role), or None.

    Keys are recognised even when glued to the text before them ("新建学校3所责任单位："):
    the longest known key wins, else the shortest suffix of 4+ characters that has a role.
    """
    end = colon
    while end > 0 and text[end - 1] in " \t\u3000":
        end -= 1
    start = end
    while start > 0 and end - start < _MAX_KEY and "\u4e00" <= text[start - 1] <= "\u9fff":
        start -= 1
    run = text[start:end]
    if len(run) < 2:
        return None
    for n in range(len(run), 1, -1):
        if run[-n:] in _KNOWN_KEYS and (role := key_role(run[-n:])):
            return end - n, role
    at_boundary = start == 0 or not "\u4e00" <= text[start - 1] <= "\u9fff"
    if at_boundary and (role := key_role(run)):  # a whole key at a boundary: "包联县领导："
        return start, role
    for n in range(4, len(run) + 1):
        if role := key_role(run[-n:]):
            return end - n, role
    return None


def find_keys(text: str) -> list[tuple[int, int, str]]:
    """Every field key in the text: (key start, value start, role), in order."""
    found = []
    for m in _COLON_RE.finditer(text):
        hit = _key_before(text, m.start())
        if hit is not None:
            found.append((hit[0], m.end(), hit[1]))
    return found


def parse_field_group(text: str) -> list[tuple[str, str]] | None:
    """(role, value) pairs of "牵头领导：王建国，责任单位：区教育局、区财政局"; None if it is not one.

    Values run from one key to the next, so ，/； inside a value never split fields.
    """
    keys = find_keys(text)
    if not keys or text[: keys[0][0]].strip(" ，,；;"):
        return None
    out = []
    for (_, value_at, role), nxt in zip(keys, [*keys[1:], None], strict=True):
        value = text[value_at: nxt[0] if nxt else len(text)]
        out.append((role, value.strip(" ，,；;。")))
    return out


def field_line(line: str) -> list[tuple[str, str]] | None:
    """The fields of a line that is only fields ("牵头单位：区教育局"), else None."""
    return parse_field_group(line.strip())


_TRAILING_PAREN_RE = re.compile(r"[（(]([^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*)[）)]\s*[。.；;]?\s*$")


def looks_like_department(name: str) -> bool:
    from kg.vocab.departments import looks_like_department as known_shape

    return known_shape(name) or len(name) >= 3 and bool(re.search(r"(?:局|委|办|中心|集团|公司|大队|支队|分局|政府|街道|镇|乡|社区|村|院|所|站|队|会|部|处|科|室)$", name))


def extract_fields(text: str) -> Fields:
    """Fields stated inside an item's text: trailing parentheses, inline keys, X牵头 phrases.

    "…。（牵头领导：王建国，责任单位：区教育局、区财政局）" gives the official and two
    responsible departments; "…（区人社局、国开集团）" two responsible departments;
    "…。责任单位：县民政局" one. The returned text has the fields removed.
    """
    out = Fields(text=text.strip())
    body = out.text
    m = _TRAILING_PAREN_RE.search(body)
    if m:
        inner = m.group(1).strip()
        group = parse_field_group(inner)
        if group:
            for role, value in group:
                out.add(role, value)
            body = body[: m.start()].rstrip()
        else:
            pairs = parse_departments(inner)
            if pairs and all(looks_like_department(n) for n, _ in pairs) and not re.search(r"\d", inner):
                for name, role in pairs:
                    out.add(role, name)
                body = body[: m.start()].rstrip()
    # Inline keys after the description: "…新增学位1350个。责任单位：县教育体育局、县财政局"
    keys = find_keys(body)
    if keys and keys[0][0] > 0:
        group = parse_field_group(body[keys[0][0]:])
        if group:
            for role, value in group:
                out.add(role, value)
            body = body[: keys[0][0]].rstrip(" ，,；;")
    out.text = body
    return out
