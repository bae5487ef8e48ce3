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

from rdflib import XSD, BNode, Literal, URIRef

from kg.errors import BusyError, StoreError
from kg.graph import rdf

if TYPE_CHECKING:
    from kg.graph.links import Link
    from kg.graph.views import GraphData

log = logging.getLogger("minsheng")

GRAPH_DIR = "graph"
STATE_NAME = "state.json"
STATE_FORMAT = 1
# Quads handed to Oxigraph per call: large enough to amortise the call, small enough that a
# 100k-commitment build never holds more than a few MB of Python objects.
BATCH = 50_000
LOCK_WAIT_S = 30.0
_XSD_STRING = str(XSD.string)
_sync_lock = threading.Lock()
_opened: set[str] = set()
_state_cache: dict[tuple, Any] = {}


def _ox() -> Any:
    import pyoxigraph

    return pyoxigraph


class _Sink:
    """Collects rdflib triples of one named graph as Oxigraph quads (``.add`` like an rdflib Graph)."""

    def __init__(self, graph: URIRef | str, cache: dict[str, Any]):
        self.ox = _ox()
        self.graph = self.ox.NamedNode(str(graph))
        self.cache = cache
        self.quads: list[Any] = []

    def term(self, t: Any) -> Any:
        # No cache keyed by rdflib terms: their Python-level __hash__/__eq__ cost more than a new NamedNode.
        if isinstance(t, URIRef):
            return self.ox.NamedNode(t)
        if isinstance(t, Literal):
            if t.language:
                return self.ox.Literal(t, language=t.language)
            dt = t.datatype
            if dt is not None and not str.__eq__(dt, _XSD_STRING):
                node = self.cache.get(dt)
                if node is None:
                    node = self.cache[dt] = self.ox.NamedNode(dt)
                return self.ox.Literal(t, datatype=node)
            return self.ox.Literal(t)
        if isinstance(t, BNode):
            return self.ox.BlankNode(str(t))
        raise TypeError(f"not an RDF term: {t!r}")

    def add(self, triple: tuple[Any, Any, Any]) -> None:
        s, p, o = triple
        self.quads.append(self.ox.Quad(self.term(s), self.term(p), self.term(o), self.graph))


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
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Bring the graph up to date with ``store``; returns the state. Cheap when nothing changed."""
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
        link_list = list(links()) if links else []

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
                 "jurisdictions": {d.id: d.jurisdiction_code for d in documents.values()}}
        self._write_state(state)
        return state

    def _update(self, store: Any, links: Callable[[], Iterable[Link]] | None, state: dict[str, Any], db_id: str,
                version: int, progress: Callable[[str], None] | None) -> dict[str, Any]:
        have_links = _load_link_keys(self.links_path) if links is not None else None
        if links is not None and have_links is None:
            raise _NeedRebuild(f"{self.links_path.name} missing")
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
            if codes:
                catalog = ({d.id: d for d in store.departments()}, {o.id: o for o in store.officials()}, documents)
                for code in codes:
                    _remove_jurisdiction_nodes(ox_store, code)
                    data = _jurisdiction_data(store, code, catalog)
                    data.documents = {i: d for i, d in data.documents.items() if i in set(changed)}
                    ox_store.extend(_jurisdiction_quads(data, lookup, with_documents=True))
            if links is not None:
                _sync_links(ox_store, list(links()), self.links_path, have_links or set())
        state = {**state, "db": db_id, "version": version,
                 "documents": {d.id: _doc_key(d) for d in documents.values()},
                 "jurisdictions": {d.id: d.jurisdiction_code for d in documents.values()}}
        self._write_state(state)
        return state


class _NeedRebuild(Exception):
    """A derived file the incremental update relies on is missing."""


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


def _batched(quads: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for q in quads:
        batch.append(q)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _fixed_graph_quads() -> list[Any]:
    cache: dict[str, Any] = {}
    onto = _Sink(rdf.ONTOLOGY_GRAPH, cache)
    for t in rdf._ontology_triples():
        onto.add(t)
    vocab = _Sink(rdf.SHARED_GRAPH, cache)
    rdf._add_vocabulary(vocab)  # type: ignore[arg-type]
    return onto.quads + vocab.quads


def _jurisdiction_data(store: Any, code: str, catalog: tuple[dict, dict, dict]) -> GraphData:
    from kg.graph.views import collect_graph_data

    return collect_graph_data(store, jurisdiction=code, links=[], catalog=catalog)


def _jurisdiction_quads(data: GraphData, lookup: dict, *, with_documents: bool) -> list[Any]:
    """Shared nodes and series of one jurisdiction, plus the named graphs of ``data.documents``."""
    from kg.graph.links import target_series

    cache: dict[str, Any] = {}
    shared = _Sink(rdf.SHARED_GRAPH, cache)
    rdf._add_entities(shared, data)  # type: ignore[arg-type]
    links = _Sink(rdf.LINKS_GRAPH, cache)
    rdf._add_series(links, target_series(data.commitments), lookup)  # type: ignore[arg-type]
    quads = shared.quads + links.quads
    if with_documents:
        sinks: dict[str, _Sink] = {}
        for doc in data.documents.values():
            sinks[doc.id] = _Sink(rdf.document_graph_iri(doc.id), cache)
            rdf._add_document(sinks[doc.id], doc)  # type: ignore[arg-type]
        for c in data.commitments:
            if c.document_id in sinks:
                rdf._add_commitment(sinks[c.document_id], c, lookup)  # type: ignore[arg-type]
        for sink in sinks.values():
            quads.extend(sink.quads)
    return quads


def _remove_jurisdiction_nodes(ox_store: Any, code: str) -> None:
    """Departments, officials, the jurisdiction node and target series of ``code``, from shared/links."""
    ox = _ox()
    j = ox.NamedNode(str(rdf.jurisdiction_iri(code)))
    ms_j = ox.NamedNode(str(rdf.MS.jurisdiction))
    shared, links = ox.NamedNode(str(rdf.SHARED_GRAPH)), ox.NamedNode(str(rdf.LINKS_GRAPH))
    doomed: list[Any] = list(ox_store.quads_for_pattern(j, None, None, shared))
    for q in list(ox_store.quads_for_pattern(None, ms_j, j, shared)):
        doomed.extend(ox_store.quads_for_pattern(q.subject, None, None, shared))
    in_series = ox.NamedNode(str(rdf.MS.inSeries))
    for q in list(ox_store.quads_for_pattern(None, ms_j, j, links)):
        doomed.extend(ox_store.quads_for_pattern(q.subject, None, None, links))
        for member in ox_store.quads_for_pattern(None, in_series, q.subject, links):
            doomed.extend(ox_store.quads_for_pattern(member.subject, None, None, links))
    for q in doomed:
        ox_store.remove(q)


def _link_quads(links: Iterable[Link]) -> list[Any]:
    sink = _Sink(rdf.LINKS_GRAPH, {})
    rdf._add_link_triples(sink, links)  # type: ignore[arg-type]
    return sink.quads


_SEP = "\x1f"  # unit separator: never in ids, kinds or evidence text


def _link_key(link: Link) -> str:
    return _SEP.join((link.kind, link.source_id, link.target_id, format(round(float(link.score), 4), "g"),
                      " ".join(link.evidence.split())))


def _load_link_keys(path: Path) -> set[str] | None:
    # One line per link: a set of strings loads ~10x faster than JSON lists at 190k links.
    try:
        return set(path.read_text("utf-8").splitlines())
    except (OSError, ValueError):
        return None


def _save_link_keys(path: Path, keys: Iterable[str]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text("\n".join(keys), "utf-8")
    os.replace(tmp, path)


def _sync_links(ox_store: Any, links: list[Link], snapshot: Path, have: set[str]) -> None:
    """Replace only the links that appeared, disappeared or changed score or evidence.

    The previous link set is read from a snapshot file next to the store: reading it back
    from Oxigraph would decode every link node's strings (seconds at 100k commitments). Without
    the snapshot ``sync`` rebuilds instead: removing every link node quad by quad is far slower.
    """
    ox = _ox()
    graph = ox.NamedNode(str(rdf.LINKS_GRAPH))
    wanted = {_link_key(lk): lk for lk in links}
    stale = have - wanted.keys()
    fresh = [lk for key, lk in wanted.items() if key not in have]
    fresh_nodes = {str(rdf.link_iri(lk)) for lk in fresh}
    for key in stale:
        from kg.graph.links import Link

        kind, src, dst = key.split(_SEP)[:3]
        node = rdf.link_iri(Link(kind, src, dst, 0.0, ""))
        for q in list(ox_store.quads_for_pattern(ox.NamedNode(str(node)), None, None, graph)):
            ox_store.remove(q)
        if str(node) not in fresh_nodes:
            p = rdf.MS.continues if kind == "continues" else rdf.MS.similarTo
            ox_store.remove(ox.Quad(ox.NamedNode(str(rdf.commitment_iri(src))), ox.NamedNode(str(p)),
                                    ox.NamedNode(str(rdf.commitment_iri(dst))), graph))
    if fresh:
        ox_store.extend(_link_quads(fresh))
    _save_link_keys(snapshot, wanted.keys())


def workspace_graph(workspace: Any, *, links: Callable[[], Iterable[Link]] | None = None,
                    progress: Callable[[str], None] | None = None) -> GraphStore:
    """The workspace's graph store, synced with its SQLite store (links from the workspace's embeddings)."""
    gs = GraphStore(graph_path(workspace))
    if links is None:
        def links() -> Iterable[Link]:
            from kg.embed.vectors import workspace_links

            return workspace_links(workspace)
    gs.sync(workspace.store(), links, progress)
    return gs
