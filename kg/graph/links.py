"""Links between commitments (continuation, similarity) and year-ordered target series.

Everything here is computed from ``Commitment`` objects alone, so the RDF dataset, the
networkx views and the analysis commands derive the same links from the same store.
Embedding similarities are optional: the search package can pass vectors, otherwise
character-bigram Jaccard stands in for textual closeness.

The link policy (one for CLI, API, tests and docs):
- ``similar_to``: candidates are each commitment's ``neighbours.K`` = 10 nearest neighbours by
  embedding (kg.graph.neighbours), never all pairs; a pair of different documents is kept when
  the cosine reaches 0.85 or the two share a specific target type, scored by the noisy-or of
  type overlap and cosine, and each commitment keeps its ``MAX_SIMILAR`` = 5 best. Without
  vectors, candidates are pairs sharing a character bigram or target type that at most
  ``MAX_POSTING`` commitments use (a bigram in more items says nothing about closeness).
- ``continues``: a commitment stating an explicit marker (续建, 二期, …) continues the most
  recent commitment of the same jurisdiction in an earlier year that shares a target type or
  reads close (cosine 0.75, bigram Jaccard 0.20); only that jurisdiction's earlier years are
  looked at, so the cost is the number of marked items times one jurisdiction's history.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np

from kg.model import Commitment
from kg.vocab.taxonomy import load_taxonomy

# Explicit continuation wording only: 提升/深化 occur in most items and would link everything.
CONTINUATION_MARKERS = ("续建", "二期", "三期", "四期", "继续", "持续")
_CJK_RUN_RE = re.compile(r"[\u3400-\u9fff]+")
# Bigram Jaccard and embedding cosine live on different scales, hence two default thresholds.
_TEXT_THRESHOLDS = {"bigram": (0.30, 0.20), "vector": (0.85, 0.75)}  # (similar_to, continues)

SimilarityFn = Callable[[Commitment, Commitment], float]
MAX_SIMILAR = 5
# Bigram/type postings longer than this are skipped when proposing pairs without vectors: on the
# bundled corpus the rarest shared bigram of every true similar pair sits in < 20 items, while
# 养老/建设 appear in hundreds and would make the candidate set quadratic.
MAX_POSTING = 50


@dataclass(frozen=True)
class Link:
    """A scored link; for ``continues`` the source is the later commitment."""

    kind: str  # "continues" | "similar_to"
    source_id: str
    target_id: str
    score: float
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SeriesPoint:
    """One year of a series; ``change`` is relative to the previous point."""

    year: int
    value: float
    commitment_ids: list[str]
    target_ids: list[str]
    change: float | None = None
    change_pct: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Series:
    """Targets of one type, unit and kind (increment or running total) in one jurisdiction."""

    id: str  # "370103:elderly_beds:张" (+ ":cumulative")
    jurisdiction_code: str
    jurisdiction: str
    target_type: str  # concept id where known, else the label
    target_type_label: str
    unit: str
    cumulative: bool
    points: list[SeriesPoint] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["points"] = [p.to_dict() for p in self.points]
        return d


def target_id(commitment_id: str, index: int) -> str:
    """Stable id of the ``index``-th (0-based) target of a commitment: ``370103-2024-06/1``."""
    return f"{commitment_id}/{index + 1}"


def text_bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the Chinese runs of ``text``; digits are dropped so 800张 ~ 600张."""
    grams: set[str] = set()
    for run in _CJK_RUN_RE.findall(text):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(grams)


def continuation_markers(text: str) -> list[str]:
    """The explicit continuation markers found in ``text``, in ``CONTINUATION_MARKERS`` order."""
    return [m for m in CONTINUATION_MARKERS if m in text]


def link_commitments(
    commitments: Iterable[Commitment],
    *,
    vectors: Mapping[str, np.ndarray] | None = None,
    similarity: SimilarityFn | None = None,
    min_text_score: float | None = None,
    max_similar: int = MAX_SIMILAR,
    neighbours: Any = None,
) -> list[Link]:
    """Find ``continues`` and ``similar_to`` links among ``commitments`` (see the module docstring).

    Textual closeness comes from ``similarity(a, b)`` if given (every pair is then scored:
    for small inputs only), else the cosine of ``vectors[id]`` (commitment id -> embedding)
    where both ids have one, else character-bigram Jaccard. ``neighbours`` (a
    kg.graph.neighbours.Neighbours, e.g. the workspace's saved lists) supplies both the
    vectors and the candidate pairs; with only ``vectors`` the lists are computed here.
    ``min_text_score`` overrides the similar_to threshold.
    """
    items = list(commitments)
    if neighbours is not None and not vectors:
        vectors = neighbours.mapping()
    scheme = "bigram" if similarity is None and not vectors else "vector"
    sim_threshold, cont_threshold = _TEXT_THRESHOLDS[scheme]
    if min_text_score is not None:
        sim_threshold = min_text_score
    text_sim = _make_text_similarity(items, vectors, similarity)
    links = _find_continuations(items, text_sim, cont_threshold)
    if similarity is not None or sim_threshold <= 0:
        # An opaque callable gives no index to prune with, so every cross-document pair is scored.
        pairs = {(a, b) for a in range(len(items)) for b in range(a + 1, len(items))
                 if items[a].document_id != items[b].document_id}
    elif vectors:
        pairs = _neighbour_pairs(items, vectors, neighbours)
    else:
        pairs = _candidate_pairs(items, bigrams=True)
    links.extend(_find_similar(items, text_sim, sim_threshold, max_similar, pairs))
    return links


def _make_text_similarity(
    items: list[Commitment], vectors: Mapping[str, np.ndarray] | None, similarity: SimilarityFn | None
) -> Callable[[int, int], float]:
    if similarity is not None:
        return lambda i, j: float(similarity(items[i], items[j]))
    grams = [text_bigrams(f"{c.title} {c.text}") for c in items]

    def jaccard(i: int, j: int) -> float:
        union = len(grams[i] | grams[j])
        return len(grams[i] & grams[j]) / union if union else 0.0

    if not vectors:
        return jaccard
    rows: dict[int, np.ndarray] = {}
    for i, c in enumerate(items):
        v = vectors.get(c.id)
        if v is not None:
            v = np.asarray(v, dtype=np.float32).ravel()
            norm = float(np.linalg.norm(v))
            rows[i] = v / norm if norm else v

    def cosine(i: int, j: int) -> float:
        # A commitment added after the index was built has no vector; Jaccard is better than nothing.
        if i in rows and j in rows:
            return float(rows[i] @ rows[j])
        return jaccard(i, j)

    return cosine


@cache
def generic_target_types() -> frozenset[str]:
    """Ids and labels of catch-all target types (no broader theme, e.g. 比率).

    Two items both stating "a rate" are not thereby alike, and a series mixing an
    employment rate with an insurance take-up rate would be meaningless.
    """
    return frozenset(n for c in load_taxonomy().target_types if not c.broader for n in (c.id, c.label))


def _type_keys(c: Commitment) -> set[str]:
    keys = {k for t in c.targets if (k := t.target_type or t.target_type_label)}
    return (keys | set(c.target_types)) - generic_target_types()


def _type_labels(c: Commitment) -> set[str]:
    labels = set(c.target_types) | {t.target_type_label for t in c.targets if t.target_type_label}
    return labels - generic_target_types()


def _combine(type_overlap: float, text: float) -> float:
    # Noisy-or: identical target types alone give 0.5, text alone gives its own score, both reinforce.
    return round(1.0 - (1.0 - 0.5 * type_overlap) * (1.0 - max(0.0, min(1.0, text))), 4)


def continuation_links(later: Iterable[Commitment], candidates: Iterable[Commitment], *,
                       vectors: Mapping[str, np.ndarray] | None = None) -> list[Link]:
    """``continues`` links of the ``later`` commitments only, looking among ``candidates``.

    The same rule as ``link_commitments`` (marker, same jurisdiction, earlier year, shared type
    or close text), for callers that know where to look: the timeline passes the items it
    matched plus the nearest neighbours of the marked ones, instead of the whole corpus.
    """
    pool = {c.id: c for c in candidates}
    sources = [c for c in later if continuation_markers(f"{c.title} {c.text}")]
    pool.update((c.id, c) for c in sources)
    items = list(pool.values())
    scheme = "vector" if vectors else "bigram"
    text_sim = _make_text_similarity(items, vectors, None)
    wanted = {c.id for c in sources}
    return _find_continuations(items, text_sim, _TEXT_THRESHOLDS[scheme][1],
                               only=[i for i, c in enumerate(items) if c.id in wanted])


def _find_continuations(
    items: list[Commitment], text_sim: Callable[[int, int], float], threshold: float,
    only: list[int] | None = None,
) -> list[Link]:
    by_jurisdiction: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(items):
        by_jurisdiction[c.jurisdiction_code].append(i)
    links = []
    for i in (range(len(items)) if only is None else only):
        later = items[i]
        markers = continuation_markers(f"{later.title} {later.text}")
        if not markers:
            continue
        labels = _type_labels(later)
        best: tuple[int, float, float, list[str]] | None = None  # (year, score, text, shared)
        best_j = -1
        for j in by_jurisdiction[later.jurisdiction_code]:
            earlier = items[j]
            if earlier.year >= later.year:
                continue
            shared = sorted(labels & _type_labels(earlier))
            text = text_sim(i, j)
            if not shared and text < threshold:
                continue
            score = _combine(1.0 if shared else 0.0, text)
            # The most recent earlier year wins: 二期 continues last year's 一期, not one from 2019.
            if best is None or (earlier.year, score) > (best[0], best[1]):
                best, best_j = (earlier.year, score, text, shared), j
        if best is None:
            continue
        _, score, text, shared = best
        evidence = f"marker {'/'.join(markers)}"
        if shared:
            evidence += f"; shared target type {'、'.join(shared)}"
        evidence += f"; text similarity {text:.2f}"
        links.append(Link("continues", later.id, items[best_j].id, score, evidence))
    return links


def _candidate_pairs(items: list[Commitment], *, bigrams: bool) -> set[tuple[int, int]]:
    """Pairs of different documents sharing a target type (or, with ``bigrams``, a bigram).

    Postings used by more than ``MAX_POSTING`` items are skipped, which keeps this linear.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(items):
        for key in _type_keys(c):
            postings["type:" + key].append(i)
        if bigrams:
            for gram in text_bigrams(f"{c.title} {c.text}"):
                postings[gram].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) > MAX_POSTING:
            continue
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                if items[a].document_id != items[b].document_id:
                    pairs.add((a, b))
    return pairs


def _neighbour_pairs(items: list[Commitment], vectors: Mapping[str, np.ndarray], neighbours: Any) -> set[tuple[int, int]]:
    """Cross-document pairs where one is among the other's nearest neighbours (O(n·k))."""
    from kg.graph.neighbours import from_vectors

    pos = {c.id: i for i, c in enumerate(items)}
    if neighbours is None:
        neighbours = from_vectors(dict(vectors), list(pos))
    pairs: set[tuple[int, int]] = set()
    for c in items:
        for other, _ in neighbours.neighbours(c.id):
            j = pos.get(other)
            if j is not None and items[j].document_id != c.document_id:
                i = pos[c.id]
                pairs.add((min(i, j), max(i, j)))
    return pairs


def _find_similar(
    items: list[Commitment], text_sim: Callable[[int, int], float], threshold: float, max_similar: int,
    pairs: set[tuple[int, int]],
) -> list[Link]:
    scored = []
    for a, b in sorted(pairs):
        text = text_sim(a, b)
        score = similar_score(items[a], items[b], text, threshold)
        if score is not None:
            scored.append((score, a, b, text))
    scored.sort(key=lambda s: (-s[0], items[s[1]].id, items[s[2]].id))
    degree: dict[int, int] = defaultdict(int)
    links = []
    for score, a, b, text in scored:
        if degree[a] >= max_similar or degree[b] >= max_similar:
            continue
        degree[a] += 1
        degree[b] += 1
        links.append(similar_link(items[a], items[b], score, text))
    return links


def similar_score(a: Commitment, b: Commitment, text: float, threshold: float) -> float | None:
    """The ``similar_to`` score of a candidate pair, or None when it is not similar enough.

    Depends on the two commitments alone (the degree cap is applied afterwards), which is
    what lets kg.graph.linkset keep scores per pair across ingests.
    """
    types_a, types_b = _type_keys(a), _type_keys(b)
    shared = types_a & types_b
    if not shared and text < threshold:
        return None
    overlap = len(shared) / len(types_a | types_b) if shared else 0.0
    return _combine(overlap, text)


def similar_link(a: Commitment, b: Commitment, score: float, text: float) -> Link:
    """The ``similar_to`` link of a kept pair, with its evidence; source and target in id order."""
    shared_labels = sorted(_type_labels(a) & _type_labels(b))
    evidence = f"text similarity {text:.2f}"
    if shared_labels:
        evidence = f"shared target type {'、'.join(shared_labels)}; " + evidence
    src, dst = sorted((a.id, b.id))
    return Link("similar_to", src, dst, score, evidence)


def target_series(commitments: Iterable[Commitment], *, min_years: int = 2) -> list[Series]:
    """Year-ordered series of targets sharing jurisdiction, target type, unit and cumulativeness.

    Several targets of one series in one year (two items each adding beds) are summed,
    running totals take the largest; series spanning fewer than ``min_years`` years are dropped.
    """
    groups: dict[tuple[str, str, str, bool], dict[int, list[tuple[Commitment, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for c in commitments:
        for idx, t in enumerate(c.targets):
            key_type = t.target_type or t.target_type_label
            if not key_type or key_type in generic_target_types():
                continue
            groups[(c.jurisdiction_code, key_type, t.unit, t.cumulative)][c.year].append((c, idx))
    out = []
    for (code, key_type, unit, cumulative), by_year in groups.items():
        if len(by_year) < min_years:
            continue
        first_c, first_idx = next(iter(by_year.values()))[0]
        first_t = first_c.targets[first_idx]
        series = Series(
            id=f"{code}:{key_type}:{unit}" + (":cumulative" if cumulative else ""),
            jurisdiction_code=code,
            jurisdiction=first_c.jurisdiction,
            target_type=key_type,
            target_type_label=first_t.target_type_label or key_type,
            unit=unit,
            cumulative=cumulative,
        )
        previous: float | None = None
        for year in sorted(by_year):
            members = by_year[year]
            values = [c.targets[i].value for c, i in members]
            value = max(values) if cumulative else sum(values)
            point = SeriesPoint(
                year=year,
                value=value,
                commitment_ids=sorted({c.id for c, _ in members}),
                target_ids=[target_id(c.id, i) for c, i in members],
            )
            if previous is not None:
                point.change = value - previous
                point.change_pct = round(100.0 * (value - previous) / previous, 2) if previous else None
            previous = value
            series.points.append(point)
        out.append(series)
    out.sort(key=lambda s: (s.jurisdiction_code, s.target_type, s.unit, s.cumulative))
    return out
