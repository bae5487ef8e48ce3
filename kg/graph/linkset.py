"""The workspace's commitment links, kept up to date per document instead of recomputed.

``link_commitments`` over every commitment costs ~25 s at 100k (hydrating 100k commitments,
then scoring ~700k candidate pairs in Python), far too much to pay per ingested document.
The link policy stays kg.graph.links'; this module only avoids redoing what a document
cannot have changed, and gives exactly the links ``link_commitments(store.commitments(),
neighbours=...)`` gives (tests/test_kg_linkset.py compares the two):

- ``similar_to`` candidates are the pairs of the neighbour lists (kg.graph.neighbours). A
  pair's score depends on its two commitments alone, so scores are kept per pair, and only
  pairs that are new or touch a commitment of a changed document are scored (their
  commitments are the only ones read from SQLite). The degree cap (``MAX_SIMILAR`` links per
  commitment, best first) couples every pair, so its greedy pass runs over all scored pairs
  each time: a loop over integers, ~0.3 s at 100k.
- ``continues`` links look only inside one jurisdiction: only the jurisdictions of changed
  documents are recomputed.

Saved in ``<workspace>/index/links/`` next to the neighbour lists it is keyed on: the pair
arrays (rows of the neighbour lists), the links as text lines (kg.graph.oxquads' link
keys, which the graph store diffs against), and per document the key its links were
computed from. When the neighbour lists were rebuilt (rows renumbered), the model changed
or the files are unreadable, everything is recomputed (warned when unreadable).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.graph.links import (
    _TEXT_THRESHOLDS,
    MAX_SIMILAR,
    Link,
    _find_continuations,
    _make_text_similarity,
    similar_link,
    similar_score,
)
from kg.graph.oxquads import _SEP, _link_key

log = logging.getLogger("minsheng")

LINKS_DIR = "links"
MANIFEST = "manifest.json"
ARRAYS = ("pkey", "score", "text", "kept")  # <name>.npy each
LINES = "links.txt"
VERSION = 3  # 3: documents keyed by sha256:ingested_at
_SHIFT = np.int64(32)  # pair key = low row << 32 | high row; rows stay far below 2**31
SIM_THRESHOLD, CONT_THRESHOLD = _TEXT_THRESHOLDS["vector"]


def links_dir(workspace: Any) -> Path:
    return Path(workspace.index_dir) / LINKS_DIR


@dataclass
class _Saved:
    model_id: str = ""
    rows: int = 0  # neighbour rows the pair keys refer to
    digest: str = ""  # of those rows' ids: changes when the lists were rebuilt
    docs: dict[str, str] = field(default_factory=dict)  # document id -> content key
    pkey: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # every candidate pair, sorted
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN: below the threshold
    text: np.ndarray = field(default_factory=lambda: np.zeros(0))
    continues: list[str] = field(default_factory=list)  # link keys
    generation: str = ""  # a new token per save
    similar: dict[int, str] = field(default_factory=dict)  # pair key -> link key of the kept pairs


@dataclass
class LinkKeys:
    """The workspace's link keys, and what changed since the saved generation ``previous``.

    A reader that holds ``previous`` (the graph store records it) applies ``added`` and
    ``removed`` instead of diffing ~280k keys; ``path`` holds ``lines`` one per line.
    """

    lines: list[str]
    generation: str
    previous: str
    added: list[str]
    removed: list[str]
    path: Path


def _digest(ids: Sequence[str]) -> str:
    return hashlib.blake2b("\n".join(ids).encode("utf-8"), digest_size=16).hexdigest()


def _load(directory: Path) -> _Saved | None:
    if not (directory / MANIFEST).exists():
        return None
    try:
        m = json.loads((directory / MANIFEST).read_text("utf-8"))
        if m.get("version") != VERSION:
            return None
        pkey, score, text, kept = (np.load(directory / f"{name}.npy") for name in ARRAYS)
        lines = (directory / LINES).read_text("utf-8").split("\n") if m["lines"] else []
        n_cont = int(m["continues"])
        if len(lines) != n_cont + len(kept) or not (len(pkey) == len(score) == len(text)):
            raise ValueError("arrays and lines disagree in length")
        return _Saved(m["model_id"], int(m["rows"]), m["digest"], dict(m["docs"]), pkey, score, text,
                      lines[:n_cont], m["generation"], dict(zip(kept.tolist(), lines[n_cont:], strict=True)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: saved links unreadable (%s); recomputing them", directory, exc)
        return None


def _save(directory: Path, saved: _Saved) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    kept = np.fromiter(saved.similar.keys(), dtype=np.int64, count=len(saved.similar))
    lines = saved.continues + list(saved.similar.values())
    tag = f".{uuid.uuid4().hex}.tmp"  # unique: never two writers on one temporary name
    arrays = {"pkey": saved.pkey, "score": saved.score, "text": saved.text, "kept": kept}
    for name in ARRAYS:  # plain .npy: an .npz checksums every byte it writes
        np.save(directory / f"{name}{tag}.npy", arrays[name])
    (directory / (LINES + tag)).write_text("\n".join(lines), "utf-8")
    manifest = {"version": VERSION, "model_id": saved.model_id, "rows": saved.rows, "digest": saved.digest,
                "docs": saved.docs, "continues": len(saved.continues), "lines": len(lines),
                "generation": saved.generation}
    (directory / (MANIFEST + tag)).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    # The manifest goes last: a reader seeing the new manifest sees the new arrays and lines.
    for name in ARRAYS:
        os.replace(directory / f"{name}{tag}.npy", directory / f"{name}.npy")
    os.replace(directory / (LINES + tag), directory / LINES)
    os.replace(directory / (MANIFEST + tag), directory / MANIFEST)


def sync_link_keys(store: Any, nb: Any, directory: Path) -> LinkKeys:
    """The workspace's link keys (kg.graph.oxquads._link_key), updated for what changed since the last call.

    ``nb`` is the workspace's current kg.graph.neighbours.Neighbours (matching ``store``).
    """
    documents = store.documents()
    docs = {d.id: f"{d.sha256}:{d.ingested_at}" for d in documents}  # changes whenever a list is re-stored
    codes = {d.id: d.jurisdiction_code for d in documents}

    saved = _load(directory)
    if saved is not None and not (saved.model_id == nb.model_id and saved.rows <= len(nb.ids)
                                  and saved.digest == _digest(nb.ids[: saved.rows])):
        saved = None
    fresh = saved is None
    saved = saved or _Saved()
    changed_docs = {d for d, k in docs.items() if saved.docs.get(d) != k} | (saved.docs.keys() - docs.keys())

    # -- candidate pairs: the neighbour lists' live pairs between different stored documents
    ids = nb.ids
    n_rows = len(ids)
    doc_of = [cid.rpartition("-")[0] for cid in ids]  # commitment ids are "<document id>-<seq>"
    doc_index: dict[str, int] = {}
    row_doc = np.fromiter((doc_index.setdefault(d, len(doc_index)) for d in doc_of), dtype=np.int64, count=n_rows)
    row_pos = _store_order(store, ids, doc_of, documents)  # the tie-break order of link_commitments
    in_store = (row_pos >= 0) & nb.alive
    dirty = np.fromiter((d in changed_docs for d in doc_of), dtype=bool, count=n_rows)
    src, dst, _ = nb.pairs()
    ok = (src != dst) & in_store[src] & in_store[dst] & (row_doc[src] != row_doc[dst])
    lo, hi = np.minimum(src[ok], dst[ok]), np.maximum(src[ok], dst[ok])
    pkey = np.sort((lo << _SHIFT) | hi)
    pkey = pkey[np.concatenate(([True], pkey[1:] != pkey[:-1]))] if len(pkey) else pkey  # sort: ~20x np.unique's hash here
    lo, hi = pkey >> _SHIFT, pkey & np.int64(0xFFFFFFFF)

    # -- scores: kept for old pairs of unchanged commitments, computed for the rest
    score, text = np.full(len(pkey), np.nan), np.zeros(len(pkey))
    at = np.searchsorted(saved.pkey, pkey)
    at_ok = at < len(saved.pkey)
    known = np.zeros(len(pkey), dtype=bool)
    known[at_ok] = saved.pkey[at[at_ok]] == pkey[at_ok]
    known &= ~(dirty[lo] | dirty[hi])
    score[known], text[known] = saved.score[at[known]], saved.text[at[known]]
    todo = np.flatnonzero(~known)
    vectors = nb.mapping()
    need = np.unique(np.concatenate([lo[todo], hi[todo]])) if len(todo) else np.zeros(0, np.int64)
    everything = store.commitments() if fresh else None  # one read beats an id list of 100k
    items, sim = _items(store, [ids[r] for r in need.tolist()], vectors, everything)
    pos_of = {c.id: n for n, c in enumerate(items)}
    for p in todo.tolist():
        a, b = pos_of[ids[int(lo[p])]], pos_of[ids[int(hi[p])]]
        if row_pos[lo[p]] > row_pos[hi[p]]:
            a, b = b, a  # link_commitments scores (a, b) in store order
        t = sim(a, b)
        s = similar_score(items[a], items[b], t, SIM_THRESHOLD)
        text[p] = t
        if s is not None:
            score[p] = s

    # -- the degree cap: best first, ties by the ids of the pair in store order
    passing = np.flatnonzero(~np.isnan(score))
    lo_first = row_pos[lo[passing]] < row_pos[hi[passing]]
    first = np.where(lo_first, lo[passing], hi[passing])
    second = np.where(lo_first, hi[passing], lo[passing])
    rank = np.full(n_rows, -1, dtype=np.int64)
    live_rows = np.flatnonzero(in_store)
    by_id = sorted(live_rows.tolist(), key=ids.__getitem__)
    rank[by_id] = np.arange(len(by_id))
    order = np.lexsort((rank[second], rank[first], -score[passing]))
    degree = [0] * n_rows
    kept: list[int] = []
    for p, a, b in zip(passing[order].tolist(), first[order].tolist(), second[order].tolist(), strict=True):
        if degree[a] >= MAX_SIMILAR or degree[b] >= MAX_SIMILAR:
            continue
        degree[a] += 1
        degree[b] += 1
        kept.append(p)

    # -- link keys: reused for kept pairs that were kept before, built for the others
    similar: dict[int, str] = {}
    build: list[int] = []
    kept_arr = np.asarray(kept, dtype=np.int64)
    kept_dirty = (dirty[lo[kept_arr]] | dirty[hi[kept_arr]]).tolist()
    old_similar = saved.similar
    for p, k, is_dirty in zip(kept, pkey[kept_arr].tolist(), kept_dirty, strict=True):
        line = None if is_dirty else old_similar.get(k)
        if line is None:
            build.append(p)
        else:
            similar[k] = line
    if build:
        rows = np.unique(np.concatenate([lo[build], hi[build]]))
        missing = [ids[r] for r in rows.tolist() if ids[r] not in pos_of]
        if missing:
            more, _ = _items(store, missing, vectors, everything)
            items.extend(more)
            pos_of = {c.id: n for n, c in enumerate(items)}
        for p in build:
            a, b = items[pos_of[ids[int(lo[p])]]], items[pos_of[ids[int(hi[p])]]]
            similar[int(pkey[p])] = _link_key(similar_link(a, b, float(score[p]), float(text[p])))

    # -- continues: recomputed in the jurisdictions of changed documents only
    affected = {codes.get(d) or d.rpartition("-")[0] for d in changed_docs}  # document ids are "<code>-<year>"
    cont = [line for line in saved.continues if not fresh and _code_of_link(line) not in affected]
    by_code: dict[str, list[Any]] = {}
    for c in everything or ():  # every jurisdiction when fresh, grouped here (store order is kept)
        by_code.setdefault(c.jurisdiction_code, []).append(c)
    for code in sorted(by_code) if fresh else sorted(affected):
        j_items = by_code.get(code) or store.commitments_in(code)
        j_sim = _make_text_similarity(j_items, vectors, None)
        cont.extend(_link_key(lk) for lk in _find_continuations(j_items, j_sim, CONT_THRESHOLD))

    new = _Saved(nb.model_id, n_rows, _digest(ids), docs, pkey, score, text, cont, uuid.uuid4().hex, similar)
    # The change, pair by pair: a set difference of ~280k key strings costs more than all of this.
    old_cont, new_cont = set(saved.continues), set(cont)
    added = [k for k in cont if k not in old_cont]
    removed = [k for k in saved.continues if k not in new_cont]
    for p in build:  # only built lines can differ from the saved ones: reused lines are the saved objects
        k = int(pkey[p])
        line, was = similar[k], saved.similar.get(k)
        if line != was:
            added.append(line)
            if was is not None:
                removed.append(was)
    if saved.similar:
        old_kept = np.fromiter(saved.similar.keys(), dtype=np.int64, count=len(saved.similar))
        gone = old_kept[~np.isin(old_kept, pkey[kept_arr])]
        removed.extend(saved.similar[k] for k in gone.tolist())
    _save(directory, new)
    return LinkKeys(new.continues + list(new.similar.values()), new.generation, saved.generation, added, removed,
                    directory / LINES)


def _store_order(store: Any, ids: list[str], doc_of: list[str], documents: list[Any]) -> np.ndarray:
    """Each row's rank in store order (jurisdiction code, year, seq), -1 for ids not in the store.

    Read off the ids and the (ordered) document list: asking SQLite for 100k ordered ids costs more.
    Ids not of the pipeline's form "<document id>-<seq>" fall back to asking.
    """
    rank = {d.id: n for n, d in enumerate(documents)}  # documents() is ordered by code, then year
    try:
        return np.fromiter((rank[d] << 20 | int(cid[len(d) + 1:]) if d in rank else -1
                            for cid, d in zip(ids, doc_of, strict=True)), dtype=np.int64, count=len(ids))
    except ValueError:
        position = {cid: n for n, cid in enumerate(store.commitment_ids())}
        return np.fromiter((position.get(cid, -1) for cid in ids), dtype=np.int64, count=len(ids))


def _items(store: Any, wanted: list[str], vectors: Any, everything: list[Any] | None = None) -> tuple[list[Any], Any]:
    if everything is not None:
        want = set(wanted)
        items = [c for c in everything if c.id in want]
    else:
        items = store.commitments(ids=wanted) if wanted else []
    return items, _make_text_similarity(items, vectors, None)


def _doc_of_link(line: str) -> str:
    return line.split(_SEP, 2)[1].rpartition("-")[0]


def _code_of_link(line: str) -> str:
    return _doc_of_link(line).rpartition("-")[0]  # document ids are "<jurisdiction code>-<year>"


def link_from_key(line: str) -> Link:
    """The Link a key line stands for (scores are kept to 4 decimals, as the graph writes them)."""
    kind, src, dst, score, evidence = line.split(_SEP)
    return Link(kind, src, dst, float(score), evidence)


def workspace_link_keys(workspace: Any) -> LinkKeys | None:
    """The workspace's link keys, kept up to date; None when the neighbour lists do not match the store.

    One sync at a time per workspace (threads of a server and other processes alike), from load to
    save, and all its reads in one store snapshot, so the saved change list is relative to what
    the previous sync saved and the lists match the commitments read.
    """
    from kg.graph.neighbours import load_neighbours
    from kg.store.workspace import directory_lock

    store = workspace.store()
    directory = links_dir(workspace)
    with _THREAD_LOCK, directory_lock(directory), store.snapshot():
        nb = load_neighbours(workspace, store.state(), mmap=True)
        if nb is None:
            return None
        return sync_link_keys(store, nb, directory)


_THREAD_LOCK = threading.Lock()



