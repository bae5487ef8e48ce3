"""On-disk cache of passage vectors keyed by (model id, sha256 of the text).

Re-ingesting a document or rebuilding an index usually leaves most commitment texts
unchanged; embedding is the slow step (~100 texts/s with E5 on two cores), so vectors
are looked up here first and only new or edited texts go to the model.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kg.embed.embedder import Embedder

CACHE_FILE = "embeddings.sqlite"
_SQLITE_MAX_VARS = 900  # stay below SQLite's default limit on bound parameters
# Texts per model call and per cache commit: large enough to keep the model busy (E5 batches
# internally), small enough that an interruption loses under a minute of work on two cores.
EMBED_BATCH = 512


def hash_text(text: str) -> str:
    """Stable key of a text, independent of process and platform."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """A sqlite table of float32 vectors; safe to share between models (the model id is in the key)."""

    def __init__(self, cache_dir: str | Path) -> None:
        directory = Path(cache_dir)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / CACHE_FILE
        self._conn = sqlite3.connect(self.path)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, sha TEXT NOT NULL, dim INTEGER NOT NULL,"
            " vec BLOB NOT NULL, PRIMARY KEY (model, sha))"
        )
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``hashes``; missing ones are simply absent from the result."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), _SQLITE_MAX_VARS):
            chunk = unique[start : start + _SQLITE_MAX_VARS]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT sha, dim, vec FROM vectors WHERE model = ? AND sha IN ({marks})", [model_id, *chunk]
            )
            for sha, dim, blob in rows:
                found[sha] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put_many(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (model_id, sha, int(vec.shape[0]), np.ascontiguousarray(vec, dtype=np.float32).tobytes())
            for sha, vec in zip(hashes, vectors, strict=True)
        ]
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)


def embed_passages_cached(embedder: Embedder, texts: Sequence[str], cache: VectorCache | None) -> np.ndarray:
    """Embed ``texts`` as passages, reusing cached vectors and storing the new ones.

    Returns an (n, dim) float32 array in the order of ``texts``.
    """
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    if not texts:
        return out
    hashes = [hash_text(t) for t in texts]
    cached = cache.get_many(embedder.model_id, hashes) if cache is not None else {}
    todo = [i for i, h in enumerate(hashes) if h not in cached or cached[h].shape[0] != embedder.dim]
    # Identical texts appear across years (recurring items); embed each distinct text once.
    todo_texts = list(dict.fromkeys(texts[i] for i in todo))
    # Saved batch by batch: an embedding run killed after an hour resumes where it stopped.
    for start in range(0, len(todo_texts), EMBED_BATCH):
        batch = todo_texts[start : start + EMBED_BATCH]
        fresh = embedder.encode_passages(batch)
        fresh_hashes = [hash_text(t) for t in batch]
        cached.update(zip(fresh_hashes, fresh, strict=True))
        if cache is not None:
            cache.put_many(embedder.model_id, fresh_hashes, fresh)
    for i, h in enumerate(hashes):
        out[i] = cached[h]
    return out
