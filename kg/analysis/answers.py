"""Answer a parsed question with a structured query over the workspace, never with search alone.

Selection is exact: commitments of the named years, places, departments (by role when the
question says 牵头), officials and taxonomy concepts. Search is used only to turn a free-text
topic that names no concept into commitment ids, through a caller-supplied function that
applies its own relevance floor (kg does not import search). Every answer carries one
Chinese sentence, the rows behind it, the commitments as evidence and the filters used.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from kg.analysis.question import ParsedQuestion, parse_question
from kg.analysis.rows import RowList, TargetRow
from kg.analysis.selection import Selection, row_item
from kg.analysis.vocabulary import Row, Vocabulary, workspace_vocabulary
from kg.errors import QueryError

# (topic, years, jurisdiction codes) -> ids of commitments about the topic, already floored.
TopicSearch = Callable[[str, list[int], list[str]], list[str]]
MAX_LISTED = 8  # titles named in one sentence
# Items (and commitment ids inside one item) an answer carries; `items_total` and
# `commitments_total` give the full numbers. At 100k synthetic commitments 哪些部门负责养老 has
# 2,000 departments and 区民政局负责哪些项目 17,789 items (5.6 MB of JSON, 0.3 s to build and
# print); 500 keeps every answer of the three question files whole (the largest has 68) and a
# broad answer under ~0.3 MB.
MAX_ITEMS = 500


@dataclass
class Answer:
    """The JSON shape of `minsheng ask` and GET /ask."""

    question: str
    kind: str
    answerable: bool
    answer: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    items_total: int = 0  # items before the MAX_ITEMS cap
    evidence: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)
    value: float | int | None = None  # the number asked for (a count, a change), when there is one
    reason: str | None = None
    suggestions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "question", "kind", "answerable", "answer", "value", "entities", "items", "items_total", "evidence", "query",
            "reason", "suggestions")}


_SUGGESTIONS = ["市中区2024年有多少件民生实事？", "哪些部门负责养老？", "区民政局负责哪些项目？",
                "养老床位的目标是多少？", "区妇联和哪些部门合作？"]


def _unanswerable(question: str, pq: ParsedQuestion, reason: str, suggestions: Iterable[str] = ()) -> Answer:
    sugg = list(dict.fromkeys([*suggestions, *pq.suggestions]))[:5] or _SUGGESTIONS
    return Answer(question=question, kind=pq.kind, answerable=False, answer=f"无法回答：{reason}。",
                  entities=[e.to_dict() for e in pq.entities], reason=reason, suggestions=sugg,
                  query={"kind": pq.kind})


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def answer_parsed(store: Any, vocab: Vocabulary, pq: ParsedQuestion, question: str,
                  topic_ids: list[str] | None = None) -> Answer:
    """Answer an already parsed question; ``topic_ids`` resolves ``pq.topic`` when no concept is named."""
    if pq.problems:
        return _unanswerable(question, pq, "；".join(dict.fromkeys(pq.problems)))
    if pq.kind == "not_understood":
        return _unanswerable(question, pq, "没有识别出年份、地区、部门、领导或主题，无法理解这个问题")
    if not vocab.rows:
        return _unanswerable(question, pq, "工作区中还没有民生实事")
    ctx = Selection(store, vocab, pq, topic_ids)
    handler = {"list": _list, "count": _count, "who": _who, "target": _target, "trend": _trend,
               "partners": _partners, "overlap": _overlap, "compare": _compare}[pq.kind]
    result = handler(ctx)
    result.question = question
    result.entities = [e.to_dict() for e in pq.entities]
    return result


def _result(ctx: Selection, sentence: str, items: list[dict[str, Any]], ids: Iterable[str], *,
            total: int | None = None, **kw: Any) -> Answer:
    """The answer; ``items`` may already be cut to MAX_ITEMS, ``total`` then says how many there were."""
    value = kw.pop("value", None)
    for item in items[:MAX_ITEMS]:
        listed = item.get("commitments")
        if isinstance(listed, list) and len(listed) > MAX_ITEMS:
            item["commitments_total"] = len(listed)
            item["commitments"] = listed[:MAX_ITEMS]
    return Answer(question="", kind=ctx.pq.kind, answerable=True, answer=sentence, items=items[:MAX_ITEMS],
                  items_total=len(items) if total is None else total, evidence=ctx.evidence(ids),
                  query=ctx.query(**kw), value=value)


def _row_items(ctx: Selection, rows: RowList) -> list[dict[str, Any]]:
    return [row_item(ctx.vocab, r) for r in rows[:MAX_ITEMS]]


def _titles(rows: Sequence[Row]) -> str:
    shown = "；".join(r.title for r in rows[:MAX_LISTED])
    return shown + ("等" if len(rows) > MAX_LISTED else "")


def _list(ctx: Selection) -> Answer:
    rows = ctx.select()
    desc = f"{ctx.scope()}{ctx.who_phrase()}{ctx.topic_phrase()}民生实事"
    sentence = f"{desc}共{len(rows)}项：{_titles(rows)}。" if rows else f"没有找到{desc}。"
    return _result(ctx, sentence, _row_items(ctx, rows), rows.ids(), total=len(rows), value=len(rows))


def _people(ctx: Selection, rows: RowList, subject: str) -> list[dict[str, Any]]:
    v = ctx.vocab
    agg: dict[str, dict[str, Any]] = {}
    for cid, departments, officials in rows.refs():
        refs = ctx.roles(departments) if subject == "departments" else [(o, "lead") for o in officials]
        for ref, role in refs:
            item = agg.get(ref)
            if item is None:
                info = v.departments[ref] if subject == "departments" else v.officials[ref]
                item = agg[ref] = {"name": info["name"], "id": ref, "jurisdiction": v.place_name(info["code"]),
                                   "roles": [], "commitments": []}
            item["commitments"].append(cid)
            if role not in item["roles"]:
                item["roles"].append(role)
    return sorted(agg.values(), key=lambda i: (-len(i["commitments"]), i["id"]))


def _named(items: list[dict[str, Any]], with_counts: bool = True) -> str:
    places = {i["jurisdiction"] for i in items}
    parts = []
    for i in items[:MAX_LISTED * 2]:
        where = f"{i['jurisdiction']}，" if len(places) > 1 else ""
        parts.append(f"{i['name']}（{where}{len(i['commitments'])}项）" if with_counts else i["name"])
    return "、".join(parts) + ("等" if len(items) > MAX_LISTED * 2 else "")


def _count(ctx: Selection) -> Answer:
    pq = ctx.pq
    rows = ctx.select()
    if pq.subject == "commitments":
        desc = f"{ctx.scope()}{ctx.who_phrase()}{ctx.topic_phrase()}"
        sentence = f"{desc}共有{len(rows)}件民生实事。"
        return _result(ctx, sentence, _row_items(ctx, rows), rows.ids(), total=len(rows), value=len(rows))
    items = _people(ctx, rows, pq.subject)
    if not items and rows and pq.subject == "officials":
        return _no_officials(ctx, rows)
    noun = "位牵头领导" if pq.subject == "officials" else "个责任单位"
    sentence = f"{ctx.scope()}{ctx.topic_phrase()}民生实事共有{len(items)}{noun}：{_named(items, False)}。"
    return _result(ctx, sentence, items, rows.ids(), value=len(items))


def _who(ctx: Selection) -> Answer:
    pq = ctx.pq
    rows = ctx.select()
    items = _people(ctx, rows, pq.subject)
    what = f"{ctx.scope()}{ctx.who_phrase()}{ctx.topic_phrase()}民生实事"
    role = "牵头领导" if pq.subject == "officials" else ("牵头部门" if pq.lead_only else "责任部门")
    if not items and rows and pq.subject == "officials":
        return _no_officials(ctx, rows)
    if not items:
        return _result(ctx, f"没有找到{what}的{role}。", [], rows.ids(), value=0)
    sentence = f"{what}的{role}有{len(items)}个：{_named(items)}。"
    if pq.subject == "officials":
        sentence = f"{what}的{role}有{len(items)}位：{_named(items)}。"
    return _result(ctx, sentence, items, rows.ids(), value=len(items))


def _no_officials(ctx: Selection, rows: Sequence[Row]) -> Answer:
    # Many lists name no 牵头领导 at all; "none" would be a claim the document never makes.
    places = "、".join(dict.fromkeys(ctx.vocab.place_name(r.code) for r in rows))
    return _unanswerable(ctx.pq.text, ctx.pq, f"{places}的清单没有列出牵头领导",
                         [f"{places}有哪些责任单位？"])


def _wanted_targets(ctx: Selection, targets: list[TargetRow]) -> list[TargetRow]:
    types = [k for k in ctx.pq.concepts if ctx.tax.by_id[k].kind == "target_type"]
    if types:
        return [t for t in targets if t.target_type in types]
    themes = set(ctx.pq.concepts)
    if themes:
        # A theme's own target types, and generic ones (rates) whose meaning the item gives; not the
        # 低保标准 of an item that is also about 就业.
        return [t for t in targets if t.target_type and (
            not ctx.tax.by_id.get(t.target_type) or not ctx.tax.by_id[t.target_type].broader
            or themes & set(ctx.tax.by_id[t.target_type].broader))]
    return [t for t in targets if t.target_type]


def _target_items(ctx: Selection, rows: RowList) -> list[dict[str, Any]]:
    # Targets only, not whole commitments: a target type across every district is thousands of items.
    items = []
    for (cid, code, year), targets in zip(rows.places(), rows.targets(), strict=True):
        place = ctx.vocab.place_name(code)
        for t in _wanted_targets(ctx, targets):
            items.append({"id": cid, "jurisdiction": place, "jurisdiction_code": code,
                          "year": year, "metric": t.metric, "value": t.value, "unit": t.unit,
                          "comparator": t.comparator, "cumulative": t.cumulative, "target_type": t.target_type_label,
                          "raw": t.raw})
    return items


_COMPARATOR = {"at_least": "以上", "at_most": "以内", "about": "左右"}


def _target_text(i: dict[str, Any]) -> str:
    extra = "（累计）" if i["cumulative"] else ""
    return f"{i['metric']}{_fmt(i['value'])}{i['unit']}{_COMPARATOR.get(i['comparator'], '')}{extra}"


def _target(ctx: Selection) -> Answer:
    rows = ctx.select()
    items = _target_items(ctx, rows)
    what = f"{ctx.scope()}{ctx.who_phrase()}{ctx.topic_phrase()}民生实事"
    if not items:
        return _result(ctx, f"{what}没有写明量化目标。" if rows else f"没有找到{what}。", [], rows.ids())
    by_doc: dict[tuple[str, int], list[str]] = defaultdict(list)
    for i in items:
        by_doc[(i["jurisdiction"], i["year"])].append(_target_text(i))
    parts = [f"{place}{year}年{'、'.join(texts)}" for (place, year), texts in by_doc.items()]
    label = ("、".join(ctx.tax.by_id[c].label for c in ctx.pq.concepts) or ctx.pq.topic or "、".join(ctx.pq.ids)
             or f"{what}的")
    sentence = f"{label}目标：{'；'.join(parts)}。"
    value = items[0]["value"] if len(items) == 1 else None
    return _result(ctx, sentence, items, [i["id"] for i in items], value=value)


def _totals(items: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """Sum per (target type, unit) of the year's increments; running totals only when nothing else is stated."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    increments = [i for i in items if not i["cumulative"]] or items
    for i in increments:
        out[(i["target_type"] or i["metric"], i["unit"])] += i["value"]
    return dict(out)


def _trend(ctx: Selection) -> Answer:
    rows = ctx.select()
    items = _target_items(ctx, rows)
    series: dict[tuple[str, str, str], dict[int, float]] = defaultdict(dict)
    for (code, year), group in _group(items, ("jurisdiction", "year")).items():
        for (ttype, unit), total in _totals(group).items():
            series[(code, ttype, unit)][year] = total
    out_items, parts, changes = [], [], []
    for (place, ttype, unit), by_year in series.items():
        years = sorted(by_year)
        if len(years) < 2:
            continue
        change = by_year[years[-1]] - by_year[years[0]]
        changes.append(change)
        steps = "，".join(f"{y}年{_fmt(by_year[y])}{unit}" for y in years)
        word = "增加" if change > 0 else "减少" if change < 0 else "持平"
        parts.append(f"{place}{ttype}：{steps}，{word}{_fmt(abs(change)) + unit if change else ''}")
        out_items.append({"jurisdiction": place, "target_type": ttype, "unit": unit,
                          "years": {str(y): by_year[y] for y in years}, "change": change})
    if not out_items:
        label = "、".join(ctx.tax.by_id[c].label for c in ctx.pq.concepts) or ctx.pq.topic
        return _result(ctx, f"{label}没有跨年份可比的目标（至少需要两年的同类目标）。", [], [i["id"] for i in items])
    value = changes[0] if len(changes) == 1 else None
    return _result(ctx, "；".join(parts) + "。", out_items, [i["id"] for i in items], value=value)


def _group(items: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[tuple, list[dict[str, Any]]]:
    out: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for i in items:
        out[tuple(i[k] for k in keys)].append(i)
    return out


def _partners(ctx: Selection) -> Answer:
    v, pq = ctx.vocab, ctx.pq
    own = set(pq.departments[0])
    rows = ctx.select()
    agg: dict[str, dict[str, Any]] = {}
    for r in rows:
        for d, _role in r.departments:
            if d in own:
                continue
            info = v.departments[d]
            item = agg.setdefault(d, {"name": info["name"], "id": d, "jurisdiction": v.place_name(info["code"]),
                                      "commitments": []})
            item["commitments"].append(r.id)
    items = sorted(agg.values(), key=lambda i: (-len(i["commitments"]), i["id"]))
    name = "、".join(dict.fromkeys(v.departments[d]["name"] for d in pq.departments[0]))
    shared = [r.id for r in rows if any(d not in own for d, _ in r.departments)]
    if not items:
        return _result(ctx, f"{ctx.scope()}{name}没有与其他部门共同负责的民生实事。", [], [], value=0)
    sentence = f"{ctx.scope()}与{name}共同负责民生实事的部门有{len(items)}个：{_named(items)}。"
    return _result(ctx, sentence, items, shared, value=len(items))


def _overlap(ctx: Selection) -> Answer:
    pq, v = ctx.pq, ctx.vocab
    if len(pq.departments) >= 2 or len(pq.officials) >= 2:
        rows = ctx.select(all_groups=True)
        names = [v.departments[g[0]]["name"] for g in pq.departments] + [v.officials[g[0]]["name"] for g in pq.officials]
        joint = "、".join(dict.fromkeys(names))
        sentence = (f"{ctx.scope()}{joint}共同负责{len(rows)}项民生实事：{_titles(rows)}。" if rows
                    else f"{ctx.scope()}{joint}没有共同负责的民生实事。")
        return _result(ctx, sentence, _row_items(ctx, rows), rows.ids(), total=len(rows), value=len(rows))
    # Places: the target types (or themes, when asked) that every named place has.
    field_name = "themes" if any(w in pq.free for w in ("主题", "领域", "方面", "theme")) else "target_types"
    per_place: list[dict[str, list[str]]] = []
    for group in pq.places:
        found: dict[str, list[str]] = defaultdict(list)
        for r in ctx.select(codes=group):
            for k in getattr(r, field_name):
                found[k].append(r.id)
        per_place.append(found)
    common = [k for k in per_place[0] if all(k in p for p in per_place[1:])]
    order = {c.id: n for n, c in enumerate([*ctx.tax.target_types, *ctx.tax.themes])}
    common.sort(key=lambda k: order.get(k, 10**6))
    items: list[dict[str, Any]] = [{"name": ctx.tax.by_id[k].label if k in ctx.tax.by_id else k, "id": k,
              "commitments": [cid for p in per_place for cid in p[k]]} for k in common]
    places = "和".join(v.place_name(g[0]) for g in pq.places)
    what = "主题" if field_name == "themes" else "目标类型"
    sentence = (f"{places}共同的{what}有{len(items)}个：{'、'.join(i['name'] for i in items)}。" if items
                else f"{places}没有共同的{what}。")
    return _result(ctx, sentence, items, [c for i in items for c in i["commitments"]], value=len(items))


def _compare(ctx: Selection) -> Answer:
    pq, v = ctx.pq, ctx.vocab
    # Each side: its label and the Selection.select filter (keyword -> value) that picks its rows.
    sides: list[tuple[str, dict[str, Any]]]
    if pq.compare_over == "places":
        sides = [(v.place_name(code), {"codes": [code]}) for code in v.places]
    elif pq.compare_over == "years":
        sides = [(f"{y}年", {"years": [y]}) for y in v.years]
    elif len(pq.places) >= 2:
        sides = [(v.place_name(g[0]) if len(g) == 1 else "、".join(v.place_name(c) for c in g), {"codes": g})
                 for g in pq.places]
    elif pq.year_groups and (len(pq.year_groups) >= 2 or len(pq.year_groups[0]) >= 2):
        years = pq.year_groups[0] if len(pq.year_groups) == 1 else [g[0] for g in pq.year_groups]
        sides = [(f"{y}年", {"years": [y]}) for y in years]
    elif len(pq.departments) >= 2:
        sides = [("、".join(dict.fromkeys(v.departments[d]["name"] for d in g)), {"depts": [g]}) for g in pq.departments]
    elif len(pq.officials) >= 2:
        sides = [(v.officials[g[0]]["name"], {"officials": [g]}) for g in pq.officials]
    else:  # two or more concepts: 养老和教育哪个多
        sides = [(ctx.tax.by_id[k].label, {"concepts": [k]}) for k in pq.concepts]
    types = [k for k in pq.concepts if ctx.tax.by_id[k].kind == "target_type"]
    if "concepts" in sides[0][1]:
        types = []  # concepts are the sides; what is compared is how many commitments each has
    items: list[dict[str, Any]] = []
    parts: list[str] = []
    ids: list[Iterable[str]] = []
    for label, filt in sides:
        rows = ctx.select(**filt)
        ids.append(rows.ids())
        span = sorted(rows.years())
        if "codes" in filt and not pq.years and len(span) > 1:
            # A place with several lists: say the total covers them all.
            label = f"{label}（{span[0]}—{span[-1]}年合计）"
        if types:
            totals = _totals(_target_items(ctx, rows))
            for (ttype, unit), total in totals.items():
                items.append({"side": label, "target_type": ttype, "value": total, "unit": unit,
                              **_commitments(rows)})
            parts.append(f"{label}" + ("、".join(f"{_fmt(t)}{u}" for (_, u), t in totals.items()) or "没有该目标"))
        else:
            items.append({"side": label, "value": len(rows), "unit": "项", **_commitments(rows)})
            parts.append(f"{label}{len(rows)}项")
    subject = "" if "concepts" in sides[0][1] else (
        "、".join(ctx.tax.by_id[k].label for k in pq.concepts) or (pq.topic if ctx.topic_ids is not None else ""))
    by_places = pq.compare_over == "places" or (len(pq.places) >= 2 and pq.compare_over is None)
    prefix = f"{ctx.scope(places=not by_places, years=by_places)}{subject}{'目标' if types else '民生实事'}对比："
    sentence = prefix + "，".join(parts) + "。"
    if len(items) >= 2 and len({i["unit"] for i in items}) == 1 and re.search(r"最|哪|most|least|fewest|which", pq.free, re.I):
        pick = min if re.search(r"最少|少|least|fewest", pq.free) else max
        best = pick(items, key=lambda i: i["value"])
        ties = [i["side"] for i in items if i["value"] == best["value"]]
        word = "最少" if pick is min else "最多"
        sentence += f"{word}的是{'、'.join(ties)}（{_fmt(best['value'])}{best['unit']}）。"
    return _result(ctx, sentence, items, chain.from_iterable(ids))


def _commitments(rows: RowList) -> dict[str, Any]:
    """An item's commitment ids, cut to MAX_ITEMS without reading the rest (a side may be 20k rows)."""
    out: dict[str, Any] = {"commitments": list(islice(rows.ids(), MAX_ITEMS))}
    if len(rows) > MAX_ITEMS:
        out["commitments_total"] = len(rows)
    return out


def answer_question_text(store: Any, question: str, topic_search: TopicSearch | None = None, *,
                         year: int | None = None, jurisdiction: str | None = None) -> Answer:
    """Parse and answer ``question`` over ``store``; ``topic_search`` resolves free-text topics.

    ``year`` and ``jurisdiction`` (name, short name or code) apply when the question names none.
    """
    from kg.analysis.question import MAX_QUESTION_CHARS

    if not question or not question.strip():
        raise QueryError("question: expected a question such as 市中区2024年有多少件民生实事？")
    if len(question) > MAX_QUESTION_CHARS:
        raise QueryError(f"question: at most {MAX_QUESTION_CHARS} characters, got {len(question)}")
    vocab = workspace_vocabulary(store)
    pq = parse_question(question, vocab)
    _apply_defaults(store, pq, year, jurisdiction)
    topic_ids = None
    if pq.topic and not pq.concepts and not pq.problems and pq.kind != "not_understood":
        if topic_search is None:
            return _unanswerable(question, pq, f"“{pq.topic}”不是工作区中的部门、领导、地区或主题")
        codes = [c for g in pq.places for c in g]
        topic_ids = topic_search(pq.topic, pq.years, codes)
        if not topic_ids:
            return _unanswerable(question, pq, f"没有找到与“{pq.topic}”相关的民生实事")
    return answer_parsed(store, vocab, pq, question, topic_ids)


def _apply_defaults(store: Any, pq: ParsedQuestion, year: int | None, jurisdiction: str | None) -> None:
    from kg.analysis.question import classify

    changed = False
    if year is not None and not pq.years:
        pq.years, pq.year_groups, changed = [year], [[year]], True
    if jurisdiction and not pq.places:
        # The question's own vocabulary first, so that 章丘 works here as it does in the question.
        forms = workspace_vocabulary(store).forms.get(jurisdiction.strip(), [])
        codes = next((list(f.refs) for f in forms if f.kind in ("jurisdiction", "city")), None)
        code = store.jurisdiction_code(jurisdiction)
        codes = codes or ([code] if code else None)
        if codes is None:
            pq.problems.append(f"工作区中没有“{jurisdiction}”的民生实事清单")
        elif len(codes) > 1 and any(f.kind == "jurisdiction" for f in forms):
            pq.problems.append(f"“{jurisdiction}”可以指{'、'.join(workspace_vocabulary(store).place_name(c) for c in codes)}，请写明是哪一个")
        else:
            pq.places, changed = [codes], True
    if changed and pq.kind == "not_understood":
        classify(pq)
