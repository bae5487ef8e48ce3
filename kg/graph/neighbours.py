"""Each commitment's nearest neighbours by embedding, kept up to date per document.

Links (``similar_to``), cross-district overlaps and continuation candidates all start from
these lists instead of comparing every pair: the first build is one batched exact k-NN
search (O(n·k) memory, never an n×n matrix), and an ingest only searches its new rows and
offers them to the lists of the rows they are now among the nearest of. The lists live in
``index/neighbours/`` of the workspace next to the vectors they were computed from, keyed
by the store state; retired rows (removed or edited commitments) are masked, and once they
are a fifth of all rows everything is recomputed.

Parameters: ``K`` = 10 neighbours per commitment. ``similar_to`` keeps up to 5 of them from
other documents (``links.MAX_SIMILAR``) above the model's threshold; cross-district overlaps
consider neighbours from other jurisdictions. 10 leaves room for both after same-document
neighbours are skipped (a 20-item list often has 2-4 near-duplicates of an item).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

K = 10
BATCH = 2048  # query rows per faiss call: 2048 x n float32 scores stay far below 2 GB at 100k
MAX_RETIRED = 0.2
HNSW_BUILD_EF = 64  # efSearch for the first build through an HNSW index (see ``knn``)
MANIFEST = "manifest.json"
VERSION = 1
log = logging.getLogger(__name__)


def knn(base: np.ndarray, queries: np.ndarray, k: int, *, mask: np.ndarray | None = None,
        exclude: np.ndarray | None = None, index: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` inner-product neighbours of each query row among ``base`` rows, in batches.

    Exact unless ``index`` (a faiss HNSW index over exactly ``base``'s rows) is given: an exact
    first build is O(n²·d) work, ~4 TFLOP at 100k (minutes on two cores), while the search
    index's HNSW graph answers all 100k queries in a fraction of that at recall ~0.9 for
    efSearch 64, plenty for link candidates. ``mask`` (bool per base row) drops rows;
    ``exclude`` (base row per query) drops a query's own row. Returns (rows, scores), each
    (m, k), padded with -1 / -inf.
    """
    import faiss  # deferred: ~170 ms import

    m = queries.shape[0]
    rows_out = np.full((m, k), -1, dtype=np.int64)
    scores_out = np.full((m, k), -np.inf, dtype=np.float32)
    if m == 0 or base.shape[0] == 0 or k <= 0:
        return rows_out, scores_out
    if index is None:
        index = faiss.IndexFlatIP(base.shape[1])
        index.add(np.ascontiguousarray(base, dtype=np.float32))
    else:
        index.hnsw.efSearch = HNSW_BUILD_EF
    n_masked = 0 if mask is None else int((~mask).sum())
    fetch = min(base.shape[0], k + 1 + n_masked) if n_masked <= 4 * k else min(base.shape[0], 4 * k + 1)
    for start in range(0, m, BATCH):
        q = np.ascontiguousarray(queries[start : start + BATCH], dtype=np.float32)
        want = fetch
        while True:
            scores, rows = index.search(q, want)
            ok = rows >= 0
            if mask is not None:
                ok &= mask[np.maximum(rows, 0)]
            if exclude is not None:
                ok &= rows != exclude[start : start + BATCH, None]
            if ok.sum(axis=1).min() >= min(k, base.shape[0] - 1 - n_masked) or want >= base.shape[0]:
                break
            want = min(base.shape[0], want * 4)
        for i in range(q.shape[0]):
            r, s = rows[i][ok[i]][:k], scores[i][ok[i]][:k]
            rows_out[start + i, : len(r)], scores_out[start + i, : len(s)] = r, s
    return rows_out, scores_out


@dataclass
class Neighbours:
    """Vectors and neighbour lists by row; ``row`` maps commitment ids to rows."""

    model_id: str = ""
    ids: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    alive: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=bool))
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, K), dtype=np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.zeros((0, K), dtype=np.float32))
    state: str = ""

    def __post_init__(self) -> None:
        self.row = {cid: n for n, cid in enumerate(self.ids) if self.alive[n]}

    @classmethod
    def build(cls, model_id: str, ids: Sequence[str], keys: Sequence[str], vectors: np.ndarray,
              state: str = "", *, index: Any = None) -> Neighbours:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        rows, scores = knn(vectors, vectors, K, exclude=np.arange(len(ids)), index=index)
        return cls(model_id, list(ids), list(keys), vectors, np.ones(len(ids), dtype=bool), rows, scores, state)

    def mapping(self) -> _VectorView:
        """The live vectors as a read-only id -> vector mapping (no copy)."""
        return _VectorView(self)

    def vector(self, cid: str) -> np.ndarray | None:
        n = self.row.get(cid)
        return None if n is None else self.vectors[n]

    def neighbours(self, cid: str) -> list[tuple[str, float]]:
        """(id, cosine) of a commitment's live neighbours, nearest first."""
        n = self.row.get(cid)
        if n is None:
            return []
        return [(self.ids[r], float(s)) for r, s in zip(self.rows[n], self.scores[n], strict=True)
                if r >= 0 and self.alive[r]]

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every live (row, neighbour row, cosine) as three flat arrays."""
        src = np.repeat(np.arange(len(self.ids)), self.rows.shape[1])
        dst, cos = self.rows.ravel(), self.scores.ravel()
        ok = (dst >= 0) & self.alive[src] & self.alive[np.maximum(dst, 0)]
        return src[ok], dst[ok], cos[ok]

    def baseline(self, sample: int = 20000, seed: int = 0) -> float:
        """Median cosine of random live pairs: what "unrelated" looks like for this model and corpus."""
        live = np.flatnonzero(self.alive)
        if live.size < 2:
            return 0.0
        rng = np.random.default_rng(seed)
        a, b = rng.choice(live, sample), rng.choice(live, sample)
        keep = a != b
        return float(np.median(np.einsum("ij,ij->i", self.vectors[a[keep]], self.vectors[b[keep]])))

    def update(self, ids: Sequence[str], keys: Sequence[str], vectors: np.ndarray, retire: Sequence[str],
               state: str) -> str:
        """Retire ``retire`` ids, append rows, search only the new rows; returns what was done."""
        for cid in retire:
            n = self.row.pop(cid, None)
            if n is not None:
                self.alive[n] = False
        if len(ids):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), -1)
            start = len(self.ids)
            self.vectors = vectors if not start else np.concatenate([self.vectors, vectors])
            self.ids.extend(ids)
            self.keys.extend(keys)
            self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
            self.row.update({cid: start + i for i, cid in enumerate(ids)})
            new = np.arange(start, len(self.ids))
            # One (n, m) product serves both directions; for a 20-item list it is 100k x 20 at 100k.
            sims = self.vectors @ vectors.T
            rows, scores = _top_columns(sims, self.alive, new)
            self.rows = np.concatenate([self.rows, rows]) if start else rows
            self.scores = np.concatenate([self.scores, scores]) if start else scores
            self._offer(new, sims)
        self.state = state
        if int((~self.alive).sum()) > MAX_RETIRED * len(self.ids):
            live = np.flatnonzero(self.alive)
            rebuilt = Neighbours.build(self.model_id, [self.ids[i] for i in live], [self.keys[i] for i in live],
                                       self.vectors[live], state)
            self.__dict__.update(rebuilt.__dict__)
            return "rebuilt"
        return "updated" if len(retire) else "added"

    def _offer(self, new: np.ndarray, all_sims: np.ndarray) -> None:
        """Put new rows into the lists of older rows they are now among the nearest of (O(n·m))."""
        old = np.flatnonzero(self.alive[: new[0]])
        if old.size == 0:
            return
        sims = all_sims[old]  # (old, m)
        kth = self.scores[old, -1]
        holes = (self.rows[old] < 0).any(axis=1) | ~self.alive[np.maximum(self.rows[old], 0)].all(axis=1)
        hit = np.flatnonzero((sims > kth[:, None]).any(axis=1) | holes)
        for h in hit:
            r = old[h]
            cand_rows = np.concatenate([self.rows[r], new])
            cand_scores = np.concatenate([self.scores[r], sims[h]])
            ok = (cand_rows >= 0) & self.alive[np.maximum(cand_rows, 0)]
            cand_rows, cand_scores = cand_rows[ok], cand_scores[ok]
            order = np.argsort(-cand_scores, kind="stable")[:K]
            self.rows[r] = -1
            self.scores[r] = -np.inf
            self.rows[r, : order.size] = cand_rows[order]
            self.scores[r, : order.size] = cand_scores[order]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        tag = f".{os.getpid()}.tmp.npy"
        for name, arr in (("vectors", self.vectors), ("rows", self.rows.astype(np.int32)), ("scores", self.scores)):
            np.save(directory / (name + tag), arr)
        manifest = {"version": VERSION, "model_id": self.model_id, "state": self.state, "ids": self.ids,
                    "keys": self.keys, "dead": np.flatnonzero(~self.alive).tolist(), "k": K}
        (directory / (MANIFEST + ".tmp")).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        for name in ("vectors", "rows", "scores"):
            os.replace(directory / (name + tag), directory / f"{name}.npy")
        os.replace(directory / (MANIFEST + ".tmp"), directory / MANIFEST)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = False) -> Neighbours | None:
        """The saved lists, or None when missing or unreadable (the caller rebuilds; warned).

        ``mmap`` maps the vectors read-only instead of reading 150 MB at 100k: for readers that
        look at a few of them (kg.graph.linkset), never for ``update``.
        """
        if not (directory / MANIFEST).exists():
            return None
        try:
            m = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if m.get("version") != VERSION or m.get("k") != K:
                return None
            alive = np.ones(len(m["ids"]), dtype=bool)
            alive[np.asarray(m["dead"], dtype=np.int64)] = False
            out = cls(m["model_id"], list(m["ids"]), list(m["keys"]), np.load(directory / "vectors.npy", mmap_mode="r" if mmap else None), alive,
                      np.load(directory / "rows.npy").astype(np.int64), np.load(directory / "scores.npy"),
                      m.get("state", ""))
            if not (out.vectors.shape[0] == out.rows.shape[0] == out.scores.shape[0] == len(out.ids)):
                raise ValueError("vectors, lists and ids disagree in length")
        except (OSError, ValueError, KeyError, TypeError, EOFError, IndexError) as exc:
            log.warning("%s: neighbour lists unreadable (%s); recomputing them", directory, exc)
            return None
        return out


def _top_columns(sims: np.ndarray, alive: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-``K`` live rows of each column of ``sims`` (n, m), skipping column j's own row ``own[j]``."""
    m = sims.shape[1]
    rows_out = np.full((m, K), -1, dtype=np.int64)
    scores_out = np.full((m, K), -np.inf, dtype=np.float32)
    for j in range(m):
        col = np.where(alive, sims[:, j], -np.inf)
        col[own[j]] = -np.inf
        k = min(K, int(np.isfinite(col).sum()))
        if k <= 0:
            continue
        part = np.argpartition(-col, k - 1)[:k]
        order = part[np.argsort(-col[part], kind="stable")]
        rows_out[j, :k], scores_out[j, :k] = order, col[order]
    return rows_out, scores_out


class _VectorView(Mapping):
    def __init__(self, nb: Neighbours) -> None:
        self._nb = nb

    def __getitem__(self, cid: str) -> np.ndarray:
        n = self._nb.row[cid]
        return self._nb.vectors[n]

    def take(self, cids: Sequence[str]) -> np.ndarray:
        """The rows of ``cids`` as one (n, dim) array: one gather instead of n lookups."""
        row = self._nb.row
        return self._nb.vectors[[row[c] for c in cids]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nb.row)

    def __len__(self) -> int:
        return len(self._nb.row)


def neighbours_dir(workspace: Any) -> Path:
    return Path(workspace.index_dir) / "neighbours"


def sync_neighbours(workspace: Any, model_id: str, ids: Sequence[str], keys: Sequence[str], vectors_of: Any,
                    state: str, *, index: Any = None, current: Neighbours | None = None) -> tuple[Neighbours, str]:
    """Bring the workspace's lists in line with (ids, keys); ``vectors_of(ids)`` gives vectors of new ids.

    The search index calls this after its own update, passing its vectors (and its HNSW index
    when that holds exactly ``ids`` in order), so nothing is embedded or indexed twice.
    """
    directory = neighbours_dir(workspace)
    if current is None:  # ``current``: the caller's copy of exactly what is saved (skips a 150 MB read at 100k)
        current = Neighbours.load(directory)
    if current is None or current.model_id != model_id:
        vectors = vectors_of(list(ids)) if len(ids) else np.zeros((0, 0), dtype=np.float32)
        current = Neighbours.build(model_id, ids, keys, vectors, state, index=index)
        current.save(directory)
        return current, "rebuilt"
    if current.state == state:
        return current, "loaded"
    wanted = dict(zip(ids, keys, strict=True))
    retire = [cid for cid, n in current.row.items() if wanted.get(cid) != current.keys[n]]
    gone = set(retire)
    append = [i for i, cid in enumerate(ids) if cid not in current.row or cid in gone]
    new_ids = [ids[i] for i in append]
    vectors = vectors_of(new_ids) if new_ids else np.zeros((0, current.vectors.shape[1]), dtype=np.float32)
    action = current.update(new_ids, [keys[i] for i in append], vectors, retire, state)
    current.save(directory)
    return current, action


def load_neighbours(workspace: Any, state: str | None = None, *, mmap: bool = False) -> Neighbours | None:
    """The saved lists when present (and, given ``state``, current); ``mmap``: see ``Neighbours.load``."""
    if workspace is None:
        return None
    found = Neighbours.load(neighbours_dir(workspace), mmap=mmap)
    if found is None or (state is not None and found.state != state):
        return None
    return found


def from_vectors(vectors: dict[str, np.ndarray], ids: Sequence[str]) -> Neighbours:
    """In-memory lists for callers holding vectors by id (tests, one-off analyses)."""
    ids = [i for i in ids if i in vectors]
    if not ids:
        return Neighbours()
    mat = np.vstack([np.asarray(vectors[i], dtype=np.float32).ravel() for i in ids])
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return Neighbours.build("", ids, [""] * len(ids), mat / np.where(norms == 0, 1.0, norms))
