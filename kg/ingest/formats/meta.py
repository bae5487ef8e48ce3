"""Page metadata (索引号, 发布机构, 成文日期, 发文字号…) as key/value pairs, out of running text.

Government pages put them in a table or a line above the article; they say who published the
list and when, which place-and-year detection trusts after the title, but they are never items.
"""

from __future__ import annotations

import re

# Keys as they appear (spaces removed); traditional forms included because OpenCC runs later.
META_KEYS = (
    "信息索引号", "索引号", "索引號", "发布机构", "發佈機構", "发布单位", "發佈單位", "发文机关", "发文单位", "成文日期",
    "发文日期", "發文日期", "发布日期", "發佈日期", "发布时间", "發佈時間", "生成日期", "印发日期", "公开日期", "文号", "文號",
    "发文字号", "發文字號", "主题分类", "主題分類", "组配分类", "體裁分類", "体裁分类", "公开方式", "公開方式", "公开范围",
    "公開範圍", "有效性", "时效", "来源", "來源", "信息来源", "浏览次数", "瀏覽次數", "访问量", "点击数", "作者", "责任编辑",
    "字体", "字號", "字号", "名称", "名稱", "主题词", "分类", "所属机构", "生效日期", "废止日期", "公开时限",
)
_KEY_RE = re.compile(r"(" + "|".join(sorted(META_KEYS, key=len, reverse=True)) + r")\s*[:：]")


def compact_key(text: str) -> str:
    """索 引 号： -> 索引号：  (padding spaces inside a short key)."""
    return re.sub(r"(?<=[\u4e00-\u9fff])[ \u3000\xa0]+(?=[\u4e00-\u9fff])", "", text) if len(text) <= 12 else text


def meta_pairs(line: str) -> dict[str, str] | None:
    """The key/value pairs of a metadata line, or None when the line is not one.

    A line is metadata when it starts with a known key; every further `key：value` on it
    (发布时间：… 来源：… 浏览次数：…) is taken too.
    """
    s = line.strip().strip("|｜").strip()
    s = re.sub(r"^((?:[\u4e00-\u9fff][ \u3000\xa0]+){1,5}[\u4e00-\u9fff])(?=\s*[:：])",
               lambda m: re.sub(r"[ \u3000\xa0]", "", m.group(1)), s)
    first = _KEY_RE.match(s)
    if not first:
        return None
    pairs: dict[str, str] = {}
    keys = list(_KEY_RE.finditer(s))
    for i, m in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(s)
        value = s[m.end():end].strip(" \t|｜\u3000\xa0")
        pairs.setdefault(m.group(1), value)
    return pairs


def key_value_cells(row: list[str]) -> dict[str, str]:
    """Pairs of a metadata table row: th 索引号： | td value | th 主题分类： | td value."""
    out: dict[str, str] = {}
    cells = [compact_key(c.strip()) for c in row]
    for i, cell in enumerate(cells):
        key = cell.rstrip(":：").strip()
        if (cell.endswith((":", "：")) or key in META_KEYS) and key and len(key) <= 8 and i + 1 < len(cells):
            out.setdefault(key, cells[i + 1].strip())
    return out


def is_meta_table(grid: list[list[str]]) -> bool:
    """A small key/value table of page metadata, not a list of items."""
    if not grid or len(grid) > 8:
        return False
    keys = [k for row in grid for k in key_value_cells(row)]
    return bool(keys) and any(k.strip() in META_KEYS for k in keys)
