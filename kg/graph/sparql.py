"""Read-only SPARQL over the workspace's graph store, or over a remote SPARQL 1.1 endpoint.

Safety is decided on the parsed query, not its text: SPARQL allows ``\\u0053ERVICE`` for
``SERVICE``, and a text check would let that through, making the server fetch any URL
(SSRF). Every query is parsed (rdflib's parser, which expands those escapes) and refused
if its syntax tree holds a SERVICE pattern, or if it is an update (403: the graph is
derived from the SQLite store, so an update could never persist anyway).

Queries run in a worker process (kg.graph.query_worker) with a wall-clock limit, a memory
limit and a row limit, all configurable (``MINSHENG_SPARQL_TIMEOUT`` seconds,
``MINSHENG_SPARQL_MAX_ROWS``, ``MINSHENG_SPARQL_MAX_MEMORY_MB``): a query past a limit
kills the worker, which frees its memory, and ends in BusyError (503) or TooLargeError (413).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import BusyError, ForbiddenError, InputError, QueryError, StoreError, TooLargeError
from kg.graph.rdf import LINKS_GRAPH, ONTOLOGY_GRAPH, PREFIXES, SHARED_GRAPH, document_graph_iri

MAX_QUERY_CHARS = 100_000
READ_ONLY_MESSAGE = "SPARQL updates are not allowed: the graph is read-only (it is derived from the store)"
SERVICE_MESSAGE = "SERVICE (federated query) is not allowed: queries run on the local graph only"
PREFIX_IRIS = {p: str(ns) for p, ns in PREFIXES.items()}
PREFIX_HEADER = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
GRAPH_KINDS = ("construct", "describe")
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")
# Strings, IRIs and comments are masked before the keyword test so "DELETE" inside a literal is harmless.
_MASK_RE = re.compile(r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')
_UPDATE_RE = re.compile(r"(?<![\w?$:])(" + "|".join(_UPDATE_WORDS) + r")(?![\w:])", re.IGNORECASE)
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

        from kg.graph.oxstore import _Sink

        if fmt == "json-ld":
            fmt = "jsonld"
        if fmt not in RDF_RESULT_FORMATS:
            raise QueryError(f"unknown RDF format {fmt!r}; expected one of {', '.join(RDF_RESULT_FORMATS)}")
        sink = _Sink(SHARED_GRAPH, {})
        triples = [ox.Triple(sink.term(s), sink.term(p), sink.term(o)) for s, p, o in self.triples]
        data = ox.serialize(triples, format=getattr(ox.RdfFormat, RDF_RESULT_FORMATS[fmt][1]),
                            prefixes=PREFIX_IRIS if fmt in ("turtle", "rdfxml") else None)
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


# -- checking ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckedQuery:
    text: str
    kind: str  # select, ask, construct, describe
    graphs: tuple[str, ...]  # IRIs named by FROM / FROM NAMED


_CODEPOINT_RE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Spans that cannot hold a keyword: comments, the four string forms, IRIs.
_OPAQUE_RE = re.compile("|".join((
    r"#[^\n]*",
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",
    r'"(?:[^"\\\n\r]|\\.)*"',
    r"'(?:[^'\\\n\r]|\\.)*'",
    r'<[^<>"{}|^`\\\x00-\x20]*>',
)), re.S)
_NAME = "[\\w\u00b7\u00c0-\U000effff]"
_LOCAL = "[\\w.\\-:%\\\\\u00b7\u00c0-\U000effff]"
# Variables and prefixed names / blank node labels: names, never keywords (ex:SERVICE, ?service).
_NAMES_RE = re.compile(rf"[?$]{_NAME}+|(?:{_NAME}[\w.\-]*)?:{_LOCAL}*")
_FORM_RE = re.compile(r"(?<![\w])(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)"
                      r"(?![\w])", re.I)
_FROM_RE = re.compile(r"(?<![\w?$:])FROM\s+(?:NAMED\s+)?<([^<>\s]*)>", re.I)
_PREFIX_DECL_RE = re.compile(r"(?<![\w?$:])PREFIX\s+([^\s:]*):", re.I)
_PNAME_PREFIX_RE = re.compile(r"(?<![\w?$:.\-])([^\W\d][\w.\-]*)?:(?=[\w%\\]|\s|[;,.)\]}])")


def _unescape(query: str) -> str:
    # SPARQL processes \u and \U escapes before parsing, anywhere in a query: so must the check.
    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(f"query: {m.group(0)} is not a valid character escape")
        return chr(code)

    return _CODEPOINT_RE.sub(char, query)


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


@functools.lru_cache(maxsize=128)  # queries are at most 100k characters: bounded memory
def check_query(query: str) -> CheckedQuery:
    """Refuse SERVICE anywhere in ``query`` (400) and updates (403); return its kind and FROM graphs.

    The check works on the query's tokens after SPARQL's escape processing, the first
    stage of parsing: strings, IRIs, comments, variables and prefixed names are set aside,
    and what remains are keywords, so SERVICE there, however spelled (``\\u0053ERVICE``,
    ``service``), is the federated-query keyword. Oxigraph then parses the query for real.
    (rdflib's full parser would do the same job at 50-100 ms a query, the whole time budget.)
    """
    if not query or not query.strip():
        raise QueryError("query: empty SPARQL query")
    if len(query) > MAX_QUERY_CHARS:
        raise TooLargeError(f"query: {len(query)} characters, at most {MAX_QUERY_CHARS}")
    unescaped = _unescape(query)
    text = _OPAQUE_RE.sub(_blank, unescaped)
    keywords = _NAMES_RE.sub(_blank, text)
    if "SERVICE" in keywords.upper():
        raise QueryError(SERVICE_MESSAGE)
    form = _FORM_RE.search(keywords)
    kind = form.group(1).lower() if form else ""
    if kind not in ("select", "ask", "construct", "describe"):
        if kind:
            raise ForbiddenError(READ_ONLY_MESSAGE)
        raise QueryError("query: malformed SPARQL (expected SELECT, ASK, CONSTRUCT or DESCRIBE)")
    declared = set(PREFIXES) | set(_PREFIX_DECL_RE.findall(text))
    for prefix in _PNAME_PREFIX_RE.findall(text):
        if prefix not in declared and prefix != "_":
            raise QueryError(f"query: unknown prefix {prefix}: (declare it with PREFIX; "
                             f"predeclared: {', '.join(p + ':' for p in PREFIXES)})")
    plain = _OPAQUE_RE.sub(lambda m: m.group(0) if m.group(0).startswith("<") else _blank(m), unescaped)
    return CheckedQuery(query, kind, tuple(_FROM_RE.findall(plain)))


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
    if kind == "graph":
        triples = [tuple(_rdflib_term(t) for t in triple) for triple in payload]
        triples.sort()
        bindings = [{"subject": s, "predicate": p, "object": o} for s, p, o in triples]
        return SparqlResult(checked.kind if checked.kind in GRAPH_KINDS else "construct",
                            ["subject", "predicate", "object"], bindings, triples=triples)  # type: ignore[arg-type]
    variables, rows = payload
    bindings = [{v: _rdflib_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    return SparqlResult("select", variables, bindings)  # type: ignore[arg-type]


# -- remote endpoints ----------------------------------------------------------------------
MAX_REMOTE_BYTES = 256 * 2**20


def _http_url(url: str, what: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what}: expected an http(s) URL such as http://127.0.0.1:7878/query, not {url!r}")
    return url


def read_limited(response: Any, deadline: float, max_bytes: int, what: str) -> bytes:
    """Read an HTTP body within a total time limit and a size limit."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise BusyError(f"{what}: no complete answer within the time limit")
        chunk = response.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise TooLargeError(f"{what}: answer larger than {max_bytes // 2**20} MB")
        chunks.append(chunk)


def run_remote(endpoint: str, query: str, *, limits: SparqlLimits | None = None) -> SparqlResult:
    """Send a checked read-only query to a SPARQL 1.1 endpoint (the same refusals and limits as local)."""
    import urllib.error
    import urllib.request

    limits = limits or SparqlLimits.from_env()
    checked = check_query(query)
    url = _http_url(endpoint, "--endpoint")
    accept = "application/n-triples" if checked.kind in GRAPH_KINDS else "application/sparql-results+json"
    request = urllib.request.Request(url, data=(PREFIX_HEADER + query).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                              "Accept": accept})
    deadline = time.monotonic() + limits.timeout
    try:
        with urllib.request.urlopen(request, timeout=limits.timeout) as response:  # noqa: S310 (scheme checked)
            body = read_limited(response, deadline, MAX_REMOTE_BYTES, url)
    except urllib.error.HTTPError as exc:
        detail = _one_line(exc.read(2000).decode("utf-8", "replace"))
        raise QueryError(f"{url}: the endpoint answered {exc.code} ({detail})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise BusyError(f"{url}: endpoint unreachable ({_one_line(getattr(exc, 'reason', exc))})") from None
    if checked.kind in GRAPH_KINDS:
        import pyoxigraph as ox

        from kg.graph.query_worker import term_tuple

        payload = [(term_tuple(t.subject), term_tuple(t.predicate), term_tuple(t.object))
                   for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        if len(payload) > limits.max_rows:
            return _result_from_reply(("error", "TooManyRows", ""), checked, limits)
        return _result_from_reply(("ok", "graph", payload), checked, limits)
    try:
        doc = json.loads(body)
    except ValueError:
        raise QueryError(f"{url}: the endpoint did not answer SPARQL JSON results") from None
    if "boolean" in doc:
        return SparqlResult("ask", boolean=bool(doc["boolean"]))
    variables = list(doc.get("head", {}).get("vars", []))
    raw = doc.get("results", {}).get("bindings", [])
    if len(raw) > limits.max_rows:
        return _result_from_reply(("error", "TooManyRows", ""), checked, limits)
    rows = [tuple(_tuple_from_json(b.get(v)) for v in variables) for b in raw]
    return _result_from_reply(("ok", "select", (variables, rows)), checked, limits)


def _tuple_from_json(term: dict[str, str] | None) -> tuple | None:
    if not term:
        return None
    if term.get("type") == "uri":
        return ("uri", term["value"])
    if term.get("type") == "bnode":
        return ("bnode", term["value"])
    return ("literal", term.get("value", ""), term.get("xml:lang"), term.get("datatype"))
