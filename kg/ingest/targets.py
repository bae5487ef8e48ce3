"""Extraction of quantitative targets (新增学位8130个, 1.76万人以上, 95%) from commitment text.

Only Arabic numerals followed by a counting unit are targets: Chinese numerals in these
lists are names or frequencies (十百千, 二期, 两周一次), not commitments. Years, ages,
anniversaries, ordinals and anything inside quotation marks are names, never targets.
"""

from __future__ import annotations

import re

from kg.model import Target
from kg.text import to_halfwidth
from kg.vocab.taxonomy import classify_target

_UNITS = sorted([
    "个百分点", "平方公里", "平方米", "公里", "千米", "人次", "场次", "村次", "户次", "车次", "个", "所", "处",
    "家", "张", "人", "场", "件", "名", "元", "米", "亩", "套", "座", "条", "台", "把", "户", "项", "期", "周",
    "次", "辆", "间", "吨", "%", "批", "支", "份", "栋", "幢", "棵", "株", "册", "本", "床", "块", "站", "类", "㎡",
    "批次", "口", "盏", "具", "门", "眼", "艘", "根", "段", "班", "届次", "架", "片", "公顷", "立方米", "千瓦", "辆次", "部",
], key=len, reverse=True)  # longest first so 个百分点 beats 个 and 人次 beats 人
_NUM_RE = re.compile(
    r"(?:(?P<lo>\d+(?:\.\d+)?)[-~－—～至到])?(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?P<mult>万|亿)?(?P<yu>余|多)?"
    r"(?P<unit>" + "|".join(map(re.escape, _UNITS)) + r")?(?P<post>以上|以下|以内|左右|余|多)?")
_MULT = {"万": 10_000, "亿": 100_000_000}
# Traditional forms of multipliers and measure words, one character to one so offsets into
# the text as written stay valid (萬→万, 個→个, 戶→户, 處→处, 臺→台 …).
_TRAD_UNITS = str.maketrans("萬億個戶處臺張間條場輛棟幢項號屆筆臺噸隻門盞", "万亿个户处台张间条场辆栋幢项号届笔台吨只门盏")
# Clause boundaries are looked for this far from a number: a metric is a short phrase, and
# a bounded window keeps extraction linear in the text size.
_WINDOW = 80
_CONTEXT = 300
_UNIT_ALIASES = {"㎡": "平方米", "千米": "公里"}
# A number followed by these names a date, age, anniversary or line, not a quantity.
_NOT_QUANTITY = ("周年", "周岁", "岁", "年", "月", "日", "号", "路", "时", "届", "级", "版", "代", "楼", "层")
_SUFFIX = {"以上": "at_least", "余": "at_least", "多": "at_least", "以下": "at_most",
           "以内": "at_most", "左右": "about"}
_PREFIX = [  # longest first so 不超过 wins over 超过 and 达到 over 达
    ("不少于", "at_least"), ("不低于", "at_least"), ("不小于", "at_least"), ("至少", "at_least"),
    ("超过", "at_least"), ("多于", "at_least"), ("高于", "at_least"),
    ("不超过", "at_most"), ("不高于", "at_most"), ("不多于", "at_most"), ("控制在", "at_most"),
    ("少于", "at_most"), ("低于", "at_most"),
    ("提高到", "reach"), ("提高至", "reach"), ("提升到", "reach"), ("提升至", "reach"),
    ("增加到", "reach"), ("增加至", "reach"), ("达到", "reach"), ("增至", "reach"),
    ("降至", "reach"), ("实现", "reach"), ("达", "reach"), ("至", "reach"), ("到", "reach"),
    ("大约", "about"), ("将近", "about"), ("约", "about"), ("近", "about"),
]
_PREFIX.sort(key=lambda p: len(p[0]), reverse=True)
_FILLER_RE = re.compile(r"(?:每[人户年月天日家])*$")
_CLAUSE_END = "，。；：！？,;:!?\n（）()"
_BOUNDARY_RE = re.compile("[" + re.escape(_CLAUSE_END) + "]")
_QUOTES = "“”‘’\"'《》「」『』〈〉"
_DROP_QUOTES = str.maketrans("", "", _QUOTES)
_LEAD_WORDS = ("全年", "全区", "全市", "全县", "每人", "每户", "将", "为", "对", "实现", "计划", "累计", "共", "并", "同时",
               "其中", "均", "再", "年内", "力争", "确保")
_TRAIL_WORDS = ("均", "统一", "累计", "共", "全年", "再", "总数", "每人", "每户", "每年", "每月")
_VERBS = ("给予", "购买", "升级", "改造", "统一", "纳入", "提供", "开展", "实施", "进行", "线上", "办理",
          "参与", "接受", "享受", "建设", "实现", "完成", "免费", "开放", "投入", "投用", "使用")
_LEAD_VERB_RE = re.compile(r"^(?:需要|在|有|患有|符合|参与|长期)")
_STRONG_VERBS = ("提供", "开展", "举办", "组织", "建设", "打造", "实施", "完成", "安装", "办理", "筹集")
_PREFIX_WORDS = tuple(word for word, _ in _PREFIX)
_MAX_METRIC = 16
_NOUN_RE = re.compile(r"[^\d、和及与或的]*")
# Item numbers (1. / （2） / 三、) and leading years (2025年拟…) are never part of a metric.
_ITEM_NO_RE = re.compile(r"^\s*(?:[(（]?[\d一二三四五六七八九十]+[)）.．、]|\d{4}年度?(?:[至到-]\d{4}年)?)")


def _strip_words(phrase: str) -> str:
    """Trim connectors, comparator words and fillers that do not belong to the metric."""
    phrase = _ITEM_NO_RE.sub("", phrase.translate(_DROP_QUOTES)).strip(" 、和及与或")
    changed = True
    while changed and phrase:
        changed = False
        # Each loop strips in list order, re-testing the shortened phrase; the one-call tuple
        # test skips a loop that would strip nothing (most phrases), it does not replace it.
        if phrase.endswith(_PREFIX_WORDS):
            for word in _PREFIX_WORDS:
                if phrase.endswith(word):
                    phrase, changed = phrase[: -len(word)], True
        if phrase.endswith(_TRAIL_WORDS):
            for word in _TRAIL_WORDS:
                if phrase.endswith(word):
                    phrase, changed = phrase[: -len(word)], True
        if phrase.startswith(_LEAD_WORDS):
            for word in _LEAD_WORDS:
                if phrase.startswith(word) and len(phrase) > len(word):
                    phrase, changed = phrase[len(word):], True
        phrase = phrase.strip(" 、和及与或")
    return phrase


def _clause_start(text: str, pos: int) -> int:
    """Just after the last clause boundary in the ``_WINDOW`` characters before ``pos``, else the window's start."""
    lo = max(0, pos - _WINDOW)
    m = _BOUNDARY_RE.search(text[lo:pos][::-1])
    return pos - m.start() if m else lo


def _metric_before(text: str, start: int, floor: int, clause_lo: int) -> str:
    """The phrase between the previous clause boundary (``clause_lo``) or target and the number."""
    phrase = _strip_words(text[max(floor, clause_lo):start])
    if len(phrase) > 12:  # keep the object of the last verb, not the whole clause
        cut = max((phrase.rfind(v) + len(v) for v in _STRONG_VERBS if v in phrase[:-1]), default=0)
        phrase = _strip_words(phrase[cut:]) or phrase
    return phrase


def _metric_after(text: str, end: int) -> str:
    """The noun a number qualifies when it precedes it (32所学校食堂, 750个停车场泊位)."""
    boundary = _BOUNDARY_RE.search(text, end, end + _WINDOW)
    clause = text[end: boundary.start() if boundary else end + _WINDOW].lstrip("的")
    if _LEAD_VERB_RE.match(clause) and "的" in clause:  # 300余名需要…康复训练的特需儿童
        clause = clause[clause.rfind("的") + 1:]
    m = _NOUN_RE.match(clause)
    phrase = m.group(0) if m else ""
    cuts = [phrase.find(v) for v in _VERBS if v in phrase]
    if cuts:
        phrase = phrase[: min(cuts)]
    return _strip_words(phrase)[:_MAX_METRIC]


def _comparator(text: str, m: re.Match[str], lo: int) -> str:
    """Bounds stated after the number (以上, 余, 左右) beat those before it (不少于, 达到)."""
    if m.group("lo"):  # a range 3-5个 is reported as its upper bound
        return "at_most"
    for key in ("yu", "post"):
        if m.group(key):
            return _SUFFIX[m.group(key)]
    before = _FILLER_RE.sub("", text[lo: m.start()].rstrip())
    if before.endswith(_PREFIX_WORDS):  # one call rules out the common case, no bound word
        for word, comp in _PREFIX:
            if before.endswith(word):
                return comp
    return "exact"


def _inside_quotes(text: str, pos: int) -> bool:
    """True when ``pos`` sits in a short quoted name like “520阳光心理校园行”."""
    for open_q, close_q in (("“", "”"), ("《", "》"), ("「", "」"), ('"', '"')):
        o = text.rfind(open_q, max(0, pos - 20), pos)
        if o >= 0 and text.rfind(close_q, o + 1, pos) < 0 and 0 <= text.find(close_q, pos) - pos < 20:
            return True
    return False


def _skip(text: str, m: re.Match[str]) -> bool:
    """Numbers that are dates, ages, ordinals, codes or quoted names."""
    start, end = m.start(), m.end("num")
    prev = text[start - 1] if start else ""
    if prev and (prev.isascii() and (prev.isalnum() or prev in ".-/~+") or prev in "第－—～"):
        return True
    rest = text[end:]
    if m.group("mult"):
        rest = text[m.end("mult"):]
    if any(rest.startswith(w) for w in _NOT_QUANTITY) or rest[:1] in "-~－—～" and rest[1:2].isdigit():
        return True
    if not m.group("unit") and not m.group("mult"):
        return True
    # 部 counts lifts and films (电梯100部), but "3部门" names departments.
    if m.group("unit") == "部" and text[m.end("unit"):m.end("unit") + 1] in ("门", "委", "署"):
        return True
    return _inside_quotes(text, start)


def extract_targets(text: str) -> list[Target]:
    """Every quantitative target in a commitment's text, in order of appearance.

    Offsets refer to the text as given; full-width digits are read as half-width (the
    mapping is one character to one character, so offsets survive). Never raises.
    """
    if not text:
        return []
    norm = to_halfwidth(text).translate(_TRAD_UNITS)
    targets: list[Target] = []
    floor = 0
    for m in _NUM_RE.finditer(norm):
        if _skip(norm, m):
            continue
        try:
            value = float(m.group("num").replace(",", "")) * _MULT.get(m.group("mult") or "", 1)
        except ValueError:
            continue
        unit = m.group("unit") or ""
        unit = _UNIT_ALIASES.get(unit, unit)
        clause_lo = _clause_start(norm, m.start())
        metric = _metric_after(norm, m.end()) if norm[m.end(): m.end() + 1].strip(_CLAUSE_END + "、") else ""
        metric = metric or _metric_before(norm, m.start(), floor, clause_lo)
        if not metric and targets:  # 累计达20家以上: same metric as the target it follows
            metric = targets[-1].metric
        comparator = _comparator(norm, m, clause_lo)
        if comparator == "exact" and targets and not norm[floor: m.start()].strip("、和及与 "):
            comparator = targets[-1].comparator  # 不少于30周、230村次: one bound for the list
        # The context that qualifies a target type is the item around it; a bounded window
        # is the whole of any real item and keeps a runaway text linear.
        concept = classify_target(metric, norm[max(0, m.start() - _CONTEXT): m.end() + _CONTEXT])
        targets.append(Target(
            metric=metric, value=value, unit=unit, comparator=comparator,
            cumulative="累计" in norm[clause_lo: m.start()], raw=text[m.start(): m.end()],
            start=m.start(), end=m.end(),
            target_type=concept.id if concept else None, target_type_label=concept.label if concept else None))
        floor = m.end()
    return targets
