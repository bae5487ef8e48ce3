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
from kg.graph.views import GraphData, build_department_graph, people_of
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


def find_shared(data: Any) -> list[Overlap]:
    """Every pair of departments named on one commitment, weighted by how many they share."""
    return [c.build() for c in shared_candidates(data)]


def shared_candidates(data: Any, commitments: Callable[[str], Commitment] | None = None) -> list[Any]:
    """``find_shared`` as scored candidates: the evidence is written only for those shown.

    ``commitments(id)`` gives the item an evidence entry quotes (default: ``data``'s own;
    ``find_overlaps`` reads the corpus light and passes full items for the page shown).
    """
    from kg.analysis.semantic_overlaps import Candidate

    g = build_department_graph(None, data=data)
    lookup = commitments or {c.id: c for c in data.commitments}.__getitem__

    def build(a: str, b: str, ids: list[str], weight: float) -> Overlap:
        items = [lookup(i) for i in ids]
        return Overlap(
            kind="shared", departments=[data.departments[a].name, data.departments[b].name], department_ids=[a, b],
            jurisdictions=sorted({c.jurisdiction for c in items}), years=sorted({c.year for c in items}),
            score=weight, evidence=[evidence_entry(c, _title_span(c), [a, b]) for c in items])
    out = []
    for u, v, attrs in g.edges(data=True):
        # Node keys are "department:<id>" (graph_views.node_key); the id is what we report.
        a, b = sorted(key.split(":", 1)[1] for key in (u, v))
        ids, weight = list(dict.fromkeys(attrs["commitments"])), float(attrs["weight"])
        out.append(Candidate(weight, [a, b], ids, lambda a=a, b=b, ids=ids, w=weight: build(a, b, ids, w)))
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def find_official_overlaps(data: Any) -> list[Overlap]:
    """Pairs of officials of one jurisdiction, scored by the mean Jaccard of departments and themes."""
    return [c.build() for c in official_candidates(data)]


def official_candidates(data: Any) -> list[Any]:
    """``find_official_overlaps`` as scored candidates; evidence quotes titles only, so light items do."""
    from kg.analysis.semantic_overlaps import Candidate

    mine: dict[str, list[Commitment]] = defaultdict(list)
    for c in data.commitments:
        for oid in dict.fromkeys(f"{c.jurisdiction_code}:{n}" for n in c.officials):
            mine[oid].append(c)
    names = {oid: o.name for oid, o in data.officials.items()}
    position = {c.id: n for n, c in enumerate(data.commitments)}
    deps = {oid: {d.id for c in items for d in c.departments} for oid, items in mine.items()}
    themes = {oid: {t for c in items for t in c.themes} for oid, items in mine.items()}
    by_place: dict[str, list[str]] = defaultdict(list)
    for oid in sorted(mine):
        by_place[oid.split(":")[0]].append(oid)

    def build(a: str, b: str, items: list[Commitment], shared_deps: set[str], shared_themes: set[str],
              j_dep: float, j_theme: float) -> Overlap:
        dep_names = {d.id: d.name for o in (a, b) for c in mine[o] for d in c.departments}
        dep_ids = sorted(shared_deps)
        return Overlap(
            kind="official", departments=[dep_names[d] for d in dep_ids], department_ids=dep_ids,
            jurisdictions=sorted({c.jurisdiction for c in items}), years=sorted({c.year for c in items}),
            score=round((j_dep + j_theme) / 2, 4), officials=[names.get(a, a), names.get(b, b)],
            concepts=sorted(shared_themes), evidence=[evidence_entry(c, departments=shared_deps) for c in items],
            details={"official_ids": [a, b], "department_jaccard": round(j_dep, 4), "theme_jaccard": round(j_theme, 4),
                     "co_led": sorted({c.id for c in mine[a]} & {c.id for c in mine[b]})})
    out = []
    # Pairs within one jurisdiction only: officials of different places never share a portfolio.
    for members in by_place.values():
        for a, b in combinations(members, 2):
            shared_deps, shared_themes = deps[a] & deps[b], themes[a] & themes[b]
            if not shared_deps and not shared_themes:
                continue
            j_dep, j_theme = _jaccard(deps[a], deps[b]), _jaccard(themes[a], themes[b])
            pool = {c.id: c for c in (*mine[a], *mine[b])}
            items = [pool[i] for i in sorted(pool, key=position.__getitem__)  # store order
                     if shared_deps & {d.id for d in pool[i].departments} or shared_themes & set(pool[i].themes)]
            out.append(Candidate(
                round((j_dep + j_theme) / 2, 4), sorted(shared_deps), [c.id for c in items],
                lambda a=a, b=b, items=items, sd=shared_deps, st=shared_themes, jd=j_dep, jt=j_theme:
                    build(a, b, items, sd, st, jd, jt)))
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
    from kg.analysis.semantic_overlaps import Candidate, cross_district_candidates, thematic_candidates

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
    # One light read of the scope (no texts, no targets) serves every kind; the items a page
    # quotes are read in full once the page is known (``full``).
    data = _scope(store, year, code) if {"shared", "official", "thematic"} & set(wanted) else None
    neighbours = None
    if {"thematic", "cross_district"} & set(wanted):
        neighbours = _neighbours(store, vectors, model, workspace, embedder)
    full: dict[str, Commitment] = {}
    found: list[Overlap] = []
    for kind in wanted:
        floor = DEFAULT_MIN_SCORE[kind] if min_score is None else min_score
        if kind == "shared":
            cands = shared_candidates(data, full.__getitem__)
        elif kind == "official":
            cands = official_candidates(data)
        elif kind == "thematic":
            assert neighbours is not None and data is not None  # loaded above for this kind
            cands = thematic_candidates(data.commitments, neighbours.mapping(), full.__getitem__)
        else:
            top = offset + limit if limit and dep_ids is None else None  # the department filter needs them all
            cands = cross_district_candidates(_facts(store, data, year, code), neighbours, year=year,
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
        wanted_ids = {i for c in page for i in c.commitment_ids} - full.keys()
        if wanted_ids:
            full.update((c.id, c) for c in store.commitments(ids=wanted_ids))
        found.extend(c.build() for c in page)
    return found


def _facts(store: Any, data: GraphData | None, year: int | None, code: str | None) -> dict[str, tuple]:
    """(jurisdiction code, year, specific target types) of every commitment, from the scope when it is
    the whole corpus (a cross-district pair may have its other side outside a filtered scope)."""
    generic = generic_target_types()
    if data is None or year is not None or code is not None:
        return store.commitment_facts(generic)
    return {c.id: (c.jurisdiction_code, c.year, frozenset(c.target_types) - generic) for c in data.commitments}


def _scope(store: Any, year: int | None, code: str | None) -> GraphData:
    """The commitments in scope with their departments and officials: what ``collect_graph_data``
    reads, without the documents, links and target series that no overlap kind uses (the series
    alone took 0.3 s of 4.7 s at 10k commitments)."""
    commitments = store.commitments(year=year, jurisdiction=code, light=True)
    # The names, functions and places on the commitments are all an overlap reports of a
    # department or official: no need to read every department's alias and commitment lists.
    departments, officials = people_of(commitments, {}, {})
    return GraphData(commitments, departments, officials, {}, [], [])


def _neighbours(store: Any, vectors: Mapping[str, np.ndarray] | None, model: str | None, workspace: Any,
                embedder: Any) -> Any:
    """The workspace's saved neighbour lists if current, else lists computed from (cached) vectors."""
    from kg.embed.vectors import commitment_vectors
    from kg.graph.neighbours import from_vectors, load_neighbours

    ws = workspace or _workspace_of(store)
    if vectors is None:
        saved = load_neighbours(ws, store.state()) if ws is not None else None
        if saved is not None:
            return saved
    items = store.commitments()
    vecs = dict(vectors or {})
    missing = [c for c in items if c.id not in vecs]
    if missing:
        vecs.update(commitment_vectors(ws, missing, model, embedder=embedder))
    return from_vectors(vecs, [c.id for c in items])
