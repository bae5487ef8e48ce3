"""Test doubles shared by the tests/test_search_*.py modules."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np


class FakeEmbedder:
    """Hashed character-bigram vectors: texts sharing bigrams are similar; counts every call."""

    def __init__(self, model_id: str = "fake-bigram", dim: int = 64) -> None:
        self.model_id = model_id
        self.dim = dim
        self.calls = 0
        self.texts_encoded = 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for j in range(max(len(text) - 1, 1)):
                h = int(hashlib.md5(text[j : j + 2].encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))


class SideWorkspace:
    """A read-only workspace's store with index/ and cache/ redirected to a writable directory."""

    def __init__(self, workspace: Any, directory: Path) -> None:
        self._workspace = workspace
        self.path = Path(directory)
        self.index_dir = self.path / "index"
        self.cache_dir = self.path / "cache"

    def store(self) -> Any:
        return self._workspace.store()
