"""The dense (embedding) index: faiss over unit vectors, persisted under ``<workspace>/index/dense``.

Layout: ``manifest.json`` (model id, dim, index kind, store fingerprint, commitment ids and
text hashes in row order), ``vectors.npy`` (the rows) and, for HNSW only, ``faiss.index``.
The manifest is written last, so a crash mid-write leaves an index that fails to load
and is rebuilt rather than one that silently mixes two versions.

Updates: when every previously indexed commitment is still present with the same text,
only the new ones are embedded and appended (``add`` works for both index kinds). A removed
or edited commitment triggers a rebuild from the vector cache, which costs faiss build time
only, not re-embedding.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
# Measured on the 2-core dev box with 384-d unit vectors, one query, k=100:
#   IndexFlatIP   5k 0.17 ms | 20k 3.4 ms | 50k 8.9 ms | 100k 15.9 ms
#   HNSW (M=32)   20k 1.3 ms | 50k 1.5 ms | 100k 1.5 ms, but 6 s / 24 s / 60 s to build and approximate.
# Exact search stays under ~5 ms up to 30k rows, a third of the 15 ms query budget; above that
# it dominates the budget, so HNSW pays for its build time and recall loss only there.
HNSW_THRESHOLD = 30_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# efSearch on 100k perturbed real E5 vectors (scripts/bench_search.py's synthetic set), top-10
# recall vs exact: 128 -> 0.87 (0.8 ms), 256 -> 0.93 (1.3 ms), 512 -> 0.98 (2.0 ms). 256 buys most
# of the recall for a tenth of the query budget; the fused ranking also rescues lexical hits.
HNSW_EF_SEARCH = 256


def _faiss() -> Any:
    import faiss  # deferred: ~170 ms import, not needed for `minsheng --help`

    return faiss


@dataclass
class DenseIndex:
    """Unit vectors of commitments in row order plus a faiss index over them.

    Rows are only ever appended: a removed or edited commitment's row is retired (``alive``
    False) and skipped by searches, so an ingest never re-embeds or re-indexes the corpus.
    ``compacted()`` drops retired rows once they are a noticeable share (``MAX_RETIRED``).
    """

    model_id: str
    dim: int
    fingerprint: str = ""
    ids: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    kind: str = "flat"
    index: Any = None
    alive: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=bool))

    @classmethod
    def build(cls, model_id: str, dim: int, ids: list[str], hashes: list[str], vectors: np.ndarray,
              fingerprint: str = "", kind: str | None = None) -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), dim)
        kind = kind or ("hnsw" if len(ids) > HNSW_THRESHOLD else "flat")
        self = cls(model_id, dim, fingerprint, list(ids), list(hashes), vectors, kind,
                   alive=np.ones(len(ids), dtype=bool))
        if kind == "hnsw":
            self.index = self._new_faiss_index()
            if len(ids):
                self.index.add(vectors)
        return self

    def _faiss_index(self) -> Any:
        """The faiss index; a flat one is made on first batch use (single queries use numpy, and
        skipping faiss's ~170 ms import matters to a cold CLI search)."""
        if self.index is None:
            self.index = self._new_faiss_index()
            if len(self.ids):
                self.index.add(np.ascontiguousarray(self.vectors, dtype=np.float32).reshape(-1, self.dim))
        return self.index

    def _new_faiss_index(self) -> Any:
        faiss = _faiss()
        if self.kind == "hnsw":
            index = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
            return index
        return faiss.IndexFlatIP(self.dim)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def retired(self) -> int:
        return int(len(self.ids) - self.alive.sum())

    def add(self, ids: list[str], hashes: list[str], vectors: np.ndarray) -> None:
        """Append rows; the index kind is kept (crossing the threshold takes a rebuild)."""
        if not ids:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        if self.index is not None:
            self.index.add(vectors)
        self.vectors = np.concatenate([np.asarray(self.vectors).reshape(-1, self.dim), vectors])
        self.ids.extend(ids)
        self.hashes.extend(hashes)
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])

    def retire(self, rows: list[int]) -> None:
        if rows:
            self.alive[np.asarray(rows, dtype=np.int64)] = False

    def compacted(self) -> DenseIndex:
        """A new index of the live rows only (renumbers rows)."""
        keep = np.flatnonzero(self.alive)
        return DenseIndex.build(self.model_id, self.dim, [self.ids[i] for i in keep],
                                [self.hashes[i] for i in keep], self.vectors[keep], self.fingerprint)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` live rows by inner product with ``query`` as (row positions, scores), best first.

        ``allowed`` (row positions) restricts the search; it is scored exactly with numpy,
        since filtered sets are small and HNSW with a selector can miss rows.
        """
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None:
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            allowed = np.asarray(allowed, dtype=np.int64)
            allowed = allowed[self.alive[allowed]]
            scores = np.einsum("ij,j->i", self.vectors[allowed], q)
            top = _top_k(scores, k)
            return allowed[top], scores[top]
        if self.kind == "flat":
            # One query against a flat index: a single-threaded einsum. faiss (OpenMP) and `@`
            # (multi-threaded BLAS gemv) spend more on threads than they save on one query:
            # 10k x 384 took 12 ms / 7.3 ms with them and 1.2 ms with einsum on the loaded 2-core box.
            scores = np.einsum("ij,j->i", self.vectors, q)
            if not self.alive.all():
                scores = np.where(self.alive, scores, -np.inf)
            top = _top_k(scores, min(k, int(self.alive.sum())))
            return top.astype(np.int64), scores[top]
        rows, scores = self.search_many(q.reshape(1, -1), k)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def search_many(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` live rows for each query row: (rows, scores) arrays of shape (m, k), -1 padded."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        m, n_live = queries.shape[0], int(self.alive.sum())
        out_rows = np.full((m, max(k, 0)), -1, dtype=np.int64)
        out_scores = np.full((m, max(k, 0)), -np.inf, dtype=np.float32)
        k_live = min(k, n_live)
        if k_live <= 0:
            return out_rows, out_scores
        fetch = k_live if self.alive.all() else min(len(self.ids), 2 * k_live + 16)
        while True:
            if self.kind == "hnsw":
                self.index.hnsw.efSearch = max(HNSW_EF_SEARCH, fetch)
            scores, rows = self._faiss_index().search(queries, fetch)
            ok = (rows >= 0) & self.alive[np.maximum(rows, 0)]
            if ok.sum(axis=1).min() >= k_live or fetch >= len(self.ids):
                break
            fetch = min(len(self.ids), fetch * 4)  # many retired rows near these queries: look further
        for i in range(m):
            r, s = rows[i][ok[i]][:k], scores[i][ok[i]][:k]
            out_rows[i, : len(r)], out_scores[i, : len(s)] = r, s
        return out_rows, out_scores

    def scores_for(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact similarity of given rows, used to score lexical-only candidates in fusion."""
        return np.einsum("ij,j->i", self.vectors[rows], np.asarray(query, dtype=np.float32).reshape(-1))

    def save(self, directory: str | Path) -> None:
        """Write every file under a temporary name, then rename: readers never see a half-written index."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tag = f".{os.getpid()}.{threading.get_ident()}.tmp"
        with (directory / ("vectors.npy" + tag)).open("wb") as fh:
            np.save(fh, np.asarray(self.vectors, dtype=np.float32).reshape(-1, self.dim))
        if self.kind == "hnsw":
            _faiss().write_index(self.index, str(directory / ("faiss.index" + tag)))
        manifest = {"version": MANIFEST_VERSION, "model_id": self.model_id, "dim": self.dim, "kind": self.kind,
                    "fingerprint": self.fingerprint, "count": len(self.ids), "ids": self.ids,
                    "hashes": self.hashes, "dead": np.flatnonzero(~self.alive).tolist()}
        (directory / (MANIFEST + tag)).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(directory / ("vectors.npy" + tag), directory / "vectors.npy")
        if self.kind == "hnsw":
            os.replace(directory / ("faiss.index" + tag), directory / "faiss.index")
        os.replace(directory / (MANIFEST + tag), directory / MANIFEST)

    @classmethod
    def load(cls, directory: str | Path) -> DenseIndex | None:
        """The saved index, or None when there is none or it is unreadable (caller rebuilds; warned)."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        if manifest is None:
            if (directory / MANIFEST).exists():
                log.warning("%s: dense index manifest unreadable; rebuilding the index", directory)
            return None
        try:
            vectors = np.load(directory / "vectors.npy")
            alive = np.ones(len(manifest["ids"]), dtype=bool)
            alive[np.asarray(manifest.get("dead", []), dtype=np.int64)] = False
            self = cls(manifest["model_id"], int(manifest["dim"]), manifest.get("fingerprint", ""),
                       list(manifest["ids"]), list(manifest["hashes"]), vectors, manifest["kind"], alive=alive)
            if vectors.shape != (len(self.ids), self.dim):
                raise ValueError(f"vectors are {vectors.shape}, manifest says {(len(self.ids), self.dim)}")
            if self.kind == "hnsw":
                self.index = _faiss().read_index(str(directory / "faiss.index"))
                if self.index.ntotal != len(self.ids):
                    raise ValueError(f"faiss index has {self.index.ntotal} rows, manifest {len(self.ids)}")
                self.index.hnsw.efSearch = HNSW_EF_SEARCH
        except (OSError, KeyError, ValueError, RuntimeError, EOFError, IndexError) as exc:
            log.warning("%s: dense index unreadable (%s); rebuilding it", directory, exc)
            return None
        return self


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return None
    return manifest


def check_model(manifest_model: str, requested_model: str) -> None:
    """Refuse to query an index with vectors from another model: the scores would be meaningless."""
    if manifest_model != requested_model:
        raise ModelError(
            f"index built with {manifest_model}; run `minsheng index --rebuild --model {requested_model}`"
        )


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest scores, best first (argpartition keeps this O(n))."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(scores.shape[0])
    return part[np.argsort(-scores[part], kind="stable")]


MAX_RETIRED = 0.2  # share of retired rows at which an index is compacted (and HNSW rebuilt)


def plan_rows(old_ids: list[str], old_keys: list[str], alive: np.ndarray, ids: list[str],
              keys: list[str]) -> tuple[list[int], list[int]]:
    """What turns an index's rows into the store's commitments: (rows to retire, positions to append).

    A live row survives when the store still has its id with the same key (text hash);
    every other store item is appended. Cost is linear in the two lists, nothing is re-embedded.
    """
    live = {old_ids[r]: r for r in np.flatnonzero(alive).tolist()}
    wanted = dict(zip(ids, keys, strict=True))
    retire = [r for cid, r in live.items() if wanted.get(cid) != old_keys[r]]
    dead = set(retire)
    append = [n for n, (cid, key) in enumerate(zip(ids, keys, strict=True))
              if cid not in live or live[cid] in dead]
    return sorted(retire), append


def sync_dense_index(directory: str | Path, embedder: Any, ids: list[str], texts: list[str], fingerprint: str,
                     cache: Any = None, *, rebuild: bool = False, keys: list[str] | None = None
                     ) -> tuple[DenseIndex, str]:
    """Bring the saved index in line with the store's current commitments and save it.

    ``keys`` identify each item's content (default: the text hash). Returns the index and
    what was done: "loaded", "added" (rows appended), "updated" (rows retired and appended)
    or "rebuilt". The caller has already checked that ``embedder`` matches any saved index.
    """
    from kg.embed.cache import embed_passages_cached, hash_text

    keys = keys if keys is not None else [hash_text(t) for t in texts]
    current = None if rebuild else DenseIndex.load(directory)
    if current is not None and current.model_id == embedder.model_id and current.dim == embedder.dim:
        retire, append = plan_rows(current.ids, current.hashes, current.alive, ids, keys)
        if not retire and not append:
            if current.fingerprint != fingerprint:
                current.fingerprint = fingerprint
                current.save(directory)
            return current, "loaded"
        current.retire(retire)
        vectors = embed_passages_cached(embedder, [texts[n] for n in append], cache)
        current.add([ids[n] for n in append], [keys[n] for n in append], vectors)
        current.fingerprint = fingerprint
        action = "updated" if retire else "added"
        crosses = current.kind == "flat" and int(current.alive.sum()) > HNSW_THRESHOLD
        if crosses or current.retired > MAX_RETIRED * len(current):
            current, action = current.compacted(), "rebuilt"
        current.save(directory)
        return current, action
    vectors = embed_passages_cached(embedder, texts, cache)
    index = DenseIndex.build(embedder.model_id, embedder.dim, ids, keys, vectors, fingerprint)
    index.save(directory)
    return index, "rebuilt"
