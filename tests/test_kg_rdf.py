"""The RDF Dataset: IRI scheme, named graphs, ontology, two-year node identity, speed."""

from __future__ import annotations

from importlib import resources

import pyoxigraph
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import SKOS

from kg.graph.rdf import (
    LINKS_GRAPH,
    MS,
    ONTOLOGY_GRAPH,
    ORG,
    SHARED_GRAPH,
    build_dataset,
    commitment_iri,
    concept_iri,
    department_iri,
    document_graph_iri,
    document_iri,
    function_iri,
    jurisdiction_iri,
    official_iri,
    target_iri,
    year_iri,
)

ID = "https://minsheng-kg.org/id/"


def test_iri_scheme_is_stable_and_percent_encoded():
    assert commitment_iri("370103-2024-06") == URIRef(ID + "commitment/370103-2024-06")
    assert department_iri("370103:区卫生健康局") == URIRef(
        ID + "department/370103/%E5%8C%BA%E5%8D%AB%E7%94%9F%E5%81%A5%E5%BA%B7%E5%B1%80")
    assert official_iri("370103:张源") == URIRef(ID + "official/370103/%E5%BC%A0%E6%BA%90")
    assert jurisdiction_iri("370103") == URIRef(ID + "jurisdiction/370103")
    assert document_iri("370103-2024") == URIRef(ID + "document/370103-2024")
    assert target_iri("370103-2024-06/1") == URIRef(ID + "target/370103-2024-06/1")
    assert concept_iri("elderly_beds") == URIRef(ID + "concept/elderly_beds")
    assert function_iri("卫健") == URIRef(ID + "function/%E5%8D%AB%E5%81%A5")
    assert year_iri(2024) == URIRef(ID + "year/2024")
    # A name with a slash or space must not create extra path segments.
    assert department_iri("370103:a/b c").endswith("/370103/a%2Fb%20c")


def test_ontology_parses_in_both_libraries():
    text = resources.files("kg").joinpath("resources", "ontology.ttl").read_text("utf-8")
    triples = list(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) > 100
    subjects = {str(t.subject.value) for t in triples}
    for term in ("Commitment", "Jurisdiction", "Document", "Target", "Year", "SimilarityLink", "leadOfficial",
                 "responsibleDepartment", "hasTarget", "targetType", "theme", "continues", "similarTo",
                 "comparator", "cumulative", "seq", "inSeries", "score"):
        assert str(MS) + term in subjects, term


def test_named_graph_per_document_and_union_default(workspace_2y):
    ds = build_dataset(workspace_2y.store())
    names = {g.identifier for g in ds.graphs() if len(g)}
    docs = {document_graph_iri(d.id) for d in workspace_2y.store().documents()}
    assert names == docs | {SHARED_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH}
    c = commitment_iri("370103-2025-03")
    assert (c, RDF.type, MS.Commitment) in ds.graph(document_graph_iri("370103-2025"))
    assert (c, RDF.type, MS.Commitment) not in ds.graph(document_graph_iri("370103-2024"))
    assert (c, RDF.type, MS.Commitment) in ds  # default graph = union
    assert (c, MS.continues, commitment_iri("370103-2024-06")) in ds.graph(LINKS_GRAPH)


def test_same_department_and_official_nodes_carry_both_years(workspace_2y):
    ds = build_dataset(workspace_2y.store())
    edu = department_iri("370103:区教育体育局")
    years = {int(ds.value(c, MS.year)) for c in ds.subjects(MS.responsibleDepartment, edu)}
    assert years == {2024, 2025}
    assert (edu, RDF.type, ORG.OrganizationalUnit) in ds
    assert (edu, SKOS.altLabel, Literal("区教体局", lang="zh")) in ds
    assert (edu, ORG.classification, function_iri("教体")) in ds
    zhang = official_iri("370103:张源")
    assert {int(ds.value(c, MS.year)) for c in ds.subjects(MS.leadOfficial, zhang)} == {2024, 2025}
    assert not list(ds.subjects(MS.responsibleDepartment, department_iri("370103:区教体局")))


def test_targets_concepts_and_series(workspace_2y):
    ds = build_dataset(workspace_2y.store())
    beds = concept_iri("elderly_beds")
    (t,) = [t for t in ds.objects(commitment_iri("370103-2024-06"), MS.hasTarget) if (t, MS.targetType, beds) in ds]
    assert str(t).startswith(ID + "target/370103-2024-06/")
    assert float(ds.value(t, URIRef("https://schema.org/value"))) == 800
    assert (t, RDF.type, URIRef("https://schema.org/QuantitativeValue")) in ds
    assert (concept_iri("elderly_beds"), SKOS.inScheme, MS.targetTypeScheme) in ds
    series = ds.value(t, MS.inSeries)
    assert series is not None and (series, RDF.type, MS.TargetSeries) in ds
    later = [t for t in ds.objects(commitment_iri("370103-2025-03"), MS.hasTarget) if (t, MS.inSeries, series) in ds]
    assert [float(ds.value(t, MS.change)) for t in later] == [-200]


def test_filters_and_explicit_links(bundled_workspace):
    store = bundled_workspace.store()
    ds = build_dataset(store, jurisdiction="370114", links=[])
    codes = {str(o) for o in ds.objects(None, MS.adminCode)}
    assert codes == {"370114"}
    assert not list(ds.subjects(RDF.type, MS.SimilarityLink))


def test_bundled_corpus_builds_every_commitment(bundled_workspace):
    # Speed is a benchmark's job (scripts/bench_graph.py), not a timed test's.
    store = bundled_workspace.store()
    ds = build_dataset(store)
    assert len(list(ds.subjects(RDF.type, MS.Commitment))) == len(store.commitments()) == 44


def test_department_roles_reach_the_graph(workspace_2y):
    # shizhong_2025 item 3: 牵头单位：区民政局 / 配合单位：区卫健局.
    ds = build_dataset(workspace_2y.store(), links=[])
    item = commitment_iri("370103-2025-03")
    lead = set(ds.objects(item, MS.leadDepartment))
    supporting = set(ds.objects(item, MS.supportingDepartment))
    assert lead == {department_iri("370103:区民政局")}
    assert supporting == {department_iri("370103:区卫生健康局")}
    assert lead | supporting <= set(ds.objects(item, MS.responsibleDepartment))
