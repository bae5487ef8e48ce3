"""A synced graph store for a test workspace, with links computed without embeddings (no model)."""

from __future__ import annotations

from typing import Any

from kg.graph.links import link_commitments
from kg.graph.oxstore import GraphStore, graph_path


def synced_graph(ws: Any) -> GraphStore:
    store = ws.store()
    graph = GraphStore(graph_path(ws))
    graph.sync(store, lambda: link_commitments(store.commitments()))
    return graph


def count_quads(graph: GraphStore) -> int:
    return len(graph.open_read())
