"""Semantic, keyword and hybrid search over a workspace's commitments.

The engine keeps one dense index (``search.dense``) and one BM25 index (``search.lexical``)
in line with the store: both carry the store fingerprint they were built from and are
brought up to date lazily, on the first search after the store changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from kg.embed.embedder import Embedder, canonical_model_id, get_embedder
from kg.embed.vectors import passage_text
from kg.errors import ModelError, NotFoundError, QueryError
from kg.model import Commitment
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
    words = []
    departments = getattr(store, "departments", None)
    if callable(departments):
        for d in departments():
            words.extend([d.name, *d.aliases])
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


class SearchEngine:
    """Search one workspace.

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
        self._fingerprint: str | None = None
        self._dense: Any = None
        self._lexical: Any = None
        self._commitments: list[Commitment] = []
        self._rows: dict[str, int] = {}
        self._facets: dict[str, set[Any]] = {}
        self._filter_cache: dict[tuple[Any, ...], np.ndarray] = {}

    # -- index maintenance ---------------------------------------------------------------

    @property
    def _dense_dir(self) -> Any:
        return self.workspace.index_dir / "dense"

    def _resolve_embedder(self, *, rebuild: bool) -> Embedder:
        from search.dense import check_model, read_manifest

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
        from kg.embed.cache import VectorCache
        from search.dense import sync_dense_index
        from search.lexical import LexicalIndex

        store = self.workspace.store()
        fingerprint = store.fingerprint()
        embedder = self._resolve_embedder(rebuild=rebuild)
        commitments = store.commitments()
        ids = [c.id for c in commitments]
        cache = VectorCache(self.workspace.cache_dir)
        try:
            dense, dense_action = sync_dense_index(self._dense_dir, embedder, ids,
                                                   [passage_text(c) for c in commitments], fingerprint, cache,
                                                   rebuild=rebuild)
        finally:
            cache.close()
        lexical_dir = self.workspace.index_dir / "lexical"
        words = sorted(set(_domain_words(store)))
        lexical = None if rebuild else LexicalIndex.load(lexical_dir)
        lexical_action = "loaded"
        if lexical is None or lexical.fingerprint != fingerprint or lexical.ids != ids or lexical.words != words:
            lexical = LexicalIndex.build(ids, [lexical_text(c) for c in commitments], fingerprint=fingerprint,
                                         words=words)
            lexical.save(lexical_dir)
            lexical_action = "rebuilt"
        self._dense, self._lexical, self._commitments = dense, lexical, commitments
        self._rows = {cid: n for n, cid in enumerate(ids)}
        self._facets = _facets(commitments)
        self._filter_cache = {}
        self._fingerprint = fingerprint
        return {"model": embedder.model_id, "dim": embedder.dim, "kind": dense.kind, "count": len(ids),
                "fingerprint": fingerprint, "dense": dense_action, "lexical": lexical_action}

    def _ensure_ready(self) -> None:
        if self._fingerprint is None or self.workspace.store().fingerprint() != self._fingerprint:
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
        self._ensure_ready()
        allowed = self._allowed_rows(year=year, jurisdiction=jurisdiction, department=department,
                                     official=official, theme=theme)
        if allowed is not None and allowed.size == 0:
            return SearchResponse(query, mode, [])
        if not self._commitments:
            return SearchResponse(query, mode, [])
        dense_scores: dict[int, float] = {}
        lexical_scores: dict[int, float] = {}
        if mode in ("dense", "hybrid"):
            assert self._embedder is not None  # set by _ensure_ready() -> build_index()
            qvec = self._embedder.encode_queries([query])[0]
            rows, scores = self._dense.search(qvec, top_k if mode == "dense" else max(top_k, CANDIDATES), allowed)
            dense_scores = dict(zip(rows.tolist(), scores.tolist(), strict=True))
        if mode in ("lexical", "hybrid"):
            rows, scores = self._lexical.search(query, top_k if mode == "lexical" else max(top_k, CANDIDATES),
                                                allowed)
            lexical_scores = dict(zip(rows.tolist(), scores.tolist(), strict=True))
        if mode == "dense":
            ranked = sorted(dense_scores.items(), key=lambda kv: -kv[1])
        elif mode == "lexical":
            ranked = sorted(lexical_scores.items(), key=lambda kv: -kv[1])
        else:
            extra = [r for r in lexical_scores if r not in dense_scores]
            if extra:  # score lexical-only candidates too, so every hit reports both numbers
                dense_scores.update(zip(extra, self._dense.scores_for(qvec, np.array(extra)).tolist(), strict=True))
            ranked = self._fuse(query, dense_scores, lexical_scores)
        hits = [self._hit(row, score, n + 1, dense_scores.get(row), lexical_scores.get(row))
                for n, (row, score) in enumerate(ranked[:top_k])]
        return SearchResponse(query, mode, hits)

    def _fuse(self, query: str, dense: dict[int, float], lexical: dict[int, float]) -> list[tuple[int, float]]:
        """Dense cosine plus saturating BM25 and concept bonuses (see the constants above)."""
        labels = _target_type_labels(query) if CONCEPT_WEIGHT else frozenset()
        fused = {}
        for row, cosine in dense.items():
            bm25 = lexical.get(row, 0.0)
            score = cosine + LEXICAL_WEIGHT * bm25 / (bm25 + LEXICAL_HALF)
            if labels and labels.intersection(self._commitments[row].target_types):
                score += CONCEPT_WEIGHT
            fused[row] = score
        return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))

    def _allowed_rows(self, **filters: Any) -> np.ndarray | None:
        filters = {k: v for k, v in filters.items() if v is not None and v != ""}
        if not filters:
            return None
        key = tuple(sorted(filters.items()))
        cached = self._filter_cache.get(key)
        if cached is not None:
            return cached
        store = self.workspace.store()
        _check_filters(store, self._facets, filters)
        # Hydrating matching commitments from SQLite costs ~30 ms even on the bundled corpus;
        # researchers re-run the same filter with many queries, so remember the row set.
        found = store.commitments(**filters)
        rows = np.array(sorted(self._rows[c.id] for c in found if c.id in self._rows), dtype=np.int64)
        if len(self._filter_cache) >= 256:
            self._filter_cache.clear()
        self._filter_cache[key] = rows
        return rows

    def _hit(self, row: int, score: float, rank: int, dense: float | None, lexical: float | None) -> SearchHit:
        c = self._commitments[row]
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


def _facets(commitments: list[Commitment]) -> dict[str, set[Any]]:
    """The filter values that exist, collected once per index build rather than per query."""
    facets: dict[str, set[Any]] = {"year": set(), "jurisdiction": set(), "official": set(), "theme": set()}
    for c in commitments:
        facets["year"].add(c.year)
        facets["jurisdiction"].add((c.jurisdiction_code, c.jurisdiction))
        facets["official"].update(c.officials)
        facets["theme"].update(c.themes)
        facets["theme"].update(c.target_types)
    return facets


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
