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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import ModelError

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
    """Unit vectors of commitments in row order plus a faiss index over them."""

    model_id: str
    dim: int
    fingerprint: str = ""
    ids: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    kind: str = "flat"
    index: Any = None

    @classmethod
    def build(cls, model_id: str, dim: int, ids: list[str], hashes: list[str], vectors: np.ndarray,
              fingerprint: str = "", kind: str | None = None) -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), dim)
        kind = kind or ("hnsw" if len(ids) > HNSW_THRESHOLD else "flat")
        self = cls(model_id, dim, fingerprint, list(ids), list(hashes), vectors, kind)
        self.index = self._new_faiss_index()
        if len(ids):
            self.index.add(vectors)
        return self

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

    def add(self, ids: list[str], hashes: list[str], vectors: np.ndarray) -> None:
        """Append rows; the index kind is kept (crossing the threshold takes a rebuild)."""
        if not ids:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        self.index.add(vectors)
        self.vectors = np.concatenate([np.asarray(self.vectors).reshape(-1, self.dim), vectors])
        self.ids.extend(ids)
        self.hashes.extend(hashes)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by inner product with ``query`` as (row positions, scores), best first.

        ``allowed`` (row positions) restricts the search; it is scored exactly with numpy,
        since filtered sets are small and HNSW with a selector can miss rows.
        """
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None:
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            scores = self.vectors[allowed] @ q
            top = _top_k(scores, k)
            return np.asarray(allowed)[top], scores[top]
        k = min(k, len(self.ids))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.kind == "hnsw":
            self.index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
        scores, rows = self.index.search(q.reshape(1, -1), k)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def scores_for(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact similarity of given rows, used to score lexical-only candidates in fusion."""
        return self.vectors[rows] @ np.asarray(query, dtype=np.float32).reshape(-1)

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST).unlink(missing_ok=True)
        np.save(directory / "vectors.npy", np.asarray(self.vectors, dtype=np.float32).reshape(-1, self.dim))
        if self.kind == "hnsw":
            _faiss().write_index(self.index, str(directory / "faiss.index"))
        manifest = {"version": MANIFEST_VERSION, "model_id": self.model_id, "dim": self.dim, "kind": self.kind,
                    "fingerprint": self.fingerprint, "count": len(self.ids), "ids": self.ids,
                    "hashes": self.hashes}
        (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> DenseIndex | None:
        """The saved index, or None when there is none or it is unreadable (caller rebuilds)."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        if manifest is None:
            return None
        try:
            vectors = np.load(directory / "vectors.npy")
            self = cls(manifest["model_id"], int(manifest["dim"]), manifest.get("fingerprint", ""),
                       list(manifest["ids"]), list(manifest["hashes"]), vectors, manifest["kind"])
            if vectors.shape != (len(self.ids), self.dim):
                return None
            if self.kind == "hnsw":
                self.index = _faiss().read_index(str(directory / "faiss.index"))
                self.index.hnsw.efSearch = HNSW_EF_SEARCH
            else:
                self.index = self._new_faiss_index()
                self.index.add(vectors)
        except (OSError, KeyError, ValueError, RuntimeError):
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


def sync_dense_index(directory: str | Path, embedder: Any, ids: list[str], texts: list[str], fingerprint: str,
                     cache: Any = None, *, rebuild: bool = False) -> tuple[DenseIndex, str]:
    """Bring the saved index in line with the store's current commitments and save it.

    Returns the index and what was done: "loaded", "added" (new ids appended), "rebuilt".
    The caller has already checked that ``embedder`` matches any saved index's model.
    """
    from kg.embed.cache import embed_passages_cached, hash_text

    hashes = [hash_text(t) for t in texts]
    current = None if rebuild else DenseIndex.load(directory)
    if current is not None and current.model_id == embedder.model_id and current.dim == embedder.dim:
        if current.ids == ids and current.hashes == hashes:
            if current.fingerprint != fingerprint:
                current.fingerprint = fingerprint
                current.save(directory)
            return current, "loaded"
        old = dict(zip(current.ids, current.hashes, strict=True))
        new = dict(zip(ids, hashes, strict=True))
        unchanged = all(new.get(i) == h for i, h in old.items())
        crosses = current.kind == "flat" and len(ids) > HNSW_THRESHOLD
        if unchanged and not crosses:
            added = [n for n, i in enumerate(ids) if i not in old]
            vectors = embed_passages_cached(embedder, [texts[n] for n in added], cache)
            current.add([ids[n] for n in added], [hashes[n] for n in added], vectors)
            current.fingerprint = fingerprint
            current.save(directory)
            return current, "added"
    vectors = embed_passages_cached(embedder, texts, cache)
    index = DenseIndex.build(embedder.model_id, embedder.dim, ids, hashes, vectors, fingerprint)
    index.save(directory)
    return index, "rebuilt"
