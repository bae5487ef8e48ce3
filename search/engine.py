"""Semantic, keyword and hybrid search over a workspace's commitments.

The engine keeps one dense index (``search.dense``) and one BM25 index (``search.lexical``)
in line with the store. Both share one row numbering: rows are appended for new or edited
commitments and retired for removed ones, and each index file records the ids of its rows,
so a row always maps to the commitment it was built from whatever the store's sort order.
They carry the store state (``Store.state``) they match and are brought up to date on the
first search after the store changed, by one thread and one process at a time (a lock file
in the index directory) while other threads keep answering from the previous snapshot.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from kg.embed.embedder import Embedder, canonical_model_id, get_embedder
from kg.embed.vectors import passage_text
from kg.errors import ModelError, NotFoundError, QueryError
from kg.model import Commitment
from kg.store.workspace import directory_lock
from kg.text import normalize_name

MODES = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = 500
MAX_TOP_K = 1000
# Fusion, tuned on data/eval/queries.jsonl with each half held out in turn (nDCG@5 dense-only
# 0.945 / 0.878 on the halves -> hybrid 0.956 / 0.936). The fused score is the dense cosine plus
# bounded bonuses, not reciprocal-rank fusion: E5 cosines are calibrated enough that a 0.02 gap
# means something, and RRF (best k=5..10, lexical weight 0.2-0.35: 0.92 overall) throws that
# away and lets incidental bigram hits of colloquial queries ("老人" in 老人吃饭难怎么办) outvote it.
#   bonus = LEXICAL_WEIGHT * bm25 / (bm25 + LEXICAL_HALF) + CONCEPT_WEIGHT * [names the query's target type]
# BM25 saturates, so a strong exact-term match can lift a commitment over near-ties of the dense
# ranking but never over a clearly better semantic match. Results were flat for LEXICAL_HALF 5-20
# and LEXICAL_WEIGHT 0.05-0.08, so the values below sit inside a plateau, not on a spike.
LEXICAL_WEIGHT = 0.05
LEXICAL_HALF = 5.0  # about the median best BM25 score of a query on the bundled corpus
# Only target types (narrow: 充电桩, 养老床位) earn the concept bonus; themes (养老, 教育) cover a
# third of all items each, so boosting them re-ranks by topic rather than by what was asked.
CONCEPT_WEIGHT = 0.02
CANDIDATES = 100  # per side; a commitment outside both top-100 lists cannot reach a top-10 here
# Compact into an HNSW index once a flat one outgrows search.dense.HNSW_THRESHOLD by this much, so
# a corpus hovering at the threshold does not rebuild HNSW on every ingest.
HNSW_SWITCH = 33_000
log = logging.getLogger(__name__)


@dataclass
class SearchHit:
    """One ranked commitment with the scores that placed it."""

    id: str
    year: int
    jurisdiction: str
    seq: int
    title: str
    text: str
    departments: list[str]
    officials: list[str]
    themes: list[str]
    score: float
    rank: int
    dense_score: float | None = None
    lexical_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResponse:
    query: str
    mode: str
    results: list[SearchHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.mode, "results": [h.to_dict() for h in self.results]}


def lexical_text(c: Commitment) -> str:
    """What BM25 sees: the text plus where and by whom, so "民政局 养老" or "章丘 停车" match."""
    return " ".join([passage_text(c), c.jurisdiction, *(d.name for d in c.departments),
                     *c.themes, *c.target_types, *c.beneficiaries])


def _domain_words(store: Any) -> list[str]:
    words = list(store.department_words())
    try:
        from kg.vocab.taxonomy import jieba_words
    except ImportError:  # the taxonomy is optional for search
        return words
    return words + list(jieba_words())


@lru_cache(maxsize=256)
def _target_type_labels(query: str) -> frozenset[str]:
    """Labels of the taxonomy target type a query names ("EV charging" -> 充电桩), if any."""
    try:
        from kg.vocab.taxonomy import resolve_concept
    except ImportError:  # the taxonomy is optional for search
        return frozenset()
    concept = resolve_concept(query)
    if concept is None or concept.kind != "target_type":
        return frozenset()
    return frozenset(concept.names)


@dataclass
class _Snapshot:
    """One consistent pair of indexes; searches hold a reference, builds swap in a new one."""

    version: int
    state: str
    dense: Any
    lexical: Any
    ids: list[str]
    facets: dict[str, set[Any]] | None = None
    filter_cache: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict)

    @cached_property
    def rows(self) -> dict[str, int]:
        """Row number of each id; only filtered searches need it (~15 ms to build at 100k)."""
        return {cid: n for n, cid in enumerate(self.ids)}




def _stat(path: Any) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


class SearchEngine:
    """Search one workspace; safe to share between threads.

    ``model`` None means the model the saved index was built with (E5 when there is none).
    An explicit ``model`` (or ``embedder``) that differs from the saved index's is refused
    with ModelError rather than silently re-embedding the corpus, which can take minutes and
    would change what every later plain search uses; ``build_index(rebuild=True)`` switches.
    """

    def __init__(self, workspace: Any, model: str | None = None, *, embedder: Embedder | None = None) -> None:
        self.workspace = workspace
        self._model_name = model
        self._explicit = model is not None or embedder is not None
        self._embedder = embedder
        self._snap: _Snapshot | None = None
        self._lexical_snap: _Snapshot | None = None  # the lexical index alone, see _ensure_lexical
        self._build_lock = threading.Lock()
        self._neighbours: tuple[tuple[int, int], Any] | None = None
        self._embedder_lock = threading.Lock()

    # -- index maintenance ---------------------------------------------------------------

    @property
    def _dense_dir(self) -> Any:
        return self.workspace.index_dir / "dense"

    @property
    def _lexical_dir(self) -> Any:
        return self.workspace.index_dir / "lexical"

    @property
    def _dense(self) -> Any:  # kept for scripts that read the vectors
        return self._snap.dense if self._snap else None

    def _resolve_embedder(self, *, rebuild: bool) -> Embedder:
        from search.dense import check_model, read_manifest

        with self._embedder_lock:
            manifest = read_manifest(self._dense_dir)
            if self._embedder is None:
                name = self._model_name
                if name is None and manifest is not None:
                    name = manifest["model_id"]  # follow the index, so a plain `search` needs no --model
                elif manifest is not None and not rebuild:
                    check_model(manifest["model_id"], canonical_model_id(name))  # fail before loading a model
                self._embedder = get_embedder(name)
            if manifest is not None and not rebuild:
                check_model(manifest["model_id"], self._embedder.model_id)
            return self._embedder

    def build_index(self, *, rebuild: bool = False) -> dict[str, Any]:
        """Bring both indexes in line with the store; ``rebuild`` discards them (and a model mismatch).

        Returns what was done, for `minsheng index` to print.
        """
        with self._build_lock:
            return self._build(rebuild=rebuild)

    def _build(self, *, rebuild: bool) -> dict[str, Any]:
        from search.dense import DenseIndex
        from search.lexical import LexicalIndex

        store = self.workspace.store()
        embedder = self._resolve_embedder(rebuild=rebuild)
        with directory_lock(self.workspace.index_dir, exclusive=True):
            version, state = store.version(), store.state()
            dense = None if rebuild else DenseIndex.load(self._dense_dir)
            lexical = None if rebuild else LexicalIndex.load(self._lexical_dir, full_dictionary=True)
            if dense is not None and (dense.model_id != embedder.model_id or dense.dim != embedder.dim):
                dense = None
            if (dense is not None and lexical is not None and dense.fingerprint == state == lexical.fingerprint
                    and lexical.ids == dense.ids and np.array_equal(lexical.alive, dense.alive)):
                dense_action = lexical_action = "loaded"
            else:
                dense, lexical, dense_action, lexical_action = self._sync(store, embedder, dense, lexical, state)
            started = time.perf_counter()
            neighbours_action = self._sync_neighbours(dense, state)
            seconds = round(time.perf_counter() - started, 3)
        self._snap = _Snapshot(version, state, dense, lexical, dense.ids)
        return {"model": embedder.model_id, "dim": embedder.dim, "kind": dense.kind,
                "count": int(dense.alive.sum()), "fingerprint": state, "dense": dense_action,
                "lexical": lexical_action, "neighbours": neighbours_action, "neighbours_seconds": seconds}

    def _sync_neighbours(self, dense: Any, state: str) -> str:
        """Nearest-neighbour lists for links and overlaps, from this index's vectors (nothing re-embedded)."""
        from kg.graph.neighbours import neighbours_dir, sync_neighbours

        live = np.flatnonzero(dense.alive)
        row = {dense.ids[i]: i for i in live}

        def vectors_of(ids: list[str]) -> np.ndarray:
            return dense.vectors[[row[i] for i in ids]]

        hnsw = dense.index if dense.kind == "hnsw" and not dense.retired else None  # rows = live ids in order
        manifest = neighbours_dir(self.workspace) / "manifest.json"
        cached = self._neighbours if self._neighbours and self._neighbours[0] == _stat(manifest) else None
        nb, action = sync_neighbours(self.workspace, dense.model_id, [dense.ids[i] for i in live],
                                     [dense.hashes[i] for i in live], vectors_of, state, index=hnsw,
                                     current=cached[1] if cached else None)
        # Kept for the next build only (searches never read it), valid while the saved file is ours.
        self._neighbours = (_stat(manifest), nb)
        if action != "loaded":
            from kg.analysis.overlap_cache import current_scores

            # Thematic overlap scores of the lists just indexed, so `overlaps` finds them ready.
            current_scores(self.workspace.store(), self.workspace, nb)
        return action

    def _sync(self, store: Any, embedder: Embedder, dense: Any, lexical: Any, state: str) -> tuple[Any, Any, str, str]:
        """Append new and edited commitments, retire removed ones, compact when many are retired."""
        from kg.embed.cache import VectorCache, embed_passages_cached
        from search.dense import MAX_RETIRED, DenseIndex, plan_rows
        from search.lexical import LexicalIndex

        keyed = store.commitment_keys()
        ids, keys = [k[0] for k in keyed], [k[1] for k in keyed]
        words = sorted(set(_domain_words(store)))
        cache = VectorCache(self.workspace.cache_dir)
        try:
            if dense is None:
                items = store.commitments()
                vectors = embed_passages_cached(embedder, [passage_text(c) for c in items], cache)
                dense = DenseIndex.build(embedder.model_id, embedder.dim, ids, keys, vectors, state)
                dense_action, lexical = "rebuilt", None
            else:
                retire, append = plan_rows(dense.ids, dense.hashes, dense.alive, ids, keys)
                lexical_in_step = (lexical is not None and lexical.ids == dense.ids
                                   and np.array_equal(lexical.alive, dense.alive))
                by_id = {c.id: c for c in store.commitments(ids=[ids[n] for n in append])}
                items = [by_id[ids[n]] for n in append]
                dense.retire(retire)
                dense.add([c.id for c in items], [keys[n] for n in append],
                          embed_passages_cached(embedder, [passage_text(c) for c in items], cache))
                dense_action = "loaded" if not (retire or append) else "updated" if retire else "added"
                if lexical_in_step:
                    lexical.retire(retire)
                    lexical.add([c.id for c in items], [lexical_text(c) for c in items], [keys[n] for n in append],
                                words)
                else:
                    lexical = None
                crosses = dense.kind == "flat" and len(dense) > HNSW_SWITCH
                if crosses or dense.retired > MAX_RETIRED * len(dense):
                    keep = np.flatnonzero(dense.alive)
                    dense, dense_action = dense.compacted(), "rebuilt"
                    lexical = lexical.compacted(keep) if lexical is not None else None
        finally:
            cache.close()
        lexical_action = "updated"
        if lexical is None:
            live = [dense.ids[i] for i in np.flatnonzero(dense.alive)]
            by_id = {c.id: c for c in store.commitments(ids=live)}
            texts = [lexical_text(by_id[cid]) if alive else "" for cid, alive in zip(dense.ids, dense.alive, strict=True)]
            lexical = LexicalIndex.build(list(dense.ids), texts, hashes=list(dense.hashes), words=words)
            lexical.retire(np.flatnonzero(~dense.alive).tolist())
            lexical_action = "rebuilt"
        dense.fingerprint = lexical.fingerprint = state
        dense.save(self._dense_dir)
        lexical.save(self._lexical_dir)
        return dense, lexical, dense_action, lexical_action

    def _load(self) -> _Snapshot | None:
        """The saved indexes when they match the store exactly: a cold search reads no commitments."""
        from search.dense import DenseIndex
        from search.lexical import LexicalIndex

        store = self.workspace.store()
        with directory_lock(self.workspace.index_dir, exclusive=False):
            version, state = store.version(), store.state()
            dense = DenseIndex.load(self._dense_dir)
            if dense is None or dense.fingerprint != state:
                return None
            lexical = LexicalIndex.load(self._lexical_dir)
        if lexical is None or lexical.fingerprint != state or lexical.ids != dense.ids:
            return None
        return _Snapshot(version, state, dense, lexical, dense.ids)

    def _ensure_ready(self) -> _Snapshot:
        snap = self._snap
        if snap is not None and snap.version == self.workspace.store().version():
            return snap
        if snap is not None and not self._build_lock.acquire(blocking=False):
            return snap  # another thread is updating the indexes: answer from the previous ones
        if snap is None:
            self._build_lock.acquire()
        try:
            snap = self._snap
            if snap is not None and snap.version == self.workspace.store().version():
                return snap
            loaded = self._load() if snap is None else None
            if loaded is not None:
                self._resolve_embedder(rebuild=False)
                self._snap = loaded
            else:
                self._build(rebuild=False)
            assert self._snap is not None
            return self._snap
        finally:
            self._build_lock.release()

    def _ensure_lexical(self) -> _Snapshot:
        """For a lexical search: the loaded indexes, else the saved lexical index alone if it matches the store.

        `ask` resolves a free-text topic with a lexical search; loading the dense index (faiss,
        150 MB of vectors at 100k) and the embedding model as well took two thirds of its first
        question. An explicit model still goes through `_ensure_ready`, which checks it.
        """
        version = self.workspace.store().version()
        for snap in (self._snap, self._lexical_snap):
            if snap is not None and snap.version == version:
                return snap
        if self._explicit or self._snap is not None:
            return self._ensure_ready()
        from search.lexical import LexicalIndex

        store = self.workspace.store()
        with self._build_lock, directory_lock(self.workspace.index_dir, exclusive=False):
            version, state = store.version(), store.state()
            lexical = LexicalIndex.load(self._lexical_dir)
        if lexical is None or lexical.fingerprint != state:
            return self._ensure_ready()
        snap = _Snapshot(version, state, None, lexical, lexical.ids)
        self._lexical_snap = snap
        return snap

    def ensure_neighbours(self) -> None:
        """Make the workspace's nearest-neighbour lists (links, overlaps) match the store, cheaply if they do."""
        from kg.graph.neighbours import load_neighbours

        store = self.workspace.store()
        if load_neighbours(self.workspace, store.state(), mmap=True) is None:
            self.build_index()

    @property
    def model_id(self) -> str:
        return self._resolve_embedder(rebuild=False).model_id

    # -- querying ------------------------------------------------------------------------

    def search(self, query: str, *, top_k: int = 10, mode: str = "hybrid", year: int | None = None,
               jurisdiction: str | None = None, department: str | None = None, official: str | None = None,
               theme: str | None = None) -> SearchResponse:
        """Rank commitments for ``query``; filters restrict the candidates before ranking.

        Raises QueryError for an empty or over-long query, a bad ``top_k`` or ``mode``, or a
        filter that names nothing in the workspace; ModelError when the index was built with
        a different model than the one explicitly requested.
        """
        query = _validate(query, top_k, mode)
        snap = self._ensure_lexical() if mode == "lexical" else self._ensure_ready()
        allowed = self._allowed_rows(snap, year=year, jurisdiction=jurisdiction, department=department,
                                     official=official, theme=theme)
        if allowed is not None and allowed.size == 0:
            return SearchResponse(query, mode, [])
        if not snap.lexical.n_live:
            return SearchResponse(query, mode, [])
        dense_scores: dict[int, float] = {}
        lexical_scores: dict[int, float] = {}
        if mode in ("dense", "hybrid"):
            assert self._embedder is not None  # set by _ensure_ready()
            qvec = self._embedder.encode_queries([query])[0]
            rows, scores = snap.dense.search(qvec, top_k if mode == "dense" else max(top_k, CANDIDATES), allowed)
            dense_scores = dict(zip(rows.tolist(), scores.tolist(), strict=True))
        if mode in ("lexical", "hybrid"):
            rows, scores = snap.lexical.search(query, top_k if mode == "lexical" else max(top_k, CANDIDATES),
                                               allowed)
            lexical_scores = dict(zip(rows.tolist(), scores.tolist(), strict=True))
        if mode == "dense":
            ranked = sorted(dense_scores.items(), key=lambda kv: -kv[1])
        elif mode == "lexical":
            ranked = sorted(lexical_scores.items(), key=lambda kv: -kv[1])
        else:
            extra = [r for r in lexical_scores if r not in dense_scores]
            if extra:  # score lexical-only candidates too, so every hit reports both numbers
                dense_scores.update(zip(extra, snap.dense.scores_for(qvec, np.array(extra)).tolist(), strict=True))
            ranked = self._fuse(snap, query, dense_scores, lexical_scores)
        top = ranked[:top_k]
        found = {c.id: c for c in self.workspace.store().commitments(ids=[snap.ids[row] for row, _ in top])}
        hits = [self._hit(found[snap.ids[row]], score, n + 1, dense_scores.get(row), lexical_scores.get(row))
                for n, (row, score) in enumerate(top) if snap.ids[row] in found]
        return SearchResponse(query, mode, hits)

    def _fuse(self, snap: _Snapshot, query: str, dense: dict[int, float],
              lexical: dict[int, float]) -> list[tuple[int, float]]:
        """Dense cosine plus saturating BM25 and concept bonuses (see the constants above)."""
        labels = _target_type_labels(query) if CONCEPT_WEIGHT else frozenset()
        naming: set[str] = set()
        if labels:  # only queries naming a target type need to know which candidates have it
            naming = self.workspace.store().having_target_types([snap.ids[r] for r in dense], labels)
        fused = {}
        for row, cosine in dense.items():
            bm25 = lexical.get(row, 0.0)
            score = cosine + LEXICAL_WEIGHT * bm25 / (bm25 + LEXICAL_HALF)
            if naming and snap.ids[row] in naming:
                score += CONCEPT_WEIGHT
            fused[row] = score
        return sorted(fused.items(), key=lambda kv: (-kv[1], snap.ids[kv[0]]))

    def _allowed_rows(self, snap: _Snapshot, **filters: Any) -> np.ndarray | None:
        filters = {k: v for k, v in filters.items() if v is not None and v != ""}
        if not filters:
            return None
        key = tuple(sorted(filters.items()))
        cached = snap.filter_cache.get(key)
        if cached is not None:
            return cached
        store = self.workspace.store()
        if snap.facets is None:
            snap.facets = store.facet_values()
        _check_filters(store, snap.facets, filters)
        # Researchers re-run the same filter with many queries, so remember the row set.
        rows = np.array(sorted(snap.rows[i] for i in store.commitment_ids(**filters) if i in snap.rows),
                        dtype=np.int64)
        if len(snap.filter_cache) >= 256:
            snap.filter_cache.clear()
        snap.filter_cache[key] = rows
        return rows

    def _hit(self, c: Commitment, score: float, rank: int, dense: float | None, lexical: float | None) -> SearchHit:
        return SearchHit(id=c.id, year=c.year, jurisdiction=c.jurisdiction, seq=c.seq, title=c.title, text=c.text,
                         departments=[d.name for d in c.departments], officials=list(c.officials),
                         themes=list(c.themes), score=round(float(score), 6), rank=rank,
                         dense_score=None if dense is None else round(float(dense), 6),
                         lexical_score=None if lexical is None else round(float(lexical), 6))


def _validate(query: str, top_k: int, mode: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise QueryError("search query is empty; give some words to search for")
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"search query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise QueryError(f"top_k must be an integer from 1 to {MAX_TOP_K}, got {top_k!r}")
    if mode not in MODES:
        raise QueryError(f"search mode must be one of {', '.join(MODES)}, got {mode!r}")
    return query


def _check_filters(store: Any, facets: dict[str, set[Any]], filters: dict[str, Any]) -> None:
    """Tell a filter that names nothing in the workspace from one that merely matches nothing here."""
    # A filter that names nothing in the workspace is NotFoundError, as in `list` and /commitments.
    if "year" in filters and int(filters["year"]) not in facets["year"]:
        raise NotFoundError(f"no commitments for year {filters['year']} in the workspace")
    jurisdiction = filters.get("jurisdiction")
    if jurisdiction:
        store.resolve_jurisdiction(jurisdiction)  # the same NotFoundError as `list -j` and /commitments
    if filters.get("department") and not store.find_departments(filters["department"], jurisdiction):
        where = f" of {jurisdiction}" if jurisdiction else ""
        raise NotFoundError(f"department: no department{where} matches {filters['department']!r}; "
                            "`minsheng departments` lists them")
    if filters.get("official") and normalize_name(filters["official"]) not in facets["official"]:
        raise NotFoundError(f"no official named '{filters['official']}' in the workspace")
    if filters.get("theme") and normalize_name(filters["theme"]) not in facets["theme"]:
        raise NotFoundError(f"no theme or target type '{filters['theme']}' in the workspace")


__all__ = ["MODES", "ModelError", "QueryError", "SearchEngine", "SearchHit", "SearchResponse"]
