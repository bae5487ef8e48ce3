"""Text spans that explain why two commitments were paired, and the concepts they share.

Overlap evidence must point at the words a reader should look at, not just at ids:
the target raw text of a shared target type, the clause naming a shared theme, or the
pair of clauses that read most alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

from kg.graph.links import generic_target_types, text_bigrams
from kg.model import Commitment
from kg.vocab.taxonomy import Concept, load_taxonomy

_CLAUSE_END_RE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
# A shared target type says more than a shared theme, which says more than a shared
# beneficiary group (老年人 alone does not make two items overlap).
KIND_WEIGHTS = {"target_type": 1.0, "theme": 0.7, "beneficiary": 0.4}

Feature = tuple[str, str]  # (kind, label)


def features(c: Commitment) -> set[Feature]:
    """Target types (catch-alls like 比率 dropped), themes and beneficiary groups of ``c``."""
    generic = generic_target_types()
    out = {("target_type", t) for t in c.target_types if t not in generic}
    out |= {("theme", t) for t in c.themes}
    return out | {("beneficiary", b) for b in c.beneficiaries}


def document_frequencies(items: Iterable[Commitment]) -> Counter[Feature]:
    return Counter(f for c in items for f in features(c))


def specificity(df: int, n: int) -> float:
    """1.0 for a concept only the two paired items have, 0.0 for one every item has.

    IDF rescaled by the largest IDF a concept shared by two items can reach, so the
    scale does not depend on how long the list is.
    """
    if n <= 2:
        return 1.0
    return max(0.0, min(1.0, math.log(n / max(df, 1)) / math.log(n / 2)))


def concept_score(shared: Iterable[Feature], df: Counter[Feature], n: int) -> float:
    """Noisy-or over the shared concepts of kind weight x specificity squared, in [0, 1].

    Squaring makes a theme half the list carries (城市建设, 教育) count for little,
    while a concept only the two items have keeps its full weight.
    """
    miss = 1.0
    for kind, label in shared:
        miss *= 1.0 - KIND_WEIGHTS[kind] * specificity(df[(kind, label)], n) ** 2
    return 1.0 - miss


def clauses(text: str) -> list[tuple[int, int, str]]:
    """(start, end, clause) for each sentence or semicolon clause of ``text``."""
    return [(m.start(), m.end(), m.group().strip()) for m in _CLAUSE_END_RE.finditer(text or "") if m.group().strip()]


def span(text: str, start: int, end: int, why: str) -> dict[str, Any]:
    return {"text": text, "start": start, "end": end, "why": why}


def merge_spans(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per distinct span, its reasons joined, in order of first appearance."""
    out: dict[tuple[int, int, str], dict[str, Any]] = {}
    for s in spans:
        key = (s["start"], s["end"], s["text"])
        if key not in out:
            out[key] = dict(s)
        elif s["why"] not in out[key]["why"].split("; "):
            out[key]["why"] += "; " + s["why"]
    return list(out.values())


def closest_clauses(a: Commitment, b: Commitment) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The clause of each commitment that shares the most character bigrams with the other's."""
    best: tuple[float, tuple[int, int, str], tuple[int, int, str]] | None = None
    for ca in clauses(a.text):
        ga = text_bigrams(ca[2])
        for cb in clauses(b.text):
            gb = text_bigrams(cb[2])
            union = len(ga | gb)
            score = len(ga & gb) / union if union else 0.0
            if score > 0 and (best is None or score > best[0]):
                best = (score, ca, cb)
    if best is None:
        return None
    _, ca, cb = best
    return span(ca[2], ca[0], ca[1], "closest clause"), span(cb[2], cb[0], cb[1], "closest clause")


@cache
def _concepts_by_label() -> dict[tuple[str, str], Concept]:
    tax = load_taxonomy()
    out: dict[tuple[str, str], Concept] = {}
    for kind, concepts in (("theme", tax.themes), ("target_type", tax.target_types), ("beneficiary", tax.beneficiaries)):
        for c in concepts:
            out.setdefault((kind, c.label), c)
    return out


def concept_spans(c: Commitment, shared: Iterable[Feature]) -> list[dict[str, Any]]:
    """Where each shared concept shows in ``c``: its targets' raw text, else the clause naming it."""
    out: list[dict[str, Any]] = []
    for kind, label in sorted(shared, key=lambda f: (-KIND_WEIGHTS[f[0]], f[1])):
        if kind == "target_type":
            hits = [t for t in c.targets if t.target_type_label == label and t.raw]
            out.extend(span(t.raw, t.start, t.end, f"target type {label}") for t in hits)
            if hits:
                continue
        concept = _concepts_by_label().get((kind, label))
        words = (label, *concept.alt_labels, *concept.keywords) if concept else (label,)
        for start, end, clause in clauses(c.text):
            word = next((w for w in words if w and w in clause), None)
            if word:
                out.append(span(clause, start, end, f"{kind} {label} ({word})"))
                break
    return merge_spans(out)
