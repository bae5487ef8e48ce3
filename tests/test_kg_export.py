"""Every export format re-reads in an independent tool with nothing lost."""

from __future__ import annotations

import csv
import json
import re

import networkx as nx
import pyoxigraph
import pytest

from kg.errors import InputError
from kg.graph.export import FORMATS, RDF_FORMATS, export_graph, remote_references
from kg.graph.rdf import build_dataset
from kg.graph.views import build_department_graph, build_full_graph, node_key

OX_FORMATS = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
              "nq": pyoxigraph.RdfFormat.N_QUADS, "jsonld": pyoxigraph.RdfFormat.JSON_LD,
              "trig": pyoxigraph.RdfFormat.TRIG}


@pytest.fixture(scope="module")
def store(workspace_2y):
    return workspace_2y.store()


@pytest.fixture(scope="module")
def quads(store):
    return list(build_dataset(store).quads((None, None, None, None)))


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_export_reparses_in_pyoxigraph_with_same_count(store, quads, tmp_path, fmt):
    (path,) = export_graph(store, fmt, tmp_path / f"kg.{fmt}")
    parsed = list(pyoxigraph.parse(path=str(path), format=OX_FORMATS[fmt]))
    if fmt in ("trig", "nq"):
        assert len(parsed) == len(quads)
    else:
        assert len(set(parsed)) == len(parsed) == len({(s, p, o) for s, p, o, _ in quads})
    oxi = pyoxigraph.Store()
    oxi.load(path=str(path), format=OX_FORMATS[fmt])
    assert len(oxi) == len(parsed)


def test_trig_keeps_one_named_graph_per_document(store, tmp_path):
    (path,) = export_graph(store, "trig", tmp_path / "kg.trig")
    graphs = {str(q.graph_name.value) for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG)
              if isinstance(q.graph_name, pyoxigraph.NamedNode)}
    documents = {f"https://minsheng-kg.org/graph/document/{d.id}" for d in store.documents()}
    assert len(documents) == 3 and documents <= graphs
    assert graphs - documents == {f"https://minsheng-kg.org/graph/{n}" for n in ("shared", "links", "ontology")}


def test_sparql_on_reloaded_export_in_oxigraph(store, tmp_path):
    (path,) = export_graph(store, "trig", tmp_path / "kg.trig")
    oxi = pyoxigraph.Store()
    oxi.load(path=str(path), format=pyoxigraph.RdfFormat.TRIG)
    rows = list(oxi.query("SELECT ?c WHERE { GRAPH ?g { ?c <https://minsheng-kg.org/ns#continues> ?e } }"))
    assert [str(r["c"].value) for r in rows] == ["https://minsheng-kg.org/id/commitment/370103-2025-03"]


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graphml_and_gexf_keep_kinds_labels_and_weights(store, tmp_path, fmt, reader):
    original = build_department_graph(store)
    (path,) = export_graph(store, fmt, tmp_path / f"d.{fmt}", view="departments")
    g = reader(path)
    assert g.number_of_nodes() == original.number_of_nodes()
    assert g.number_of_edges() == original.number_of_edges()
    edu = node_key("department", "370103:区教育体育局")
    assert g.nodes[edu]["kind"] == "department" and g.nodes[edu]["label"] == "区教育体育局"
    assert "370103-2025-01" in g.nodes[edu]["commitments"]  # list stringified, not lost
    for u, v, d in original.edges(data=True):
        assert float(g[u][v]["weight"]) == d["weight"]
    full = reader(export_graph(store, fmt, tmp_path / f"f.{fmt}")[0])
    assert {d["kind"] for _, d in full.nodes(data=True)} == {d["kind"] for _, d in build_full_graph(store).nodes(data=True)}
    assert full.number_of_edges() == build_full_graph(store).number_of_edges()


def test_cytoscape_json_elements(store, tmp_path):
    (path,) = export_graph(store, "cytoscape", tmp_path / "o.cyjs", view="officials")
    data = json.loads(path.read_text("utf-8"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    zhang = next(n["data"] for n in nodes if n["data"]["id"] == node_key("official", "370103:张源"))
    assert zhang["kind"] == "official" and zhang["name"] == "张源" and zhang["years"] == [2024, 2025]
    assert all({"source", "target", "weight"} <= set(e["data"]) for e in edges)
    g = nx.cytoscape_graph(data)
    assert g.number_of_edges() == len(edges)


def test_csv_writes_nodes_and_edges(store, tmp_path):
    paths = export_graph(store, "csv", tmp_path / "csv", view="departments")
    assert [p.name for p in paths] == ["nodes.csv", "edges.csv"]
    with paths[0].open(encoding="utf-8") as fh:
        nodes = list(csv.DictReader(fh))
    with paths[1].open(encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh))
    assert {"id", "kind", "label", "function", "jurisdiction"} <= set(nodes[0])
    assert {"source", "target", "kind", "weight", "commitments"} <= set(edges[0])
    assert len(edges) == build_department_graph(store).number_of_edges()


def test_html_is_self_contained(store, tmp_path):
    (path,) = export_graph(store, "html", tmp_path, view="departments")
    assert path.name == "minsheng-departments.html"
    html = path.read_text("utf-8")
    assert remote_references(html) == []
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)
    assert "new vis.Network" in html and "@version 9" in html  # the library itself is inlined
    assert "区教育体育局" in html or json.dumps("区教育体育局")[1:-1] in html


def test_remote_reference_detector():
    assert remote_references('<script src="https://cdn.example/x.js"></script>')
    assert remote_references("<link rel=stylesheet href='//cdn.example/x.css'>")
    assert not remote_references("<script>var u = 'https://example.org';</script>")


def test_unknown_format_and_bad_view(store, tmp_path):
    with pytest.raises(InputError) as info:
        export_graph(store, "xlsx", tmp_path / "x")
    assert all(f in str(info.value) for f in FORMATS)
    with pytest.raises(InputError, match="view"):
        export_graph(store, "graphml", tmp_path / "x.graphml", view="nope")
    with pytest.raises(InputError, match="RDF formats"):
        export_graph(store, "ttl", tmp_path / "x.ttl", view="departments")
    with pytest.raises(InputError, match="does not exist"):
        export_graph(store, "ttl", tmp_path / "missing" / "x.ttl")


def test_filtered_export(store, tmp_path):
    (path,) = export_graph(store, "graphml", tmp_path / "y.graphml", year=2025, jurisdiction="市中区")
    g = nx.read_graphml(path)
    commitments = [n for n, d in g.nodes(data=True) if d["kind"] == "commitment"]
    assert len(commitments) == 6 and all(n.startswith("commitment:370103-2025-") for n in commitments)
