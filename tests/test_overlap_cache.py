"""Saved thematic overlap scores (kg/analysis/overlap_cache.py): same answers, rescored per changed list."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from search_helpers import FakeEmbedder

from kg.analysis import overlap_cache
from kg.analysis.overlaps import find_overlaps
from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import Workspace, init_workspace
from search.engine import SearchEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from synth_corpus import _districts, document, write_corpus  # noqa: E402


@pytest.fixture()
def ws(tmp_path: Path) -> tuple[Workspace, SearchEngine]:
    write_corpus(tmp_path / "corpus", 3, 2)
    ws = init_workspace(tmp_path / "ws", empty=True)
    ingest_paths(ws.store(), [tmp_path / "corpus"])
    engine = SearchEngine(ws, embedder=FakeEmbedder())
    engine.build_index()
    return ws, engine


def _thematic(ws: Workspace) -> list[dict]:
    return [o.to_dict() for o in find_overlaps(ws.store(), kinds=["thematic"], min_score=0, workspace=ws)]


def _scored_lists(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    scored: list[int] = []
    real = overlap_cache._score_lists

    def counting(items, vectors):  # type: ignore[no-untyped-def]
        out = real(items, vectors)
        scored.append(len(out))
        return out

    monkeypatch.setattr(overlap_cache, "_score_lists", counting)
    return scored


def test_the_index_build_saves_scores_that_give_the_same_answer(ws, monkeypatch):
    workspace, _ = ws
    assert overlap_cache.cache_path(workspace).exists()
    scored = _scored_lists(monkeypatch)
    saved = _thematic(workspace)
    assert saved and scored == []  # nothing rescored: every list was saved by the index build
    overlap_cache.cache_path(workspace).unlink()
    assert _thematic(workspace) == saved and sum(scored) == 6  # all 3 districts x 2 years, scored afresh


def test_an_unreadable_file_is_rebuilt_with_a_warning(ws, caplog):
    workspace, _ = ws
    saved = _thematic(workspace)
    overlap_cache.cache_path(workspace).write_bytes(b"\x00not marshal")
    with caplog.at_level(logging.WARNING):
        assert _thematic(workspace) == saved
    assert "unreadable" in caplog.text


def test_a_new_list_is_the_only_one_scored(ws, monkeypatch, tmp_path):
    workspace, engine = ws
    district = _districts(3)[1]
    extra = tmp_path / "extra" / f"{district[0]}_2022.txt"
    extra.parent.mkdir()
    extra.write_text(document(district, 2022, 2, 7)[1], encoding="utf-8")
    ingest_paths(workspace.store(), [extra])
    scored = _scored_lists(monkeypatch)
    engine.build_index()
    assert scored == [1]  # the new list alone
    found = _thematic(workspace)
    assert any(2022 in o["years"] for o in found)
    overlap_cache.cache_path(workspace).unlink()
    assert _thematic(workspace) == found


def test_lists_the_neighbour_lists_do_not_cover_yet_are_not_scored_or_saved(ws, tmp_path):
    """A write that lands after the index build made its lists: nothing is scored with vectors that
    do not cover it, and nothing is saved under the new document's key."""
    from kg.graph.neighbours import load_neighbours

    workspace, _ = ws
    nb = load_neighbours(workspace, workspace.store().state())
    district = _districts(3)[0]
    extra = tmp_path / "late" / f"{district[0]}_2022.txt"
    extra.parent.mkdir()
    extra.write_text(document(district, 2022, 2, 7)[1], encoding="utf-8")
    ingest_paths(workspace.store(), [extra])
    before = overlap_cache.cache_path(workspace).read_bytes()
    assert overlap_cache.current_scores(workspace.store(), workspace, nb) == {}
    assert overlap_cache.cache_path(workspace).read_bytes() == before
