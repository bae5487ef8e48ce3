"""The link set kept per document gives exactly the links link_commitments computes from scratch."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from kg.graph.links import link_commitments
from kg.graph.linkset import links_dir, sync_link_keys
from kg.graph.neighbours import Neighbours
from kg.graph.oxquads import _link_from_key, _link_key
from kg.graph.oxstore import GraphStore, graph_path
from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import init_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from synth_corpus import _districts, document  # noqa: E402


def _vectors(texts: list[str], dim: int = 64) -> np.ndarray:
    """Hashed character-bigram vectors: near-duplicate items land close, as with a real model."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, text in enumerate(texts):
        for j in range(max(len(text) - 1, 1)):
            out[i, int(hashlib.blake2b(text[j:j + 2].encode(), digest_size=4).hexdigest(), 16) % dim] += 1.0
        out[i] /= np.linalg.norm(out[i]) or 1.0
    return out


def _write(directory: Path, district: int, year: int, seed: int = 7) -> Path:
    name = _districts(8)[district]
    path = directory / f"{name[0]}_{year}_{seed}.txt"
    path.write_text(document(name, year, year - 2020, seed)[1], encoding="utf-8")
    return path


def _sync_nb(store, nb: Neighbours | None) -> Neighbours:  # type: ignore[no-untyped-def]
    """The neighbour lists brought in line with the store the way the search index does it."""
    items = {c.id: c for c in store.commitments()}
    keys = dict(store.commitment_keys())
    if nb is None:
        ids = list(items)
        return Neighbours.build("m", ids, [keys[i] for i in ids], _vectors([items[i].text for i in ids]), store.state())
    retire = [cid for cid, n in nb.row.items() if keys.get(cid) != nb.keys[n]]
    gone = set(retire)
    new = [cid for cid in items if cid not in nb.row or cid in gone]
    nb.update(new, [keys[i] for i in new], _vectors([items[i].text for i in new]), retire, store.state())
    return nb


def _expected(store, nb: Neighbours) -> set[str]:  # type: ignore[no-untyped-def]
    return {_link_key(lk) for lk in link_commitments(store.commitments(), neighbours=nb)}


@pytest.fixture
def corpus(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = init_workspace(tmp_path / "ws", empty=True)
    files = [_write(tmp_path, d, y) for d in range(5) for y in (2020, 2021, 2022)]
    ingest_paths(ws.store(), files)
    return ws, tmp_path


def test_first_build_and_every_update_equal_a_full_recomputation(corpus):
    ws, tmp = corpus
    store = ws.store()
    nb = _sync_nb(store, None)
    first = sync_link_keys(store, nb, links_dir(ws))
    want = _expected(store, nb)
    assert set(first.lines) == want and len(first.lines) == len(want)
    assert any(k.startswith("continues") for k in want) and any(k.startswith("similar_to") for k in want)

    # A new year of a district in the middle, then a changed version of an existing list.
    for path in (_write(tmp, 2, 2023), _write(tmp, 1, 2021, seed=8)):
        ingest_paths(store, [path])
        nb = _sync_nb(store, nb)
        before = want
        keys = sync_link_keys(store, nb, links_dir(ws))
        want = _expected(store, nb)
        assert set(keys.lines) == want
        # The change list is exactly the difference, and names the generation it starts from.
        assert set(keys.added) == want - before and set(keys.removed) == before - want
        assert keys.added and keys.previous == first.generation
        first = keys


def test_unreadable_or_renumbered_saved_links_are_recomputed(corpus, caplog):
    ws, _ = corpus
    store = ws.store()
    nb = _sync_nb(store, None)
    sync_link_keys(store, nb, links_dir(ws))
    (links_dir(ws) / "pkey.npy").write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="minsheng"):
        keys = sync_link_keys(store, nb, links_dir(ws))
    assert "saved links unreadable" in caplog.text
    assert set(keys.lines) == _expected(store, nb) and keys.previous == ""
    # Lists rebuilt with rows in another order: the saved pair rows mean nothing any more.
    order = list(reversed(range(len(nb.ids))))
    shuffled = Neighbours.build("m", [nb.ids[i] for i in order], [nb.keys[i] for i in order], nb.vectors[order],
                                nb.state)
    assert set(sync_link_keys(store, shuffled, links_dir(ws)).lines) == _expected(store, shuffled)


def test_graph_store_applies_the_change_list_and_matches_a_rebuild(corpus, tmp_path):
    ws, tmp = corpus
    store = ws.store()
    nb = _sync_nb(store, None)
    graph = GraphStore(graph_path(ws))
    graph.sync(store, link_keys=lambda: sync_link_keys(store, nb, links_dir(ws)))
    ingest_paths(store, [_write(tmp, 3, 2023)])
    nb = _sync_nb(store, nb)
    seen: list = []

    def keys():  # type: ignore[no-untyped-def]
        seen.append(sync_link_keys(store, nb, links_dir(ws)))
        return seen[-1]

    state = graph.sync(store, link_keys=keys)
    assert state["links"] == seen[0].generation and seen[0].previous  # the change-list path was taken
    assert set(graph.links_path.read_text("utf-8").splitlines()) == set(seen[0].lines)
    rebuilt = GraphStore(tmp_path / "rebuilt")
    rebuilt.sync(store, lambda: [_link_from_key(k) for k in seen[0].lines])
    assert quads(graph) == quads(rebuilt)


def quads(graph: GraphStore) -> set:
    return set(graph.open_read().quads_for_pattern(None, None, None, None))


def test_concurrent_syncs_of_one_workspace_do_not_collide(corpus):
    """Server threads may sync the link set at once (/sparql, /export): one at a time, same answer."""
    import threading

    from kg.graph.linkset import workspace_link_keys
    from kg.graph.neighbours import neighbours_dir

    ws, tmp = corpus
    _sync_nb(ws.store(), None).save(neighbours_dir(ws))
    results: list = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(workspace_link_keys(ws))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4 and all(r is not None for r in results)
    assert len({frozenset(r.lines) for r in results}) == 1
    assert not list(links_dir(ws).glob("*.tmp*"))  # no temporary file left behind
