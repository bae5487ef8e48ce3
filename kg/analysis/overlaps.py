"""Departments and officials whose commitments overlap, with the evidence for each claim.

Four kinds, each answering a question researchers ask of 民生实事 lists:
``shared`` (which departments are co-responsible for items), ``thematic`` (which
departments of one list work on the same theme separately: duplication or a
coordination gap), ``cross_district`` (the same job done in another district, maybe by
a department of another function) and ``official`` (leaders with overlapping portfolios).
The embedding-based kinds live in kg/semantic_overlaps.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from kg.analysis.spans import span
from kg.errors import NotFoundError, QueryError
from kg.graph.links import generic_target_types
from kg.model import Commitment

KINDS = ("shared", "thematic", "cross_district", "official")
# Scores of ``shared`` count commitments, the other kinds lie in [0, 1]. The semantic
# defaults were set on the bundled corpus so that known overlaps pass and the list stays
# readable; pass min_score=0 to see everything.
DEFAULT_MIN_SCORE = {"shared": 1.0, "thematic": 0.42, "cross_district": 0.35, "official": 0.3}


@dataclass
class Overlap:
    """One overlap; ``evidence`` entries name a commitment and the spans that matter in it."""

    kind: str
    departments: list[str]  # names, in the order of ``department_ids``
    department_ids: list[str]
    jurisdictions: list[str]
    years: list[int]
    score: float
    evidence: list[dict[str, Any]] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)  # shared themes / target types / groups
    pairs: list[dict[str, Any]] = field(default_factory=list)  # scored commitment pairs behind it
    officials: list[str] = field(default_factory=list)  # the official pair (kind "official")
    same_function: bool | None = None  # kind "cross_district": do both sides share a function?
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def commitment_ids(self) -> list[str]:
        return list(dict.fromkeys(e["commitment_id"] for e in self.evidence))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["commitments"] = self.commitment_ids
        return d


def evidence_entry(c: Commitment, spans: list[dict[str, Any]] | None = None,
                   departments: Collection[str] | None = None) -> dict[str, Any]:
    """One evidence record; ``departments`` narrows the listed departments to those that matter."""
    names = [d.name for d in c.departments if departments is None or d.id in departments]
    return {"commitment_id": c.id, "title": c.title, "jurisdiction": c.jurisdiction, "year": c.year,
            "departments": names, "spans": spans or []}


def _title_span(c: Commitment) -> list[dict[str, Any]]:
    start = c.text.find(c.title) if c.title else -1
    return [span(c.title, start, start + len(c.title) if start >= 0 else -1, "title")] if c.title else []


Items = Callable[[list[str]], list[Commitment]]  # ids -> full commitments, read once each


def shared_candidates(store: Any, year: int | None, code: str | None, items: Items) -> list[Any]:
    """Every pair of departments named on one commitment, weighted by how many they share.

    Counted by one GROUP BY in the store; the commitments behind a pair are read only when
    it is shown.
    """
    from kg.analysis.semantic_overlaps import Candidate

    def build(a: str, b: str, weight: float) -> Overlap:
        found = items(store.commitment_ids_naming_both(a, b, year=year, jurisdiction=code))
        names = {d.id: d.name for c in found for d in c.departments}
        return Overlap(
            kind="shared", departments=[names[a], names[b]], department_ids=[a, b],
            jurisdictions=sorted({c.jurisdiction for c in found}), years=sorted({c.year for c in found}),
            score=weight, evidence=[evidence_entry(c, _title_span(c), [a, b]) for c in found])
    return [Candidate(float(n), [a, b], [], lambda a=a, b=b, w=float(n): build(a, b, w))
            for a, b, n in store.co_named_departments(year=year, jurisdiction=code)]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def official_candidates(store: Any, year: int | None, code: str | None, items: Items) -> list[Any]:
    """Pairs of officials of one jurisdiction, scored by the mean Jaccard of departments and themes.

    Scored from the store's official portfolios (ids, departments, themes) without building
    commitments; the evidence, which quotes titles, is read for the pairs shown.
    """
    from kg.analysis.semantic_overlaps import Candidate

    led, facts = store.official_portfolios(year=year, jurisdiction=code)
    mine: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    position: dict[str, int] = {}
    for oid, name, cid in led:
        names[oid] = name
        position.setdefault(cid, len(position))  # store order
        mine[oid].append(cid)  # (commitment, official) is a key of the store: never twice
    deps = {oid: frozenset().union(*(facts[c][0] for c in cids)) for oid, cids in mine.items()}
    themes = {oid: frozenset(t for c in cids for t in facts[c][1]) for oid, cids in mine.items()}
    by_place: dict[str, list[str]] = defaultdict(list)
    for oid in sorted(mine):
        by_place[oid.split(":")[0]].append(oid)

    def build(a: str, b: str, ids: list[str], shared_deps: frozenset[str], shared_themes: frozenset[str],
              j_dep: float, j_theme: float) -> Overlap:
        found = items(ids)
        dep_names = {d.id: d.name for c in found for d in c.departments}
        dep_ids = sorted(shared_deps)
        return Overlap(
            kind="official", departments=[dep_names[d] for d in dep_ids], department_ids=dep_ids,
            jurisdictions=sorted({c.jurisdiction for c in found}), years=sorted({c.year for c in found}),
            score=round((j_dep + j_theme) / 2, 4), officials=[names[a], names[b]],
            concepts=sorted(shared_themes), evidence=[evidence_entry(c, departments=shared_deps) for c in found],
            details={"official_ids": [a, b], "department_jaccard": round(j_dep, 4), "theme_jaccard": round(j_theme, 4),
                     "co_led": sorted(set(mine[a]) & set(mine[b]))})
    out = []
    # Pairs within one jurisdiction only: officials of different places never share a portfolio.
    for members in by_place.values():
        for a, b in combinations(members, 2):
            shared_deps, shared_themes = deps[a] & deps[b], themes[a] & themes[b]
            if not shared_deps and not shared_themes:
                continue
            j_dep, j_theme = _jaccard(deps[a], deps[b]), _jaccard(themes[a], themes[b])
            ids = [c for c in sorted(set(mine[a]) | set(mine[b]), key=position.__getitem__)
                   if shared_deps & facts[c][0] or shared_themes.intersection(facts[c][1])]
            out.append(Candidate(
                round((j_dep + j_theme) / 2, 4), sorted(shared_deps), ids,
                lambda a=a, b=b, ids=ids, sd=shared_deps, st=shared_themes, jd=j_dep, jt=j_theme:
                    build(a, b, ids, sd, st, jd, jt)))
    return out


def _workspace_of(store: Any) -> Any:
    # Vectors are cached next to the store, in the workspace the store belongs to.
    from kg.store.workspace import DB_NAME, Workspace

    path = Path(getattr(store, "path", "") or "")
    return Workspace(path.parent) if path.name == DB_NAME else None


DEFAULT_LIMIT = 100


def find_overlaps(store: Any, *, kinds: list[str] | tuple[str, ...] | None = None, jurisdiction: str | None = None,
                  year: int | None = None, department: str | None = None, min_score: float | None = None,
                  vectors: Mapping[str, np.ndarray] | None = None, model: str | None = None,
                  limit: int | None = None, offset: int = 0, workspace: Any = None,
                  embedder: Any = None) -> list[Overlap]:
    """Overlaps of the requested ``kinds`` (default all), best first within each kind.

    ``jurisdiction``/``year`` restrict the commitments looked at; a cross_district pair
    is kept when either side matches them. ``department`` (any alias) keeps overlaps
    naming it. ``min_score=None`` applies ``DEFAULT_MIN_SCORE`` per kind. ``limit`` and
    ``offset`` page through each kind's list sorted by score (evidence is worked out for
    the returned page only). Embedding-based kinds use the workspace's saved neighbour
    lists when they match the store (kept by the search index); else ``vectors`` (id ->
    embedding) or vectors embedded with ``model``/``embedder`` through the cache.
    """
    with store.snapshot():  # every read below sees one committed state, even while an upload lands
        return _find_overlaps(store, kinds=kinds, jurisdiction=jurisdiction, year=year, department=department,
                              min_score=min_score, vectors=vectors, model=model, limit=limit, offset=offset,
                              workspace=workspace, embedder=embedder)


def _find_overlaps(store: Any, *, kinds: list[str] | tuple[str, ...] | None, jurisdiction: str | None,
                   year: int | None, department: str | None, min_score: float | None,
                   vectors: Mapping[str, np.ndarray] | None, model: str | None, limit: int | None, offset: int,
                   workspace: Any, embedder: Any) -> list[Overlap]:
    from kg.analysis.overlap_cache import thematic_list_candidates
    from kg.analysis.semantic_overlaps import Candidate, cross_district_candidates

    wanted = list(dict.fromkeys(kinds or KINDS))
    unknown = [k for k in wanted if k not in KINDS]
    if unknown:
        raise QueryError(f"--kind: unknown overlap kind {unknown[0]!r}; expected one of {', '.join(KINDS)}")
    if (limit is not None and limit < 1) or offset < 0:
        raise QueryError(f"--limit must be at least 1 and --offset at least 0, got {limit} and {offset}")
    code = None
    if jurisdiction:
        code = store.jurisdiction_code(jurisdiction)
        if code is None:
            raise NotFoundError(f"--jurisdiction: no jurisdiction {jurisdiction!r} in the workspace")
    dep_ids: set[str] | None = None
    if department:
        dep_ids = {d.id for d in store.find_departments(department, code)}
        if not dep_ids:
            raise NotFoundError(f"--department: no department {department!r}; `minsheng departments` lists them")
    neighbours = saved_in = None
    if {"thematic", "cross_district"} & set(wanted):
        neighbours, saved_in = _neighbours(store, vectors, model, workspace, embedder)
    full: dict[str, Commitment] = {}

    def items(ids: list[str]) -> list[Commitment]:
        missing = [i for i in dict.fromkeys(ids) if i not in full]
        if missing:
            full.update((c.id, c) for c in store.commitments(ids=missing))
        return [full[i] for i in ids]
    found: list[Overlap] = []
    for kind in wanted:
        floor = DEFAULT_MIN_SCORE[kind] if min_score is None else min_score
        if kind == "shared":
            cands = shared_candidates(store, year, code, items)
        elif kind == "official":
            cands = official_candidates(store, year, code, items)
        elif kind == "thematic":
            assert neighbours is not None  # loaded above for this kind
            cands = thematic_list_candidates(store, saved_in, neighbours, year=year, jurisdiction_code=code,
                                             min_score=floor, items=items)
        else:
            top = offset + limit if limit and dep_ids is None else None  # the department filter needs them all
            cands = cross_district_candidates(store.commitment_facts(generic_target_types()), neighbours, year=year,
                                              jurisdiction_code=code, commitments=full.__getitem__, keep_top=top)
        cands = [c for c in cands if c.score >= floor]
        if dep_ids is not None:
            if kind == "cross_district":
                naming = set(store.commitment_ids(department=department, jurisdiction=jurisdiction))
                cands = [c for c in cands if naming & set(c.commitment_ids)]
            else:
                cands = [c for c in cands if dep_ids & set(c.department_ids)]
        cands.sort(key=lambda c: (-c.score, c.department_ids, c.commitment_ids))
        page: list[Candidate] = cands[offset : offset + limit] if limit else cands[offset:]
        items([i for c in page for i in c.commitment_ids])  # one read for the whole page
        found.extend(c.build() for c in page)
    return found


def _neighbours(store: Any, vectors: Mapping[str, np.ndarray] | None, model: str | None, workspace: Any,
                embedder: Any) -> tuple[Any, Any]:
    """(lists, workspace): the workspace's saved neighbour lists if current, else lists computed
    from (cached) vectors and None, since scores saved for the workspace's lists do not fit them."""
    from kg.embed.vectors import commitment_vectors
    from kg.graph.neighbours import from_vectors, load_neighbours

    ws = workspace or _workspace_of(store)
    if vectors is None:
        saved = load_neighbours(ws, store.state(), mmap=True) if ws is not None else None
        if saved is not None:
            return saved, ws
    items = store.commitments()
    vecs = dict(vectors or {})
    missing = [c for c in items if c.id not in vecs]
    if missing:
        vecs.update(commitment_vectors(ws, missing, model, embedder=embedder))
    return from_vectors(vecs, [c.id for c in items]), None
