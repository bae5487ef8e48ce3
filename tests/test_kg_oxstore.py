"""The persistent graph store: same quads as the rdflib builder, per-document updates, self-repair."""

from __future__ import annotations

import logging
import shutil

import pyoxigraph as ox
import pytest
from conftest import SHIZHONG_2025, copy_workspace
from graph_helpers import synced_graph

from kg.graph.links import link_commitments
from kg.graph.oxquads import _Sink
from kg.graph.oxstore import GraphStore, graph_path
from kg.graph.rdf import build_dataset, document_graph_iri
from kg.ingest.pipeline import ingest_paths

SENTINEL = ox.Quad(ox.NamedNode("urn:test:s"), ox.NamedNode("urn:test:p"), ox.Literal("untouched"),
                   ox.NamedNode(str(document_graph_iri("370103-2024"))))


def quad_set(graph: GraphStore) -> set:
    return set(graph.open_read().quads_for_pattern(None, None, None, None))


def rdflib_quads(store) -> set:  # type: ignore[no-untyped-def]
    """build_dataset's quads loaded into an in-memory Oxigraph store (same literal canonicalisation)."""
    mem = ox.Store()
    ds = build_dataset(store, links=link_commitments(store.commitments()))
    for s, p, o, g in ds.quads((None, None, None, None)):
        sink = _Sink(g.identifier if hasattr(g, "identifier") else g, {})
        sink.add((s, p, o))
        mem.extend(sink.quads)
    return set(mem.quads_for_pattern(None, None, None, None))


@pytest.fixture
def ws(tmp_path, bundled_workspace):
    return copy_workspace(bundled_workspace, tmp_path / "ws")


def test_store_holds_exactly_the_rdflib_builders_quads(workspace_2y, tmp_path):
    ws2 = copy_workspace(workspace_2y, tmp_path / "ws2")
    assert quad_set(synced_graph(ws2)) == rdflib_quads(ws2.store())


@pytest.mark.parametrize("snapshot", ["kept", "lost"])
def test_ingest_replaces_only_the_new_documents_graph_and_matches_a_rebuild(ws, tmp_path, snapshot):
    graph = synced_graph(ws)
    if snapshot == "lost":
        graph.links_path.unlink()
    store = ox.Store(str(graph.db_dir))
    store.add(SENTINEL)
    del store
    ingest_paths(ws.store(), [SHIZHONG_2025])
    state = synced_graph(ws).state()
    assert "370103-2025" in state["documents"]
    after = quad_set(graph)
    # Kept: 370103-2024's graph was not rewritten. Lost: the whole store was rebuilt instead.
    assert (SENTINEL in after) is (snapshot == "kept")
    rebuilt = GraphStore(tmp_path / "rebuilt")
    rebuilt.sync(ws.store(), lambda: link_commitments(ws.store().commitments()))
    assert after - {SENTINEL} == quad_set(rebuilt)


def test_sync_is_a_no_op_when_the_store_did_not_change(ws):
    first = synced_graph(ws).state()
    assert synced_graph(ws).state()["built"] == first["built"]


@pytest.mark.parametrize("damage", ["state", "database"])
def test_unreadable_store_is_rebuilt_with_a_warning(ws, caplog, damage):
    graph = synced_graph(ws)
    before = quad_set(graph)
    if damage == "state":
        graph.state_path.write_bytes(b"\x00garbage")
    else:
        shutil.rmtree(graph.db_dir)
        graph.db_dir.mkdir()
        (graph.db_dir / "CURRENT").write_bytes(b"not a rocksdb\n")
    with caplog.at_level(logging.WARNING, logger="minsheng"):
        graph = synced_graph(ws)
    assert "rebuilding" in caplog.text
    assert quad_set(graph) == before


def test_replaced_database_is_rebuilt_not_reused(ws, tmp_path, workspace_2y):
    graph = synced_graph(ws)
    assert str(document_graph_iri("370103-2025")) not in {g.value for g in graph.open_read().named_graphs()}
    shutil.copy2(workspace_2y.db_path, tmp_path / "other.db")
    ws.close()
    (tmp_path / "other.db").replace(ws.db_path)  # same path, new file
    graph = synced_graph(ws)
    assert str(document_graph_iri("370103-2025")) in {g.value for g in graph.open_read().named_graphs()}


def test_graph_lives_in_the_workspace(ws):
    assert synced_graph(ws).path == graph_path(ws) == ws.path / "graph"


def test_people_named_are_the_departments_and_officials_the_full_reads_give(workspace_2y):
    """The per-jurisdiction graph update reads only the people it names: the same objects as the full reads."""
    store = workspace_2y.store()
    deps = {d.id: d for d in store.departments()}
    offs = {o.id: o for o in store.officials()}
    want_d = [i for i in deps if i.startswith("370103:")][:7] + ["370103:不存在的局"]
    want_o = list(offs)[:5]
    got_d, got_o = store.people_named(want_d, want_o)
    assert {d.id: d for d in got_d} == {i: deps[i] for i in want_d if i in deps}
    assert {o.id: o for o in got_o} == {i: offs[i] for i in want_o}
    assert any(d.aliases for d in got_d) and all(d.commitments for d in got_d)
