"""Metrics, the bundled graded query set, and hybrid beating dense-only on it."""

from __future__ import annotations

import json

import pytest
from search_helpers import FakeEmbedder, SideWorkspace

from kg.errors import InputError
from search.engine import SearchEngine
from search.evaluate import evaluate, load_queries, ndcg_at, recall_at, reciprocal_rank


def test_metrics_on_hand_computed_rankings():
    rel = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b", "x"], rel) == pytest.approx(1.0)
    assert ndcg_at(["x", "y", "z", "u", "v", "a"], rel) == 0.0
    assert 0 < ndcg_at(["b", "a"], rel) < 1
    assert recall_at(["x", "a", "y"], rel) == 0.5
    assert reciprocal_rank(["x", "y", "b"], rel) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], rel) == 0.0


def test_bundled_queries_are_valid_and_point_at_real_commitments(bundled_workspace):
    queries = load_queries()
    assert len(queries) >= 40
    assert {q["kind"] for q in queries} == {"keyword", "paraphrase", "colloquial", "english"}
    ids = {c.id for c in bundled_workspace.store().commitments()}
    for q in queries:
        assert set(q["relevant"]) <= ids, q["query"]
        assert set(q["relevant"].values()) <= {1.0, 2.0}
    # Cross-district queries: both bundled jurisdictions among the answers.
    assert sum(len({cid[:6] for cid in q["relevant"]}) == 2 for q in queries) >= 10


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "not valid JSON"),
    (json.dumps({"relevant": {"a": 1}}), "non-empty \"query\""),
    (json.dumps({"query": "x", "relevant": {}}), "\"relevant\" must map"),
    (json.dumps({"query": "x", "relevant": {"a": 0}}), "\"relevant\" must map"),
])
def test_bad_query_files_are_input_errors(tmp_path, line, message):
    path = tmp_path / "q.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_queries(path)
    with pytest.raises(InputError, match="not found"):
        load_queries(tmp_path / "missing.jsonl")


def test_evaluate_reports_every_metric_per_mode_and_kind(bundled_workspace, tmp_path):
    engine = SearchEngine(SideWorkspace(bundled_workspace, tmp_path), embedder=FakeEmbedder())
    queries = load_queries()[:6]
    report = evaluate(engine, queries, ("dense", "lexical"), per_query=True)
    assert report["queries"] == 6 and set(report["modes"]) == {"dense", "lexical"}
    for summary in report["modes"].values():
        assert {"ndcg@5", "recall@5", "mrr", "by_kind"} <= set(summary)
        assert 0.0 <= summary["ndcg@5"] <= 1.0
    assert len(report["details"]) == 12


@pytest.mark.slow
def test_hybrid_beats_dense_on_both_halves_of_the_query_set(bundled_workspace, tmp_path):
    engine = SearchEngine(SideWorkspace(bundled_workspace, tmp_path))
    queries = load_queries()
    for half in (queries[0::2], queries[1::2]):
        modes = evaluate(engine, half, ("hybrid", "dense"))["modes"]
        assert modes["hybrid"]["ndcg@5"] > modes["dense"]["ndcg@5"]
    modes = evaluate(engine, queries, ("hybrid", "dense"))["modes"]
    assert modes["hybrid"]["ndcg@5"] >= 0.93
