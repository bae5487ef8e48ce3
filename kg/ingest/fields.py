"""Extract an item's fields (officials, departments with roles, progress, deadline).

This is the shared contract between the stages that recover structure (tables, prose
segments) and the store: every stage hands cells or clauses to these functions, so a
field key or name separator learnt here works in every layout.
"""

from __future__ import annotations

import re

from kg.text import normalize_name

# Column roles recognised in table headers, most specific first. Roles:
# seq, category, title, text, officials, lead, supporting, departments (a plain
# 责任单位 list), progress, deadline, remark.
_COLUMN_ROLES: list[tuple[str, tuple[str, ...]]] = [
    ("seq", ("序号", "编号", "项目编号", "序列")),
    ("officials", ("牵头区领导", "牵头领导", "责任领导", "分管领导", "分管区领导", "区级领导", "牵头县领导",
                   "区政府分管领导", "包抓领导", "牵头市领导")),
    ("lead", ("牵头单位", "牵头部门", "主责单位", "实施单位")),
    ("supporting", ("配合单位", "协办单位", "配合部门", "协同单位")),
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
_NAME_SPLIT_RE = re.compile(r"[、，,；;/\n]+")


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
        if any(n in h for n in names):
            return role
    return None


def split_names(text: str) -> list[str]:
    """Split a list of names on 、，,；; / and line breaks, whitespace-normalised, in order."""
    names = [normalize_name(p).strip("。.") for p in _NAME_SPLIT_RE.split(text)]
    return list(dict.fromkeys(n for n in names if n))


def parse_officials(text: str) -> list[str]:
    """Names in a 牵头领导 cell or clause ("张  源" -> 张源; a job title in brackets dropped)."""
    text = re.sub(r"[（(][^（）()]*[）)]", "", text)
    return split_names(text)


def parse_departments(text: str, role: str = "responsible") -> list[tuple[str, str]]:
    """(name, role) pairs of a 责任单位 cell or clause; role is lead|supporting|responsible."""
    return [(n, role) for n in split_names(text)]
