"""The store as an RDF Dataset: one named graph per source document plus shared graphs.

IRIs derive from the stable ids of docs/architecture.md, so re-running an export gives
the same IRIs and a triple store can be refreshed graph by graph. Names are
percent-encoded as UTF-8 (``department/370103/%E5%8C%BA...``) to stay valid IRIs and URIs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, SKOS

from kg.model import Commitment, Document
from kg.vocab.departments import function_labels
from kg.vocab.taxonomy import Concept, load_taxonomy

if TYPE_CHECKING:  # links and views pull in numpy and networkx: not needed to name IRIs
    from kg.graph.links import Link, Series
    from kg.graph.views import GraphData

MS = Namespace("https://minsheng-kg.org/ns#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
ID_BASE = "https://minsheng-kg.org/id/"
GRAPH_BASE = "https://minsheng-kg.org/graph/"
SHARED_GRAPH = URIRef(GRAPH_BASE + "shared")
ONTOLOGY_GRAPH = URIRef(GRAPH_BASE + "ontology")
LINKS_GRAPH = URIRef(GRAPH_BASE + "links")
PREFIXES = {"ms": MS, "org": ORG, "skos": SKOS, "prov": PROV, "dcterms": DCTERMS, "schema": SCHEMA,
            "foaf": FOAF, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL}


@lru_cache(maxsize=1 << 16)
def _quoted(part: str) -> str:
    # Ids recur across a commitment's IRIs (commitment, targets, links): quote each once.
    return quote(part, safe="")


def _iri(*parts: str) -> URIRef:
    return URIRef(ID_BASE + "/".join(map(_quoted, parts)))


def commitment_iri(commitment_id: str) -> URIRef:
    return _iri("commitment", commitment_id)


def department_iri(department_id: str) -> URIRef:
    code, _, name = department_id.partition(":")
    return _iri("department", code, name)


def official_iri(off_id: str) -> URIRef:
    code, _, name = off_id.partition(":")
    return _iri("official", code, name)


def jurisdiction_iri(code: str) -> URIRef:
    return _iri("jurisdiction", code)


def document_iri(document_id: str) -> URIRef:
    return _iri("document", document_id)


def document_graph_iri(document_id: str) -> URIRef:
    """The named graph holding one document's triples."""
    return URIRef(GRAPH_BASE + "document/" + quote(document_id, safe=""))


def target_iri(tid: str) -> URIRef:
    commitment, _, n = tid.rpartition("/")
    return _iri("target", commitment, n)


def concept_iri(concept_id: str) -> URIRef:
    return _iri("concept", concept_id)


def function_iri(label: str) -> URIRef:
    return _iri("function", label)


def year_iri(year: int) -> URIRef:
    return _iri("year", str(year))


def series_iri(series_id: str) -> URIRef:
    return _iri("series", *series_id.split(":"))


def link_iri(link: Link) -> URIRef:
    return _iri("link", link.kind, link.source_id, link.target_id)


@cache
def _ontology_triples() -> tuple:
    g = Graph()
    g.parse(data=resources.files("kg").joinpath("resources", "ontology.ttl").read_text("utf-8"), format="turtle")
    return tuple(g)


def load_ontology() -> Graph:
    """The project's own terms (kg/resources/ontology.ttl) as a fresh Graph."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for t in _ontology_triples():
        g.add(t)
    return g


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def _decimal(value: float) -> Literal:
    # repr then 'f' avoids exponents ("1E+16"), which are not valid xsd:decimal lexical forms.
    return Literal(format(Decimal(repr(float(value))), "f"), datatype=XSD.decimal)


def _add_concept(g: Graph, c: Concept, scheme: URIRef, cls: URIRef) -> None:
    s = concept_iri(c.id)
    g.add((s, RDF.type, SKOS.Concept))
    g.add((s, RDF.type, cls))
    g.add((s, SKOS.inScheme, scheme))
    g.add((s, SKOS.notation, Literal(c.id)))
    g.add((s, SKOS.prefLabel, _zh(c.label)))
    g.add((s, SKOS.prefLabel, Literal(c.en, lang="en")))
    g.add((s, RDFS.label, _zh(c.label)))
    for alt in c.alt_labels:
        g.add((s, SKOS.altLabel, _zh(alt)))
    for b in c.broader:
        g.add((s, SKOS.broader, concept_iri(b)))
    if cls == MS.Theme:
        g.add((scheme, SKOS.hasTopConcept, s))


def _concept_ref(label: str, kind: str, lookup: dict[str, dict[str, Concept]]) -> URIRef:
    c = lookup[kind].get(label)
    return concept_iri(c.id if c else label)


def _add_vocabulary(g: Graph) -> None:
    """Taxonomy and department-function concepts: the same for every corpus."""
    tax = load_taxonomy()
    for c in tax.themes:
        _add_concept(g, c, MS.themeScheme, MS.Theme)
    for c in tax.target_types:
        _add_concept(g, c, MS.targetTypeScheme, MS.TargetType)
    for label, en in function_labels().items():
        _add_function(g, label, en)


def _add_entities(g: Graph, data: GraphData) -> None:
    """Jurisdictions, years, departments and officials named by ``data``'s commitments."""
    functions = function_labels()
    jurisdictions = {(c.jurisdiction_code, c.jurisdiction) for c in data.commitments}
    for code, name in sorted(jurisdictions):
        s = jurisdiction_iri(code)
        g.add((s, RDF.type, MS.Jurisdiction))
        g.add((s, RDFS.label, _zh(name)))
        g.add((s, SKOS.prefLabel, _zh(name)))
        g.add((s, MS.adminCode, Literal(code)))
    for y in sorted({c.year for c in data.commitments}):
        s = year_iri(y)
        g.add((s, RDF.type, MS.Year))
        g.add((s, RDFS.label, Literal(str(y))))
        g.add((s, MS.yearValue, Literal(y)))
    # Counted here rather than with COUNT in every query: at 100k commitments the README's
    # departments-by-function example spends most of its time joining 20k commitments to count them.
    named = Counter(dep_id for c in data.commitments for dep_id in {r.id for r in c.departments})
    for dep in data.departments.values():
        s = department_iri(dep.id)
        g.add((s, RDF.type, ORG.OrganizationalUnit))
        g.add((s, RDF.type, MS.Department))
        g.add((s, RDFS.label, _zh(dep.name)))
        g.add((s, SKOS.prefLabel, _zh(dep.name)))
        g.add((s, DCTERMS.identifier, Literal(dep.id)))
        g.add((s, MS.jurisdiction, jurisdiction_iri(dep.jurisdiction_code)))
        g.add((s, MS.known, Literal(bool(dep.known))))
        g.add((s, MS.commitmentCount, Literal(named.get(dep.id, 0))))
        for alias in dep.aliases:
            if alias != dep.name:
                g.add((s, SKOS.altLabel, _zh(alias)))
        if dep.function:
            if dep.function not in functions:
                _add_function(g, dep.function, None)
            g.add((s, ORG.classification, function_iri(dep.function)))
    for o in data.officials.values():
        s = official_iri(o.id)
        for cls in (MS.Official, FOAF.Person, SCHEMA.Person):
            g.add((s, RDF.type, cls))
        g.add((s, RDFS.label, _zh(o.name)))
        g.add((s, FOAF.name, _zh(o.name)))
        g.add((s, DCTERMS.identifier, Literal(o.id)))
        g.add((s, MS.jurisdiction, jurisdiction_iri(o.jurisdiction_code)))


def _add_shared(g: Graph, data: GraphData, lookup: dict[str, dict[str, Concept]]) -> None:
    _add_vocabulary(g)
    _add_entities(g, data)


def _add_function(g: Graph, label: str, en: str | None) -> None:
    s = function_iri(label)
    g.add((s, RDF.type, SKOS.Concept))
    g.add((s, RDF.type, MS.DepartmentFunction))
    g.add((s, SKOS.inScheme, MS.functionScheme))
    g.add((s, SKOS.prefLabel, _zh(label)))
    g.add((s, RDFS.label, _zh(label)))
    if en:
        g.add((s, SKOS.prefLabel, Literal(en, lang="en")))


def _add_commitment(g: Graph, c: Commitment, lookup: dict[str, dict[str, Concept]]) -> None:
    from kg.graph.links import target_id
    from kg.graph.views import official_id

    s = commitment_iri(c.id)
    doc = document_iri(c.document_id)
    g.add((s, RDF.type, MS.Commitment))
    g.add((s, DCTERMS.identifier, Literal(c.id)))
    g.add((s, RDFS.label, _zh(c.title or c.text)))
    g.add((s, DCTERMS.title, _zh(c.title or c.text)))
    g.add((s, MS.text, _zh(c.text)))
    g.add((s, MS.seq, Literal(c.seq)))
    g.add((s, MS.year, Literal(c.year)))
    g.add((s, DCTERMS.temporal, year_iri(c.year)))
    g.add((s, MS.jurisdiction, jurisdiction_iri(c.jurisdiction_code)))
    g.add((s, DCTERMS.spatial, jurisdiction_iri(c.jurisdiction_code)))
    g.add((s, PROV.wasDerivedFrom, doc))
    g.add((s, DCTERMS.source, doc))
    if c.category:
        g.add((s, MS.category, _zh(c.category)))
    for b in c.beneficiaries:
        g.add((s, MS.beneficiary, _zh(b)))
    for name in c.officials:
        g.add((s, MS.leadOfficial, official_iri(official_id(c, name))))
    for ref in c.departments:
        g.add((s, MS.responsibleDepartment, department_iri(ref.id)))
        if ref.id in c.lead_departments or ref.role == "lead":
            g.add((s, MS.leadDepartment, department_iri(ref.id)))
        elif ref.role == "supporting":
            g.add((s, MS.supportingDepartment, department_iri(ref.id)))
    for label in c.themes:
        g.add((s, MS.theme, _concept_ref(label, "theme", lookup)))
    for label in c.target_types:
        g.add((s, MS.targetType, _concept_ref(label, "target_type", lookup)))
    for idx, t in enumerate(c.targets):
        tid = target_id(c.id, idx)
        ts = target_iri(tid)
        g.add((s, MS.hasTarget, ts))
        g.add((ts, RDF.type, MS.Target))
        g.add((ts, RDF.type, SCHEMA.QuantitativeValue))
        g.add((ts, DCTERMS.identifier, Literal(tid)))
        g.add((ts, RDFS.label, _zh(t.raw or f"{t.metric}{t.value:g}{t.unit}")))
        g.add((ts, SCHEMA.value, _decimal(t.value)))
        g.add((ts, SCHEMA.unitText, _zh(t.unit)))
        g.add((ts, MS.metric, _zh(t.metric)))
        g.add((ts, MS.comparator, Literal(t.comparator)))
        g.add((ts, MS.cumulative, Literal(bool(t.cumulative))))
        if t.raw:
            g.add((ts, MS.rawText, _zh(t.raw)))
        if t.target_type:
            g.add((ts, MS.targetType, concept_iri(t.target_type)))
        elif t.target_type_label:
            g.add((ts, MS.targetType, _concept_ref(t.target_type_label, "target_type", lookup)))


def _add_document(g: Graph, doc: Document) -> None:
    s = document_iri(doc.id)
    g.add((s, RDF.type, MS.Document))
    g.add((s, DCTERMS.identifier, Literal(doc.id)))
    g.add((s, RDFS.label, _zh(doc.title or doc.source or doc.id)))
    if doc.title:
        g.add((s, DCTERMS.title, _zh(doc.title)))
    g.add((s, MS.fileName, Literal(doc.source)))
    g.add((s, MS.sha256, Literal(doc.sha256)))
    g.add((s, DCTERMS.issued, Literal(str(doc.year), datatype=XSD.gYear)))
    g.add((s, DCTERMS.temporal, year_iri(doc.year)))
    g.add((s, MS.year, Literal(doc.year)))
    g.add((s, MS.jurisdiction, jurisdiction_iri(doc.jurisdiction_code)))
    g.add((s, DCTERMS.spatial, jurisdiction_iri(doc.jurisdiction_code)))
    if doc.layout:
        g.add((s, MS.layout, Literal(doc.layout)))


def _add_link_triples(g: Graph, links: Iterable[Link]) -> None:
    for lk in links:
        src, dst = commitment_iri(lk.source_id), commitment_iri(lk.target_id)
        g.add((src, MS.continues if lk.kind == "continues" else MS.similarTo, dst))
        node = link_iri(lk)
        g.add((node, RDF.type, MS.ContinuationLink if lk.kind == "continues" else MS.SimilarityLink))
        g.add((node, MS.source, src))
        g.add((node, MS.target, dst))
        g.add((node, MS.score, _decimal(round(lk.score, 4))))
        g.add((node, MS.evidence, Literal(lk.evidence)))


def _add_series(g: Graph, all_series: Iterable[Series], lookup: dict[str, dict[str, Concept]]) -> None:
    for series in all_series:
        s = series_iri(series.id)
        g.add((s, RDF.type, MS.TargetSeries))
        g.add((s, RDFS.label, _zh(f"{series.jurisdiction} {series.target_type_label}（{series.unit}）"
                                  + ("累计" if series.cumulative else ""))))
        g.add((s, MS.jurisdiction, jurisdiction_iri(series.jurisdiction_code)))
        concept = load_taxonomy().by_id.get(series.target_type)
        g.add((s, MS.targetType, concept_iri(series.target_type) if concept
               else _concept_ref(series.target_type, "target_type", lookup)))
        g.add((s, SCHEMA.unitText, _zh(series.unit)))
        g.add((s, MS.cumulative, Literal(series.cumulative)))
        for point in series.points:
            for tid in point.target_ids:
                g.add((target_iri(tid), MS.inSeries, s))
                if point.change is not None:
                    g.add((target_iri(tid), MS.change, _decimal(point.change)))


def _add_links(g: Graph, data: GraphData, lookup: dict[str, dict[str, Concept]]) -> None:
    _add_link_triples(g, data.links)
    _add_series(g, data.series, lookup)


def build_dataset(store: Any, *, year: int | None = None, jurisdiction: str | None = None,
                  links: list[Link] | None = None, data: GraphData | None = None) -> Dataset:
    """The store (filtered by year/jurisdiction) as a Dataset whose default graph is the union.

    Graphs: ``graph/document/<doc id>`` per document; ``graph/shared`` for jurisdictions,
    years, departments, officials, concepts and functions; ``graph/links`` for derived
    links and target series; ``graph/ontology`` for ontology.ttl. ``links=None`` computes
    links without embeddings; pass ``[]`` for none.
    """
    from kg.graph.views import collect_graph_data, concepts_by_label

    data = data or collect_graph_data(store, year=year, jurisdiction=jurisdiction, links=links)
    lookup = concepts_by_label()
    ds = Dataset(default_union=True)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    onto = ds.graph(ONTOLOGY_GRAPH)
    for t in _ontology_triples():
        onto.add(t)
    _add_shared(ds.graph(SHARED_GRAPH), data, lookup)
    graphs: dict[str, Graph] = {}
    for doc in data.documents.values():
        graphs[doc.id] = ds.graph(document_graph_iri(doc.id))
        _add_document(graphs[doc.id], doc)
    for c in data.commitments:
        if c.document_id not in graphs:  # a commitment whose document row is missing still gets a graph
            graphs[c.document_id] = ds.graph(document_graph_iri(c.document_id))
        _add_commitment(graphs[c.document_id], c, lookup)
    _add_links(ds.graph(LINKS_GRAPH), data, lookup)
    return ds
