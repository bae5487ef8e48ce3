"""Neighbour lists: the per-document update gives the lists a full build would."""

from __future__ import annotations

import numpy as np

from kg.graph.neighbours import K, Neighbours


def _unit(n: int, dim: int = 32, seed: int = 1) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_incremental_update_equals_a_full_build():
    x = _unit(1500)
    ids = [f"c{i}" for i in range(1500)]
    full = Neighbours.build("m", ids, [""] * 1500, x)
    inc = Neighbours.build("m", ids[:1480], [""] * 1480, x[:1480])
    assert inc.update(ids[1480:], [""] * 20, x[1480:], [], "s1") == "added"
    assert np.array_equal(full.rows, inc.rows) and np.allclose(full.scores, inc.scores, atol=1e-5)
    assert full.rows.shape == (1500, K) and not (full.rows == np.arange(1500)[:, None]).any()


def test_retired_rows_leave_every_list_and_compaction_renumbers(tmp_path):
    x = _unit(200, seed=2)
    ids = [f"c{i}" for i in range(200)]
    nb = Neighbours.build("m", ids, [""] * 200, x)
    gone = ids[:10]
    assert nb.update([], [], np.zeros((0, 32)), gone, "s1") == "updated"
    assert not {other for cid in ids[10:] for other, _ in nb.neighbours(cid)} & set(gone)
    nb.save(tmp_path)
    loaded = Neighbours.load(tmp_path)
    assert loaded is not None and loaded.neighbours("c50") == nb.neighbours("c50")
    assert nb.update([], [], np.zeros((0, 32)), ids[10:50], "s2") == "rebuilt"
    assert nb.ids == ids[50:] and nb.alive.all()
