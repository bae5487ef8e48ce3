"""The faiss index, its manifest, incremental updates and the vector cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
from search_helpers import FakeEmbedder

import search.dense as dense
from kg.embed.cache import VectorCache, embed_passages_cached, hash_text
from kg.errors import ModelError
from search.dense import DenseIndex, check_model, read_manifest, sync_dense_index

TEXTS = ["新建大型综合养老机构2处，增加床位800张。", "提供“两癌”免费检查服务。", "充电桩2000个。", "新增学位8130个。"]
IDS = ["x-01", "x-02", "x-03", "x-04"]


def _vectors(emb, texts):
    return emb.encode_passages(texts)


def test_flat_index_search_and_filter():
    emb = FakeEmbedder()
    index = DenseIndex.build(emb.model_id, emb.dim, IDS, [hash_text(t) for t in TEXTS], _vectors(emb, TEXTS))
    assert index.kind == "flat"
    rows, scores = index.search(emb.encode_queries(["增加床位"])[0], 2)
    assert rows[0] == 0 and scores[0] >= scores[1]
    rows, _ = index.search(emb.encode_queries(["增加床位"])[0], 10, allowed=np.array([1, 3]))
    assert set(rows.tolist()) <= {1, 3}
    assert index.search(emb.encode_queries(["x"])[0], 5, allowed=np.array([], dtype=np.int64))[0].size == 0


def test_hnsw_above_threshold_round_trips(tmp_path, monkeypatch):
    monkeypatch.setattr(dense, "HNSW_THRESHOLD", 2)
    emb = FakeEmbedder()
    index = DenseIndex.build(emb.model_id, emb.dim, IDS, [hash_text(t) for t in TEXTS], _vectors(emb, TEXTS))
    assert index.kind == "hnsw"
    index.save(tmp_path)
    assert (tmp_path / "faiss.index").exists()
    loaded = DenseIndex.load(tmp_path)
    q = emb.encode_queries(["充电桩"])[0]
    assert loaded.kind == "hnsw" and loaded.search(q, 1)[0].tolist() == [2]


def test_manifest_records_model_dim_ids_fingerprint_and_kind(tmp_path):
    emb = FakeEmbedder()
    sync_dense_index(tmp_path, emb, IDS, TEXTS, "fp1")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_id"] == "fake-bigram" and manifest["dim"] == emb.dim
    assert manifest["ids"] == IDS and manifest["fingerprint"] == "fp1" and manifest["kind"] == "flat"
    assert read_manifest(tmp_path / "nothing") is None


def test_sync_loads_adds_and_rebuilds(tmp_path):
    emb = FakeEmbedder()
    cache = VectorCache(tmp_path / "cache")
    _, action = sync_dense_index(tmp_path / "ix", emb, IDS[:3], TEXTS[:3], "fp1", cache)
    assert action == "rebuilt" and emb.texts_encoded == 3
    _, action = sync_dense_index(tmp_path / "ix", emb, IDS[:3], TEXTS[:3], "fp1", cache)
    assert action == "loaded" and emb.texts_encoded == 3
    index, action = sync_dense_index(tmp_path / "ix", emb, IDS, TEXTS, "fp2", cache)
    assert action == "added" and emb.texts_encoded == 4 and index.ids == IDS
    # An edited text retires its old row and appends a new one; nothing else is embedded.
    edited = [*TEXTS[:3], "新增学位9000个。"]
    index, action = sync_dense_index(tmp_path / "ix", emb, IDS, edited, "fp3", cache)
    assert action == "updated" and emb.texts_encoded == 5 and len(index) == 5 and index.retired == 1
    rows, _ = index.search(emb.encode_passages([TEXTS[3]])[0], 5)
    assert 3 not in rows.tolist() and len(rows) == 4  # the retired row never comes back
    # Once retired rows pass MAX_RETIRED the index is compacted, from cached vectors.
    index, action = sync_dense_index(tmp_path / "ix", emb, IDS[1:], edited[1:], "fp4", cache)
    assert action == "rebuilt" and emb.texts_encoded == 6 and index.ids == IDS[1:] and index.retired == 0


def test_cache_hit_avoids_re_embedding(tmp_path):
    emb = FakeEmbedder()
    cache = VectorCache(tmp_path)
    first = embed_passages_cached(emb, TEXTS, cache)
    assert emb.calls == 1 and emb.texts_encoded == 4
    second = embed_passages_cached(emb, TEXTS, VectorCache(tmp_path))  # a new process would reopen the file
    assert emb.calls == 1 and np.array_equal(first, second)
    other = FakeEmbedder(model_id="other-model")
    embed_passages_cached(other, TEXTS[:1], cache)
    assert other.calls == 1  # vectors are keyed by model as well as text


def test_duplicate_texts_are_embedded_once(tmp_path):
    emb = FakeEmbedder()
    out = embed_passages_cached(emb, ["同一段", "同一段", "另一段"], VectorCache(tmp_path))
    assert emb.texts_encoded == 2 and np.array_equal(out[0], out[1])


def test_model_mismatch_raises_model_error_naming_the_fix():
    check_model("multilingual-e5-small", "multilingual-e5-small")
    with pytest.raises(ModelError, match=r"index built with multilingual-e5-small; run `minsheng index --rebuild --model all-MiniLM-L6-v2`"):
        check_model("multilingual-e5-small", "all-MiniLM-L6-v2")


def test_corrupt_index_loads_as_none(tmp_path):
    emb = FakeEmbedder()
    sync_dense_index(tmp_path, emb, IDS, TEXTS, "fp1")
    (tmp_path / "vectors.npy").write_bytes(b"garbage")
    assert DenseIndex.load(tmp_path) is None
    _, action = sync_dense_index(tmp_path, emb, IDS, TEXTS, "fp1")
    assert action == "rebuilt"
