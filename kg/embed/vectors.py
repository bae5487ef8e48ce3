"""Commitment embeddings for the knowledge graph and the analysis commands.

This is the one place kg/ gets vectors from: it embeds each commitment's passage text
exactly as search does, with search's embedder and on-disk vector cache, so a
workspace whose search index is built pays nothing here, and vice versa. The search
package and numpy-heavy code are imported lazily so ``import kg`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kg.model import Commitment
    from kg.store.workspace import Workspace


def passage_text(c: Commitment) -> str:
    """What the embedding model sees: the text (which contains the title in every layout seen so far)."""
    return c.text if c.title and c.title in c.text else f"{c.title}。{c.text}"


@lru_cache(maxsize=4)
def _embedder(model: str | None) -> Any:
    # Loading E5 costs far more than encoding the whole corpus; keep one per process.
    from kg.embed.embedder import get_embedder

    return get_embedder(model)


def _cache_dir(workspace: Workspace | str | Path | None) -> Path | None:
    if workspace is None:
        return None
    if isinstance(workspace, str | Path):
        return Path(workspace)
    return Path(workspace.cache_dir)


def commitment_vectors(workspace: Workspace | str | Path | None, commitments: Iterable[Commitment],
                       model: str | None = None, *, embedder: Any = None) -> dict[str, np.ndarray]:
    """Unit-length float32 passage vectors of ``commitments``, by commitment id.

    ``workspace`` (or a cache directory; None for no cache) locates the shared vector
    cache; ``model`` is a ``--model`` value (None = bundled E5). Tests and callers
    holding an embedder already can pass it as ``embedder``. Raises ModelError when
    the model is not available offline.
    """
    from kg.embed.cache import VectorCache, embed_passages_cached

    items = list(commitments)
    if not items:
        return {}
    emb = embedder if embedder is not None else _embedder(model)
    directory = _cache_dir(workspace)
    cache = VectorCache(directory) if directory is not None else None
    try:
        rows = embed_passages_cached(emb, [passage_text(c) for c in items], cache)
    finally:
        if cache is not None:
            cache.close()
    return {c.id: _unit(rows[i]) for i, c in enumerate(items)}


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def stack_vectors(vectors: Mapping[str, np.ndarray], ids: Sequence[str]) -> np.ndarray:
    """The rows of ``ids`` as one (n, dim) unit-length matrix; KeyError names a missing id."""
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    take = getattr(vectors, "take", None)  # a store of rows (kg.graph.neighbours) gathers them at once
    rows = take(ids) if take is not None else [vectors[i] for i in ids]
    return np.vstack([_unit(v) for v in rows])  # row by row: the same bits as every other caller of _unit


def similarity_matrix(vectors: Mapping[str, np.ndarray], ids_a: Sequence[str],
                      ids_b: Sequence[str] | None = None) -> np.ndarray:
    """Cosine similarities, rows ``ids_a`` by columns ``ids_b`` (default: ``ids_a``)."""
    ids_b = ids_a if ids_b is None else ids_b
    if not ids_a or not ids_b:
        return np.zeros((len(ids_a), len(ids_b)), dtype=np.float32)
    return stack_vectors(vectors, ids_a) @ stack_vectors(vectors, ids_b).T


def cosine(vectors: Mapping[str, np.ndarray], a: str, b: str) -> float:
    """Cosine similarity of two commitments' vectors."""
    return float(_unit(vectors[a]) @ _unit(vectors[b]))


def background_cosine(matrix: np.ndarray) -> float:
    """The median off-diagonal cosine of a square matrix: what "unrelated" looks like.

    E5 puts almost any two Chinese policy sentences above 0.7, so raw cosines only
    mean something relative to this baseline of the same corpus.
    """
    n = matrix.shape[0]
    if n < 2:
        return 0.0
    return float(np.median(matrix[~np.eye(n, dtype=bool)]))


def workspace_links(workspace: Workspace) -> list[Any]:
    """The commitment links (`continues`, `similar_to`) of a workspace.

    Uses the neighbour lists the search index keeps (kg.graph.neighbours) when they match the
    store; otherwise embeds through the shared cache and computes the lists in memory.
    """
    from kg.graph.links import link_commitments
    from kg.graph.linkset import link_from_key, workspace_link_keys
    from kg.graph.neighbours import from_vectors, load_neighbours

    kept = workspace_link_keys(workspace)  # the per-document link set, when the lists are current
    if kept is not None:
        return [link_from_key(line) for line in kept.lines]
    store = workspace.store()
    commitments = store.commitments()
    neighbours = load_neighbours(workspace, store.state(), mmap=True)
    if neighbours is None:
        neighbours = from_vectors(commitment_vectors(workspace, commitments), [c.id for c in commitments])
    return link_commitments(commitments, neighbours=neighbours)
