"""networkx views of the store: the full graph, department co-responsibility, officials.

Views are always rebuilt from the store (never kept by hand), through one snapshot,
``collect_graph_data``, which the RDF builder shares so both describe the same nodes.
Node keys are ``kind:stable-id`` (``department:370103:区卫生健康局``) so kinds never clash;
the bare id is the ``stable_id`` attribute (not ``id``, which GEXF and Cytoscape take over).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import networkx as nx

from kg.graph.links import Link, Series, link_commitments, target_id, target_series
from kg.model import Commitment, Department, Document, Official
from kg.text import normalize_name
from kg.vocab.taxonomy import Concept, load_taxonomy

_LABEL_MAX = 40


@dataclass
class GraphData:
    """Everything one view needs, restricted to the commitments matching the filters."""

    commitments: list[Commitment]
    departments: dict[str, Department]  # only those named on the commitments
    officials: dict[str, Official]
    documents: dict[str, Document]
    links: list[Link]
    series: list[Series]


def node_key(kind: str, ident: str) -> str:
    """The networkx node key of a node: ``official:370103:张源``."""
    return f"{kind}:{ident}"


def official_id(c: Commitment, name: str) -> str:
    """Officials are scoped to a jurisdiction, so two 张源 of two districts stay apart."""
    return f"{c.jurisdiction_code}:{normalize_name(name)}"


def concepts_by_label() -> dict[str, dict[str, Concept]]:
    """Concepts by kind, then by label and alt label (commitments store labels, not ids)."""
    tax = load_taxonomy()
    out: dict[str, dict[str, Concept]] = {"theme": {}, "target_type": {}}
    for kind, concepts in (("theme", tax.themes), ("target_type", tax.target_types)):
        for c in concepts:
            for name in reversed(c.names):  # the preferred label wins over a clashing alt label
                out[kind][name] = c
    return out


def people_of(commitments: list[Commitment], all_departments: dict[str, Department],
              all_officials: dict[str, Official]) -> tuple[dict[str, Department], dict[str, Official]]:
    """The departments and officials the commitments name, as the store knows them (or as written)."""
    departments: dict[str, Department] = {}
    officials: dict[str, Official] = {}
    for c in commitments:
        for ref in c.departments:
            if ref.id not in departments:
                departments[ref.id] = all_departments.get(ref.id) or Department(
                    id=ref.id, name=ref.name, jurisdiction=c.jurisdiction,
                    jurisdiction_code=c.jurisdiction_code, function=ref.function)
        for name in c.officials:
            oid = official_id(c, name)
            if oid not in officials:
                officials[oid] = all_officials.get(oid) or Official(
                    id=oid, name=normalize_name(name), jurisdiction=c.jurisdiction,
                    jurisdiction_code=c.jurisdiction_code)
    return departments, officials


def collect_graph_data(store: Any, *, year: int | None = None, jurisdiction: str | None = None,
                       links: list[Link] | None = None, catalog: tuple[dict, dict, dict] | None = None) -> GraphData:
    """Read the store once; ``links=None`` computes them with ``link_commitments`` (no vectors).

    ``catalog`` is (departments, officials, documents) by id, read once by a caller that
    collects many jurisdictions in turn, so each call does not re-read every department.
    """
    commitments = store.commitments(year=year, jurisdiction=jurisdiction)
    if catalog is None:
        catalog = ({d.id: d for d in store.departments()}, {o.id: o for o in store.officials()},
                   {d.id: d for d in store.documents()})
    all_departments, all_officials, all_documents = catalog
    ids = {c.id for c in commitments}
    departments, officials = people_of(commitments, all_departments, all_officials)
    doc_ids = {c.document_id for c in commitments}
    documents = {i: all_documents[i] for i in sorted(doc_ids) if i in all_documents}
    if links is None:
        links = link_commitments(commitments)
    else:
        links = [lk for lk in links if lk.source_id in ids and lk.target_id in ids]
    return GraphData(commitments, departments, officials, documents, links, target_series(commitments))


def short_label(text: str) -> str:
    """Titles can be whole paragraphs; graph tools need something that fits on a node."""
    text = " ".join(text.split())
    return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1] + "…"


def _concept_node(g: nx.MultiDiGraph, kind: str, label: str, lookup: dict[str, dict[str, Concept]]) -> str:
    concept = lookup[kind].get(label)
    key = node_key(kind, concept.id if concept else label)
    if key not in g:
        g.add_node(key, kind=kind, label=concept.label if concept else label,
                   concept_id=concept.id if concept else "", en=concept.en if concept else "")
        for broader in concept.broader if concept else ():
            theme = load_taxonomy().by_id.get(broader)
            if theme is not None:
                g.add_edge(key, _concept_node(g, "theme", theme.label, lookup), key="broader", kind="broader", weight=1.0)
    return key


def build_full_graph(store: Any, *, year: int | None = None, jurisdiction: str | None = None,
                     links: list[Link] | None = None, data: GraphData | None = None) -> nx.MultiDiGraph:
    """Every node kind with ``kind`` and ``label``; edges keyed and attributed by ``kind``."""
    data = data or collect_graph_data(store, year=year, jurisdiction=jurisdiction, links=links)
    g = nx.MultiDiGraph()
    lookup = concepts_by_label()

    def edge(u: str, v: str, kind: str, weight: float = 1.0, **attrs: Any) -> None:
        g.add_edge(u, v, key=kind, kind=kind, weight=weight, **attrs)

    def jurisdiction_node(code: str, name: str) -> str:
        key = node_key("jurisdiction", code)
        g.add_node(key, kind="jurisdiction", label=name, code=code)
        return key

    def year_node(y: int) -> str:
        key = node_key("year", str(y))
        g.add_node(key, kind="year", label=str(y), year=y)
        return key

    for d in data.documents.values():
        key = node_key("document", d.id)
        g.add_node(key, kind="document", label=d.title or d.source or d.id, stable_id=d.id, source=d.source,
                   sha256=d.sha256, year=d.year, layout=d.layout)
        edge(key, jurisdiction_node(d.jurisdiction_code, d.jurisdiction), "in_jurisdiction")
        edge(key, year_node(d.year), "in_year")
    for dep in data.departments.values():
        key = node_key("department", dep.id)
        g.add_node(key, kind="department", label=dep.name, stable_id=dep.id, jurisdiction=dep.jurisdiction,
                   jurisdiction_code=dep.jurisdiction_code, function=dep.function or "",
                   aliases=list(dep.aliases), known=dep.known)
        edge(key, jurisdiction_node(dep.jurisdiction_code, dep.jurisdiction), "unit_of")
        if dep.function:
            fkey = node_key("function", dep.function)
            g.add_node(fkey, kind="function", label=dep.function)
            edge(key, fkey, "function")
    for o in data.officials.values():
        key = node_key("official", o.id)
        g.add_node(key, kind="official", label=o.name, stable_id=o.id, jurisdiction=o.jurisdiction,
                   jurisdiction_code=o.jurisdiction_code)
        edge(key, jurisdiction_node(o.jurisdiction_code, o.jurisdiction), "in_jurisdiction")
    years_of: dict[str, set[int]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for c in data.commitments:
        key = node_key("commitment", c.id)
        g.add_node(key, kind="commitment", label=short_label(c.title or c.text), stable_id=c.id, title=c.title,
                   text=c.text, year=c.year, seq=c.seq, jurisdiction=c.jurisdiction,
                   jurisdiction_code=c.jurisdiction_code, category=c.category or "",
                   document_id=c.document_id, themes=list(c.themes), target_types=list(c.target_types))
        edge(key, node_key("document", c.document_id), "derived_from")
        edge(key, jurisdiction_node(c.jurisdiction_code, c.jurisdiction), "in_jurisdiction")
        edge(key, year_node(c.year), "in_year")
        for name in c.officials:
            okey = node_key("official", official_id(c, name))
            edge(key, okey, "lead_official")
            years_of[okey].add(c.year)
            counts[okey] += 1
        for ref in c.departments:
            dkey = node_key("department", ref.id)
            edge(key, dkey, "responsible_department", lead=ref.id in c.lead_departments)
            counts[dkey] += 1
        for idx, t in enumerate(c.targets):
            tkey = node_key("target", target_id(c.id, idx))
            g.add_node(tkey, kind="target", label=t.raw or f"{t.metric}{t.value:g}{t.unit}",
                       stable_id=target_id(c.id, idx), metric=t.metric, value=float(t.value), unit=t.unit,
                       comparator=t.comparator, cumulative=t.cumulative, target_type=t.target_type or "")
            edge(key, tkey, "has_target")
            if t.target_type_label:
                edge(tkey, _concept_node(g, "target_type", t.target_type_label, lookup), "target_type")
        for label in c.target_types:
            edge(key, _concept_node(g, "target_type", label, lookup), "target_type")
        for label in c.themes:
            edge(key, _concept_node(g, "theme", label, lookup), "theme")
    for key, n in counts.items():
        g.nodes[key]["n_commitments"] = n
    for key, years in years_of.items():
        g.nodes[key]["years"] = sorted(years)
    for lk in data.links:
        edge(node_key("commitment", lk.source_id), node_key("commitment", lk.target_id), lk.kind,
             weight=float(lk.score), evidence=lk.evidence)
    for s in data.series:
        for prev, point in zip(s.points, s.points[1:], strict=False):
            for a in prev.target_ids:
                for b in point.target_ids:
                    edge(node_key("target", a), node_key("target", b), "next_in_series",
                         series=s.id, change=point.change if point.change is not None else 0.0)
    return g


def add_weighted_edge(g: nx.Graph, a: str, b: str, kind: str, commitment_id: str) -> None:
    """Add one shared commitment to the edge a–b: ``weight`` counts them, ``commitments`` lists them."""
    if g.has_edge(a, b):
        g[a][b]["weight"] += 1
        g[a][b]["commitments"].append(commitment_id)
    else:
        g.add_edge(a, b, kind=kind, weight=1, commitments=[commitment_id])


def build_department_graph(store: Any, *, year: int | None = None, jurisdiction: str | None = None,
                           data: GraphData | None = None) -> nx.Graph:
    """Departments joined when named on the same commitment; ``weight`` counts the commitments."""
    data = data or collect_graph_data(store, year=year, jurisdiction=jurisdiction, links=[])
    g = nx.Graph()
    per_department: dict[str, list[str]] = defaultdict(list)
    for c in data.commitments:
        ids = list(dict.fromkeys(ref.id for ref in c.departments))
        for d in ids:
            per_department[d].append(c.id)
        for a, b in combinations(sorted(ids), 2):
            add_weighted_edge(g, node_key("department", a), node_key("department", b), "co_responsible", c.id)
    for dep in data.departments.values():
        g.add_node(node_key("department", dep.id), kind="department", label=dep.name, stable_id=dep.id,
                   function=dep.function or "", jurisdiction=dep.jurisdiction,
                   jurisdiction_code=dep.jurisdiction_code, n_commitments=len(per_department[dep.id]),
                   commitments=per_department[dep.id])
    return g


def build_official_graph(store: Any, *, year: int | None = None, jurisdiction: str | None = None,
                         data: GraphData | None = None) -> nx.Graph:
    """Bipartite officials (``bipartite=0``) and departments (``1``); ``weight`` counts commitments."""
    data = data or collect_graph_data(store, year=year, jurisdiction=jurisdiction, links=[])
    g = nx.Graph()
    led: dict[str, list[Commitment]] = defaultdict(list)  # by official: one pass, not one scan per official
    for c in data.commitments:
        for oid in dict.fromkeys(official_id(c, name) for name in c.officials):
            led[oid].append(c)
            for dep_id in dict.fromkeys(ref.id for ref in c.departments):
                add_weighted_edge(g, node_key("official", oid), node_key("department", dep_id), "leads", c.id)
    for o in data.officials.values():
        key = node_key("official", o.id)
        mine = led.get(o.id, [])
        g.add_node(key, kind="official", bipartite=0, label=o.name, stable_id=o.id, jurisdiction=o.jurisdiction,
                   jurisdiction_code=o.jurisdiction_code, n_commitments=len(mine),
                   years=sorted({c.year for c in mine}))
    for dep in data.departments.values():
        key = node_key("department", dep.id)
        if key in g:
            g.add_node(key, kind="department", bipartite=1, label=dep.name, stable_id=dep.id,
                       function=dep.function or "", jurisdiction=dep.jurisdiction,
                       jurisdiction_code=dep.jurisdiction_code)
    return g


VIEWS = {"full": build_full_graph, "departments": build_department_graph, "officials": build_official_graph}
