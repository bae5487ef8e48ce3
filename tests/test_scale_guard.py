"""Regression guard against quadratic work, on 1,200 synthetic commitments.

Counts what each step looks at (pairs, commitments built, texts embedded) against generous
linear bounds; no timings. A quadratic step at this size examines ~700,000 pairs, far above
every bound here, so a regression fails loudly without making the test slow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from search_helpers import FakeEmbedder

from kg.analysis.overlaps import find_overlaps
from kg.analysis.semantic_overlaps import cross_district_candidates
from kg.analysis.timeline import build_timeline
from kg.graph import links as links_mod
from kg.graph.neighbours import K, load_neighbours
from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import Workspace, init_workspace
from search.engine import SearchEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from synth_corpus import _districts, document, write_corpus  # noqa: E402

DISTRICTS, YEARS = 12, 5  # 12 x 5 lists x 20 items = 1,200 commitments


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, FakeEmbedder, SearchEngine]:
    root = tmp_path_factory.mktemp("scale")
    write_corpus(root / "corpus", DISTRICTS, YEARS)
    ws = init_workspace(root / "ws", empty=True)
    ingest_paths(ws.store(), [root / "corpus"])
    emb = FakeEmbedder()
    engine = SearchEngine(ws, embedder=emb)
    engine.build_index()
    return ws, emb, engine


def test_corpus_is_the_intended_size(big):
    ws, _, _ = big
    assert ws.store().counts()["commitments"] == DISTRICTS * YEARS * 20
    assert ws.store().counts()["jurisdictions"] == DISTRICTS


def test_neighbour_lists_are_k_per_commitment(big):
    ws, _, _ = big
    nb = load_neighbours(ws, ws.store().state())
    assert nb is not None and nb.rows.shape == (len(nb.ids), K)
    src, _, _ = nb.pairs()
    assert len(src) <= K * len(nb.ids)


def test_link_candidates_stay_linear(big, monkeypatch):
    ws, _, _ = big
    store = ws.store()
    items = store.commitments()
    n = len(items)
    examined: list[int] = []
    real = links_mod._find_similar

    def counting(items_, text_sim, threshold, max_similar, pairs):  # type: ignore[no-untyped-def]
        examined.append(len(pairs))
        return real(items_, text_sim, threshold, max_similar, pairs)

    monkeypatch.setattr(links_mod, "_find_similar", counting)
    links_mod.link_commitments(items, neighbours=load_neighbours(ws))
    links_mod.link_commitments(items)  # the bigram scheme, no vectors
    assert examined[0] <= K * n
    assert examined[1] <= links_mod.MAX_POSTING * n


def test_cross_district_candidates_come_from_neighbour_lists(big):
    ws, _, _ = big
    store = ws.store()
    nb = load_neighbours(ws)
    found = cross_district_candidates(store.commitment_facts(), nb)
    assert 0 < len(found) <= K * len(nb.ids)


def _count_built(store, monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """How many commitments each ``store.commitments`` call builds, appended as the calls happen."""
    built: list[int] = []
    real = store.commitments

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        out = real(**kwargs)
        built.append(len(out))
        return out

    monkeypatch.setattr(store, "commitments", counting)
    return built


def test_overlaps_build_evidence_for_the_page_only(big, monkeypatch):
    ws, _, _ = big
    store = ws.store()
    built = _count_built(store, monkeypatch)
    found = find_overlaps(store, kinds=["cross_district"], limit=10, workspace=ws)
    assert len(found) == 10 and sum(built) <= 20
    assert [o.score for o in found] == sorted((o.score for o in found), reverse=True)
    page2 = find_overlaps(store, kinds=["cross_district"], limit=10, offset=10, workspace=ws)
    assert not {tuple(o.commitment_ids) for o in page2} & {tuple(o.commitment_ids) for o in found}


def test_overlaps_of_every_kind_read_no_more_than_their_page(big, monkeypatch):
    """Shared and official overlaps are counted in SQL and thematic scores were saved by the index
    build, so no kind builds the corpus: only the lists and items a page quotes are read."""
    ws, _, _ = big
    store = ws.store()
    built = _count_built(store, monkeypatch)
    found = find_overlaps(store, limit=5, workspace=ws, min_score=0)
    assert {o.kind for o in found} == {"shared", "thematic", "cross_district", "official"}
    # Each thematic overlap shown re-reads its own 20-item list; everything else is the page's items.
    assert sum(built) <= 5 * 20 + 5 * 2 + 5 * 20 + 5 * 40 and max(built) < DISTRICTS * 20


def test_timeline_reads_only_matching_commitments(big, monkeypatch):
    ws, _, _ = big
    store = ws.store()
    n = store.counts()["commitments"]
    built = _count_built(store, monkeypatch)
    timeline = build_timeline(store, "养老床位")
    assert timeline.method == "target_type" and timeline.entries
    matched = len({e.commitment_id for e in timeline.entries})
    assert sum(built) <= matched + K * matched + 50 and sum(built) < n / 2


def test_store_takes_more_ids_than_sqlite_has_variables(big):
    ws, _, _ = big
    store = ws.store()
    ids = [c for c in store.commitment_ids()] + [f"missing-{i}" for i in range(40_000)]
    assert len(store.commitments(ids=ids)) == DISTRICTS * YEARS * 20


def test_adding_one_list_embeds_and_tokenizes_only_its_items(big, tmp_path):
    ws, emb, engine = big
    district = _districts(DISTRICTS)[DISTRICTS // 2]  # a new year of a mid-sort district
    path = tmp_path / "extra.txt"
    path.write_text(document(district, 2020 + YEARS, YEARS, 7)[1], encoding="utf-8")
    before = emb.texts_encoded
    ingest_paths(Workspace(ws.path).store(), [path])
    info = engine.build_index()
    assert info["dense"] == "added" and info["lexical"] == "updated" and info["neighbours"] == "added"
    assert emb.texts_encoded - before == 20
    new_id = sorted(ws.store().commitment_ids(year=2020 + YEARS))[0]
    assert new_id in {h.id for h in engine.search(ws.store().commitment(new_id).text, top_k=3).results}
