"""Overlaps on the bundled corpus: expected pairs are derived from the seed text, not the store."""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from kg.analysis.overlaps import DEFAULT_MIN_SCORE, KINDS, find_overlaps
from kg.embed.vectors import commitment_vectors
from kg.errors import NotFoundError, QueryError
from kg.graph.links import text_bigrams

ROOT = Path(__file__).resolve().parents[1]
SEED_2024 = ROOT / "data" / "seeds" / "000_a3d8383e0dbfd013.txt"
SEED_2025 = ROOT / "data" / "seeds" / "003_eec77d86ffeca40d.txt"
HEALTH, CIVIL = "370103:区卫生健康局", "370103:区民政局"


def seed_departments_2024() -> dict[int, list[str]]:
    """Departments per item of the table layout: a cell opens with a tab, continuation lines don't."""
    out = {}
    for block in SEED_2024.read_text(encoding="utf-8").split("\n\n"):
        cells: list[list[str]] = []
        for line in block.splitlines():
            if line.startswith("\t"):
                cells.append([line.strip()])
            elif line.strip() and cells:
                cells[-1].append(line.strip())
        if len(cells) == 4 and cells[0][0].isdigit():
            out[int(cells[0][0])] = cells[3]
    return out


def seed_departments_2025() -> dict[int, list[str]]:
    """Departments per item of the paragraph layout: the trailing （甲、乙） of each item line."""
    lines = [x for x in SEED_2025.read_text(encoding="utf-8").splitlines() if re.match(r"^[一二三四五六七八九十]+、", x)]
    return {i + 1: re.search(r"（([^（）]+)）\s*$", line).group(1).split("、") for i, line in enumerate(lines)}


def expected_shared(store) -> dict[frozenset[str], list[str]]:
    """Department-id pair -> commitment ids, from the seeds; aliases resolved through the store."""
    out: dict[frozenset[str], list[str]] = {}
    for code, year, items in (("370103", 2024, seed_departments_2024()), ("370114", 2025, seed_departments_2025())):
        for seq, names in sorted(items.items()):
            ids = []
            for name in names:
                found = store.find_departments(name, code)
                assert len(found) == 1, (name, found)
                ids.append(found[0].id)
            for a, b in combinations(ids, 2):
                out.setdefault(frozenset((a, b)), []).append(f"{code}-{year}-{seq:02d}")
    return out


class HashEmbedder:
    """Character bigrams hashed into a vector: no model, deterministic, good enough for structure tests."""

    model_id, dim = "test-bigram-hash", 2048

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for gram in text_bigrams(text):
                out[i, zlib.crc32(gram.encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="module")
def vectors(bundled_workspace, tmp_path_factory):
    """Real E5 vectors; cached outside the shared workspace, which tests treat as read-only."""
    store = bundled_workspace.store()
    return commitment_vectors(tmp_path_factory.mktemp("vec-cache"), store.commitments())


@pytest.fixture(scope="module")
def hash_vectors(bundled_workspace):
    return commitment_vectors(None, bundled_workspace.store().commitments(), embedder=HashEmbedder())


def by_kind(overlaps, kind):
    return [o for o in overlaps if o.kind == kind]


def test_seed_parsers_see_every_item():
    assert len(seed_departments_2024()) == 24 and len(seed_departments_2025()) == 20
    assert seed_departments_2024()[23] == ["区发展改革局", "区住房城乡建设局", "区商务局", "区妇联"]


def test_shared_pairs_weights_and_evidence_match_the_seeds(bundled_workspace):
    store = bundled_workspace.store()
    expected = expected_shared(store)
    got = {frozenset(o.department_ids): o for o in find_overlaps(store, kinds=["shared"])}
    assert set(got) == set(expected)
    for pair, ids in expected.items():
        assert got[pair].score == len(ids)
        assert got[pair].commitment_ids == ids
        assert all(e["spans"] and e["spans"][0]["why"] == "title" for e in got[pair].evidence)
    per_item = Counter(cid for ids in expected.values() for cid in ids)
    assert per_item["370103-2024-23"] == 6 and per_item["370103-2024-02"] == 3 and per_item["370103-2024-22"] == 3
    for cid in ("370103-2024-10", "370103-2024-11", "370103-2024-18", "370114-2025-02", "370114-2025-20"):
        assert per_item[cid] == 1


def test_shared_evidence_names_only_the_pair(bundled_workspace):
    o = next(o for o in find_overlaps(bundled_workspace.store(), kinds=["shared"])
             if set(o.department_ids) == {"370103:区商务局", "370103:区妇联"})
    assert o.departments == ["区商务局", "区妇联"] and o.jurisdictions == ["济南市市中区"] and o.years == [2024]
    assert o.evidence[0]["commitment_id"] == "370103-2024-23"
    assert sorted(o.evidence[0]["departments"]) == ["区商务局", "区妇联"]


@pytest.mark.slow
def test_thematic_finds_the_elderly_care_split_with_evidence(bundled_workspace, vectors):
    found = find_overlaps(bundled_workspace.store(), kinds=["thematic"], vectors=vectors)
    split = [o for o in found if set(o.department_ids) == {HEALTH, CIVIL}]
    assert len(split) == 1
    o = split[0]
    assert o.years == [2024] and o.jurisdictions == ["济南市市中区"] and "养老" in o.concepts
    assert {"370103-2024-04", "370103-2024-05", "370103-2024-06"} <= set(o.commitment_ids)
    elderly_pairs = {tuple(p["commitments"]) for p in o.pairs if "养老" in p["concepts"]}
    assert elderly_pairs == {("370103-2024-04", "370103-2024-05"), ("370103-2024-04", "370103-2024-06")}
    spans = {e["commitment_id"]: e["spans"] for e in o.evidence}
    assert any("老年人" in s["text"] for s in spans["370103-2024-04"])
    assert any(s["text"] == "800张" or "养老" in s["text"] for s in spans["370103-2024-06"])
    assert all(s["start"] >= 0 for e in o.evidence for s in e["spans"])


def test_thematic_pairs_are_not_shared_and_stay_in_one_list(bundled_workspace, hash_vectors):
    store = bundled_workspace.store()
    found = find_overlaps(store, kinds=["thematic"], vectors=hash_vectors, min_score=0)
    assert found
    items = {c.id: c for c in store.commitments()}
    for o in found:
        assert len(o.jurisdictions) == 1 and len(o.years) == 1 and o.department_ids[0] != o.department_ids[1]
        for p in o.pairs:
            a, b = (items[i] for i in p["commitments"])
            assert a.document_id == b.document_id
            assert o.department_ids[0] in {d.id for d in a.departments} - {d.id for d in b.departments}
            assert o.department_ids[1] in {d.id for d in b.departments} - {d.id for d in a.departments}
    # 区总工会 and 团区委 only ever appear together, on item 22.
    assert not [o for o in found if set(o.department_ids) == {"370103:区总工会", "370103:团区委"}]


@pytest.mark.slow
def test_thematic_default_does_not_flood(bundled_workspace, vectors):
    store = bundled_workspace.store()
    default = find_overlaps(store, kinds=["thematic"], vectors=vectors)
    everything = find_overlaps(store, kinds=["thematic"], vectors=vectors, min_score=0)
    deps_per_list = Counter(d.jurisdiction_code for d in store.departments())
    possible = sum(n * (n - 1) // 2 for n in deps_per_list.values())
    assert len(default) < len(everything) and len(default) <= possible // 10
    assert [o.score for o in default] == sorted((o.score for o in default), reverse=True)
    assert min(o.score for o in default) >= DEFAULT_MIN_SCORE["thematic"]
    # No pair of a fire brigade and a justice bureau: nothing in common.
    assert not [o for o in everything if {"370103:市中消防救援大队", "370103:区司法局"} == set(o.department_ids)]


@pytest.mark.slow
def test_cross_district_pairs_the_two_cancer_items(bundled_workspace, vectors):
    found = find_overlaps(bundled_workspace.store(), kinds=["cross_district"], vectors=vectors)
    hits = [o for o in found if set(o.commitment_ids) == {"370103-2024-08", "370114-2025-08"}]
    assert len(hits) == 1
    o = hits[0]
    assert o.same_function is False
    assert set(o.department_ids) == {HEALTH, "370114:区妇联"}
    assert o.jurisdictions == ["济南市市中区", "济南市章丘区"] and o.years == [2024, 2025]
    assert all(any("两癌" in s["text"] for s in e["spans"]) for e in o.evidence)
    # It is the best cross-district match of the 2024 item.
    best = max((x for x in found if "370103-2024-08" in x.commitment_ids), key=lambda x: x.score)
    assert best is o
    assert all(len(set(x.jurisdictions)) == 2 for x in found)


@pytest.mark.slow
def test_cross_district_flags_same_function(bundled_workspace, vectors):
    found = find_overlaps(bundled_workspace.store(), kinds=["cross_district"], vectors=vectors, min_score=0)
    jobs = next(o for o in found if set(o.commitment_ids) == {"370103-2024-09", "370114-2025-01"})
    assert jobs.same_function is True and "就业人数" in jobs.concepts
    assert not [o for o in found if set(o.commitment_ids) == {"370103-2024-24", "370114-2025-18"}]


def test_official_pairs_score_by_jaccard(bundled_workspace):
    store = bundled_workspace.store()
    found = find_overlaps(store, kinds=["official"], min_score=0)
    o = next(o for o in found if set(o.officials) == {"张同园", "王莹"})
    mine = {n: [c for c in store.commitments() if n in c.officials] for n in ("张同园", "王莹")}
    deps = {n: {d.id for c in cs for d in c.departments} for n, cs in mine.items()}
    themes = {n: {t for c in cs for t in c.themes} for n, cs in mine.items()}
    jac = lambda a, b: len(a & b) / len(a | b)  # noqa: E731
    assert o.score == pytest.approx((jac(*deps.values()) + jac(*themes.values())) / 2, abs=1e-4)
    assert set(o.department_ids) == deps["张同园"] & deps["王莹"]
    assert {"370103-2024-18", "370103-2024-23"} <= set(o.commitment_ids)
    assert o.details["co_led"] == ["370103-2024-18", "370103-2024-23"]
    assert all(len(x.officials) == 2 and len(x.jurisdictions) == 1 for x in found)


def test_filters(bundled_workspace, hash_vectors):
    store, vectors = bundled_workspace.store(), hash_vectors
    zq = find_overlaps(store, jurisdiction="章丘区", vectors=vectors, min_score=0)
    assert zq and all("济南市章丘区" in o.jurisdictions for o in zq)
    assert all(o.jurisdictions == ["济南市章丘区"] for o in zq if o.kind != "cross_district")
    y25 = find_overlaps(store, kinds=["shared", "cross_district"], year=2025, vectors=vectors, min_score=0)
    assert all(2025 in o.years for o in y25) and not [o for o in y25 if o.kind == "shared" and o.years != [2025]]
    health = find_overlaps(store, department="卫健局", jurisdiction="市中区", vectors=vectors, min_score=0)
    assert {o.kind for o in health} >= {"shared", "thematic", "cross_district"}
    assert all(HEALTH in o.department_ids for o in health)
    alias = find_overlaps(store, kinds=["shared"], department="区卫健局", jurisdiction="市中区")
    assert [o.department_ids for o in alias] == [o.department_ids for o in health if o.kind == "shared"]
    loose = find_overlaps(store, kinds=["thematic", "cross_district"], min_score=0, vectors=vectors)
    strong = find_overlaps(store, kinds=["thematic", "cross_district"], min_score=0.3, vectors=vectors)
    assert strong and len(strong) < len(loose) and all(o.score >= 0.3 for o in strong)
    assert {o.kind for o in find_overlaps(store, kinds=["official"])} == {"official"}
    # A shared-only query never embeds anything, so it works without a model.
    assert find_overlaps(store, kinds=["shared"], vectors={}) == find_overlaps(store, kinds=["shared"])


def test_min_score_on_shared_counts_commitments(workspace_2y):
    found = find_overlaps(workspace_2y.store(), kinds=["shared"], min_score=2)
    assert {frozenset(o.department_ids) for o in found} == {
        frozenset({"370103:区发展改革局", "370103:区住房城乡建设局"}),
        frozenset({"370103:区民政局", "370103:区医疗保障局"}),
        frozenset({"370103:区教育体育局", "370103:区妇联"})}
    assert all(o.score == 2 and o.years == [2024, 2025] for o in found)


def test_bad_arguments(bundled_workspace):
    store = bundled_workspace.store()
    with pytest.raises(QueryError, match="overlap kind"):
        find_overlaps(store, kinds=["shared", "nonsense"])
    with pytest.raises(NotFoundError, match="department"):
        find_overlaps(store, kinds=["shared"], department="不存在局")
    with pytest.raises(NotFoundError, match="jurisdiction"):
        find_overlaps(store, kinds=["shared"], jurisdiction="历下区")


@pytest.mark.slow
def test_to_dict_is_json_and_embeds_through_the_workspace_cache(fresh_workspace):
    found = find_overlaps(fresh_workspace.store(), kinds=list(KINDS))
    assert {o.kind for o in found} == set(KINDS)
    payload = json.loads(json.dumps([o.to_dict() for o in found], ensure_ascii=False))
    assert payload[0]["commitments"] and {"kind", "departments", "department_ids", "score", "evidence"} <= set(payload[0])
    assert (fresh_workspace.cache_dir / "embeddings.sqlite").exists()


def test_cross_district_evidence_structure(bundled_workspace, hash_vectors):
    found = find_overlaps(bundled_workspace.store(), kinds=["cross_district"], vectors=hash_vectors, min_score=0)
    assert found and all(len(set(o.jurisdictions)) == 2 and len(o.evidence) == 2 for o in found)
    assert [o.score for o in found] == sorted((o.score for o in found), reverse=True)
    cancer = next(o for o in found if set(o.commitment_ids) == {"370103-2024-08", "370114-2025-08"})
    assert cancer.same_function is False and cancer.details["functions"] == [["卫健"], ["妇联"]]
    assert all(any("两癌" in s["text"] for s in e["spans"]) for e in cancer.evidence)


def test_overlaps_to_dict_is_json(bundled_workspace, hash_vectors):
    found = find_overlaps(bundled_workspace.store(), vectors=hash_vectors, min_score=0)
    assert {o.kind for o in found} == set(KINDS)
    payload = json.loads(json.dumps([o.to_dict() for o in found], ensure_ascii=False))
    assert all(row["commitments"] and row["evidence"][0]["commitment_id"] for row in payload)
