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
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from kg.analysis.spans import span
from kg.errors import NotFoundError, QueryError
from kg.graph.views import build_department_graph, collect_graph_data
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
    g = build_department_graph(None, data=data)
    by_id = {c.id: c for c in data.commitments}
    out = []
    for u, v, attrs in g.edges(data=True):
        # Node keys are "department:<id>" (graph_views.node_key); the id is what we report.
        a, b = sorted(key.split(":", 1)[1] for key in (u, v))
        items = [by_id[i] for i in attrs["commitments"]]
        out.append(Overlap(
            kind="shared", departments=[data.departments[a].name, data.departments[b].name], department_ids=[a, b],
            jurisdictions=sorted({c.jurisdiction for c in items}), years=sorted({c.year for c in items}),
            score=float(attrs["weight"]), evidence=[evidence_entry(c, _title_span(c), [a, b]) for c in items]))
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def find_official_overlaps(data: Any) -> list[Overlap]:
    """Pairs of officials of one jurisdiction, scored by the mean Jaccard of departments and themes."""
    mine: dict[str, list[Commitment]] = defaultdict(list)
    for c in data.commitments:
        for oid in dict.fromkeys(f"{c.jurisdiction_code}:{n}" for n in c.officials):
            mine[oid].append(c)
    names = {oid: o.name for oid, o in data.officials.items()}
    out = []
    for a, b in combinations(sorted(mine), 2):
        if a.split(":")[0] != b.split(":")[0]:
            continue
        deps_a, deps_b = ({d.id for c in mine[o] for d in c.departments} for o in (a, b))
        themes_a, themes_b = ({t for c in mine[o] for t in c.themes} for o in (a, b))
        shared_deps, shared_themes = deps_a & deps_b, themes_a & themes_b
        if not shared_deps and not shared_themes:
            continue
        j_dep, j_theme = _jaccard(deps_a, deps_b), _jaccard(themes_a, themes_b)
        dep_names = {d.id: d.name for o in (a, b) for c in mine[o] for d in c.departments}
        dep_ids = sorted(shared_deps)
        led_a, led_b = {c.id for c in mine[a]}, {c.id for c in mine[b]}
        items = [c for c in data.commitments if c.id in led_a | led_b
                 and (shared_deps & {d.id for d in c.departments} or shared_themes & set(c.themes))]
        out.append(Overlap(
            kind="official", departments=[dep_names[d] for d in dep_ids], department_ids=dep_ids,
            jurisdictions=sorted({c.jurisdiction for c in items}), years=sorted({c.year for c in items}),
            score=round((j_dep + j_theme) / 2, 4), officials=[names.get(a, a), names.get(b, b)],
            concepts=sorted(shared_themes),
            evidence=[evidence_entry(c, departments=shared_deps) for c in items],
            details={"official_ids": [a, b], "department_jaccard": round(j_dep, 4),
                     "theme_jaccard": round(j_theme, 4),
                     "co_led": sorted(led_a & led_b)}))
    return out


def _workspace_of(store: Any) -> Any:
    # Vectors are cached next to the store, in the workspace the store belongs to.
    from kg.store.workspace import DB_NAME, Workspace

    path = Path(getattr(store, "path", "") or "")
    return Workspace(path.parent) if path.name == DB_NAME else None


def _ensure_vectors(store: Any, items: list[Commitment], vectors: Mapping[str, np.ndarray] | None,
                    model: str | None) -> dict[str, np.ndarray]:
    from kg.embed.vectors import commitment_vectors

    vecs = dict(vectors or {})
    missing = [c for c in items if c.id not in vecs]
    if missing:
        vecs.update(commitment_vectors(_workspace_of(store), missing, model))
    return vecs


def find_overlaps(store: Any, *, kinds: list[str] | tuple[str, ...] | None = None, jurisdiction: str | None = None,
                  year: int | None = None, department: str | None = None, min_score: float | None = None,
                  vectors: Mapping[str, np.ndarray] | None = None, model: str | None = None,
                  limit: int | None = None) -> list[Overlap]:
    """Overlaps of the requested ``kinds`` (default all), best first within each kind.

    ``jurisdiction``/``year`` restrict the commitments looked at; a cross_district pair
    is kept when either side matches them. ``department`` (any alias) keeps overlaps
    naming it. ``min_score=None`` applies ``DEFAULT_MIN_SCORE`` per kind. ``vectors``
    (commitment id -> embedding) skips embedding; otherwise ``model`` is embedded.
    ``limit`` caps the number of overlaps of each kind.
    """
    from kg.analysis.semantic_overlaps import find_cross_district, find_thematic

    wanted = list(dict.fromkeys(kinds or KINDS))
    unknown = [k for k in wanted if k not in KINDS]
    if unknown:
        raise QueryError(f"--kind: unknown overlap kind {unknown[0]!r}; expected one of {', '.join(KINDS)}")
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
    data = collect_graph_data(store, year=year, jurisdiction=code, links=[])
    everything = store.commitments() if "cross_district" in wanted else []
    vecs: dict[str, np.ndarray] = {}
    if {"thematic", "cross_district"} & set(wanted):
        vecs = _ensure_vectors(store, everything or data.commitments, vectors, model)
    found: list[Overlap] = []
    for kind in wanted:
        floor = DEFAULT_MIN_SCORE[kind] if min_score is None else min_score
        if kind == "shared":
            items = find_shared(data)
        elif kind == "official":
            items = find_official_overlaps(data)
        elif kind == "thematic":
            items = find_thematic(data.commitments, vecs)
        else:
            items = find_cross_district(everything, vecs, year=year, jurisdiction_code=code)
        items = [o for o in items if o.score >= floor and (dep_ids is None or dep_ids & set(o.department_ids))]
        items.sort(key=lambda o: (-o.score, o.department_ids, o.commitment_ids))
        found.extend(items[:limit] if limit else items)
    return found
