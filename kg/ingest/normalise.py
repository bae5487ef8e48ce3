"""Normalise running text before segmentation: script, width, page chrome.

The reader hands over lines in reading order; this stage makes them comparable across
documents (traditional characters become simplified, keeping the original for display)
and drops lines that are page furniture rather than content (索引号/发布机构 metadata,
字体【大】【中】【小】, 上一篇/下一篇, 分享到, ICP footers, image captions), so that no later
stage can turn them into an item or glue them to the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kg.text import to_halfwidth

# A document counts as traditional when at least this share of its CJK characters change
# under t2s (and at least _MIN_CHANGED of them): a simplified text has a few characters
# OpenCC maps anyway (著→着, 乾→干), a traditional one changes 10-30% of them.
_TRAD_SHARE = 0.02
_MIN_CHANGED = 3
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")

# Metadata keys of government pages: "索 引 号：…", "发布机构 | 区发改局 | 发文日期 | …".
_META_KEYS = ("信息索引号", "索引号", "发布机构", "发布单位", "发文机关", "发文单位", "成文日期", "发文日期",
              "发布日期", "生成日期", "发布时间", "公开方式", "公开范围", "公开时限", "主题分类", "组配分类",
              "体裁分类", "有效性", "发文字号", "文号", "浏览次数", "访问次数", "点击数", "信息来源", "来源",
              "所属机构", "时效", "关键词", "主题词", "分类", "责任编辑", "编辑", "作者", "审核")
_META_RE = re.compile(
    r"^[|｜\s]*(" + "|".join(sorted((re.escape(k) for k in _META_KEYS), key=len, reverse=True)) + r")\s*[:：|｜]")
_SPACED_KEY_RE = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
# Lines that are navigation, sharing, printing or footer furniture wherever they occur.
_CHROME_RES = [re.compile(p) for p in (
    r"字体\s*[:：]?\s*[【\[(（]?\s*大", r"【\s*大\s*】\s*【\s*中\s*】", r"[大中小]\s*字号|^字号\s*[:：]",
    r"^\s*【?(?:打印本页|打印|关闭窗口|关闭|返回顶部|收藏|纠错)】?(?:\s*【?(?:打印本页|打印|关闭窗口|关闭|返回顶部|收藏)】?)*\s*$",
    r"扫一扫", r"^\s*分享到", r"^\s*(?:上一篇|下一篇|上一条|下一条)\s*[:：]", r"ICP备|网站标识码|版权所有|技术支持|主办单位\s*[:：]",
    r"^\s*(?:您现在的位置|当前位置|您的位置|位置)\s*[:：]", r"^[^。，；]{0,30}(?:>>|＞＞|\s>\s)[^。，；]{0,60}$",
    r"^\s*!\[[^\]]*\]\([^)]*\)\s*$", r"^\s*(?:图|图片|图为)\s*[:：]", r"^\s*[（(]\s*(?:责任编辑|编辑|记者|通讯员)\s*[:：][^）)]*[）)]\s*$",
    r"本文档为用户上传|由用户上传分享|仅供在线浏览|设为首页|加入收藏|网站地图|联系我们|无障碍浏览|长者模式",
    r"^\s*(?:今天是|欢迎访问)",
    # PDF page furniture: "- 3 -", "第 3 页 共 5 页", "3/5".
    r"^\s*[-—－]\s*\d{1,4}\s*[-—－]\s*$", r"^\s*第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?\s*$",
    r"^\s*\d{1,4}\s*/\s*\d{1,4}\s*$",
)]
# A run of date + "|" + 来源 is a news byline: "2023年02月16日10:25 | 来源：澄浦融媒".
_BYLINE_RE = re.compile(r"^\s*\d{4}[-年./]\d{1,2}[-月./]\d{1,2}日?\s*[\d:：]*\s*[|｜]?\s*(?:来源|作者|发布)")


@dataclass
class NormalisedText:
    """Lines ready for segmentation, with what was dropped and the original script."""

    lines: list[str]
    original: list[str] | None = None  # as written, line by line, when the text was traditional
    meta: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    @property
    def traditional(self) -> bool:
        return self.original is not None


@lru_cache(maxsize=1)
def _converter() -> object:
    import opencc  # lazy: loading the dictionaries costs ~10 ms and is only needed for text

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (OpenCC t2s); the length is kept char for char."""
    if not text or not _CJK_RE.search(text):
        return text
    return _converter().convert(text)  # type: ignore[attr-defined]


def looks_traditional(text: str) -> bool:
    """Whether enough characters change under t2s to call the text traditional."""
    cjk = _CJK_RE.findall(text)
    if not cjk:
        return False
    simplified = to_simplified("".join(cjk))
    changed = sum(1 for a, b in zip(cjk, simplified, strict=False) if a != b)
    return changed >= _MIN_CHANGED and changed >= _TRAD_SHARE * len(cjk)


def simplify_name(name: str) -> str:
    """A name or key in simplified script, half-width, without padding: 責任單位 -> 责任单位."""
    return re.sub(r"[\s\u3000]+", "", to_simplified(to_halfwidth(name)))


def chrome_kind(line: str) -> str | None:
    """'meta' for a metadata line, 'chrome' for page furniture, None for content."""
    s = line.strip()
    if not s:
        return None
    # "索 引 号" and "发 布 机 构" are padded to align a metadata block.
    squeezed = _SPACED_KEY_RE.sub("", s)
    if _META_RE.match(squeezed):
        return "meta"
    if _BYLINE_RE.match(s):
        return "meta"
    if any(p.search(s) for p in _CHROME_RES):
        return "chrome"
    return None


def _meta_pairs(line: str) -> dict[str, str]:
    squeezed = _SPACED_KEY_RE.sub("", line.strip())
    parts = [p.strip() for p in re.split(r"[|｜]", squeezed) if p.strip()]
    if len(parts) == 1:  # "索引号：… 发布机构：…" on one line
        parts = [p for p in re.split(r"\s{2,}|\u3000+", squeezed) if p]
    pairs: dict[str, str] = {}
    key: str | None = None
    for part in parts:
        m = re.match(r"^(.{1,8}?)\s*[:：]\s*(.*)$", part)
        if m:
            key, value = m.group(1), m.group(2)
            if value:
                pairs.setdefault(key, value)
        elif key is not None and key not in pairs:
            pairs[key] = part
            key = None
        else:
            key = part.rstrip(":：")
    return pairs


def normalise_lines(lines: list[str]) -> NormalisedText:
    """Simplified, chrome-free lines; the original lines are kept when the text was traditional.

    Linear in the text size: one pass to decide the script, one to convert and filter.
    """
    text = "\n".join(lines)
    traditional = looks_traditional(text)
    if traditional:
        converted = to_simplified(text).split("\n")
        # t2s maps one character to one in practice; if a phrase conversion changed the line
        # count, fall back to converting line by line.
        simplified = converted if len(converted) == len(lines) else [to_simplified(ln) for ln in lines]
    else:
        simplified = list(lines)
    out = NormalisedText(lines=[], original=[] if traditional else None)
    for orig, line in zip(lines, simplified, strict=True):
        kind = chrome_kind(line)
        if kind:
            out.dropped.append(orig)
            if kind == "meta":
                for k, v in _meta_pairs(line).items():
                    out.meta.setdefault(k, v)
            continue
        out.lines.append(line)
        if out.original is not None:
            out.original.append(orig)
    return out
