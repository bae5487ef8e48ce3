"""BM25 keyword search over jieba words plus CJK character bigrams, updated per document.

jieba alone misses queries that cut across its segmentation (a user typing "床位" when
jieba keeps "增加床位" whole, or a two-character abbreviation like "两癌"); overlapping
bigrams make every two-character query match, and jieba words keep longer terms precise.
Department names and taxonomy labels are added to jieba's dictionary so they stay whole.

The index is a sparse term-frequency matrix (rows = commitments, columns = terms) kept
in CSC form, so a query reads only its terms' columns. Rows are appended for new or
edited commitments and retired (``alive`` False) for removed ones, so an ingest costs
the tokenisation of its own items, not of the corpus. Document frequencies and the
average length are taken over live rows, which keeps scores equal to a fresh build
(bm25s "lucene" BM25, k1=1.5, b=0.75, the values the fusion weights were tuned with).
"""

from __future__ import annotations

import json
import logging
import marshal
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kg.text import to_halfwidth

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2
MATRIX = "tf.npz"
QUERY_DICT = "query_dict.marshal"
K1, B = 1.5, 0.75
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
# Function words and question scaffolding: they match everywhere (or nowhere) and only add noise.
_STOPWORD_TEXT = (
    "的 了 和 与 及 或 等 在 为 对 是 有 把 被 将 也 都 就 还 又 并 之 其 中 上 下 个 我 你 他 我们 咱们 大家 "
    "怎么 怎么办 怎样 如何 什么 哪些 哪里 哪儿 吗 呢 吧 啊 呀 嘛 么 有没有 能不能 可以 想 要 会 能 太 很 "
    "the a an of and or for to in on with by at is are be what how which who does do"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
DOMAIN_WORD_FREQ = 20000
_added_words: set[str] = set()
log = logging.getLogger(__name__)


def _jieba() -> Any:
    import jieba  # deferred: loading its full dictionary costs ~0.65 s, paid only when indexing

    jieba.setLogLevel(logging.WARNING)  # it otherwise prints "Building prefix dict" to stderr
    return jieba


def add_words(words: Iterable[str]) -> None:
    """Teach jieba domain words (department names, taxonomy labels) so they are not split."""
    jieba = None
    for word in words:
        word = to_halfwidth(word).strip().lower()
        if len(word) >= 2 and word not in _added_words:
            jieba = jieba or _jieba()
            jieba.add_word(word, freq=DOMAIN_WORD_FREQ)
            _added_words.add(word)


def tokenize(text: str, segmenter: Any = None) -> list[str]:
    """Lowercased ASCII words, jieba words and overlapping bigrams of each CJK run."""
    text = to_halfwidth(text).lower()
    tokens = [w for w in _WORD.findall(text) if w not in STOPWORDS]
    runs = _CJK_RUN.findall(text)
    if runs:
        seg = segmenter or _jieba()
        for run in runs:
            tokens.extend(w for w in seg.lcut(run, HMM=False) if w not in STOPWORDS)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def _query_segmenter(path: Path) -> Any:
    """A jieba tokenizer whose dictionary is only the index's own jieba words.

    Loading jieba's full 350k-word dictionary dominates a cold CLI search (~0.65 s). A query
    term the index has never seen scores nothing anyway, so segmenting with the indexed words
    (same frequencies, same total) gives the same useful tokens at a fraction of the cost.
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with path.open("rb") as fh:
        freq, total = marshal.load(fh)
    seg = jieba.Tokenizer()
    seg.FREQ, seg.total, seg.initialized = freq, total, True
    return seg


def _query_dictionary(vocab: Iterable[str]) -> tuple[dict[str, int], int]:
    jieba = _jieba()
    jieba.dt.check_initialized()
    full = jieba.dt.FREQ
    freq: dict[str, int] = {}
    for term in vocab:
        f = full.get(term)
        if f:
            freq[term] = f
            for i in range(1, len(term)):  # jieba's DAG needs every prefix present (0 = not a word)
                freq.setdefault(term[:i], 0)
    return freq, jieba.dt.total


class LexicalIndex:
    """BM25 over a sparse term-frequency matrix whose rows are commitment ids."""

    def __init__(self, ids: list[str], vocab: dict[str, int], tf: Any = None, *, hashes: list[str] | None = None,
                 alive: np.ndarray | None = None, fingerprint: str = "", words: list[str] | None = None,
                 stats: dict[str, np.ndarray] | None = None) -> None:
        self.ids = ids
        self.hashes = hashes if hashes is not None else [""] * len(ids)
        self.vocab = vocab
        self.tf = tf if tf is not None else _Csc(np.zeros(len(vocab) + 1, np.int64), np.zeros(0, np.int64),
                                                 np.zeros(0, np.float32), (len(ids), len(vocab)))
        self.alive = alive if alive is not None else np.ones(len(ids), dtype=bool)
        self.fingerprint = fingerprint
        self.words = words or []
        self.segmenter: Any = None
        if stats is not None and _stats_fit(stats, len(ids), len(vocab)):
            # Saved with the matrix they were computed from: a cold lexical search skips ~0.15 s at 100k.
            self.lengths, self.norm, self.idf = stats["lengths"], stats["norm"], stats["idf"]
            self.n_live = int(self.alive.sum())
        else:
            self._stats()

    def _stats(self) -> None:
        """Live-row document frequencies, lengths and BM25 length norms, with numpy only.

        Works on the raw CSC arrays so a loaded index answers queries without importing
        scipy (~0.3 s of a cold CLI search); scipy is needed only to add or drop rows.
        """
        n, width = self.tf.shape
        indptr, indices, data = self.tf.indptr, self.tf.indices, self.tf.data
        self.lengths = np.maximum(np.bincount(indices, weights=data, minlength=n).astype(np.float32), 1.0)
        # bm25s indexes an empty text as one empty token, hence the floor of 1 above.
        live = self.alive
        self.n_live = int(live.sum())
        avg = float(self.lengths[live].mean()) if self.n_live else 1.0
        self.norm = (K1 * ((1 - B) + B * self.lengths / avg)).astype(np.float32)
        columns = np.repeat(np.arange(width), np.diff(indptr))
        df = np.bincount(columns, weights=live[indices].astype(np.float64), minlength=width)
        self.idf = np.log(1 + (self.n_live - df + 0.5) / (df + 0.5)).astype(np.float32)

    def _matrix(self) -> Any:
        """The term-frequency matrix as scipy CSC (for edits)."""
        from scipy import sparse

        t = self.tf
        return t if sparse.issparse(t) else sparse.csc_matrix((t.data, t.indices, t.indptr), shape=t.shape)

    @classmethod
    def build(cls, ids: list[str], texts: list[str], *, fingerprint: str = "", words: Iterable[str] = (),
              hashes: list[str] | None = None) -> LexicalIndex:
        words = sorted(set(words))
        add_words(words)
        vocab: dict[str, int] = {}
        tf = _tf_rows([tokenize(t) for t in texts], vocab)
        return cls(list(ids), vocab, tf.tocsc(), hashes=list(hashes) if hashes else None, fingerprint=fingerprint,
                   words=words)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: Sequence[str], texts: Sequence[str], hashes: Sequence[str], words: Iterable[str] = ()) -> None:
        """Append rows; earlier rows keep their tokens (new domain words reach them on a rebuild)."""
        from scipy import sparse

        new_words = sorted(set(words) - set(self.words))
        add_words(new_words)
        self.words = sorted(set(self.words) | set(new_words))
        if not ids:
            return
        before = len(self.vocab)
        rows = _tf_rows([tokenize(t) for t in texts], self.vocab)
        old = self._matrix()
        if len(self.vocab) > before:
            old = _pad_columns(old, len(self.vocab))
        self.tf = sparse.vstack([old, rows], format="csc", dtype=np.float32)
        self.ids.extend(ids)
        self.hashes.extend(hashes)
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
        self.segmenter = None  # the query dictionary no longer covers the vocabulary
        self._stats()

    def retire(self, rows: Iterable[int]) -> None:
        """Mark rows as removed: they stop matching and stop counting in idf and average length."""
        rows = list(rows)
        if rows:
            self.alive[np.asarray(rows, dtype=np.int64)] = False
            self._stats()

    def compacted(self, keep: np.ndarray) -> LexicalIndex:
        """The index of rows ``keep`` only, renumbered (vocabulary kept; unused terms just never match)."""
        keep = np.asarray(keep, dtype=np.int64)
        return LexicalIndex([self.ids[i] for i in keep], self.vocab, self._matrix()[keep].tocsc(),
                            hashes=[self.hashes[i] for i in keep], alive=self.alive[keep].copy(),
                            fingerprint=self.fingerprint, words=self.words)

    def query_tokens(self, query: str) -> list[str]:
        """Indexed tokens of ``query``; single CJK characters from the segmenter are dropped.

        jieba emits a lone character where no dictionary word covers it; with the index's own
        small dictionary that happens for words the corpus never used (老人 -> 老, 人), and the
        lone characters would then match everywhere. Bigrams still cover every two characters.
        """
        return [t for t in tokenize(query, self.segmenter)
                if t in self.vocab and not (len(t) == 1 and _CJK_RUN.fullmatch(t))]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query token is indexed)."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        if not self.ids:
            return out
        tf = self.tf
        for term in self.query_tokens(query):  # repeated query terms count again, as in bm25s
            col = self.vocab[term]
            start, end = tf.indptr[col], tf.indptr[col + 1]
            rows, freq = tf.indices[start:end], tf.data[start:end]
            out[rows] += self.idf[col] * freq / (self.norm[rows] + freq)
        if not self.alive.all():
            out[~self.alive] = 0.0
        return out

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows with a positive score as (row positions, scores), best first."""
        scores = self.scores(query)
        if allowed is None:
            rows = np.flatnonzero(scores > 0)
        else:  # index by the (usually small) allowed set instead of intersecting with every match
            allowed = np.asarray(allowed, dtype=np.int64)
            rows = allowed[scores[allowed] > 0]
        if rows.size == 0:
            return rows.astype(np.int64), np.zeros(0, dtype=np.float32)
        sub = scores[rows]
        k = min(k, rows.size)
        part = np.argpartition(-sub, k - 1)[:k] if k < rows.size else np.arange(rows.size)
        order = part[np.lexsort((rows[part], -sub[part]))]
        return rows[order].astype(np.int64), sub[order]

    def save(self, directory: str | Path) -> None:
        """Write the matrix and manifest to temporary names and rename: a reader never sees half a save."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tag = f".{os.getpid()}.tmp"
        matrix_tmp = directory / f"tf.{os.getpid()}.tmp.npz"
        t = self.tf
        np.savez(matrix_tmp, indptr=t.indptr, indices=t.indices, data=t.data, shape=np.asarray(t.shape),
                 lengths=self.lengths, norm=self.norm, idf=self.idf)
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        with (directory / (QUERY_DICT + tag)).open("wb") as fh:
            marshal.dump(_query_dictionary(terms) if terms else ({}, 1), fh)
        manifest = {"version": MANIFEST_VERSION, "fingerprint": self.fingerprint, "ids": self.ids,
                    "hashes": self.hashes, "dead": np.flatnonzero(~self.alive).tolist(), "terms": terms,
                    "words": self.words, "matrix": MATRIX}
        (directory / (MANIFEST + tag)).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(matrix_tmp, directory / MATRIX)
        os.replace(directory / (QUERY_DICT + tag), directory / QUERY_DICT)
        os.replace(directory / (MANIFEST + tag), directory / MANIFEST)

    @classmethod
    def load(cls, directory: str | Path, *, full_dictionary: bool = False) -> LexicalIndex | None:
        """The saved index, or None when missing or unreadable (the caller rebuilds and warns).

        Unless ``full_dictionary``, queries are segmented with the index's own small dictionary.
        """
        directory = Path(directory)
        if not (directory / MANIFEST).exists():
            return None
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("version") != MANIFEST_VERSION:
                return None
            ids, terms = list(manifest["ids"]), list(manifest["terms"])
            with np.load(directory / MATRIX) as z:
                tf = _Csc(z["indptr"], z["indices"], z["data"], (int(z["shape"][0]), int(z["shape"][1])))
                stats = {k: z[k] for k in ("lengths", "norm", "idf")} if "idf" in z.files else None
            if tf.shape != (len(ids), len(terms)) or tf.indptr.shape != (len(terms) + 1,):
                raise ValueError(f"matrix is {tf.shape}, manifest says {(len(ids), len(terms))}")
            alive = np.ones(len(ids), dtype=bool)
            alive[np.asarray(manifest.get("dead", []), dtype=np.int64)] = False
            self = cls(ids, {t: i for i, t in enumerate(terms)}, tf, hashes=list(manifest["hashes"]), alive=alive,
                       fingerprint=manifest.get("fingerprint", ""), words=list(manifest.get("words", [])),
                       stats=stats)
            if not full_dictionary and not _jieba_loaded():
                self.segmenter = _query_segmenter(directory / QUERY_DICT)
        except (OSError, ValueError, KeyError, TypeError, EOFError, IndexError) as exc:
            log.warning("%s: lexical index unreadable (%s); rebuilding it", directory, exc)
            return None
        if self.segmenter is None:
            add_words(self.words)
        return self


def _stats_fit(stats: dict[str, np.ndarray], rows: int, terms: int) -> bool:
    """Saved statistics of the right shapes (an index saved before they were kept has none)."""
    return (stats["lengths"].shape == (rows,) and stats["norm"].shape == (rows,) and stats["idf"].shape == (terms,)
            and all(a.dtype == np.float32 for a in stats.values()))


class _Csc:
    """The three arrays of a CSC matrix, enough to score queries (scipy stays unimported)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, shape: tuple[int, int]) -> None:
        self.indptr, self.indices, self.data, self.shape = indptr, indices, data, shape

    @property
    def nnz(self) -> int:
        return int(self.data.shape[0])


def _jieba_loaded() -> bool:
    import sys

    jieba = sys.modules.get("jieba")
    return bool(jieba is not None and jieba.dt.initialized)


def _tf_rows(token_lists: list[list[str]], vocab: dict[str, int]) -> Any:
    """A CSR matrix of term counts; new terms get the next column numbers in ``vocab``."""
    from scipy import sparse

    indptr, indices, data = [0], [], []
    for tokens in token_lists:
        counts = Counter(tokens)
        for term, n in counts.items():
            indices.append(vocab.setdefault(term, len(vocab)))
            data.append(n)
        indptr.append(len(indices))
    return sparse.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64),
                              np.asarray(indptr, dtype=np.int64)), shape=(len(token_lists), len(vocab)))


def _pad_columns(matrix: Any, width: int) -> Any:
    from scipy import sparse

    csc = matrix.tocsc()
    indptr = np.concatenate([csc.indptr, np.full(width - csc.shape[1], csc.indptr[-1], dtype=csc.indptr.dtype)])
    return sparse.csc_matrix((csc.data, csc.indices, indptr), shape=(csc.shape[0], width))
