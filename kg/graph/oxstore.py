"""The RDF graph persisted in an on-disk Oxigraph store inside the workspace (``<ws>/graph``).

SPARQL, export and push read this store; nothing rebuilds the whole graph per call.
``sync`` brings it up to date with the SQLite store, keyed by the store's version counter:
only documents whose content changed get their named graph replaced, and only the
jurisdictions they belong to get their shared nodes (departments, officials) and target
series rewritten. Links are diffed against the links graph, so an unchanged link costs
nothing. A store that cannot be opened, or a state file that cannot be read, is rebuilt
from SQLite with a warning: the graph is derived data, the SQLite store is the source.

Writers take RocksDB's lock for the length of one sync; readers open the store read-only
(possibly in another process) and reopen it when the state's key changes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import BusyError, StoreError
from kg.graph import rdf
from kg.graph.oxquads import (
    BATCH,
    _fixed_graph_quads,
    _jurisdiction_data,
    _jurisdiction_quads,
    _link_from_key,
    _link_key,
    _link_quads,
    _load_link_keys,
    _ox,
    _remove_jurisdiction_nodes,
    _replace_links,
    _save_link_keys,
    _sync_link_keys,
    _sync_links,
)

if TYPE_CHECKING:
    from kg.graph.links import Link
    from kg.graph.linkset import LinkKeys

log = logging.getLogger("minsheng")

GRAPH_DIR = "graph"
STATE_NAME = "state.json"
STATE_FORMAT = 2  # 2: departments carry ms:commitmentCount
LOCK_WAIT_S = 30.0
_sync_lock = threading.Lock()
_opened: set[str] = set()
_state_cache: dict[tuple, Any] = {}


def graph_path(workspace: Any) -> Path:
    return Path(workspace.path) / GRAPH_DIR


class GraphStore:
    """The Oxigraph store of one workspace plus the state it was built from."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db_dir = self.path / "oxigraph"
        self.state_path = self.path / STATE_NAME
        self.links_path = self.path / "links.txt"

    # -- state ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any] | None:
        # Parsed once per version of the file: at 100k commitments it lists 5,000 documents,
        # and every query asks for it.
        try:
            st = os.stat(self.state_path)
            stamp = (str(self.state_path), st.st_ino, st.st_mtime_ns, st.st_size)
            state = _state_cache.get(stamp)
            if state is None:
                state = json.loads(self.state_path.read_text("utf-8"))
                _state_cache.clear()
                _state_cache[stamp] = state
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT or not self.db_dir.is_dir():
            return None
        return state

    def key(self) -> str:
        """Changes whenever the store content changes: readers reopen when it does."""
        state = self.state() or {}
        return f"{state.get('db')}:{state.get('version')}:{state.get('built')}"

    def _write_state(self, state: dict[str, Any]) -> None:
        tmp = self.state_path.with_name(f".{STATE_NAME}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        os.replace(tmp, self.state_path)

    # -- opening -------------------------------------------------------------------------
    def _opens(self, state: dict[str, Any]) -> bool:
        """Whether the store opens; checked once per process and state, not per query."""
        key = f"{self.db_dir}:{state.get('db')}:{state.get('version')}:{state.get('built')}"
        if key in _opened:
            return True
        try:
            _ox().Store.read_only(str(self.db_dir))
        except (OSError, RuntimeError):  # RocksDB reports corruption as RuntimeError
            return False
        _opened.add(key)
        return True

    def open_read(self) -> Any:
        """A read-only handle (several processes may hold one while a writer syncs)."""
        if self.state() is None:
            raise StoreError(f"{self.path}: no graph store yet; it is built on first use")
        try:
            return _ox().Store.read_only(str(self.db_dir))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"{self.db_dir}: cannot open the graph store ({_one_line(exc)})") from None

    @contextlib.contextmanager
    def _open_write(self) -> Iterator[Any]:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                store = _ox().Store(str(self.db_dir))
                break
            except (OSError, RuntimeError) as exc:
                if "lock" not in str(exc).lower():
                    raise OSError(str(exc)) from None
                if time.monotonic() > deadline:
                    raise BusyError(f"{self.db_dir}: the graph store is being updated by another process; "
                                    "try again") from None
                time.sleep(0.2)
        try:
            yield store
            store.flush()
        finally:
            del store  # RocksDB releases its lock when the handle is dropped

    # -- sync ----------------------------------------------------------------------------
    def sync(self, store: Any, links: Callable[[], Iterable[Link]] | None = None,
             progress: Callable[[str], None] | None = None, *,
             link_keys: Callable[[], LinkKeys | None] | None = None) -> dict[str, Any]:
        """Bring the graph up to date with ``store``; returns the state. Cheap when nothing changed.

        ``link_keys``, when it returns a list, gives the links as keys (kg.graph.linkset, kept per
        document) and ``links`` is not called; when it returns None, ``links`` is.
        """
        if link_keys is not None:
            links = _LinkSource(links, link_keys)
        with _sync_lock:
            db_id = _db_identity(store)
            version = store.version()
            state = self.state()
            if state is not None and state.get("version") == version and state.get("db") == db_id:
                if self._opens(state):
                    return state
                log.warning("%s: graph store unreadable; rebuilding it", self.path)
                return self._rebuild(store, links, db_id, version, progress)
            if state is None or state.get("db") != db_id:
                if self.path.exists() and any(self.path.iterdir()) and state is None:
                    log.warning("%s: graph store unreadable or from another version; rebuilding it", self.path)
                return self._rebuild(store, links, db_id, version, progress)
            try:
                return self._update(store, links, state, db_id, version, progress)
            except (OSError, RuntimeError, _NeedRebuild) as exc:
                log.warning("%s: graph store damaged (%s); rebuilding it", self.path, _one_line(exc))
                return self._rebuild(store, links, db_id, version, progress)

    def _rebuild(self, store: Any, links: Callable[[], Iterable[Link]] | None, db_id: str, version: int,
                 progress: Callable[[str], None] | None) -> dict[str, Any]:
        if progress:
            progress(f"building the graph store in {self.path}")
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        documents = {d.id: d for d in store.documents()}
        catalog = ({d.id: d for d in store.departments()}, {o.id: o for o in store.officials()}, documents)
        codes = sorted({d.jurisdiction_code for d in documents.values()})
        from kg.graph.views import concepts_by_label

        lookup = concepts_by_label()
        link_list = (links.links() if isinstance(links, _LinkSource) else list(links())) if links else []
        generation = links.generation() if isinstance(links, _LinkSource) else None

        def quads() -> Iterator[Any]:
            # One lazy stream into one bulk load: many small loads leave many small files to compact.
            yield from _fixed_graph_quads()
            for code in codes:
                yield from _jurisdiction_quads(_jurisdiction_data(store, code, catalog), lookup, with_documents=True)
            for start in range(0, len(link_list), BATCH):
                yield from _link_quads(link_list[start:start + BATCH])

        with self._open_write() as ox_store:
            ox_store.bulk_extend(quads())
            # Compacting once after a bulk load halves the time of every later full scan (export).
            ox_store.optimize()
        _save_link_keys(self.links_path, {_link_key(lk) for lk in link_list})
        state = {"format": STATE_FORMAT, "db": db_id, "version": version, "built": time.time(),
                 "documents": {d.id: _doc_key(d) for d in documents.values()},
                 "jurisdictions": {d.id: d.jurisdiction_code for d in documents.values()}, "links": generation}
        self._write_state(state)
        return state

    def _update(self, store: Any, links: Callable[[], Iterable[Link]] | None, state: dict[str, Any], db_id: str,
                version: int, progress: Callable[[str], None] | None) -> dict[str, Any]:
        if links is not None and not self.links_path.is_file():
            raise _NeedRebuild(f"{self.links_path.name} missing")
        generation = None
        documents = {d.id: d for d in store.documents()}
        old_keys: dict[str, str] = state.get("documents", {})
        old_codes: dict[str, str] = state.get("jurisdictions", {})
        changed = [i for i, d in documents.items() if old_keys.get(i) != _doc_key(d)]
        removed = [i for i in old_keys if i not in documents]
        codes = sorted({documents[i].jurisdiction_code for i in changed} | {old_codes[i] for i in removed if i in old_codes})
        if progress and (changed or removed):
            progress(f"updating the graph store: {len(changed)} document(s) changed, {len(removed)} removed")
        from kg.graph.views import concepts_by_label

        lookup = concepts_by_label()
        ox = _ox()
        with self._open_write() as ox_store:
            for doc_id in (*changed, *removed):
                graph = ox.NamedNode(str(rdf.document_graph_iri(doc_id)))
                if ox_store.contains_named_graph(graph):
                    ox_store.remove_graph(graph)
            for code in codes:
                _remove_jurisdiction_nodes(ox_store, code)
                # Only the people this jurisdiction names: reading every department costs 3 s at 100k.
                data = _jurisdiction_data(store, code, documents)
                data.documents = {i: d for i, d in data.documents.items() if i in set(changed)}
                ox_store.extend(_jurisdiction_quads(data, lookup, with_documents=True))
            if isinstance(links, _LinkSource) and (keys := links.keys()) is not None:
                generation = keys.generation
                if keys.previous and keys.previous == state.get("links"):
                    # The link set moved on from what this store holds by exactly these changes.
                    _replace_links(ox_store, keys.removed, [_link_from_key(k) for k in keys.added])
                    _copy_atomically(keys.path, self.links_path)
                else:
                    _sync_link_keys(ox_store, keys.lines, self.links_path, self._snapshot())
            elif links is not None:
                _sync_links(ox_store, list(links()), self.links_path, self._snapshot())
        state = {**state, "db": db_id, "version": version,
                 "documents": {d.id: _doc_key(d) for d in documents.values()},
                 "jurisdictions": {d.id: d.jurisdiction_code for d in documents.values()}, "links": generation}
        self._write_state(state)
        return state

    def _snapshot(self) -> set[str]:
        have = _load_link_keys(self.links_path)
        if have is None:
            raise _NeedRebuild(f"{self.links_path.name} unreadable")
        return have


class _LinkSource:
    """Links as keys when ``keys`` has them (cheap to diff), else as Link objects from ``links``."""

    def __init__(self, links: Callable[[], Iterable[Link]] | None, keys: Callable[[], LinkKeys | None]):
        self._links, self._keys = links, keys
        self._got: tuple[LinkKeys | None] | None = None

    def keys(self) -> LinkKeys | None:
        if self._got is None:  # computing them saves the link set's next generation: once per sync
            self._got = (self._keys(),)
        return self._got[0]

    def generation(self) -> str | None:
        keys = self.keys()
        return keys.generation if keys is not None else None

    def links(self) -> list[Link]:
        keys = self.keys()
        if keys is not None:
            return [_link_from_key(k) for k in keys.lines]
        return list(self._links()) if self._links else []

    def __call__(self) -> list[Link]:
        return self.links()


class _NeedRebuild(Exception):
    """A derived file the incremental update relies on is missing."""


def _copy_atomically(source: Path, target: Path) -> None:
    """``target`` gets ``source``'s content: a hard link where possible (the link set replaces its
    file rather than rewriting it, so the link keeps this content), else a copy."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def _db_identity(store: Any) -> str:
    # A workspace rebuilt with --force gets a new file (new inode) while its version
    # counter may start over at the same value.
    path = getattr(store, "path", None)
    try:
        st = os.stat(path) if path else None
    except OSError:
        st = None
    return f"{st.st_dev}:{st.st_ino}" if st else str(path)


def _doc_key(doc: Any) -> str:
    return f"{doc.sha256}:{doc.ingested_at}"


def workspace_graph(workspace: Any, *, links: Callable[[], Iterable[Link]] | None = None,
                    progress: Callable[[str], None] | None = None,
                    prepare: Callable[[], None] | None = None) -> GraphStore:
    """The workspace's graph store, synced with its SQLite store (links from the workspace's embeddings).

    ``prepare`` runs before the links are read, only when the graph needs an update: the CLI and
    API pass the search index's ``ensure_neighbours`` (search depends on kg, not the reverse), so
    that an ingest followed by `sparql` updates the neighbour lists for the new items (seconds)
    instead of computing every link again from vectors (~80 s at 100k).
    """
    gs = GraphStore(graph_path(workspace))
    link_keys = None
    if links is None:
        def links() -> Iterable[Link]:
            from kg.embed.vectors import workspace_links

            return workspace_links(workspace)

        def link_keys() -> LinkKeys | None:
            # Kept per document next to the neighbour lists; None (then ``links``) when those are stale.
            from kg.graph.linkset import workspace_link_keys

            if prepare is not None:
                prepare()
            return workspace_link_keys(workspace)
    gs.sync(workspace.store(), links, progress, link_keys=link_keys)
    return gs
