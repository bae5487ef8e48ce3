"""SearchEngine over the bundled corpus: modes, filters, validation, index upkeep."""

from __future__ import annotations

import shutil

import pytest
from search_helpers import FakeEmbedder, SideWorkspace

from kg.errors import ModelError, NotFoundError, QueryError
from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import Workspace
from search.engine import MAX_QUERY_CHARS, SearchEngine, SearchResponse

HIT_KEYS = {"id", "year", "jurisdiction", "seq", "title", "text", "departments", "officials", "themes", "score",
            "rank", "dense_score", "lexical_score"}


@pytest.fixture
def engine(bundled_workspace, tmp_path):
    return SearchEngine(SideWorkspace(bundled_workspace, tmp_path), embedder=FakeEmbedder())


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_each_mode_returns_ranked_hits_with_commitment_fields(engine, mode):
    resp = engine.search("增加床位", top_k=3, mode=mode)
    assert isinstance(resp, SearchResponse) and resp.mode == mode
    d = resp.to_dict()
    assert set(d) == {"query", "mode", "results"} and d["query"] == "增加床位"
    assert d["results"][0]["id"] == "370103-2024-06"
    assert set(d["results"][0]) == HIT_KEYS
    assert [h["rank"] for h in d["results"]] == list(range(1, len(d["results"]) + 1))
    assert d["results"][0]["departments"] == ["区民政局"]


def test_hybrid_reports_both_scores(engine):
    hits = {h.id: h for h in engine.search("两癌", top_k=44).results}
    hit = hits["370103-2024-08"]
    assert hit.dense_score is not None and hit.lexical_score is not None and hit.lexical_score > 0
    assert all(h.dense_score is not None for h in hits.values())


def test_two_character_query_matches_lexically(engine):
    ids = [h.id for h in engine.search("两癌", top_k=5, mode="lexical").results]
    assert set(ids[:2]) == {"370103-2024-08", "370114-2025-08"}


def test_filters_apply_before_ranking(engine):
    hits = engine.search("就业", top_k=10, year=2025).results
    assert hits and all(h.year == 2025 for h in hits)
    hits = engine.search("就业", top_k=10, jurisdiction="章丘区").results
    assert hits and all(h.jurisdiction == "济南市章丘区" for h in hits)
    # Any alias of a department works: 区卫健局 is 区卫生健康局.
    hits = engine.search("健康", top_k=50, department="区卫健局").results
    assert hits and all("区卫生健康局" in h.departments for h in hits)
    hits = engine.search("养老", top_k=50, official="张源").results
    assert hits and all("张源" in h.officials for h in hits)
    hits = engine.search("老人", top_k=50, theme="养老").results
    assert hits and all("养老" in h.themes for h in hits)
    # Known values whose combination matches nothing give no results, not an error.
    assert engine.search("就业", year=2025, official="张源").results == []


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    # Filters naming nothing in the workspace: NotFoundError, as `list -j`, /commitments and /departments.
    ({"department": "区宇宙开发局"}, NotFoundError, "no department matches '区宇宙开发局'"),
    ({"year": 1999}, NotFoundError, "no commitments for year 1999"),
    ({"jurisdiction": "火星区"}, NotFoundError, "no jurisdiction '火星区'"),
    ({"official": "无名氏"}, NotFoundError, "no official named '无名氏'"),
    ({"theme": "航天"}, NotFoundError, "no theme or target type '航天'"),
])
def test_unknown_filter_values_are_errors(engine, kwargs, error, message):
    with pytest.raises(error, match=message):
        engine.search("养老", **kwargs)


@pytest.mark.parametrize(("query", "kwargs", "message"), [
    ("", {}, "empty"),
    ("   \n", {}, "empty"),
    ("养" * (MAX_QUERY_CHARS + 1), {}, "limit is 500"),
    ("养老", {"top_k": 0}, "top_k must be"),
    ("养老", {"top_k": 1001}, "top_k must be"),
    ("养老", {"mode": "fuzzy"}, "mode must be one of"),
])
def test_bad_input_is_a_query_error(engine, query, kwargs, message):
    with pytest.raises(QueryError, match=message):
        engine.search(query, **kwargs)


def test_index_is_persisted_and_reused(bundled_workspace, tmp_path):
    side = SideWorkspace(bundled_workspace, tmp_path)
    first = SearchEngine(side, embedder=FakeEmbedder()).build_index()
    assert first["dense"] == "rebuilt" and first["count"] == 44 and first["kind"] == "flat"
    emb = FakeEmbedder()
    second = SearchEngine(side, embedder=emb).build_index()
    assert second["dense"] == "loaded" and second["lexical"] == "loaded" and emb.texts_encoded == 0


def test_explicit_other_model_is_refused_until_rebuilt(bundled_workspace, tmp_path):
    side = SideWorkspace(bundled_workspace, tmp_path)
    SearchEngine(side, embedder=FakeEmbedder("model-a")).search("养老")
    other = SearchEngine(side, embedder=FakeEmbedder("model-b"))
    with pytest.raises(ModelError, match="index built with model-a; run `minsheng index --rebuild --model model-b`"):
        other.search("养老")
    assert other.build_index(rebuild=True)["model"] == "model-b"
    assert other.search("养老").results


def test_explicit_model_name_mismatch_fails_before_loading_it(bundled_workspace, tmp_path):
    side = SideWorkspace(bundled_workspace, tmp_path)
    SearchEngine(side, embedder=FakeEmbedder("model-a")).build_index()
    with pytest.raises(ModelError, match="index built with model-a"):
        SearchEngine(side, model="minsheng-test/not-on-disk").search("养老")


def test_lexical_search_needs_only_the_lexical_index(bundled_workspace, tmp_path):
    side = SideWorkspace(bundled_workspace, tmp_path)
    built = SearchEngine(side, embedder=FakeEmbedder("model-a"))
    expected = [built.search("养老床位", mode="lexical", **f).to_dict() for f in ({}, {"year": 2025})]
    # No embedder named model-a exists: only a search that skips the dense index can answer.
    fresh = SearchEngine(side)
    assert [fresh.search("养老床位", mode="lexical", **f).to_dict() for f in ({}, {"year": 2025})] == expected
    assert fresh._snap is None and expected[1]["results"]


def test_store_change_updates_the_index_lazily(fresh_workspace, tmp_path):
    from conftest import SHIZHONG_2025

    emb = FakeEmbedder()
    engine = SearchEngine(fresh_workspace, embedder=emb)
    engine.search("养老")
    before = emb.texts_encoded
    ws = Workspace(fresh_workspace.path)  # another process ingesting
    ingest_paths(ws.store(), [SHIZHONG_2025])
    ws.close()
    hits = engine.search("养老", top_k=100, year=2025, jurisdiction="市中区").results
    assert hits and all(h.id.startswith("370103-2025-") for h in hits)
    assert 0 < emb.texts_encoded - before < 44  # only the new year was embedded
    shutil.rmtree(fresh_workspace.index_dir)


@pytest.mark.slow
def test_default_e5_hybrid_finds_paraphrases(bundled_workspace, tmp_path):
    engine = SearchEngine(SideWorkspace(bundled_workspace, tmp_path))
    assert engine.model_id == "multilingual-e5-small"
    top = [h.id for h in engine.search("老人吃饭难怎么办", top_k=3).results]
    assert "370114-2025-06" in top
    top = [h.id for h in engine.search("EV charging", top_k=2).results]
    assert set(top) == {"370103-2024-23", "370114-2025-13"}
    # A plain engine follows the model the index was built with.
    assert SearchEngine(SideWorkspace(bundled_workspace, tmp_path)).model_id == "multilingual-e5-small"
