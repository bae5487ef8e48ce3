"""Read a question: which years, places, departments, officials and topics it names, and what it asks.

Names are matched against the workspace vocabulary (longest form first, left to right), so
"区卫健局", "卫生健康局" and "卫健部门" all reach the same departments and "章丘" reaches
济南市章丘区. What is left after the names and the question words is a free-text topic.
The kind of question comes from its question words; see `classify`. No model and no
network: the vocabulary of these lists is small and formulaic, and a rule that can be
read is a rule a researcher can trust or correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kg.analysis.vocabulary import Surface, Vocabulary
from kg.text import collapse_spaces, normalize_text
from kg.vocab.taxonomy import load_taxonomy

MAX_QUESTION_CHARS = 300

KINDS = ("list", "count", "who", "target", "trend", "partners", "overlap", "compare", "not_understood")

_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?(?:度)?")
_YEAR_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:到|至|-|—|–|~|～|to)\s*((?:19|20)\d{2})\s*年?")
_RELATIVE = {"今年": 0, "本年": 0, "this year": 0, "去年": -1, "上一年": -1, "上年": -1, "last year": -1,
             "前年": -2, "明年": 1, "next year": 1}
_TITLE = re.compile(r"([\u4e00-\u9fff])(?:副?(?:区|县|市)长|书记|主任|副?(?:区|县|市)委书记)")
_TITLE_AFTER = re.compile(r"副?(?:区|县|市)长|(?:区|县|市)委?书记|主任|同志")
_ACTOR = re.compile(r"([\u4e00-\u9fff]{2,10}?)(?:副?(?:区|县|市)长|同志)?(?:牵头|负责|分管|主抓|承担)")
# Words that end in a level character but are not places.
_NOT_PLACES = ("社区", "小区", "城区", "辖区", "全区", "各区", "本区", "园区", "景区", "街区", "商埠区", "片区", "市民", "城市",
               "全市", "各县", "全县", "本市", "县区", "区县", "市区", "商业区", "工业区", "居住区", "校区", "院区",
               "保护区", "功能区", "示范区", "超市", "集市", "夜市", "菜市", "门市", "上市", "都市", "各市", "市场", "市级")
_PLACE_LIKE = re.compile(r"[\u4e00-\u9fff]{2,}?(?:省|自治区|市|区|县)")

_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("compare", re.compile(r"比较|对比|相比|比一比|比(?:怎么样|如何|起来|一下)|差异|区别|不同之处|哪个.{0,10}(?:多|少|高|低|大|小)|更多|更少|"
                           r"compare|versus|\bvs\.?\b|difference|which has more|more than|fewer", re.I)),
    ("trend", re.compile(r"变化|增减|趋势|涨|降了|升了|多了|少了|历年|逐年|增长了|下降了|提高了|降低了|"
                         r"(?:增加|增长|提高|上升|变多).{0,4}还是|change|trend|evolv|increase|decrease", re.I)),
    ("partners", re.compile(r"(?:和|与|跟|同)(?:哪些|哪个|什么)(?:部门|单位)|合作|协同|配合|协作|一起|work(?:s|ed)? with|partner|cooperat|collaborat", re.I)),
    ("overlap", re.compile(r"重叠|重复|交叉|共同|共有|都负责|都牵头|同时|overlap|in common|shared|both", re.I)),
]
# What `ask` does not answer (posts, budgets, reasons, progress and deadlines): asked about, these
# get an honest refusal instead of the nearest answer (区民政局的局长是谁 is not "which departments").
_NOT_RECORDED = re.compile(r"局长|处长|科长|主任是谁|负责人是谁|联系人|联系电话|电话|地址|网址|预算|投资额|花了多少钱|经费|GDP|"
                           r"为什么|为何|原因|\bwhy\b|什么时候|何时|几月|进度|进展|完成了吗|完成情况|\bwhen\b", re.I)
_COMMITMENT_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{6}|x[0-9a-f]{6})-\d{4}-\d{2,3}(?![0-9])", re.I)
_SUPPORTING = re.compile(r"(?:配合|协助|协办|协同)了?(?:哪些|哪几|什么|多少|几)")
_GENERIC = re.compile(r"民生实事项目|民生实事|实事项目")
# "Which district has most…", "each year": a comparison over every place or year of the workspace.
_ALL_PLACES = re.compile(r"哪个区|哪个县|哪个地区|哪个地方|各区|各县|每个区|每个县|各地|which district|each district|per district", re.I)
_ALL_YEARS = re.compile(r"哪一年|哪年|每年|各年|每一年|which year|each year|per year", re.I)
_EACH = re.compile(r"各|分别|最多|最少|哪个.{0,10}(?:多|少)|\beach\b|\bper\b|\bmost\b|fewest|least", re.I)
_COUNT = re.compile(r"多少|几(?:件|项|个|位|名|家)|数量|how many|number of|count", re.I)
_COUNTABLE = re.compile(r"项目|民生实事|实事|件|项(?!目标)|部门|单位|领导|commitment|project|item|department|official|agenc", re.I)
_TARGET = re.compile(r"目标|指标|多少|几|数量|提高到|提高至|达到|任务|target|goal|how many|how much", re.I)
_ASKS_OFFICIALS = re.compile(r"领导|区长|县长|市长|哪位|谁牵头|officials?\b|leaders?\b|who leads|who led", re.I)
_ASKS_DEPTS = re.compile(r"部门|单位|谁|由谁|departments?\b|agenc|who\b", re.I)
_QUESTION_WORD = re.compile(r"哪|谁|什么|多少|几|which|what|who|how", re.I)
_TARGET_WORD = re.compile(r"目标|指标|target|goal", re.I)
_LEAD = re.compile(r"牵头|主抓|\blead|\bled\b", re.I)

# Question words, fillers and verbs removed before what is left is taken as a free-text topic.
_FILLER = re.compile(
    r"哪些部门|哪个部门|什么部门|哪些单位|哪个单位|什么单位|责任单位|牵头单位|牵头领导|哪位领导|哪些领导|哪个领导|"
    r"民生实事|实事|项目|工作|方面|部门|单位|领导|类型|种类|相关|有关|涉及|关于|参与|主题|领域|类别|方面|重复|重合|相同|差异|区别|趋势|增减|同时|参加|包含|包括|属于|情况|内容|事项|目标|指标|任务|数量|"
    r"负责|牵头|承担|主抓|分管|合作|协同|配合|一起|共同|重叠|交叉|比较|对比|相比|变化|"
    r"局长|处长|科长|主任|负责人|联系人|电话|地址|预算|经费|为什么|为何|原因|什么时候|何时|进度|进展|完成|"
    r"哪一年|哪年|哪一|哪个区|哪个县|最多|最少|更多|更少|分别|每年|每个|各区|各县|清单|名单|列表|"
    r"请列出|列出|列举|显示|查询|查一下|看看|一共|总共|共有|共|多少|几|哪些|哪个|哪几|什么|怎么样|怎样|如何|是否|有没有|谁|由|是|有|在|的|了|吗|呢|吧|啊|"
    r"和|与|跟|同|及|请问|请|告诉我|我想知道|要|个|件|项|位|名|条|所|张|各|都|年|区长|副区长|"
    r"\b(?:how many|how much|how|which|what|who|is|are|the|of|in|for|does|did|do|have|has|there|list|commitments?|"
    r"projects?|items?|departments?|officials?|responsible|led|lead|by|targets?|and|on|with|work|a|an|to|s|"
    r"change|changed|compare|between|many|much|leads|mentions?|about|related|regarding|concerning|"
    r"overlaps?|common|shared|both|trend|partners?|works?)\b|"
    r"[？?！!。，,、；;：:\s（）()“”\"'’·.]+", re.I)


@dataclass
class Entity:
    """A name found in the question, with the ids it stands for."""

    type: str  # year | jurisdiction | department | official | concept | topic
    text: str
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    start: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "ids": self.ids, "names": self.names}


@dataclass
class ParsedQuestion:
    """What `parse_question` recognised; ``problems`` are reasons the question cannot be answered."""

    text: str
    kind: str = "not_understood"
    compare_over: str | None = None  # "places" | "years": compare every place or year of the workspace
    subject: str = "commitments"  # what is counted or listed: commitments | departments | officials
    lead_only: bool = False  # "牵头" asked: departments marked lead (or the plain 责任单位 when none is)
    supporting_only: bool = False  # "配合了哪些": departments marked supporting (配合/协办单位)
    years: list[int] = field(default_factory=list)
    year_groups: list[list[int]] = field(default_factory=list)  # each year or range as written
    places: list[list[str]] = field(default_factory=list)  # each place as written -> codes
    departments: list[list[str]] = field(default_factory=list)
    officials: list[list[str]] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # commitment ids written in the question
    topic: str = ""
    free: str = ""  # the question with every recognised name blanked out
    entities: list[Entity] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def named(self) -> bool:
        return bool(self.years or self.places or self.departments or self.officials or self.concepts or self.ids)


_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")


@cache
def _to_simplified() -> Any:
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a dependency; without it traditional text just won't match
        return None
    return opencc.OpenCC("t2s")


def _clean(question: str) -> str:
    text = collapse_spaces(normalize_text(question))
    # The store holds simplified text; 區民政局負責哪些項目 must read as 区民政局负责哪些项目.
    if not text.isascii() and (converter := _to_simplified()) is not None:
        text = converter.convert(text)
    # 二〇二四年 is 2024年; only four numerals before 年 are a year (三年 or 十二年 are not).
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_YEAR_DIGITS), text)


def _find_ids(text: str, vocab: Vocabulary, pq: ParsedQuestion) -> list[tuple[int, int]]:
    spans = []
    for m in _COMMITMENT_ID.finditer(text):
        cid = m.group(0).lower()
        spans.append(m.span())
        if cid in vocab.rows:
            pq.ids.append(cid)
            pq.entities.append(Entity("commitment", m.group(0), [cid], [vocab.rows[cid].title], m.start()))
        else:
            pq.problems.append(f"工作区中没有编号为{m.group(0)}的民生实事")
            pq.suggestions.append("市中区2024年有哪些民生实事？")
    return spans


def _find_years(text: str, vocab: Vocabulary, pq: ParsedQuestion,
                skip: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = list(skip or [])
    for m in _YEAR_RANGE.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        group = list(range(a, b + 1))
        pq.year_groups.append(group)
        pq.entities.append(Entity("year", m.group(0), [str(y) for y in group], start=m.start()))
        spans.append(m.span())
    for m in _YEAR.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        pq.year_groups.append([int(m.group(1))])
        pq.entities.append(Entity("year", m.group(0), [m.group(1)], start=m.start()))
        spans.append(m.span())
    newest = vocab.newest_year
    lowered = text.lower()
    for word, offset in _RELATIVE.items():
        pos = lowered.find(word)
        if pos >= 0 and newest is not None:
            year = newest + offset
            pq.year_groups.append([year])
            pq.entities.append(Entity("year", word, [str(year)], start=pos))
            spans.append((pos, pos + len(word)))
    pq.years = sorted({y for g in pq.year_groups for y in g})
    return spans[len(skip or []):]


def _scan(text: str, vocab: Vocabulary, taken: list[tuple[int, int]]) -> list[tuple[int, int, str, Surface]]:
    """Longest vocabulary form at each position, left to right, skipping spans already taken."""
    found = []
    busy = [False] * len(text)
    for s, e in taken:
        for i in range(s, min(e, len(text))):
            busy[i] = True
    lowered = text.lower()
    i = 0
    while i < len(text):
        if busy[i]:
            i += 1
            continue
        hit = None
        if text[i].isascii() and text[i].isalpha() and (i == 0 or not lowered[i - 1].isalnum()):
            for form, surfaces in vocab.ascii_forms.items():
                end = i + len(form)
                if not lowered.startswith(form, i) or (hit is not None and len(form) <= hit[1] - hit[0]):
                    continue
                if end == len(text) or not lowered[end].isalnum():
                    hit = (i, end, form, surfaces)
        else:
            for n in range(min(vocab.max_len, len(text) - i), 1, -1):
                if any(busy[i:i + n]):
                    continue
                exact = vocab.forms.get(text[i:i + n])
                if exact:
                    hit = (i, i + n, text[i:i + n], exact)
                    break
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i = hit[1]
    return [(s, e, f, surf) for s, e, f, surfs in found for surf in _pick(text, s, e, surfs)]


def _pick(text: str, start: int, end: int, surfaces: list[Surface]) -> list[Surface]:
    """Choose among the meanings of one form (卫健 the department function or the theme)."""
    if len(surfaces) == 1:
        return surfaces
    kinds = {s.kind: s for s in surfaces}
    after = text[end:end + 2]
    before = text[max(0, start - 6):start]
    if "concept" in kinds and ("function" in kinds or "department" in kinds):
        dept = kinds.get("department") or kinds["function"]
        # A department does things (卫健负责…, 卫健部门); a topic is asked about (哪些部门负责卫健).
        if re.match(r"部门|系统|单位|局|负责|牵头|承担|和|与|跟", after) and not _ASKS_DEPTS.search(before):
            return [dept]
        return [kinds["concept"]]
    if "department" in kinds:
        return [kinds["department"]]
    return surfaces[:1]


def parse_question(question: str, vocab: Vocabulary) -> ParsedQuestion:
    """Recognise names and classify ``question`` against the workspace ``vocab``."""
    text = _clean(question)
    pq = ParsedQuestion(text=text)
    taken = _find_ids(text, vocab, pq)
    taken += _find_years(text, vocab, pq, taken)
    # 民生实事项目 is the list's own name: 事项 inside it is not the target type 政务服务事项.
    taken += [m.span() for m in _GENERIC.finditer(text)]
    for s, e, form, surf in _scan(text, vocab, taken):
        taken.append((s, e))
        if surf.kind in ("jurisdiction", "city"):
            if surf.kind == "jurisdiction" and len(surf.refs) > 1:
                names = [vocab.place_name(c) for c in surf.refs]
                pq.problems.append(f"“{form}”可以指{'、'.join(names)}，请写明是哪一个")
                pq.suggestions.extend(question.replace(form, n) for n in names)
            pq.places.append(list(surf.refs))
            pq.entities.append(Entity("jurisdiction", form, list(surf.refs), [vocab.place_name(c) for c in surf.refs], s))
        elif surf.kind in ("department", "function"):
            pq.departments.append(list(surf.refs))
            pq.entities.append(Entity("department", form, list(surf.refs),
                                      list(dict.fromkeys(vocab.departments[d]["name"] for d in surf.refs)), s))
        elif surf.kind == "official":
            title = _TITLE_AFTER.match(text, e)
            if title:  # 许胜勇副区长: the title belongs to the name, it does not ask about leaders
                taken.append(title.span())
            pq.officials.append(list(surf.refs))
            pq.entities.append(Entity("official", form, list(surf.refs),
                                      list(dict.fromkeys(vocab.officials[o]["name"] for o in surf.refs)), s))
        elif surf.kind == "concept":
            cid = next(iter(surf.refs))
            if cid not in pq.concepts:
                pq.concepts.append(cid)
            c = load_taxonomy().by_id[cid]
            pq.entities.append(Entity("concept", form, [cid], [c.label], s))
    _narrowest_concepts(pq)
    _titled_officials(text, vocab, pq, taken)
    _unknown_places(text, vocab, pq, taken)
    _unknown_years(vocab, pq)
    pq.free = "".join(" " if any(s <= i < e for s, e in taken) else ch for i, ch in enumerate(text))
    pq.topic = _rest(pq.free)
    _unknown_actor(pq)
    unrecorded = _NOT_RECORDED.search(pq.free)
    if unrecorded:
        pq.problems.append(f"问答只回答清单中的内容、目标、牵头领导和责任单位，不回答“{unrecorded.group(0)}”"
                           "（某一项的进展和时限，如清单有记录，可用 minsheng show ID 查看）")
        pq.suggestions.extend(["区民政局负责哪些项目？", "养老床位的目标是多少？"])
    if pq.topic:
        pq.entities.append(Entity("topic", pq.topic))
    pq.entities.sort(key=lambda e: e.start)
    classify(pq)
    return pq


def _narrowest_concepts(pq: ParsedQuestion) -> None:
    # 新能源汽车充电桩 names the theme 能源 and the target type 充电桩; the target type is what is
    # meant, so a theme that is broader than another named concept is dropped.
    by_id = load_taxonomy().by_id
    broader = {b for c in pq.concepts for b in by_id[c].broader}
    pq.concepts = [c for c in pq.concepts if c not in broader]


def _titled_officials(text: str, vocab: Vocabulary, pq: ParsedQuestion, taken: list[tuple[int, int]]) -> None:
    # "张副区长": a surname and a title stand for the one official of that surname, if there is one.
    for m in _TITLE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        ids = [oid for oid, o in vocab.officials.items() if o["name"].startswith(m.group(1))]
        if not ids:
            continue
        taken.append(m.span())
        names = sorted({vocab.officials[o]["name"] for o in ids})
        if len(names) > 1:
            pq.problems.append(f"“{m.group(0)}”可以指{'、'.join(names)}，请写出全名")
            pq.suggestions.extend(text.replace(m.group(0), n) for n in names)
        pq.officials.append(ids)
        pq.entities.append(Entity("official", m.group(0), ids, names, m.start()))


def _unknown_places(text: str, vocab: Vocabulary, pq: ParsedQuestion, taken: list[tuple[int, int]]) -> None:
    free = "".join(" " if any(s <= i < e for s, e in taken) else ch for i, ch in enumerate(text))
    for m in _PLACE_LIKE.finditer(free):
        word = m.group(0)
        window = free[m.start():m.end() + 2]  # 市级, 市场 and 区域 continue past the match
        if (any(n in window for n in _NOT_PLACES) or len(word) < 3 or re.search(r"[哪什每各本全该这那其]", word)
                or re.match(r"[级场民域内外间]", free[m.end():m.end() + 1])):
            continue
        taken.append(m.span())
        pq.problems.append(f"工作区中没有“{word}”的民生实事清单")
        pq.suggestions.extend(f"{vocab.place_name(c)}有多少件民生实事？" for c in vocab.places)


def _unknown_actor(pq: ParsedQuestion) -> None:
    # "王小明牵头了哪些项目" / "区公安局负责什么": an unknown name in the doer's place is a person or
    # department this workspace does not have, not a topic to search for.
    m = _ACTOR.match(pq.free.strip())
    if m and m.group(1) == pq.topic and not (pq.departments or pq.officials):
        pq.problems.append(f"工作区中没有名为“{m.group(1)}”的牵头领导或责任单位")
        pq.suggestions.extend(["市中区的牵头领导有哪些？", "章丘区有哪些责任单位？"])


def _unknown_years(vocab: Vocabulary, pq: ParsedQuestion) -> None:
    missing = [y for y in pq.years if y not in vocab.years]
    if missing and not any(y in vocab.years for y in pq.years):
        have = "、".join(f"{y}年" for y in vocab.years)
        pq.problems.append(f"工作区中没有{'、'.join(f'{y}年' for y in missing)}的清单（现有：{have}）")
        pq.suggestions.extend(f"{y}年有多少件民生实事？" for y in vocab.years)


def _rest(free: str) -> str:
    rest = _FILLER.sub(" ", free)
    # A single character left over (参 of 参与, 做) is grammar, not a topic.
    return " ".join(w for w in rest.split() if len(w) >= 2)


def classify(pq: ParsedQuestion) -> None:
    """Set ``kind``, ``subject`` and ``lead_only`` from the question words left once names are removed."""
    text = pq.free  # "卫健部门" or "区民政局" must not read as the question word 部门 or 局
    pq.lead_only = bool(_LEAD.search(text))
    pq.supporting_only = bool(pq.departments and _SUPPORTING.search(text))
    if pq.supporting_only:
        pq.lead_only = False
    if _ASKS_OFFICIALS.search(text):
        pq.subject = "officials"
    elif _ASKS_DEPTS.search(text):
        pq.subject = "departments"
    if pq.officials and re.fullmatch(r"\W*(?:是谁|谁是|是哪位|是什么人|who is)\W*", text, re.I):
        pq.subject = "commitments"  # 张源是谁: what the workspace knows of them is what they lead
    n_places = len(pq.places)
    if not pq.named and not pq.topic and not (_ALL_PLACES.search(text) or _ALL_YEARS.search(text)):
        pq.kind = "not_understood"
        return
    two = (len(pq.departments) >= 2 or len(pq.officials) >= 2 or n_places >= 2 or len(pq.year_groups) >= 2
           or any(len(g) >= 2 for g in pq.year_groups))
    cues = {name for name, pattern in _CUES if pattern.search(text)}
    over = ("places" if n_places < 2 and _ALL_PLACES.search(text)
            else "years" if len(pq.years) < 2 and _ALL_YEARS.search(text) else None)
    comparable = two or len(pq.concepts) >= 2
    if ("compare" in cues or _EACH.search(text) or (over and _COUNT.search(text))) and (comparable or over) \
            and "trend" not in cues:
        pq.kind = "compare"
        pq.compare_over = None if comparable else over
    elif pq.supporting_only:  # 区卫健局配合了哪些项目: its items as a supporting unit, not its partners
        pq.kind = "count" if _COUNT.search(text) else "list"
    elif "partners" in cues and len(pq.departments) == 1 and (_QUESTION_WORD.search(text) or pq.subject == "departments"):
        pq.kind = "partners"
    elif ("overlap" in cues or "partners" in cues) and (len(pq.departments) >= 2 or len(pq.officials) >= 2 or n_places >= 2):
        pq.kind = "overlap"
    elif "trend" in cues and (pq.concepts or pq.topic):
        pq.kind = "trend"
    elif (_COUNT.search(text) and (_COUNTABLE.search(text) or _GENERIC.search(pq.text) or pq.subject != "commitments")
          and not _TARGET_WORD.search(text)):
        pq.kind = "count"
    elif pq.subject != "commitments":
        pq.kind = "who"
    elif (_TARGET.search(text) and (pq.concepts or pq.topic or pq.ids)) or (_TARGET_WORD.search(text) and pq.named):
        pq.kind = "target"
    else:
        pq.kind = "list"
