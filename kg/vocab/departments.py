"""Department names: splitting cells, resolving short/long forms, and function concepts.

A department is identified within one jurisdiction by its canonical name, so 区卫健局 (2025)
and 区卫生健康局 (2024) of 济南市市中区 are one node; the function concept (卫健) links
departments of the same job across jurisdictions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.resources import load_resource
from kg.text import normalize_name

_PREFIXES = ("街道", "区", "县", "市", "镇")
# Words of department names and the characters their short forms keep (人力资源和社会保障局 →
# 人社局, 人力社保局 → 人社局): two names with the same short key in one jurisdiction are one
# department. Longest words first.
_ABBREV = sorted([
    ("人力资源", "人"), ("人力", "人"), ("社会保障", "社"), ("社保", "社"), ("卫生", "卫"), ("健康", "健"),
    ("计划生育", "计"), ("计生", "计"), ("住房", "住"), ("城乡建设", "建"), ("建设", "建"), ("发展", "发"),
    ("改革", "改"), ("医疗", "医"), ("保障", "保"), ("教育", "教"), ("体育", "体"), ("文化", "文"), ("广电", "广"),
    ("广播电视", "广"), ("旅游", "旅"), ("交通", "交"), ("运输", "运"), ("监督管理", "监管"), ("自然资源", "自"),
    ("资源", "资"), ("规划", "规"), ("行政审批服务", "审批"), ("行政审批", "审批"), ("审批服务", "审批"),
    ("应急管理", "应急"), ("城市管理", "城管"), ("科学技术", "科技"), ("工业和信息化", "工信"),
    ("工业信息化", "工信"), ("退役军人事务", "退役军人"), ("民族宗教", "民宗"), ("生态环境", "生态环境"),
    ("残疾人联合会", "残联"), ("妇女联合会", "妇联"), ("科学技术协会", "科协"), ("综合行政执法", "综合执法"),
], key=lambda wa: -len(wa[0]))
_ORG_SUFFIXES = (("委员会", "委"), ("办公室", "办"), ("管理局", "局"), ("分局", "分局"), ("局", "局"), ("委", "委"),
                 ("办", "办"), ("中心", "中心"), ("大队", "大队"), ("集团", "集团"), ("公司", "公司"), ("会", "会"))


@dataclass(frozen=True)
class ResolvedDepartment:
    """The canonical form of a department name as written in a document."""

    id: str
    name: str  # canonical, prefix kept: 区卫生健康局
    as_written: str  # 区卫健局
    aliases: tuple[str, ...]  # every other known form with the same prefix
    function: str | None
    known: bool  # the name matched the alias table or a function keyword


@cache
def _alias_index() -> dict[str, tuple[str, tuple[str, ...]]]:
    index: dict[str, tuple[str, tuple[str, ...]]] = {}
    for entry in load_resource("departments.toml")["alias"]:
        forms = (entry["canonical"], *entry["aliases"])
        for form in forms:
            index[form] = (entry["canonical"], forms)
    return index


@cache
def _functions() -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f["label"], f["en"], tuple(f["keywords"])) for f in load_resource("departments.toml")["function"]]


def function_labels() -> dict[str, str]:
    """Every function concept: Chinese label -> English label."""
    return {label: en for label, en, _ in _functions()}


def short_key(stem: str) -> str:
    """The short form a department name reduces to: 人力资源和社会保障局, 人力社保局, 人社局 -> 人社|局."""
    stem = re.sub(r"[和与及、]", "", stem)
    body, suffix = stem, ""
    for long, short in _ORG_SUFFIXES:
        if stem.endswith(long) and len(stem) > len(long):
            body, suffix = stem[: -len(long)], short
            break
    if len(body) > 3:  # short bodies are already abbreviations
        out, i = [], 0
        while i < len(body):
            for word, abbrev in _ABBREV:
                if body.startswith(word, i):
                    out.append(abbrev)
                    i += len(word)
                    break
            else:
                out.append(body[i])
                i += 1
        body = "".join(out)
    return f"{body}|{suffix}"


@cache
def _key_index() -> dict[str, str]:
    # Short key -> curated canonical name; a key two entries share is dropped as ambiguous.
    index: dict[str, str] = {}
    clashes: set[str] = set()
    for entry in load_resource("departments.toml")["alias"]:
        for form in (entry["canonical"], *entry["aliases"]):
            key = short_key(form)
            if index.get(key, entry["canonical"]) != entry["canonical"]:
                clashes.add(key)
            index[key] = entry["canonical"]
    return {k: v for k, v in index.items() if k not in clashes}


def _split_prefix(name: str) -> tuple[str, str]:
    for prefix in _PREFIXES:
        # 市场监管局 is not 市 + 场监管局.
        if name.startswith(prefix) and len(name) > len(prefix) + 1 and not name.startswith("市场"):
            return prefix, name[len(prefix):]
    return "", name


def classify_function(name: str) -> str | None:
    """The function concept of a department name, or None when no rule matches.

    Keywords first (most specific functions first in departments.toml), then the level of a
    local government named as a unit: 白岩街道 / 各街道办事处 are street offices, 凤鸣镇 / 各乡镇
    township governments, 相关社区 / 各村 village and community committees.
    """
    bare = re.sub(r"[（(][^（）()]*[）)]", "", name)
    words = bare.replace("人民政府", "政府")  # 人民政府 is not 民政
    for label, _en, keywords in _functions():
        if any(map(words.__contains__, keywords)):
            return label
    if re.search(r"街道(?:办事处|办|党工委)?$", bare):
        return "街道办"
    if re.search(r"(?:[镇乡]|乡镇|镇人民政府|乡人民政府|镇政府|乡政府|区镇)$", bare):
        return "乡镇政府"
    if re.search(r"(?:社区|村|居委会|村委会|社区居委会)$", bare):
        return "社区村居"
    return None


_PLACE_PREFIX_RE = re.compile(r"^(?:[\u4e00-\u9fff]{1,6}?(?:省|市|区|县)){0,2}[\u4e00-\u9fff]{1,6}?(区|县|市)"
                              r"(?=[\u4e00-\u9fff]{2,})")
_BUREAU_END_RE = re.compile(r"(?:局|委员会|委|办公室|办)$")


def _curated(stem: str) -> bool:
    return bool(_alias_index().get(stem) or _key_index().get(short_key(stem)))


def _bureau(stem: str) -> bool:
    # A curated department or a government bureau of a known function (民政局, 卫健委); not a
    # centre or a company, whose names often start with a place of their own (济南中央商埠区发展促进中心).
    return _curated(stem) or (bool(_BUREAU_END_RE.search(stem)) and classify_function(stem) is not None)


def resolve_department(name: str, jurisdiction_code: str) -> ResolvedDepartment:
    """Map a department name as written to its canonical record in one jurisdiction."""
    written = normalize_name(name)
    prefix, stem = _split_prefix(written)
    m = _PLACE_PREFIX_RE.match(written)
    if m and not _curated(stem) and _bureau(written[m.end():]):
        # 梅岭区卫生健康局 in 梅岭区's own list is its 区卫生健康局: the place name adds nothing
        # inside one jurisdiction, the level (区/县/市) does.
        prefix, stem = m.group(1), written[m.end():]
    hit = _alias_index().get(stem) or _alias_index().get(written)
    if not hit and (canonical_stem := _key_index().get(short_key(stem))):
        # No curated spelling, but the short form is a curated department's (区人力社保局).
        hit = (canonical_stem, tuple(dict.fromkeys((*_alias_index()[canonical_stem][1], stem))))
        stem = canonical_stem
    if hit:
        canonical_stem, forms = hit
        base = prefix if _alias_index().get(stem) else ""
        canonical = base + canonical_stem
        aliases = tuple(base + f for f in forms if base + f != canonical)
    else:
        canonical = prefix + stem  # the name as written, less a place name before its level
        aliases = (written,) if canonical != written else ()
    function = classify_function(canonical) or classify_function(written)
    return ResolvedDepartment(
        id=f"{jurisdiction_code}:{canonical}",
        name=canonical,
        as_written=written,
        aliases=aliases,
        function=function,
        known=bool(hit) or function is not None,
    )


def looks_like_department(name: str) -> bool:
    """True for strings shaped like an organisation name (used to spot trailing （…） lists)."""
    name = normalize_name(name)
    if not 2 <= len(name) <= 30:
        return False
    if classify_function(name) or _alias_index().get(_split_prefix(name)[1]):
        return True
    return bool(re.search(r"(局|委|办|室|中心|集团|公司|会|队|院|所|站|部|联|社|处|科|组|分局|街道|政府)$", name))
