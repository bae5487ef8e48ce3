"""BM25 keyword search over jieba words plus CJK character bigrams.

jieba alone misses queries that cut across its segmentation (a user typing "床位" when
jieba keeps "增加床位" whole, or a two-character abbreviation like "两癌"); overlapping
bigrams make every two-character query match, and jieba words keep longer terms precise.
Department names and taxonomy labels are added to jieba's dictionary so they stay whole.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from kg.text import to_halfwidth

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
# Function words and question scaffolding: they match everywhere (or nowhere) and only add noise.
_STOPWORD_TEXT = (
    "的 了 和 与 及 或 等 在 为 对 是 有 把 被 将 也 都 就 还 又 并 之 其 中 上 下 个 我 你 他 我们 咱们 大家 "
    "怎么 怎么办 怎样 如何 什么 哪些 哪里 哪儿 吗 呢 吧 啊 呀 嘛 么 有没有 能不能 可以 想 要 会 能 太 很 "
    "the a an of and or for to in on with by at is are be what how which who does do"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_added_words: set[str] = set()


def _jieba() -> Any:
    import jieba  # deferred: loading its dictionary costs ~0.5-1 s, paid only when searching

    jieba.setLogLevel(logging.WARNING)  # it otherwise prints "Building prefix dict" to stderr
    return jieba


def add_words(words: Iterable[str]) -> None:
    """Teach jieba domain words (department names, taxonomy labels) so they are not split."""
    jieba = None
    for word in words:
        word = to_halfwidth(word).strip().lower()
        if len(word) >= 2 and word not in _added_words:
            jieba = jieba or _jieba()
            jieba.add_word(word, freq=20000)
            _added_words.add(word)


def tokenize(text: str) -> list[str]:
    """Lowercased ASCII words, jieba words and overlapping bigrams of each CJK run."""
    text = to_halfwidth(text).lower()
    tokens = [w for w in _WORD.findall(text) if w not in STOPWORDS]
    runs = _CJK_RUN.findall(text)
    if runs:
        jieba = _jieba()
        for run in runs:
            tokens.extend(w for w in jieba.lcut(run, HMM=False) if w not in STOPWORDS)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


class LexicalIndex:
    """A bm25s index whose rows are commitment ids."""

    def __init__(self, ids: list[str], bm25: Any, fingerprint: str = "", words: list[str] | None = None) -> None:
        self.ids = ids
        self.bm25 = bm25
        self.fingerprint = fingerprint
        self.words = words or []

    @classmethod
    def build(cls, ids: list[str], texts: list[str], *, fingerprint: str = "",
              words: Iterable[str] = ()) -> LexicalIndex:
        import bm25s

        words = sorted(set(words))
        add_words(words)
        corpus = [tokenize(t) or [""] for t in texts]
        bm25 = bm25s.BM25()
        if corpus:
            bm25.index(corpus, show_progress=False)
        return cls(list(ids), bm25, fingerprint, words)

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query token is indexed)."""
        tokens = [t for t in tokenize(query) if t in getattr(self.bm25, "vocab_dict", {})]
        if not tokens or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)

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
        order = part[np.argsort(-sub[part], kind="stable")]
        return rows[order].astype(np.int64), sub[order]

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST).unlink(missing_ok=True)
        if self.ids:
            self.bm25.save(str(directory / "bm25"), show_progress=False)
        manifest = {"version": MANIFEST_VERSION, "fingerprint": self.fingerprint, "ids": self.ids,
                    "words": self.words}
        (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> LexicalIndex | None:
        """The saved index, or None when missing or unreadable (caller rebuilds)."""
        directory = Path(directory)
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("version") != MANIFEST_VERSION:
                return None
            ids = list(manifest["ids"])
            bm25 = None
            if ids:
                import bm25s

                bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        add_words(manifest.get("words", []))
        return cls(ids, bm25, manifest.get("fingerprint", ""), list(manifest.get("words", [])))
