"""What a table cell looks like: a 序号, a person's name, a list of units, a deadline, prose.

Text-saved tables lose cells (empty cells dropped, merged cells written once) and split
cells over lines, so the row parser must place each cell by what it looks like rather
than by position. These predicates and the role scores built on them are that rule,
shared by pipe, tab, one-cell-per-line and run-on tables.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.ingest.fields import column_role
from kg.text import chinese_to_int, normalize_name
from kg.vocab.departments import looks_like_department

_SEQ_RE = re.compile(r"^[（(]?(\d{1,3})[）)]?[、.．]?$")
_CN_SEQ_RE = re.compile(r"^[一二三四五六七八九十]{1,3}$")
_HAN_RE = re.compile(r"^[\u4e00-\u9fff·]+$")
_DEADLINE_RE = re.compile(
    r"^(?:\d{4}年)?(?:\d{1,2}月(?:底|份|中旬|上旬|下旬|末|\d{1,2}日)?(?:前|以前|之前)?|年底前?|年内|全年|当年|"
    r"长期|持续推进|常态化|\d{4}(?:\.\d{1,2})?)")
_DEADLINE_ANY_RE = re.compile(r"\d{1,2}月(?:底|份|末)?前|年底前|当年完成|年内完成")
_PROGRESS_RE = re.compile(r"^(?:已|正在|目前|累计|截至|上半年|一季度|二季度|三季度|前三季度|全年累计|正|均已|共)")
_PROGRESS_ANY_RE = re.compile(r"已(?:完成|建成|开工|新增|签约|启动|实施|开展|整治|改造|竣工|投入|累计|发放|培训|在|完工)|正在|均已")
_VERB_START_RE = re.compile(r"^(?:新建|建成|建设|完成|开展|实施|启动|推进|改造|改建|提升|打造|新增|为|对|在|加快|组织|举办)")
_COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                      "夏侯", "令狐", "端木", "南宫", "西门", "独孤", "呼延", "申屠", "澹台", "轩辕"}
_ORG_END_RE = re.compile(r"(局|委|办|室|中心|集团|公司|会|队|院|所|站|部|联|社|处|科|组|街道|政府|镇|乡|村|社区|园区|园|馆|厅|署|团|行|校|台|协)$")
_NAME_SPLIT_RE = re.compile(r"[、，,；;/\n]+")
_UNIT_SPLIT_RE = re.compile(r"[、，,；;/\n\s]+")
_YES_NO = {"是", "否", "完成", "未完成", "已完成", "—", "-", "/", "无"}
# Header words that name an item's wording although fields.column_role does not know them
# ("重点工作任务（民生实事项目）", "子项目", "年度目标"); tuned on D02/D10, which hold such headers.
_PROGRESS_HEADER_RE = re.compile(r"进展|进度|推进情况|落实情况|完成情况|实施情况")
_TEXT_HEADER_RE = re.compile(r"项目|任务|实事|内容|目标")


def header_role(cell: str) -> str | None:
    """fields.column_role, plus long or unusual headers that can only be the item's wording."""
    h = normalize_name(cell)
    # "目标任务及完成时限", "牵头领导及单位": the column holds what its first part names.
    parts = [p for p in re.split(r"及|和|与|/|、", h) if p]
    if len(parts) > 1:
        first = column_role(parts[0]) or header_role(parts[0])
        if first:
            return first
    role = column_role(cell)
    if role:
        return role
    if 2 <= len(h) <= 16 and _PROGRESS_HEADER_RE.search(h):
        return "progress"
    if 2 <= len(h) <= 24 and _TEXT_HEADER_RE.search(h) and not re.search(r"\d{3,}", h):
        return "title" if "名称" in h else "text"
    return None


def seq_value(cell: str) -> int | None:
    """The number in a 序号 cell ("1", "01", "1.", "（3）", "十二"), or None."""
    c = normalize_name(cell)
    m = _SEQ_RE.match(c)
    if m:
        return int(m.group(1))
    return chinese_to_int(c) if _CN_SEQ_RE.match(c) else None


def is_person_list(cell: str) -> bool:
    """Names of people: 2–3 Chinese characters each (padded "张  源" allowed), none a unit."""
    parts = [p for p in _NAME_SPLIT_RE.split(cell.strip()) if p.strip()]
    if not parts:
        return False
    if len(parts) == 1 and re.search(r"\S\s{1,3}\S\s", cell.strip() + " ") and not re.search(r"\S\s{2,}\S", cell):
        parts = cell.split()  # "沈若晴 刘晓舟": names separated by single spaces
    for part in parts:
        name = normalize_name(part)
        name = re.sub(r"[（(][^（）()]*[）)]$", "", name)  # 张源（副区长）
        if not _is_name(name) or looks_like_unit(name) or is_deadline(name):
            return False
    return True


def _is_name(name: str) -> bool:
    # "区财政", "县教体" are units written without 局; names do not start with a level.
    if not _HAN_RE.match(name) or name[0] in "区县市镇乡省":
        return False
    if "·" in name:  # 买买提·艾力
        return 3 <= len(name) <= 12
    return 2 <= len(name) <= 3 or (len(name) == 4 and name[:2] in _COMPOUND_SURNAMES)


def looks_like_unit(name: str) -> bool:
    """A department, town, street or company name (各街道, 相关社区, 区城建集团)."""
    name = normalize_name(name)
    # A sentence ("建成县全民健身中心。") names a unit at its end but is an item's wording.
    if not name or re.search(r"\d", name) or name.endswith("。") or _VERB_START_RE.match(name):
        return False
    name = name.strip(".")
    if name.startswith(("各", "相关", "有关")) and len(name) <= 12 or name.endswith(("部门", "单位")) and len(name) <= 12:
        return True
    # An organisation ends in an organisation word; a bare function word ("教育", "卫生" in
    # a 类别 column) is not one although the function table knows it.
    bare = re.sub(r"[（(][^（）()]*[）)]$", "", name)
    return bool(_ORG_END_RE.search(bare)) and looks_like_department(bare) and len(name) <= 20 \
        and not re.search(r"[，。；：]", name)


def is_unit_list(cell: str) -> bool:
    """Every name in the cell is a unit (separated by 、，; spaces or line breaks)."""
    if re.search(r"(牵头|配合|负责|协助|参与)", cell):
        return bool(re.search(r"(局|委|办|中心|集团|公司|街道|镇)", cell))
    parts = [p for p in _UNIT_SPLIT_RE.split(cell.strip()) if p]
    return bool(parts) and all(looks_like_unit(p) for p in parts)


def is_deadline(cell: str) -> bool:
    c = normalize_name(cell)
    return bool(c) and len(c) <= 16 and bool(_DEADLINE_RE.match(c) or _DEADLINE_ANY_RE.search(c))


def is_progress(cell: str) -> bool:
    c = normalize_name(cell)
    return bool(_PROGRESS_RE.match(c) or _PROGRESS_ANY_RE.search(c)) or is_flag(c) or bool(re.fullmatch(r"[\d.]+%?", c))


def is_flag(cell: str) -> bool:
    """是/否 and the like: a yes-no or status column."""
    return normalize_name(cell) in _YES_NO


def is_prose(cell: str) -> bool:
    c = normalize_name(cell)
    return len(c) >= 6 and not is_unit_list(cell) and not is_deadline(cell)


@lru_cache(maxsize=65536)
def role_score(cell: str, role: str | None) -> float:
    """How well a cell fits a column of this role (higher is better; negative is a misfit)."""
    seq = seq_value(cell) is not None
    if role == "seq":
        return 5.0 if seq else -6.0
    if seq:
        return -4.0
    if role in ("text", "title"):
        if is_unit_list(cell) or is_person_list(cell):
            return -3.0
        if is_deadline(cell):
            return -2.0
        if is_progress(cell):
            return -0.5 if role == "text" else -1.0
        return 3.0 if len(normalize_name(cell)) >= 4 else 0.5
    if role == "officials":
        return 4.0 if is_person_list(cell) else -4.0
    if role in ("lead", "supporting", "departments"):
        return 4.0 if is_unit_list(cell) else -4.0
    if role == "deadline":
        return 4.0 if is_deadline(cell) else -3.0
    if role == "progress":
        if is_flag(cell):
            return 1.0
        if is_progress(cell):
            return 3.0
        return -2.0 if is_unit_list(cell) or is_person_list(cell) or is_deadline(cell) else 1.0
    if role == "category":
        return 1.0 if len(normalize_name(cell)) <= 12 and not is_unit_list(cell) else -2.0
    # remark or an unnamed column: takes anything, prefers nothing
    return 1.5 if is_flag(cell) else 0.5 if is_progress(cell) else 0.0
