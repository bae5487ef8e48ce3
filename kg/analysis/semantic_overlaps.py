"""The embedding-based overlap kinds: ``thematic`` (within one list) and ``cross_district``.

E5 rates almost any two policy sentences above 0.85 cosine, so closeness is measured
against the corpus's own baseline: ``(cos - median) / (1 - median)``, clipped to [0, 1].
Scoring formulas are documented on the functions so the CLI help can quote them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np

from kg.analysis.overlaps import Overlap, evidence_entry
from kg.analysis.spans import (
    KIND_WEIGHTS,
    closest_clauses,
    concept_score,
    concept_spans,
    document_frequencies,
    features,
    merge_spans,
)
from kg.embed.vectors import background_cosine, similarity_matrix
from kg.graph.links import generic_target_types
from kg.model import Commitment

THEMATIC_CONCEPT_WEIGHT = 0.6  # what the items target matters more than how alike they read
CROSS_TYPE_BONUS = 0.15
CROSS_TOP_K = 3  # per commitment and other jurisdiction; stops one vague item pairing with everything
MAX_EVIDENCE_PAIRS = 5
MULTI_PAIR_BONUS = 0.1
EVIDENCE_RATIO = 0.75  # further commitment pairs shown when within this fraction of the best


def closeness(cos: float, baseline: float) -> float:
    """Cosine rescaled so the corpus median maps to 0 and identical texts to 1."""
    if baseline >= 1.0:
        return 0.0
    return float(np.clip((cos - baseline) / (1.0 - baseline), 0.0, 1.0))


def stake(c: Commitment, dep_id: str) -> float:
    """How much of ``c`` is ``dep_id``'s: 1 for a sole or named lead department, else 1/sqrt(k).

    Without this an item naming four departments pairs each of them with every
    related item, and the list fills with the same commitment pair four times over.
    """
    if dep_id in c.lead_departments or len(c.departments) <= 1:
        return 1.0
    return len(c.departments) ** -0.5


def _labels(shared: set[tuple[str, str]]) -> list[str]:
    return [label for _, label in sorted(shared, key=lambda f: (-KIND_WEIGHTS[f[0]], f[1]))]


def _pair_evidence(a: Commitment, b: Commitment, shared: set[tuple[str, str]]) -> tuple[list, list]:
    spans_a, spans_b = concept_spans(a, shared), concept_spans(b, shared)
    close = closest_clauses(a, b)
    if close:
        return merge_spans([*spans_a, close[0]]), merge_spans([*spans_b, close[1]])
    return spans_a, spans_b


def find_thematic(items: list[Commitment], vectors: Mapping[str, np.ndarray]) -> list[Overlap]:
    """Department pairs of one list with separate commitments on a common theme or target type.

    Pair score = 0.6 * concept + 0.4 * closeness, where concept is the noisy-or of the
    shared concepts' specificity (IDF within the list, rescaled to [0, 1]) weighted
    1.0 for a target type, 0.7 for a theme and 0.4 for a beneficiary group; at least
    one theme or target type must be shared. The pair score is then multiplied by
    sqrt(stake_a * stake_b) (see ``stake``). A department pair keeps up to 5 commitment
    pairs scoring within 75% of its best and scores 1 - (1 - best) * 0.9^(kept - 1).
    """
    groups: dict[tuple[str, int], list[Commitment]] = defaultdict(list)
    for c in items:
        groups[(c.jurisdiction_code, c.year)].append(c)
    out = []
    for group in groups.values():
        n, df = len(group), document_frequencies(group)
        ids = [c.id for c in group]
        row = {cid: i for i, cid in enumerate(ids)}
        matrix = similarity_matrix(vectors, ids)
        baseline = background_cosine(matrix)
        feats = {c.id: features(c) for c in group}
        by_dep: dict[str, list[Commitment]] = defaultdict(list)
        refs = {}
        for c in group:
            for ref in c.departments:
                by_dep[ref.id].append(c)
                refs[ref.id] = ref
        for a, b in combinations(sorted(by_dep), 2):
            pairs = []
            for ca in by_dep[a]:
                if any(r.id == b for r in ca.departments):
                    continue
                for cb in by_dep[b]:
                    if any(r.id == a for r in cb.departments):
                        continue
                    shared = feats[ca.id] & feats[cb.id]
                    if not any(kind != "beneficiary" for kind, _ in shared):
                        continue
                    cos = float(matrix[row[ca.id], row[cb.id]])
                    concept = concept_score(shared, df, n)
                    score = THEMATIC_CONCEPT_WEIGHT * concept + (1 - THEMATIC_CONCEPT_WEIGHT) * closeness(cos, baseline)
                    score *= (stake(ca, a) * stake(cb, b)) ** 0.5
                    pairs.append((round(score, 4), ca, cb, shared, cos, concept))
            if not pairs:
                continue
            pairs.sort(key=lambda p: (-p[0], p[1].id, p[2].id))
            kept = [p for p in pairs if p[0] >= EVIDENCE_RATIO * pairs[0][0]][:MAX_EVIDENCE_PAIRS]
            out.append(_thematic_overlap(refs[a], refs[b], kept, by_dep))
    return out


def _department_pair_score(pair_scores: list[float]) -> float:
    """The best pair, raised by 10% of the remaining gap for each further supporting pair.

    Two departments running several parallel items on one theme are a stronger case of
    duplication than one coincidental pair.
    """
    return round(1.0 - (1.0 - pair_scores[0]) * (1.0 - MULTI_PAIR_BONUS) ** (len(pair_scores) - 1), 4)


def _thematic_overlap(ra: Any, rb: Any, kept: list[tuple], by_dep: dict[str, list[Commitment]]) -> Overlap:
    spans: dict[str, list] = defaultdict(list)
    owner: dict[str, tuple[Commitment, str]] = {}
    for _, ca, cb, shared, _, _ in kept:
        sa, sb = _pair_evidence(ca, cb, shared)
        for c, side, new in ((ca, ra.id, sa), (cb, rb.id, sb)):
            owner[c.id] = (c, side)
            spans[c.id] = merge_spans([*spans[c.id], *new])
    first = kept[0][1]
    concepts = _labels(set().union(*(p[3] for p in kept)))
    return Overlap(
        kind="thematic", departments=[ra.name, rb.name], department_ids=[ra.id, rb.id],
        jurisdictions=[first.jurisdiction], years=[first.year], score=_department_pair_score([p[0] for p in kept]),
        evidence=[evidence_entry(c, spans[cid], [side]) for cid, (c, side) in owner.items()],
        concepts=concepts, same_function=ra.function is not None and ra.function == rb.function,
        pairs=[{"commitments": [ca.id, cb.id], "score": s, "cosine": round(cos, 4), "concept_score": round(cs, 4),
                "concepts": _labels(shared)} for s, ca, cb, shared, cos, cs in kept],
        details={"shared_commitments": sorted({c.id for c in by_dep[ra.id]} & {c.id for c in by_dep[rb.id]})})


def _types(c: Commitment) -> set[str]:
    return set(c.target_types) - generic_target_types()


def find_cross_district(items: list[Commitment], vectors: Mapping[str, np.ndarray], *, year: int | None = None,
                        jurisdiction_code: str | None = None) -> list[Overlap]:
    """Closely matching commitments of different jurisdictions, any years.

    Score = closeness + 0.15 * Jaccard of the two items' target types (catch-alls
    excluded), capped at 1. A pair is considered only when one item is among the
    other's 3 closest in that jurisdiction. ``year``/``jurisdiction_code`` keep pairs
    with at least one side matching.
    """
    ids = [c.id for c in items]
    if len(ids) < 2:
        return []
    matrix = similarity_matrix(vectors, ids)
    codes = np.array([c.jurisdiction_code for c in items])
    cross = codes[:, None] != codes[None, :]
    if not cross.any():
        return []
    baseline = float(np.median(matrix[cross]))
    candidates: set[tuple[int, int]] = set()
    for i in range(len(items)):
        for code in set(codes[cross[i]]):
            cols = np.flatnonzero(codes == code)
            for j in cols[np.argsort(-matrix[i, cols], kind="stable")[:CROSS_TOP_K]]:
                candidates.add((min(i, int(j)), max(i, int(j))))
    out = []
    for i, j in sorted(candidates):
        a, b = items[i], items[j]
        if year is not None and year not in (a.year, b.year):
            continue
        if jurisdiction_code and jurisdiction_code not in (a.jurisdiction_code, b.jurisdiction_code):
            continue
        ta, tb = _types(a), _types(b)
        type_j = len(ta & tb) / len(ta | tb) if ta & tb else 0.0
        cos = float(matrix[i, j])
        score = round(min(1.0, closeness(cos, baseline) + CROSS_TYPE_BONUS * type_j), 4)
        shared = {f for f in features(a) & features(b) if f[0] != "beneficiary"}
        sa, sb = _pair_evidence(a, b, {f for f in shared if f[0] == "target_type"})
        funcs_a = {d.function for d in a.departments if d.function}
        funcs_b = {d.function for d in b.departments if d.function}
        out.append(Overlap(
            kind="cross_district", departments=[d.name for d in a.departments + b.departments],
            department_ids=[d.id for d in a.departments + b.departments],
            jurisdictions=[a.jurisdiction, b.jurisdiction], years=sorted({a.year, b.year}), score=score,
            evidence=[evidence_entry(a, sa), evidence_entry(b, sb)], concepts=_labels(shared),
            pairs=[{"commitments": [a.id, b.id], "score": score, "cosine": round(cos, 4),
                    "target_type_jaccard": round(type_j, 4)}],
            same_function=bool(funcs_a & funcs_b),
            details={"functions": [sorted(funcs_a), sorted(funcs_b)], "baseline_cosine": round(baseline, 4)}))
    return out
