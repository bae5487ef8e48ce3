"""Thematic overlap scores of each list, saved in the workspace and worked out again only for lists that changed.

A thematic overlap pairs two departments of one list (one jurisdiction and year), so its
score depends on that list's commitments and their vectors only. Scoring every list of a
100k corpus takes seconds of Python, every time ``overlaps`` runs; scoring a list once,
keyed by its content and the embedding model, makes a run a read of the saved scores plus
the lists ingested since. The file is derived and disposable: an unreadable one is
recomputed with a warning. Evidence is never saved: the lists shown are scored again,
from their full commitments, which gives the same candidates with their spans.
"""

from __future__ import annotations

import logging
import marshal
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg.model import Commitment

log = logging.getLogger(__name__)

FILE = "thematic.marshal"
# Bump when the thematic scoring (kg.analysis.semantic_overlaps) changes, so saved scores go.
VERSION = 1
# Stale lists are read one by one (~2 ms for 20 items) unless there are more than this share of
# the scope and more than BULK_MIN of them: one light read of 100k commitments takes ~3 s (measured
# on the 2-core dev box), so reading lists singly stays cheaper up to about a thousand of them.
BULK_SHARE = 0.05
BULK_MIN = 50

# doc id -> (content key, jurisdiction code, year, [(score, department a, department b, [commitment ids])])
Saved = dict[str, tuple[str, str, int, list[tuple[float, str, str, list[str]]]]]


def cache_path(workspace: Any) -> Path:
    return Path(workspace.index_dir) / "overlaps" / FILE


def _load(path: Path, model_id: str) -> Saved:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            data = marshal.load(f)
        if data.get("version") != VERSION:
            return {}
        saved: Saved = data["lists"].get(model_id, {})
        return saved
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("%s: saved thematic overlap scores unreadable (%s); scoring every list again", path, exc)
        return {}


def _save(path: Path, model_id: str, saved: Saved) -> None:
    """Write atomically (a reader never sees half a file); a read-only workspace just keeps no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")  # unique per writer, thread or process
        with tmp.open("wb") as f:
            marshal.dump({"version": VERSION, "lists": {model_id: saved}}, f)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("%s: cannot save thematic overlap scores (%s)", path, exc)


def _key(model_id: str) -> str:
    """What the saved scores depend on besides each list's content: the model, and the taxonomy's
    catch-all target types (kg.analysis.spans.features drops them)."""
    from kg.graph.links import generic_target_types

    return f"{model_id}|{','.join(sorted(generic_target_types()))}"


def _score_lists(items: list[Commitment], vectors: Any) -> dict[tuple[str, int], list[tuple[float, str, str, list[str]]]]:
    from kg.analysis.semantic_overlaps import thematic_candidates

    out: dict[tuple[str, int], list[tuple[float, str, str, list[str]]]] = {}
    by_list: dict[tuple[str, int], list[Commitment]] = {}
    for c in items:
        by_list.setdefault((c.jurisdiction_code, c.year), []).append(c)
    for key, group in by_list.items():
        out[key] = [(cand.score, cand.department_ids[0], cand.department_ids[1], cand.commitment_ids)
                    for cand in thematic_candidates(group, vectors)]
    return out


def current_scores(store: Any, workspace: Any, neighbours: Any, *, year: int | None = None,
                   jurisdiction_code: str | None = None) -> Saved:
    """The saved scores of every list in scope, after scoring (and saving) the lists that changed.

    The search index calls this after updating the neighbour lists, so that ``overlaps`` finds
    the scores ready; ``overlaps`` calls it too, in case the index was not updated since.
    """
    with store.snapshot():  # one committed state for the keys, the lists read and the state check
        return _current(store, workspace, neighbours, year, jurisdiction_code)


def _current(store: Any, workspace: Any, neighbours: Any, year: int | None, jurisdiction_code: str | None) -> Saved:
    if workspace is not None and getattr(neighbours, "state", None) != store.state():
        # A write landed after these lists were made: their vectors do not cover it. Score nothing
        # now; the index build that follows the write scores it with lists that do.
        return {}
    model_id = _key(neighbours.model_id or "")
    path = cache_path(workspace) if workspace is not None else None
    saved = _load(path, model_id) if path is not None else {}
    docs = store.document_keys(year=year, jurisdiction=jurisdiction_code)
    stale = [d for d, (code, yr, key) in docs.items() if d not in saved or saved[d][0] != key]
    if stale:
        if len(stale) > max(BULK_MIN, BULK_SHARE * len(docs)):
            fresh = _score_lists(store.commitments(year=year, jurisdiction=jurisdiction_code, light=True),
                                 neighbours.mapping())
        else:
            fresh = {}
            for d in stale:
                code, yr, _ = docs[d]
                fresh.update(_score_lists(store.commitments(year=yr, jurisdiction=code, light=True),
                                          neighbours.mapping()))
        for d in stale:
            code, yr, key = docs[d]
            saved[d] = (key, code, yr, fresh.get((code, yr), []))
        if path is not None:
            everything = store.document_keys() if (year is not None or jurisdiction_code) else docs
            _save(path, model_id, {d: v for d, v in saved.items() if d in everything})
    return {d: saved[d] for d in docs}


def thematic_list_candidates(store: Any, workspace: Any, neighbours: Any, *, year: int | None = None,
                             jurisdiction_code: str | None = None, min_score: float = 0.0,
                             items: Callable[[list[str]], list[Commitment]]) -> list[Any]:
    """Thematic candidates of every list in scope, from saved scores where a list is unchanged.

    ``neighbours`` supplies the vectors (its ``model_id`` keys the saved scores); with
    ``workspace`` None nothing is read or saved (vectors given by the caller). ``items(ids)``
    gives full commitments when a candidate is built; candidates under ``min_score`` are not made.
    """
    from kg.analysis.semantic_overlaps import Candidate, thematic_candidates

    saved = current_scores(store, workspace, neighbours, year=year, jurisdiction_code=jurisdiction_code)
    rescored: dict[tuple[str, int], dict[tuple[str, ...], Any]] = {}

    def build(code: str, yr: int, a: str, b: str) -> Any:
        # The list scored again from full commitments: the same candidates, now able to quote their texts.
        if (code, yr) not in rescored:
            ids = store.commitment_ids(year=yr, jurisdiction=code)
            rescored[(code, yr)] = {tuple(c.department_ids): c
                                    for c in thematic_candidates(items(ids), neighbours.mapping())}
        return rescored[(code, yr)][(a, b)].build()

    return [Candidate(score, [a, b], ids, lambda c=code, y=yr, a=a, b=b: build(c, y, a, b))
            for _, code, yr, found in saved.values() for score, a, b, ids in found if score >= min_score]
