"""The embedding-based overlap kinds: ``thematic`` (within one list) and ``cross_district``.

E5 rates almost any two policy sentences above 0.85 cosine, so closeness is measured
against the corpus's own baseline: ``(cos - median) / (1 - median)``, clipped to [0, 1].
Scoring formulas are documented on the functions so the CLI help can quote them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np

from kg.analysis.overlaps import Overlap, evidence_entry
from kg.analysis.spans import (
    KIND_WEIGHTS,
    closest_clauses,
    concept_spans,
    features,
    merge_spans,
    specificity,
)
from kg.embed.vectors import background_cosine, stack_vectors
from kg.model import Commitment

THEMATIC_CONCEPT_WEIGHT = 0.6  # what the items target matters more than how alike they read
CROSS_TYPE_BONUS = 0.15
MAX_EVIDENCE_PAIRS = 5
MULTI_PAIR_BONUS = 0.1
EVIDENCE_RATIO = 0.75  # further commitment pairs shown when within this fraction of the best


def closeness(cos: float, baseline: float) -> float:
    """Cosine rescaled so the corpus median maps to 0 and identical texts to 1."""
    if baseline >= 1.0:
        return 0.0
    return min(1.0, max(0.0, (float(cos) - baseline) / (1.0 - baseline)))  # called per pair: no numpy scalars


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


class Candidate:
    """A scored overlap whose evidence (clause matching, spans) is only worked out if it is shown."""

    __slots__ = ("score", "department_ids", "commitment_ids", "_build")

    def __init__(self, score: float, department_ids: list[str], commitment_ids: list[str], build: Any) -> None:
        self.score, self.department_ids, self.commitment_ids, self._build = score, department_ids, commitment_ids, build

    def build(self) -> Overlap:
        return self._build()


def thematic_candidates(items: list[Commitment], vectors: Mapping[str, np.ndarray]) -> list[Candidate]:
    """Department pairs of one list with separate commitments on a common theme or target type.

    Pair score = 0.6 * concept + 0.4 * closeness, where concept is the noisy-or of the
    shared concepts' specificity (IDF within the list, rescaled to [0, 1]) weighted
    1.0 for a target type, 0.7 for a theme and 0.4 for a beneficiary group; at least
    one theme or target type must be shared. The pair score is then multiplied by
    sqrt(stake_a * stake_b) (see ``stake``). A department pair keeps up to 5 commitment
    pairs scoring within 75% of its best and scores 1 - (1 - best) * 0.9^(kept - 1).

    Evidence is worked out only when a candidate is built, from ``items`` themselves: scores
    need only places, concepts and departments (light items do), evidence quotes texts
    (kg.analysis.overlap_cache scores light items and builds from full ones). Work grows with
    the size of each list, not the corpus.
    """
    groups: dict[tuple[str, int], list[Commitment]] = defaultdict(list)
    for c in items:
        groups[(c.jurisdiction_code, c.year)].append(c)
    out = []
    for group in groups.values():
        feats = {c.id: features(c) for c in group}
        n, df = len(group), Counter(f for fs in feats.values() for f in fs)  # document_frequencies, features once
        # concept_score's per-concept factor, worked out once per list rather than once per pair
        factor = {f: KIND_WEIGHTS[f[0]] * specificity(d, n) ** 2 for f, d in df.items()}
        ids = [c.id for c in group]
        row = {cid: i for i, cid in enumerate(ids)}
        unit = stack_vectors(vectors, ids)
        matrix = unit @ unit.T  # stacked once (similarity_matrix would stack the same rows twice)
        baseline = background_cosine(matrix)
        # Only themes and target types can make a pair; beneficiary groups merely add to its score.
        topical = {cid: {f for f in fs if f[0] != "beneficiary"} for cid, fs in feats.items()}
        deps = {c.id: {r.id for r in c.departments} for c in group}
        by_dep: dict[str, list[Commitment]] = defaultdict(list)
        refs = {}
        for c in group:
            for ref in c.departments:
                by_dep[ref.id].append(c)
                refs[ref.id] = ref
        cosines = matrix.tolist()
        for a, b in combinations(sorted(by_dep), 2):
            pairs = []
            for ca in by_dep[a]:
                if b in deps[ca.id]:
                    continue
                for cb in by_dep[b]:
                    if a in deps[cb.id] or topical[ca.id].isdisjoint(topical[cb.id]):
                        continue
                    shared = feats[ca.id] & feats[cb.id]
                    cos = cosines[row[ca.id]][row[cb.id]]
                    miss = 1.0
                    for f in shared:  # concept_score(shared, df, n), same products in the same order
                        miss *= 1.0 - factor[f]
                    concept = 1.0 - miss
                    score = THEMATIC_CONCEPT_WEIGHT * concept + (1 - THEMATIC_CONCEPT_WEIGHT) * closeness(cos, baseline)
                    score *= (stake(ca, a) * stake(cb, b)) ** 0.5
                    pairs.append((round(score, 4), ca, cb, shared, cos, concept))
            if not pairs:
                continue
            pairs.sort(key=lambda p: (-p[0], p[1].id, p[2].id))
            kept = [p for p in pairs if p[0] >= EVIDENCE_RATIO * pairs[0][0]][:MAX_EVIDENCE_PAIRS]
            out.append(Candidate(
                _department_pair_score([p[0] for p in kept]), [a, b],
                list(dict.fromkeys(cid for p in kept for cid in (p[1].id, p[2].id))),
                lambda ra=refs[a], rb=refs[b], kept=kept, by_dep=by_dep: _thematic_overlap(ra, rb, kept, by_dep)))
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


def cross_district_candidates(facts: Mapping[str, tuple[str, int, frozenset[str]]], neighbours: Any, *,
                              year: int | None = None, jurisdiction_code: str | None = None,
                              commitments: Any = None, keep_top: int | None = None) -> list[Candidate]:
    """Pairs of commitments of different jurisdictions, one among the other's nearest neighbours.

    Score = closeness + 0.15 * Jaccard of the two items' target types (catch-alls
    excluded), capped at 1; closeness rescales the cosine so the median of random pairs
    (the corpus baseline) maps to 0. Candidates come from the ``neighbours.K`` nearest
    neighbours of each commitment (O(n·k), no n×n matrix). ``facts`` maps ids to
    (jurisdiction code, year, target types); ``year``/``jurisdiction_code`` keep pairs with
    at least one side matching; ``commitments(id)`` gives the Commitment for evidence.
    """
    src, dst, cos = neighbours.pairs()
    if src.size == 0:
        return []
    ids = neighbours.ids
    codes = np.array([facts[i][0] if i in facts else "" for i in ids], dtype=object)
    years = np.array([facts[i][1] if i in facts else 0 for i in ids])
    known = codes != ""
    keep = known[src] & known[dst] & (codes[src] != codes[dst])
    a, b, cos = np.minimum(src, dst)[keep], np.maximum(src, dst)[keep], cos[keep]
    if year is not None:
        ok = (years[a] == year) | (years[b] == year)
        a, b, cos = a[ok], b[ok], cos[ok]
    if jurisdiction_code:
        ok = (codes[a] == jurisdiction_code) | (codes[b] == jurisdiction_code)
        a, b, cos = a[ok], b[ok], cos[ok]
    _, first = np.unique(a.astype(np.int64) * len(ids) + b, return_index=True)
    a, b, cos = a[first], b[first], cos[first]
    baseline = neighbours.baseline()
    type_j = _type_jaccard([facts[i][2] if i in facts else frozenset() for i in ids], a, b)
    # Every pair's score at once, bit for bit what closeness() + bonus and round() give per pair.
    close = np.clip((cos.astype(np.float64) - baseline) / (1.0 - baseline), 0.0, 1.0) if baseline < 1.0 \
        else np.zeros(a.size)
    score = _round4(np.minimum(1.0, close + CROSS_TYPE_BONUS * type_j))
    if keep_top is not None and a.size > keep_top:
        # The caller's order: score down, then the id pair; only the first keep_top can be shown.
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(len(ids))
        first = np.lexsort((rank[b], rank[a], -score))[:keep_top]
        a, b, cos, type_j, score = a[first], b[first], cos[first], type_j[first], score[first]
    out = []
    for i, j, c, t, s in zip(a.tolist(), b.tolist(), cos.tolist(), type_j.tolist(), score.tolist(), strict=True):
        out.append(Candidate(s, [], [ids[i], ids[j]],
                             lambda x=ids[i], y=ids[j], c=c, t=t, s=s: _cross_overlap(
                                 commitments(x), commitments(y), c, t, s, baseline)))
    return out


def _round4(x: np.ndarray) -> np.ndarray:
    """``round(v, 4)`` of every element, exactly as Python rounds.

    rint(v * 1e4) / 1e4 is the double nearest k / 10^4, which is what ``round`` returns,
    unless v * 1e4 lies so close to a half that the product's rounding error could pick
    the other k: those few go through ``round`` itself.
    """
    scaled = x * 1e4
    out = np.rint(scaled) / 1e4
    frac = scaled - np.floor(scaled)
    for n in np.flatnonzero(np.abs(frac - 0.5) < 1e-6).tolist():
        out[n] = round(float(x[n]), 4)
    return out


def _type_jaccard(types: list[frozenset[str]], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard of the target-type sets of rows ``a[k]`` and ``b[k]``, through bit masks (one word per 64 types)."""
    index: dict[str, int] = {}
    for ts in types:
        for t in ts:
            index.setdefault(t, len(index))
    words = max(1, (len(index) + 63) // 64)
    bits = [sum(1 << index[t] for t in ts) for ts in types]
    full = (1 << 64) - 1
    masks = np.array([[(m >> (64 * w)) & full for w in range(words)] for m in bits], dtype=np.uint64)
    masks = masks.reshape(len(types), words)
    ma, mb = masks[a], masks[b]
    inter = np.bitwise_count(ma & mb).sum(axis=1)
    union = np.bitwise_count(ma | mb).sum(axis=1)
    return np.divide(inter, union, out=np.zeros(a.size), where=inter > 0)


def _cross_overlap(a: Commitment, b: Commitment, cos: float, type_j: float, score: float, baseline: float) -> Overlap:
    shared = {f for f in features(a) & features(b) if f[0] != "beneficiary"}
    sa, sb = _pair_evidence(a, b, {f for f in shared if f[0] == "target_type"})
    funcs_a = {d.function for d in a.departments if d.function}
    funcs_b = {d.function for d in b.departments if d.function}
    return Overlap(
        kind="cross_district", departments=[d.name for d in a.departments + b.departments],
        department_ids=[d.id for d in a.departments + b.departments],
        jurisdictions=[a.jurisdiction, b.jurisdiction], years=sorted({a.year, b.year}), score=score,
        evidence=[evidence_entry(a, sa), evidence_entry(b, sb)], concepts=_labels(shared),
        pairs=[{"commitments": [a.id, b.id], "score": score, "cosine": round(cos, 4),
                "target_type_jaccard": round(type_j, 4)}],
        same_function=bool(funcs_a & funcs_b),
        details={"functions": [sorted(funcs_a), sorted(funcs_b)], "baseline_cosine": round(baseline, 4)})
