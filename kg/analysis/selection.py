"""Selecting commitments for a parsed question, and the phrases that describe the selection.

The selection runs in memory over the vocabulary's commitment rows (see `kg.analysis.rows`):
every kind of filter must match, and the groups of one kind are alternatives (or, for
overlaps, all required). Department roles follow the question: 牵头 keeps the lead units
(or every unit of a plain 责任单位 list), 配合 the supporting ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kg.analysis.question import ParsedQuestion
from kg.analysis.rows import RowList
from kg.analysis.vocabulary import Row, Vocabulary
from kg.vocab.taxonomy import load_taxonomy

MAX_EVIDENCE = 20  # evidence is for reading; counts and items carry the full answer
# Kinds whose answer is computed from one selection of commitments, which `query.sparql` repeats.
_SPARQL_KINDS = {"list", "count", "who", "target", "trend", "partners", "overlap"}


class Selection:
    """One question's vocabulary, store and the selections and phrases its answer is built from."""

    def __init__(self, store: Any, vocab: Vocabulary, pq: ParsedQuestion, topic_ids: list[str] | None):
        self.store, self.vocab, self.pq, self.topic_ids = store, vocab, pq, topic_ids
        self.tax = load_taxonomy()

    def select(self, *, years: list[int] | None = None, codes: list[str] | None = None,
               depts: list[list[str]] | None = None, officials: list[list[str]] | None = None,
               concepts: list[str] | None = None, all_groups: bool = False) -> RowList:
        """Rows matching every kind of filter; groups of one kind are alternatives (or all required)."""
        pq = self.pq
        years = pq.years if years is None else years
        codes = [c for g in pq.places for c in g] if codes is None else codes
        depts = pq.departments if depts is None else depts
        officials = pq.officials if officials is None else officials
        concepts = pq.concepts if concepts is None else concepts
        topic = set(self.topic_ids) if self.topic_ids is not None else None
        if pq.ids:
            topic = set(pq.ids) if topic is None else topic & set(pq.ids)
        table = self.vocab.rows
        dept_sets = [set(g) for g in depts]
        found = table.select(years=years, codes=codes, concepts=concepts, ids=topic, departments=dept_sets,
                             officials=[set(g) for g in officials], all_groups=all_groups)
        rows = RowList(table, found)
        if dept_sets and (pq.lead_only or pq.supporting_only):
            # The posting lists match a department in any role; the question asks for one.
            need = all if all_groups else any
            rows = rows.where(lambda r: need(any(d in g for d, _ in self.roles(r.departments)) for g in dept_sets))
        return rows

    def roles(self, departments: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        """A row's (department, role) pairs, only its leads when the question asks who leads (牵头)."""
        if self.pq.supporting_only:
            return [(d, role) for d, role in departments if role == "supporting"]
        if not self.pq.lead_only:
            return list(departments)
        leads = [(d, role) for d, role in departments if role == "lead"]
        # A plain 责任单位 list does not say who leads; every unit on it is taken as leading.
        return leads or [(d, role) for d, role in departments if role == "responsible"]

    def scope(self, *, years: bool = True, places: bool = True) -> str:
        pq, v = self.pq, self.vocab
        parts = ["、".join(pq.ids)] if pq.ids else []
        if places and pq.places:
            parts.append("和".join(dict.fromkeys("、".join(v.place_name(c) for c in g) for g in pq.places)))
        if years and pq.years:
            ys = pq.years
            parts.append(f"{ys[0]}年" if len(ys) == 1 else f"{ys[0]}—{ys[-1]}年")
        return "".join(parts)

    def who_phrase(self) -> str:
        pq, v = self.pq, self.vocab
        names = [*(v.officials[o]["name"] for g in pq.officials for o in g[:1]),
                 *dict.fromkeys(v.departments[d]["name"] for g in pq.departments for d in g)]
        verb = "配合" if pq.supporting_only else "牵头" if pq.lead_only or pq.officials else "负责"
        return f"{'、'.join(dict.fromkeys(names))}{verb}的" if names else ""

    def topic_phrase(self) -> str:
        labels = [self.tax.by_id[c].label for c in self.pq.concepts]
        if labels:
            return f"与{'、'.join(labels)}相关的"
        return f"与“{self.pq.topic}”相关的" if self.pq.topic and self.topic_ids is not None else ""

    def evidence(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted: dict[str, None] = {}
        for cid in ids:  # the first MAX_EVIDENCE distinct ids; ``ids`` may be a long lazy sequence
            if len(wanted) == MAX_EVIDENCE:
                break
            wanted[cid] = None
        return [{"id": c.id, "title": c.title, "text": c.text} for c in self.store.commitments(ids=list(wanted))]

    def query(self, **extra: Any) -> dict[str, Any]:
        pq = self.pq
        q: dict[str, Any] = {"kind": pq.kind, "years": pq.years, "jurisdictions": [c for g in pq.places for c in g],
                             "departments": [d for g in pq.departments for d in g],
                             "officials": [o for g in pq.officials for o in g], "concepts": pq.concepts,
                             "department_roles": "supporting" if pq.supporting_only else "lead" if pq.lead_only else "any"}
        if self.topic_ids is not None:
            q["topic"] = {"text": pq.topic, "ids": self.topic_ids}
        # The RDF graph has no predicate for supporting units (ms:responsibleDepartment covers both).
        if (pq.kind in _SPARQL_KINDS and not pq.supporting_only
                and not (pq.kind == "overlap" and not (pq.departments or pq.officials))):
            from kg.analysis.question_sparql import selection_sparql

            q["sparql"] = selection_sparql(
                years=pq.years, codes=[c for g in pq.places for c in g], departments=pq.departments,
                officials=pq.officials, concepts=pq.concepts, ids=self.topic_ids or pq.ids or None,
                all_groups=pq.kind == "overlap", lead_only=pq.lead_only)
        q.update(extra)
        return q


def row_item(v: Vocabulary, r: Row) -> dict[str, Any]:
    return {"id": r.id, "jurisdiction": v.place_name(r.code), "year": r.year, "title": r.title,
            "departments": [v.departments[d]["name"] for d, _ in r.departments],
            "officials": [v.officials[o]["name"] for o in r.officials]}
