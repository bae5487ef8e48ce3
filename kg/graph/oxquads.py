"""The graph's triples as Oxigraph quads: conversion from rdf.py's rdflib terms, and the pieces
``kg.graph.oxstore`` writes or replaces (fixed graphs, one jurisdiction, links)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import XSD, BNode, Literal, URIRef

from kg.graph import rdf

if TYPE_CHECKING:
    from kg.graph.links import Link
    from kg.graph.views import GraphData

# Quads handed to Oxigraph per call: large enough to amortise the call, small enough that a
# 100k-commitment build never holds more than a few MB of Python objects.
BATCH = 50_000
_XSD_STRING = str(XSD.string)


def _ox() -> Any:
    import pyoxigraph

    return pyoxigraph


class _Sink:
    """Collects rdflib triples of one named graph as Oxigraph quads (``.add`` like an rdflib Graph)."""

    def __init__(self, graph: URIRef | str, cache: dict[str, Any]):
        self.ox = _ox()
        self.graph = self.ox.NamedNode(str(graph))
        self.cache = cache
        self.quads: list[Any] = []

    def term(self, t: Any) -> Any:
        # No cache keyed by rdflib terms: their Python-level __hash__/__eq__ cost more than a new NamedNode.
        if isinstance(t, URIRef):
            return self.ox.NamedNode(t)
        if isinstance(t, Literal):
            if t.language:
                return self.ox.Literal(t, language=t.language)
            dt = t.datatype
            if dt is not None and not str.__eq__(dt, _XSD_STRING):
                node = self.cache.get(dt)
                if node is None:
                    node = self.cache[dt] = self.ox.NamedNode(dt)
                return self.ox.Literal(t, datatype=node)
            return self.ox.Literal(t)
        if isinstance(t, BNode):
            return self.ox.BlankNode(str(t))
        raise TypeError(f"not an RDF term: {t!r}")

    def add(self, triple: tuple[Any, Any, Any]) -> None:
        s, p, o = triple
        self.quads.append(self.ox.Quad(self.term(s), self.term(p), self.term(o), self.graph))


def _batched(quads: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for q in quads:
        batch.append(q)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _fixed_graph_quads() -> list[Any]:
    cache: dict[str, Any] = {}
    onto = _Sink(rdf.ONTOLOGY_GRAPH, cache)
    for t in rdf._ontology_triples():
        onto.add(t)
    vocab = _Sink(rdf.SHARED_GRAPH, cache)
    rdf._add_vocabulary(vocab)  # type: ignore[arg-type]
    return onto.quads + vocab.quads


def _jurisdiction_data(store: Any, code: str, catalog: tuple[dict, dict, dict] | dict) -> GraphData:
    """One jurisdiction's data; ``catalog`` is every (departments, officials, documents) by id, or
    only the documents, and then only the people this jurisdiction's commitments name are read."""
    from kg.graph.links import target_series
    from kg.graph.views import GraphData, official_id, people_of

    # What views.collect_graph_data(store, jurisdiction=code, links=[]) gives, read by exact code.
    commitments = store.commitments_in(code)
    if isinstance(catalog, dict):
        deps, offs = store.people_named({r.id for c in commitments for r in c.departments},
                                        {official_id(c, n) for c in commitments for n in c.officials})
        all_departments, all_officials = {d.id: d for d in deps}, {o.id: o for o in offs}
        all_documents = catalog
    else:
        all_departments, all_officials, all_documents = catalog
    departments, officials = people_of(commitments, all_departments, all_officials)
    documents = {i: all_documents[i] for i in sorted({c.document_id for c in commitments}) if i in all_documents}
    return GraphData(commitments, departments, officials, documents, [], target_series(commitments))


def _jurisdiction_quads(data: GraphData, lookup: dict, *, with_documents: bool) -> list[Any]:
    """Shared nodes and series of one jurisdiction, plus the named graphs of ``data.documents``."""
    from kg.graph.links import target_series

    cache: dict[str, Any] = {}
    shared = _Sink(rdf.SHARED_GRAPH, cache)
    rdf._add_entities(shared, data)  # type: ignore[arg-type]
    links = _Sink(rdf.LINKS_GRAPH, cache)
    rdf._add_series(links, target_series(data.commitments), lookup)  # type: ignore[arg-type]
    quads = shared.quads + links.quads
    if with_documents:
        sinks: dict[str, _Sink] = {}
        for doc in data.documents.values():
            sinks[doc.id] = _Sink(rdf.document_graph_iri(doc.id), cache)
            rdf._add_document(sinks[doc.id], doc)  # type: ignore[arg-type]
        for c in data.commitments:
            if c.document_id in sinks:
                rdf._add_commitment(sinks[c.document_id], c, lookup)  # type: ignore[arg-type]
        for sink in sinks.values():
            quads.extend(sink.quads)
    return quads


def _remove_jurisdiction_nodes(ox_store: Any, code: str) -> None:
    """Departments, officials, the jurisdiction node and target series of ``code``, from shared/links."""
    ox = _ox()
    j = ox.NamedNode(str(rdf.jurisdiction_iri(code)))
    ms_j = ox.NamedNode(str(rdf.MS.jurisdiction))
    shared, links = ox.NamedNode(str(rdf.SHARED_GRAPH)), ox.NamedNode(str(rdf.LINKS_GRAPH))
    doomed: list[Any] = list(ox_store.quads_for_pattern(j, None, None, shared))
    for q in list(ox_store.quads_for_pattern(None, ms_j, j, shared)):
        doomed.extend(ox_store.quads_for_pattern(q.subject, None, None, shared))
    in_series = ox.NamedNode(str(rdf.MS.inSeries))
    for q in list(ox_store.quads_for_pattern(None, ms_j, j, links)):
        doomed.extend(ox_store.quads_for_pattern(q.subject, None, None, links))
        for member in ox_store.quads_for_pattern(None, in_series, q.subject, links):
            doomed.extend(ox_store.quads_for_pattern(member.subject, None, None, links))
    for q in doomed:
        ox_store.remove(q)


def _link_quads(links: Iterable[Link]) -> list[Any]:
    sink = _Sink(rdf.LINKS_GRAPH, {})
    rdf._add_link_triples(sink, links)  # type: ignore[arg-type]
    return sink.quads


_SEP = "\x1f"  # unit separator: never in ids, kinds or evidence text


def _link_key(link: Link) -> str:
    return _SEP.join((link.kind, link.source_id, link.target_id, format(round(float(link.score), 4), "g"),
                      " ".join(link.evidence.split())))


def _load_link_keys(path: Path) -> set[str] | None:
    # One line per link: a set of strings loads ~10x faster than JSON lists at 190k links.
    try:
        return set(path.read_text("utf-8").splitlines())
    except (OSError, ValueError):
        return None


def _save_link_keys(path: Path, keys: Iterable[str]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text("\n".join(keys), "utf-8")
    os.replace(tmp, path)


def _link_from_key(key: str) -> Link:
    """The link a key stands for, as the graph writes it (score to 4 decimals)."""
    from kg.graph.links import Link

    kind, src, dst, score, evidence = key.split(_SEP)
    return Link(kind, src, dst, float(score), evidence)


def _sync_links(ox_store: Any, links: list[Link], snapshot: Path, have: set[str]) -> None:
    """Replace only the links that appeared, disappeared or changed score or evidence."""
    wanted = {_link_key(lk): lk for lk in links}
    _sync_link_keys(ox_store, wanted, snapshot, have)


def _sync_link_keys(ox_store: Any, wanted: Mapping[str, Link | None] | Iterable[str], snapshot: Path,
                    have: set[str]) -> None:
    """``_sync_links`` given the wanted links' keys (kg.graph.linkset keeps them per document).

    The previous link set is read from a snapshot file next to the store: reading it back
    from Oxigraph would decode every link node's strings (seconds at 100k commitments). Without
    the snapshot ``sync`` rebuilds instead: removing every link node quad by quad is far slower.
    """
    if not isinstance(wanted, Mapping):
        wanted = dict.fromkeys(wanted)
    _replace_links(ox_store, have - wanted.keys(),
                   [lk or _link_from_key(key) for key, lk in wanted.items() if key not in have])
    _save_link_keys(snapshot, wanted.keys())


def _replace_links(ox_store: Any, stale: Iterable[str], fresh: list[Link]) -> None:
    """Remove the links keyed ``stale`` (their nodes and direct triples), then add ``fresh``."""
    ox = _ox()
    graph = ox.NamedNode(str(rdf.LINKS_GRAPH))
    fresh_nodes = {str(rdf.link_iri(lk)) for lk in fresh}
    for key in stale:
        from kg.graph.links import Link

        kind, src, dst = key.split(_SEP)[:3]
        node = rdf.link_iri(Link(kind, src, dst, 0.0, ""))
        for q in list(ox_store.quads_for_pattern(ox.NamedNode(str(node)), None, None, graph)):
            ox_store.remove(q)
        if str(node) not in fresh_nodes:
            p = rdf.MS.continues if kind == "continues" else rdf.MS.similarTo
            ox_store.remove(ox.Quad(ox.NamedNode(str(rdf.commitment_iri(src))), ox.NamedNode(str(p)),
                                    ox.NamedNode(str(rdf.commitment_iri(dst))), graph))
    if fresh:
        ox_store.extend(_link_quads(fresh))
