"""Read a list's jurisdiction and year from its own text.

Sources, in order of trust: the title, metadata (发布机构, 成文日期, 发文日期…), the notice
text (ledes, signatures), the document number (奉政发〔2024〕3号), the file name. The most trusted
source that names a place gives the place; the fullest chain ending in that place anywhere in
the document gives its name (白岩街道 in the title, 嘉川市翠峰区白岩街道 in the lede).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.errors import InputError
from kg.vocab.places import PLACE_SUFFIXES, Jurisdiction, candidates, describe, resolve_place

_CJK = r"\u4e00-\u9fff"
# 州 ends a unit only when no 市/区/县 follows it (恩施州, but 杭州市).
_UNIT = rf"[{_CJK}]{{1,7}}?(?:{'|'.join(s if s != '州' else '州(?![市区县])' for s in PLACE_SUFFIXES)})"
# What follows a place in titles, metadata and ledes: a year, its government or congress, a
# department of it, or the list itself. A place is only taken where such a word follows,
# so 新建县第二实验小学 in an item is not a county.
_STRONG_AFTER = (r"\s*(?:(?:19|20)\d{2}\s*年|人民政府|政府|人大|人民代表大会|第?[一二三四五六七八九十\d]+届|党委|"
                 r"党工委|街道办事处|办事处|召开|民生实事|为民办实事)")
# In a title or a metadata value a place may also precede one of its departments or the list.
_LOOSE_AFTER = (_STRONG_AFTER[:-1] + r"|委员会|民生|为民|重点|关于|年度|今年|[" + _CJK
                + r"]{2,10}?(?:局|委|办公室|办公厅|中心)|[（(]|\s*$)")
_CHAIN_RE = re.compile(rf"((?:{_UNIT}){{1,4}})(?={_LOOSE_AFTER})")
_STRONG_CHAIN_RE = re.compile(rf"((?:{_UNIT}){{1,4}})(?={_STRONG_AFTER})")
# Words of a notice's title or a lede that run straight into the place (关于印发奉化区…的通知).
_NOISE_WORDS = re.compile(r"^(?:欢迎访问|欢迎来到|欢迎光临|来自|位于|记者从|记者|据|经|从|关于|印发|转发|公布|下达|做好|"
                          r"发布|开展|推进|实施|全面|今年|近日|日前)+")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_YEAR_RE = re.compile(r"([〇零一二][〇零一二三四五六七八九]{3})(?=\s*年)")
# Words that often sit right before a place in running text (记者从陇泉县…, 经春申市…).
_LEAD_NOISE = set("从在于据经由对为是和与及该我本今将了的到向把被给让称讯报日月年等即")
# Ordinary words ending in a place suffix; a "unit" containing one is not a place (城乡建设局).
_NOT_PLACE = ("城乡", "住房", "建设", "人民", "政府", "社区", "农村", "城区", "全市", "全区", "全县", "本市",
              "本区", "本县", "该市", "该区", "该县", "各区", "各县", "各市", "各镇", "各乡", "辖区", "园区",
              "片区", "小区", "景区", "街区", "城市", "乡镇", "集镇", "新区", "老城", "市民", "区域", "县域")
_META_PLACE_KEYS = ("发布机构", "发文机关", "发布单位", "发文单位", "来源", "信息来源", "单位", "发布者")
_META_DATE_KEYS = ("成文日期", "发文日期", "发布日期", "生成日期", "印发日期", "日期", "时间")
_DOCNO_RE = re.compile(r"[" + _CJK + r"]{1,6}[发办函字]\s*[〔\[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.年])\s*\d{1,2}")
_LIST_WORDS = ("民生", "实事", "實事", "为民办", "惠民", "实施方案", "项目")
_MAX_TITLE_LEN = 80
_NOT_TITLE_RE = re.compile(r"^[【\[]?(?:上一篇|下一篇|上一条|下一条|相关|推荐|热点|延伸阅读|附件|当前位置|您的位置|首页)")


@dataclass
class PlaceAndYear:
    """What the document says about where and when, with the evidence for each."""

    jurisdiction: Jurisdiction | None = None
    year: int | None = None
    evidence: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ambiguous: str | None = None  # an error message listing the candidates, when a name stays ambiguous

    @property
    def name(self) -> str | None:
        return self.jurisdiction.name if self.jurisdiction else None

    @property
    def code(self) -> str | None:
        return self.jurisdiction.code if self.jurisdiction else None


# Kinds of area rather than names of one (a named 梧桐经济开发区 is still a place).
_GENERIC_UNITS = {"开发区", "经开区", "高新区", "试验区", "示范区", "保税区", "功能区", "管理区", "自贸区", "市区",
                  "郊区", "城区", "地区", "特区", "镇区", "社区"}


def _clean_unit(unit: str, first: bool = True) -> str | None:
    if first and unit in _GENERIC_UNITS:  # after a name (阳泉市城区) it is that city's district
        return None
    # …unless the gazetteer knows it (浦东新区, 西安市新城区, 阳泉市城区).
    if any(w in unit for w in _NOT_PLACE) and not candidates(unit):
        return None
    return unit


def _arabic_years(text: str) -> str:
    """二〇二四年 (titles, signatures) -> 2024年."""
    return _CN_YEAR_RE.sub(lambda y: y.group(1).translate(_CN_DIGITS), text)


def _trim_lead(unit: str) -> str:
    """Drop characters glued before a place (日从陇泉县, 2022年区政府), never into a name the
    gazetteer knows (于都县 starts with 于) nor past a character that is not such noise (溪宁县)."""
    while len(unit) > 1 and not candidates(unit) and unit[0] in _LEAD_NOISE:
        unit = unit[1:]
    return unit


def place_mentions(text: str, *, strict: bool = False) -> list[str]:
    """Place chains named in a piece of text, in order: 嘉川市翠峰区白岩街道, 西岚区…

    strict (running text): only places followed by a year, their government or congress.
    """
    out: list[str] = []
    for m in (_STRONG_CHAIN_RE if strict else _CHAIN_RE).finditer(text):
        units = re.findall(_UNIT, _NOISE_WORDS.sub("", m.group(1)))
        if not units:
            continue
        units[0] = _trim_lead(units[0])
        kept: list[str] = []
        for unit in units:
            if _clean_unit(unit, not kept) is None or len(unit) < 2 or unit in PLACE_SUFFIXES:
                break
            kept.append(unit)
        chain = "".join(kept)
        if len(chain) >= 2 and chain not in out:
            out.append(chain)
    return out


def _title_candidates(raw_titles: list[str], lines: list[str]) -> list[str]:
    titles = [t.strip() for t in raw_titles if t.strip()]
    for line in lines[:40]:
        s = line.strip()
        if _NOT_TITLE_RE.match(s):  # links to other articles name other years
            continue
        # A title is one short line without sentence punctuation: not a lede that mentions a list.
        if s and len(s) <= _MAX_TITLE_LEN and any(w in s for w in _LIST_WORDS) and "|" not in s \
                and not re.search(r"[。！？!?；;]$", s) and s.count("，") + s.count(",") <= 1 and not re.match(r"^[（(]?[一二三四五六七八九十\d]+[、.．)）]", s):
            titles.append(s)
    return list(dict.fromkeys(titles))


def _meta_values(meta: dict[str, str], lines: list[str], keys: tuple[str, ...]) -> list[str]:
    values = [v for k, v in meta.items() if any(key in re.sub(r"\s", "", k) for key in keys)]
    key_re = re.compile(r"(?:" + "|".join(keys) + r")\s*[:：]\s*([^|｜]{2,60}?)\s*(?:\||｜|　|$)")
    for line in lines[:60]:
        compact = re.sub(r"(?<=[" + _CJK + r"]) (?=[" + _CJK + r"])", "", line)
        values.extend(m.group(1).strip() for m in key_re.finditer(compact))
    return values


def _simplified(text: str) -> str:
    try:
        import opencc
    except ImportError:  # OpenCC is a dependency; without it traditional names stay as written
        return text
    return _converter(opencc).convert(text)


_CONVERTERS: dict[str, object] = {}


def _converter(opencc):  # noqa: ANN001, ANN202 - the module is imported lazily
    if "t2s" not in _CONVERTERS:
        _CONVERTERS["t2s"] = opencc.OpenCC("t2s")
    return _CONVERTERS["t2s"]


def _as_written(chain: str, texts: list[str]) -> str:
    """An unknown place as the document writes it (雲川市灣東區, not the simplified form we matched)."""
    for text in texts:
        simple = _simplified(text)
        at = simple.find(chain)
        if at >= 0 and len(simple) == len(text):  # OpenCC t2s maps these characters one to one
            return text[at:at + len(chain)]
    return chain


def identify_place_and_year(raw, lines: list[str] | None = None,  # noqa: ANN001 - RawDocument
                            known: Iterable[str] = ()) -> PlaceAndYear:
    """Jurisdiction and year as the document states them; None where it does not.

    ``known``: jurisdiction codes already in the workspace, which settle a short place name
    that the document leaves ambiguous (see ``resolve_place``).
    """
    lines = [ln for ln in (lines if lines is not None else raw.lines) if ln is not None]
    meta: dict[str, str] = dict(getattr(raw, "meta", {}) or {})
    titles = _title_candidates(list(getattr(raw, "title_lines", []) or []), lines)
    body = "\n".join(lines)
    filename = getattr(getattr(raw, "path", None), "stem", "") or ""
    result = PlaceAndYear()

    sources: list[tuple[str, list[str]]] = [
        ("title", titles),
        ("metadata", _meta_values(meta, lines, _META_PLACE_KEYS)),
        ("text", [ln for ln in lines if ln.strip()]),
        ("file name", [filename]),
    ]
    context = _simplified("\n".join([*titles, *meta.values(), body]))
    def mentions(source: str, text: str) -> list[str]:
        return place_mentions(_arabic_years(_simplified(text)), strict=source == "text")

    all_chains = [c for source, texts in sources for t in texts for c in mentions(source, t)]
    for source, texts in sources:
        chains = [c for t in texts for c in mentions(source, t)]
        if not chains:
            continue
        base = chains[0]
        # The fullest chain that ends with the place the trusted source names.
        fullest = max((c for c in all_chains if c.endswith(base)), key=len, default=base)
        hit = resolve_place(fullest, context, known)
        if isinstance(hit, list):
            result.ambiguous = f"{fullest} is ambiguous: {describe(hit)}; pass --jurisdiction with the code"
            break
        result.jurisdiction = hit
        result.evidence.append(f"place from {source}: {fullest}")
        if known and isinstance(resolve_place(fullest, context), list):
            # Settled by the workspace, not by the document: say so, the user may mean another one.
            result.warnings.append(f"{fullest} is ambiguous nationally; read as {hit.name} ({hit.code}), the place "
                                   "of that name already in the workspace; pass --jurisdiction if it is another")
        if not hit.known:
            # Named as written; the id stays simplified so both scripts of one place share it.
            hit = Jurisdiction(_as_written(fullest, [t for _, texts in sources for t in texts]), hit.code)
            result.jurisdiction = hit
            result.warnings.append(f"{fullest} is not in the national gazetteer; kept by name as {hit.code}")
        break

    year_sources: list[tuple[str, list[str], re.Pattern[str]]] = [
        ("title", titles, _YEAR_RE),
        ("metadata", _meta_values(meta, lines, _META_DATE_KEYS), _DATE_RE),
        ("text", [ln for ln in lines if any(w in ln for w in _LIST_WORDS)], _YEAR_RE),
        ("document number", lines[:60], _DOCNO_RE),
        ("file name", [filename], _YEAR_RE),
    ]
    for source, texts, pattern in year_sources:
        for text in texts:
            # 二〇二四年 in a signature or title is 2024年.
            m = pattern.search(_arabic_years(text))
            if m:
                result.year = int(m.group(1))
                result.evidence.append(f"year from {source}: {m.group(0)}")
                break
        if result.year is not None:
            break
    return result


def require_place(found: PlaceAndYear, path: object) -> PlaceAndYear:
    """Raise the ambiguity as a one-line InputError naming the file."""
    if found.ambiguous:
        raise InputError(f"{path}: {found.ambiguous}")
    return found
