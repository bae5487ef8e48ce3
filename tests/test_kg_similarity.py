"""Commitment vectors: passage text, the shared on-disk cache, similarity helpers, the real model."""

from __future__ import annotations

import numpy as np
import pytest

from kg.embed.cache import CACHE_FILE
from kg.embed.vectors import (
    background_cosine,
    commitment_vectors,
    cosine,
    passage_text,
    similarity_matrix,
)
from kg.model import Commitment


class CountingEmbedder:
    """Maps each text to a fixed pseudo-random vector and records what it was asked to embed."""

    model_id, dim = "test-counting", 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = [np.random.default_rng(sum(map(ord, t))).normal(size=self.dim) * 3 for t in texts]
        return np.asarray(rows, dtype=np.float32)


def item(cid: str, title: str, text: str) -> Commitment:
    return Commitment(id=cid, document_id=cid[:11], year=2024, jurisdiction="x", jurisdiction_code="370103",
                      seq=1, title=title, text=text)


def test_passage_text_is_what_search_embeds(bundled_workspace):
    from search.engine import passage_text as search_passage_text

    items = bundled_workspace.store().commitments()
    assert [passage_text(c) for c in items] == [search_passage_text(c) for c in items]
    assert passage_text(item("a", "新建养老机构2处", "新建养老机构2处，增加床位800张。")) == "新建养老机构2处，增加床位800张。"


def test_vectors_are_unit_rows_keyed_by_id_and_cached_on_disk(tmp_path):
    items = [item("a", "甲", "养老床位800张"), item("b", "乙", "充电桩2000个"), item("c", "丙", "养老床位800张")]
    first = CountingEmbedder()
    vecs = commitment_vectors(tmp_path, items, embedder=first)
    assert list(vecs) == ["a", "b", "c"] and (tmp_path / CACHE_FILE).exists()
    assert all(v.dtype == np.float32 and abs(float(np.linalg.norm(v)) - 1) < 1e-5 for v in vecs.values())
    assert len(first.seen) == 3  # the cache helper embeds the distinct texts
    again = CountingEmbedder()
    cached = commitment_vectors(tmp_path, items, embedder=again)
    assert again.seen == [] and all(np.allclose(vecs[k], cached[k]) for k in vecs)
    assert commitment_vectors(tmp_path, [], embedder=again) == {}


def test_workspace_object_locates_the_cache(bundled_workspace, tmp_path):
    class Ws:  # only ``cache_dir`` is used; the shared workspace stays untouched
        cache_dir = tmp_path / "cache"

    commitment_vectors(Ws(), bundled_workspace.store().commitments()[:2], embedder=CountingEmbedder())
    assert (tmp_path / "cache" / CACHE_FILE).exists()


def test_similarity_helpers():
    vecs = {"a": np.array([1.0, 0.0]), "b": np.array([3.0, 4.0]), "c": np.array([0.0, 2.0])}
    m = similarity_matrix(vecs, ["a", "b", "c"])
    assert m.shape == (3, 3) and np.allclose(np.diag(m), 1) and np.allclose(m, m.T)
    assert m[0, 1] == pytest.approx(0.6) and cosine(vecs, "b", "c") == pytest.approx(0.8)
    assert similarity_matrix(vecs, ["a"], ["b", "c"]).shape == (1, 2)
    assert similarity_matrix(vecs, []).shape == (0, 0)
    assert background_cosine(m) == pytest.approx(0.6)
    with pytest.raises(KeyError):
        similarity_matrix(vecs, ["zzz"])


@pytest.mark.slow
def test_real_model_ranks_the_two_cancer_items_together(bundled_workspace, tmp_path):
    store = bundled_workspace.store()
    items = store.commitments()
    vecs = commitment_vectors(tmp_path, items)
    assert {v.shape for v in vecs.values()} == {(384,)}
    others = [c.id for c in items if c.jurisdiction_code == "370114"]
    row = similarity_matrix(vecs, ["370103-2024-08"], others)[0]
    assert others[int(np.argmax(row))] == "370114-2025-08"
