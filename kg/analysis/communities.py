"""Community structure of the department co-responsibility graph.

Departments named together on commitments form working groups that no organisation
chart shows; Louvain on the co-responsibility graph recovers them. Each jurisdiction
is partitioned on its own (departments never span jurisdictions) with a fixed seed,
so the same store always gives the same communities and numbering.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import networkx as nx

from kg.errors import NotFoundError
from kg.graph.views import build_department_graph, collect_graph_data

LOUVAIN_SEED = 42


def department_communities(store: Any, *, jurisdiction: str | None = None, year: int | None = None,
                           min_size: int = 2) -> list[dict[str, Any]]:
    """Louvain communities of departments, largest first within each jurisdiction.

    Rows: ``community`` (1-based, in output order), ``jurisdiction``, ``size``,
    ``departments`` (names), ``department_ids``, ``shared_commitments`` (ids of the
    commitments naming two or more members) and ``weight`` (co-responsibility edges
    inside the community, summed). Departments that share nothing form singletons,
    dropped unless ``min_size`` is 1.
    """
    code = store.jurisdiction_code(jurisdiction) if jurisdiction else None
    if jurisdiction and code is None:
        raise NotFoundError(f"--jurisdiction: no jurisdiction {jurisdiction!r} in the workspace")
    data = collect_graph_data(store, year=year, jurisdiction=code, links=[])
    graph = build_department_graph(None, data=data)
    by_jurisdiction: dict[str, list[str]] = {}
    for key in sorted(graph.nodes):
        dep = data.departments[_department_id(key)]
        by_jurisdiction.setdefault(dep.jurisdiction_code, []).append(key)
    rows: list[dict[str, Any]] = []
    for jur_code in sorted(by_jurisdiction):
        sub = graph.subgraph(by_jurisdiction[jur_code])
        parts = nx.community.louvain_communities(sub, weight="weight", seed=LOUVAIN_SEED)
        found = [_community_row(sub, part, data) for part in parts if len(part) >= min_size]
        found.sort(key=lambda r: (-r["size"], -r["weight"], r["department_ids"]))
        rows.extend(found)
    for number, row in enumerate(rows, start=1):
        row["community"] = number
    return rows


def _department_id(node_key: str) -> str:
    return node_key.split(":", 1)[1]  # node keys are "department:<id>"


def _community_row(graph: nx.Graph, part: set[str], data: Any) -> dict[str, Any]:
    keys = sorted(part)
    ids = [_department_id(k) for k in keys]
    deps = [data.departments[i] for i in ids]
    shared: dict[str, None] = {}
    weight = 0
    for a, b in combinations(keys, 2):
        if graph.has_edge(a, b):
            weight += graph[a][b]["weight"]
            shared.update(dict.fromkeys(graph[a][b]["commitments"]))
    order = {c.id: n for n, c in enumerate(data.commitments)}
    return {"community": 0, "jurisdiction": deps[0].jurisdiction, "jurisdiction_code": deps[0].jurisdiction_code,
            "size": len(ids), "departments": [d.name for d in deps], "department_ids": ids,
            "shared_commitments": sorted(shared, key=order.__getitem__), "weight": weight}
