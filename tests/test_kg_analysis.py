"""Department communities of the co-responsibility graph."""

from __future__ import annotations

import pytest

from kg.analysis.communities import department_communities
from kg.errors import NotFoundError


def test_communities_are_deterministic_and_well_formed(bundled_workspace):
    store = bundled_workspace.store()
    rows = department_communities(store)
    assert rows == department_communities(store)
    assert [r["community"] for r in rows] == list(range(1, len(rows) + 1))
    items = {c.id: c for c in store.commitments()}
    for r in rows:
        assert r["size"] == len(r["departments"]) == len(r["department_ids"]) >= 2
        assert {i.split(":")[0] for i in r["department_ids"]} == {r["jurisdiction_code"]}
        for cid in r["shared_commitments"]:
            assert len({d.id for d in items[cid].departments} & set(r["department_ids"])) >= 2


def test_known_groups(bundled_workspace):
    rows = department_communities(bundled_workspace.store())
    members = [set(r["departments"]) for r in rows if r["jurisdiction"] == "济南市市中区"]
    # Items 22 (three departments) and 18 (two) share no department with any other item.
    assert {"区总工会", "团区委", "市中城投集团"} in members
    assert {"区文化和旅游局", "济南中央商埠区发展促进中心"} in members
    # The four of item 23 stay together.
    assert any({"区发展改革局", "区住房城乡建设局", "区商务局"} <= m for m in members)


def test_partition_covers_every_department_once(bundled_workspace):
    store = bundled_workspace.store()
    rows = department_communities(store, min_size=1)
    ids = [i for r in rows for i in r["department_ids"]]
    assert sorted(ids) == sorted(d.id for d in store.departments())


def test_jurisdiction_filter(bundled_workspace):
    rows = department_communities(bundled_workspace.store(), jurisdiction="章丘区")
    assert rows and {r["jurisdiction"] for r in rows} == {"济南市章丘区"}
    assert {"区市场监督管理局", "国开集团", "综合检验检测中心"} in [set(r["departments"]) for r in rows]
    with pytest.raises(NotFoundError):
        department_communities(bundled_workspace.store(), jurisdiction="历下区")
