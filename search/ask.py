"""Answer simple questions ("哪些部门负责养老？") from search hits and the store.

A question is split into an intent (which departments, which officials, what targets,
or which commitments) and a topic; the topic selects commitments through the taxonomy
(a named theme or target type) and hybrid search, and the intent decides what is
aggregated from them. Every answer row carries the commitment ids it rests on.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.errors import QueryError
from kg.model import Commitment

_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("departments", re.compile(r"哪些部门|哪个部门|什么部门|哪些单位|哪个单位|责任单位|谁负责|由谁|哪家|which department|who is responsible", re.I)),
    ("officials", re.compile(r"哪些领导|哪位领导|谁牵头|牵头领导|哪个领导|which official", re.I)),
    ("targets", re.compile(r"多少|几个|几处|几所|目标|指标|how many|how much|target", re.I)),
]
_FILLER = re.compile(
    r"哪些部门|哪个部门|什么部门|哪些单位|哪个单位|责任单位|哪些领导|哪位领导|哪个领导|牵头领导|谁牵头|谁负责|由谁|"
    r"负责|牵头|多少|是|有|几个|几处|几所|目标|指标|哪些|什么|怎么样|如何|有没有|是否|请问|关于|的|了|吗|呢|"
    r"which departments?|who is responsible for|which officials?|how many|how much|targets? for|[？?！!。，,\s]+",
    re.I,
)


@dataclass
class Answer:
    """An answer with the rows that make it up and the commitments behind them."""

    question: str
    intent: str
    topic: str
    answer: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_question(question: str) -> tuple[str, str]:
    """(intent, topic): intent is departments | officials | targets | commitments."""
    intent = next((name for name, pattern in _INTENTS if pattern.search(question)), "commitments")
    topic = _FILLER.sub(" ", question).strip()
    return intent, topic or question.strip()


def _relevant(engine: Any, topic: str, top_k: int, filters: dict[str, Any]) -> tuple[list[Commitment], str | None]:
    from kg.vocab.taxonomy import resolve_concept

    store = engine.workspace.store()
    concept = resolve_concept(topic)
    if concept is not None:
        # A named theme or target type is a precise selector; search would add near misses.
        labelled = store.commitments(theme=concept.label, year=filters.get("year"),
                                     jurisdiction=filters.get("jurisdiction"))
        if labelled:
            return labelled, concept.label
    # Fused ranks carry no absolute relevance, so trust only the head of the list.
    hits = engine.search(topic, top_k=min(top_k, 3), **filters).results
    return (store.commitments(ids=[h.id for h in hits]) if hits else []), None


def answer_question(engine: Any, question: str, *, top_k: int = 10, **filters: Any) -> Answer:
    """Answer ``question`` over the engine's workspace; filters are those of `search`."""
    if not question or not question.strip():
        raise QueryError("question: expected a question such as 哪些部门负责养老？")
    intent, topic = parse_question(question)
    found, label = _relevant(engine, topic, top_k, filters)
    result = Answer(question=question, intent=intent, topic=topic,
                    evidence=[{"id": c.id, "title": c.title, "jurisdiction": c.jurisdiction, "year": c.year}
                              for c in found])
    if intent == "departments":
        rows: dict[str, dict[str, Any]] = {}
        for c in found:
            for d in c.departments:
                row = rows.setdefault(d.id, {"department": d.name, "function": d.function,
                                             "jurisdiction": c.jurisdiction, "commitments": []})
                row["commitments"].append(c.id)
        result.answer = sorted(rows.values(), key=lambda r: (-len(r["commitments"]), r["jurisdiction"], r["department"]))
    elif intent == "officials":
        people: dict[str, dict[str, Any]] = {}
        for c in found:
            for name in c.officials:
                row = people.setdefault(f"{c.jurisdiction_code}:{name}", {
                    "official": name, "jurisdiction": c.jurisdiction, "commitments": []})
                row["commitments"].append(c.id)
        result.answer = sorted(people.values(), key=lambda r: (-len(r["commitments"]), r["official"]))
    elif intent == "targets":
        result.answer = [{"commitment": c.id, "jurisdiction": c.jurisdiction, "year": c.year, "metric": t.metric,
                          "value": t.value, "unit": t.unit, "comparator": t.comparator,
                          "target_type": t.target_type_label} for c in found for t in c.targets
                         if label is None or t.target_type_label == label or label in c.themes]
    else:
        result.answer = [{"commitment": c.id, "jurisdiction": c.jurisdiction, "year": c.year, "title": c.title,
                          "departments": [d.name for d in c.departments]} for c in found]
    return result
