"""networkx views: node kinds and labels, co-responsibility weights, the two-year identity of nodes."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.graph.views import build_department_graph, build_full_graph, build_official_graph, node_key
from kg.model import Commitment, Department, DepartmentRef, Document, Official, Target


class FakeStore:
    """The read API of kg.store.db.Store that the views use, over hand-built records."""

    def __init__(self, commitments: list[Commitment], departments: list[Department]):
        self._commitments = commitments
        self._departments = departments

    def commitments(self, *, year=None, jurisdiction=None, **_):
        return [c for c in self._commitments if (year is None or c.year == year)
                and (jurisdiction is None or jurisdiction in (c.jurisdiction, c.jurisdiction_code))]

    def departments(self):
        return self._departments

    def officials(self):
        return [Official(id="370103:张源", name="张源", jurisdiction="济南市市中区", jurisdiction_code="370103")]

    def documents(self):
        return [Document(id=f"370103-{y}", source=f"{y}.txt", sha256="0" * 64, year=y, jurisdiction="济南市市中区",
                         jurisdiction_code="370103") for y in (2024, 2025)]


EDU = DepartmentRef("370103:区教育体育局", "区教育体育局", "教体")
HEALTH = DepartmentRef("370103:区卫生健康局", "区卫生健康局", "卫健")
WOMEN = DepartmentRef("370103:区妇联", "区妇联", "妇联")


def _c(cid: str, deps: list[DepartmentRef], officials: list[str], targets=()) -> Commitment:
    code, year, seq = cid.split("-")
    return Commitment(id=cid, document_id=f"{code}-{year}", year=int(year), jurisdiction="济南市市中区",
                      jurisdiction_code=code, seq=int(seq), title=f"事项{seq}", text=f"事项{seq}的内容",
                      officials=officials, departments=deps, targets=list(targets), themes=["教育"])


@pytest.fixture
def fake_store() -> FakeStore:
    beds = Target(metric="床位", value=800, unit="张", target_type="elderly_beds", target_type_label="养老床位")
    commitments = [
        _c("370103-2024-01", [EDU, HEALTH], ["张  源"], [beds]),
        _c("370103-2024-02", [EDU, HEALTH, WOMEN], ["张源", "王莹"]),
        _c("370103-2025-01", [EDU], ["张源"]),
    ]
    departments = [Department(id=r.id, name=r.name, jurisdiction="济南市市中区", jurisdiction_code="370103",
                              function=r.function, aliases=["区教体局"] if r is EDU else [])
                   for r in (EDU, HEALTH, WOMEN)]
    return FakeStore(commitments, departments)


def test_department_graph_weights_and_attributes(fake_store):
    g = build_department_graph(fake_store)
    edu, health = node_key("department", EDU.id), node_key("department", HEALTH.id)
    assert g[edu][health]["weight"] == 2
    assert g[edu][health]["commitments"] == ["370103-2024-01", "370103-2024-02"]
    assert g.nodes[edu]["label"] == "区教育体育局" and g.nodes[edu]["function"] == "教体"
    assert g.nodes[edu]["jurisdiction"] == "济南市市中区" and g.nodes[edu]["n_commitments"] == 3
    only_2025 = build_department_graph(fake_store, year=2025)
    assert list(only_2025.nodes) == [edu] and only_2025.number_of_edges() == 0


def test_official_graph_is_bipartite_with_weights(fake_store):
    g = build_official_graph(fake_store)
    zhang = node_key("official", "370103:张源")
    assert g.nodes[zhang]["bipartite"] == 0 and g.nodes[zhang]["years"] == [2024, 2025]
    assert g[zhang][node_key("department", EDU.id)]["weight"] == 3
    assert g[node_key("official", "370103:王莹")][node_key("department", WOMEN.id)]["weight"] == 1
    assert nx.is_bipartite(g)


def test_full_graph_kinds_and_edges(fake_store):
    g = build_full_graph(fake_store)
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"commitment", "department", "function", "official", "jurisdiction", "document", "target",
            "target_type", "theme", "year"} <= kinds
    assert all("label" in d for _, d in g.nodes(data=True))
    assert all("kind" in d and "weight" in d for *_, d in g.edges(data=True))
    c = node_key("commitment", "370103-2024-01")
    assert g.has_edge(c, node_key("official", "370103:张源"), key="lead_official")
    assert g.has_edge(node_key("target", "370103-2024-01/1"), node_key("target_type", "elderly_beds"))


def test_full_graph_two_years_share_department_and_official(workspace_2y):
    g = build_full_graph(workspace_2y.store())
    edu = node_key("department", "370103:区教育体育局")
    assert "区教体局" in g.nodes[edu]["aliases"]
    years = {g.nodes[u]["year"] for u, _, k in g.in_edges(edu, keys=True) if k == "responsible_department"}
    assert years == {2024, 2025}
    zhang = node_key("official", "370103:张源")
    assert g.nodes[zhang]["years"] == [2024, 2025]
    assert g.has_edge(node_key("commitment", "370103-2025-03"), node_key("commitment", "370103-2024-06"),
                      key="continues")
    assert not any(n.startswith("department:370103:区教体局") for n in g)


def test_views_filter_by_jurisdiction(workspace_2y):
    g = build_department_graph(workspace_2y.store(), jurisdiction="370114")
    assert g.number_of_nodes() > 0
    assert {d["jurisdiction_code"] for _, d in g.nodes(data=True)} == {"370114"}
    full = build_full_graph(workspace_2y.store(), year=2024)
    assert {d["year"] for _, d in full.nodes(data=True) if d["kind"] == "commitment"} == {2024}
