"""Read-only SPARQL over the workspace's graph store, and the result formats.

Every query first passes kg.graph.sparql_check (SERVICE refused however it is spelled,
updates refused with 403: the graph is derived from the SQLite store, so an update could
never persist anyway). Remote endpoints: kg.graph.remote.

Queries run in a worker process (kg.graph.query_worker) with a wall-clock limit, a memory
limit and a row limit, all configurable (``MINSHENG_SPARQL_TIMEOUT`` seconds,
``MINSHENG_SPARQL_MAX_ROWS``, ``MINSHENG_SPARQL_MAX_MEMORY_MB``): a query past a limit
kills the worker, which frees its memory, and ends in BusyError (503) or TooLargeError (413).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import BusyError, InputError, QueryError, StoreError, TooLargeError
from kg.graph.rdf import LINKS_GRAPH, ONTOLOGY_GRAPH, PREFIXES, SHARED_GRAPH, document_graph_iri
from kg.graph.sparql_check import (
    MAX_QUERY_CHARS,
    READ_ONLY_MESSAGE,
    SERVICE_MESSAGE,
    CheckedQuery,
    check_query,
)

__all__ = ["MAX_QUERY_CHARS", "READ_ONLY_MESSAGE", "SERVICE_MESSAGE", "CheckedQuery", "SparqlLimits", "SparqlResult",
           "check_query", "display_term", "run_sparql"]

PREFIX_IRIS = {p: str(ns) for p, ns in PREFIXES.items()}
PREFIX_HEADER = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
GRAPH_KINDS = ("construct", "describe")
# RDF serialisations of CONSTRUCT/DESCRIBE results: name -> (media type, pyoxigraph format name).
RDF_RESULT_FORMATS = {"turtle": ("text/turtle", "TURTLE"), "nt": ("application/n-triples", "N_TRIPLES"),
                      "jsonld": ("application/ld+json", "JSON_LD"), "rdfxml": ("application/rdf+xml", "RDF_XML")}


@dataclass(frozen=True)
class SparqlLimits:
    """Per-query limits; defaults fit a 2-core machine serving a few users."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_memory_mb: int = 1024

    @classmethod
    def from_env(cls, **overrides: Any) -> SparqlLimits:
        values: dict[str, Any] = {}
        for name, env, kind in (("timeout", "MINSHENG_SPARQL_TIMEOUT", float),
                                ("max_rows", "MINSHENG_SPARQL_MAX_ROWS", int),
                                ("max_memory_mb", "MINSHENG_SPARQL_MAX_MEMORY_MB", int)):
            raw = os.environ.get(env)
            if raw:
                try:
                    values[name] = kind(raw)
                except ValueError:
                    raise InputError(f"{env}={raw!r}: expected a {kind.__name__}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        limits = cls(**values)
        if limits.timeout <= 0 or limits.max_rows <= 0 or limits.max_memory_mb <= 0:
            raise InputError("SPARQL limits (timeout, max rows, max memory) must be positive")
        return limits


@dataclass
class SparqlResult:
    """Outcome of one query: ``kind`` is select, ask, construct or describe.

    Graph results (construct/describe) keep their triples and also appear as rows of
    subject/predicate/object.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    bindings: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] | None = None

    def rows(self) -> list[dict[str, str | None]]:
        """One dict per solution, values as plain strings (IRIs unabbreviated), None when unbound."""
        if self.kind == "ask":
            return [{"result": "true" if self.boolean else "false"}]
        return [{v: (str(b[v]) if v in b else None) for v in self.variables} for b in self.bindings]

    def display_rows(self) -> list[dict[str, str | None]]:
        """Rows for people: IRIs shortened with the known prefixes and percent-decoded."""
        if self.kind == "ask":
            return self.rows()
        return [{v: (display_term(b[v]) if v in b else None) for v in self.variables} for b in self.bindings]

    def to_json(self) -> dict[str, Any]:
        """SPARQL 1.1 Query Results JSON; graph results are given as subject/predicate/object bindings."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        return {"head": {"vars": list(self.variables)},
                "results": {"bindings": [{v: _json_term(t) for v, t in b.items()} for b in self.bindings]}}

    def to_xml(self) -> str:
        """SPARQL Query Results XML Format."""
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        if self.kind == "ask":
            out.append(f"</head>\n<boolean>{'true' if self.boolean else 'false'}</boolean>\n</sparql>\n")
            return "".join(out)
        out.extend(f"<variable name={quoteattr(v)}/>" for v in self.variables)
        out.append("</head>\n<results>\n")
        for b in self.bindings:
            out.append("<result>")
            for v, t in b.items():
                out.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            out.append("</result>\n")
        out.append("</results>\n</sparql>\n")
        return "".join(out)

    def to_csv(self) -> str:
        """SPARQL 1.1 CSV results (plain lexical values, header of variable names)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        header = ["result"] if self.kind == "ask" else self.variables
        writer.writerow(header)
        for row in self.rows():
            writer.writerow(["" if row.get(v) is None else row[v] for v in header])
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 TSV results: terms in Turtle syntax, header of ?variables."""
        if self.kind == "ask":
            return "?result\n" + ("true" if self.boolean else "false") + "\n"
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines.extend("\t".join(_tsv_term(b[v]) if v in b else "" for v in self.variables) for b in self.bindings)
        return "\n".join(lines) + "\n"

    def serialize(self, fmt: str = "turtle") -> str:
        """A construct/describe result as RDF text (turtle, nt or jsonld); other kinds raise QueryError."""
        if self.triples is None:
            raise QueryError(f"only CONSTRUCT and DESCRIBE results can be serialized as RDF, not {self.kind.upper()}")
        import pyoxigraph as ox

        from kg.graph.oxquads import _Sink

        if fmt == "json-ld":
            fmt = "jsonld"
        if fmt not in RDF_RESULT_FORMATS:
            raise QueryError(f"unknown RDF format {fmt!r}; expected one of {', '.join(RDF_RESULT_FORMATS)}")
        sink = _Sink(SHARED_GRAPH, {})
        triples = [ox.Triple(sink.term(s), sink.term(p), sink.term(o)) for s, p, o in self.triples]
        data = ox.serialize(triples, format=getattr(ox.RdfFormat, RDF_RESULT_FORMATS[fmt][1]),
                            prefixes=PREFIX_IRIS if fmt in ("turtle", "rdfxml") else None)
        assert data is not None  # serialize returns the bytes when given no output file
        return data.decode("utf-8")


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
    return out


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    attrs = ""
    if isinstance(term, Literal):
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype is not None:
            attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def _tsv_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    text = text.replace("\t", "\\t")
    if isinstance(term, Literal) and term.language:
        return f'"{text}"@{term.language}'
    if isinstance(term, Literal) and term.datatype is not None:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def display_term(term: Node) -> str:
    """``ms:Commitment`` for a known namespace, percent-decoded IRIs otherwise, lexical form for literals."""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in PREFIXES.items():
            if text.startswith(str(ns)) and "/" not in text[len(str(ns)):]:
                return f"{prefix}:{text[len(str(ns)):]}"
        return unquote(text)
    return str(term)


def _one_line(exc: BaseException | str) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


# -- running in a worker -------------------------------------------------------------------
class _Worker:
    """One query process; killed (and lazily replaced) when a query breaks a limit."""

    def __init__(self) -> None:
        self.proc: Any = None
        self.conn: Any = None

    def _start(self) -> None:
        import subprocess
        import sys

        from kg.graph.query_worker import FramedPipe

        proc = subprocess.Popen([sys.executable, "-m", "kg.graph.query_worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, close_fds=True)
        self.proc, self.conn = proc, FramedPipe(proc.stdout.fileno(), proc.stdin.fileno())  # type: ignore[union-attr]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.kill()
            self.proc.wait(5)
            for stream in (self.proc.stdin, self.proc.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
        self.proc = self.conn = None

    def _rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def ask(self, req: dict[str, Any], limits: SparqlLimits) -> tuple:
        if not self.alive():
            self.kill()
            self._start()
        try:
            self.conn.send(req)
        except OSError:  # the worker died between queries: start another
            self.kill()
            self._start()
            self.conn.send(req)
        deadline = time.monotonic() + limits.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise BusyError(f"SPARQL query stopped after the time limit of {limits.timeout:g} s; "
                                "narrow it or add a LIMIT")
            if self.conn.poll(min(0.05, remaining)):
                try:
                    return self.conn.recv()
                except (EOFError, OSError):
                    self.kill()
                    raise BusyError("SPARQL query ended its worker (out of memory?); narrow it or add a LIMIT") from None
            if self._rss_mb() > limits.max_memory_mb:
                self.kill()
                raise BusyError(f"SPARQL query stopped at the memory limit of {limits.max_memory_mb} MB; "
                                "narrow it or add a LIMIT")
            if not self.alive():
                self.kill()
                raise BusyError("SPARQL query ended its worker (out of memory?); narrow it or add a LIMIT")


class _Pool:
    def __init__(self, size: int):
        self.idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(size):
            self.idle.put(_Worker())

    def ask(self, req: dict[str, Any], limits: SparqlLimits) -> tuple:
        try:
            worker = self.idle.get(timeout=limits.timeout)
        except queue.Empty:
            raise BusyError("every SPARQL worker is busy; try again") from None
        try:
            return worker.ask(req, limits)
        finally:
            self.idle.put(worker)


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _get_pool() -> _Pool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = _Pool(max(1, int(os.environ.get("MINSHENG_SPARQL_WORKERS", "2") or 2)))
        return _pool


def _rdflib_term(t: tuple | None) -> Node | None:
    if t is None:
        return None
    if t[0] == "uri":
        return URIRef(t[1])
    if t[0] == "bnode":
        return BNode(t[1])
    return Literal(t[1], lang=t[2], datatype=URIRef(t[3]) if t[3] else None)


def known_graphs(state: dict[str, Any]) -> set[str]:
    return {str(document_graph_iri(d)) for d in state.get("documents", {})} | {
        str(SHARED_GRAPH), str(LINKS_GRAPH), str(ONTOLOGY_GRAPH)}


def run_sparql(graph: Any, query: str, *, limits: SparqlLimits | None = None,
               default_graph: list[str] | None = None) -> SparqlResult:
    """Run a read-only query on a synced ``GraphStore`` (default graph = union of all named graphs).

    ``default_graph`` restricts the default graph to those named graphs (the year and
    jurisdiction filters of the CLI and API).
    """
    limits = limits or SparqlLimits.from_env()
    checked = check_query(query)
    state = graph.state()
    if state is None:
        raise StoreError(f"{graph.path}: the graph store is missing; it is rebuilt on next use")
    names = known_graphs(state) if checked.graphs else set()
    for iri in checked.graphs:
        if iri not in names:
            raise QueryError(f"FROM <{iri}> names no graph of this store; graphs are named "
                             "https://minsheng-kg.org/graph/document/<document id>, .../shared, .../links, .../ontology")
    req = {"path": str(graph.db_dir), "key": graph.key(), "query": query, "prefixes": PREFIX_IRIS,
           "default_graph": default_graph, "max_rows": limits.max_rows, "own_dataset": bool(checked.graphs)}
    reply = _get_pool().ask(req, limits)
    if reply[0] == "error" and reply[1] == "OSError":
        reply = _get_pool().ask(req, limits)  # a reader that outlived a compaction reopens once
    return _result_from_reply(reply, checked, limits)


def _result_from_reply(reply: tuple, checked: CheckedQuery, limits: SparqlLimits) -> SparqlResult:
    if reply[0] == "error":
        _, kind, message = reply
        if kind == "TooManyRows":
            raise TooLargeError(f"SPARQL result has more than {limits.max_rows} rows; add a LIMIT "
                                "(or raise MINSHENG_SPARQL_MAX_ROWS)")
        if kind == "SyntaxError":
            raise QueryError(f"query: malformed SPARQL ({_one_line(message)})")
        if kind == "OSError":
            raise StoreError(f"graph store unreadable ({_one_line(message)})")
        raise QueryError(f"SPARQL evaluation failed: {_one_line(message)}")
    _, kind, payload = reply
    if kind == "ask":
        return SparqlResult("ask", boolean=bool(payload))
    # Terms repeat across rows (the function label, a department name in every district, small
    # counts): each distinct one becomes an rdflib term once. rdflib builds a Literal in ~10 µs,
    # which was a third of the README's first example (4,000 terms) at 100k commitments.
    terms: dict[tuple, Node | None] = {}

    def term(t: tuple | None) -> Node | None:
        if t is None:
            return None
        node = terms.get(t)
        if node is None:
            node = terms[t] = _rdflib_term(t)
        return node

    if kind == "graph":
        triples = [tuple(term(t) for t in triple) for triple in payload]
        triples.sort()
        bindings = [{"subject": s, "predicate": p, "object": o} for s, p, o in triples]
        return SparqlResult(checked.kind if checked.kind in GRAPH_KINDS else "construct",
                            ["subject", "predicate", "object"], bindings, triples=triples)  # type: ignore[arg-type]
    variables, rows = payload
    bindings = [{v: term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    return SparqlResult("select", variables, bindings)  # type: ignore[arg-type]
