"""The vectorised cross-district scoring gives what the per-pair formula gives, in the same order."""

from __future__ import annotations

import numpy as np

from kg.analysis.semantic_overlaps import CROSS_TYPE_BONUS, _round4, closeness, cross_district_candidates
from kg.graph.neighbours import from_vectors


def test_round4_is_pythons_round():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.random(200_000), np.arange(10_001) / 1e4 + 5e-5, [0.12345, 0.99995, 5e-5, 1.0]])
    assert _round4(x).tolist() == [round(float(v), 4) for v in x]


def test_top_candidates_equal_the_head_of_the_full_sorted_list():
    rng = np.random.default_rng(2)
    n = 400
    base = rng.normal(size=(40, 16))
    vecs = base[rng.integers(0, 40, n)] + 0.3 * rng.normal(size=(n, 16))  # clusters, so many close pairs
    ids = [f"c{i:04d}" for i in rng.permutation(n)]  # row order differs from id order
    types = ["充电桩", "养老床位", "学校", "停车泊位"]
    facts = {cid: (f"37{i % 7:04d}", 2020 + i % 3, frozenset(rng.choice(types, i % 3, replace=False).tolist()))
             for i, cid in enumerate(ids)}
    nb = from_vectors({cid: v.astype(np.float32) for cid, v in zip(ids, vecs, strict=True)}, ids)
    every = cross_district_candidates(facts, nb)
    key = lambda c: (-c.score, c.department_ids, c.commitment_ids)  # noqa: E731 (find_overlaps' order)
    every.sort(key=key)
    top = cross_district_candidates(facts, nb, keep_top=37)
    assert [(c.score, c.commitment_ids) for c in sorted(top, key=key)] == \
        [(c.score, c.commitment_ids) for c in every[:37]]
    # Scores are the per-pair formula's.
    base_cos = nb.baseline()
    for c in every[:50]:
        a, b = c.commitment_ids
        cos = float(np.float32(dict(nb.neighbours(a)).get(b, dict(nb.neighbours(b)).get(a))))
        ta, tb = facts[a][2], facts[b][2]
        tj = len(ta & tb) / len(ta | tb) if ta & tb else 0.0
        assert c.score == round(min(1.0, closeness(cos, base_cos) + CROSS_TYPE_BONUS * tj), 4)
