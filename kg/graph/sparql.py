"""Read-only SPARQL over the RDF Dataset built by ``kg.graph.rdf.build_dataset``.

The dataset is rebuilt from the store on every run, so an update could never be
persisted: refusing it is clearer than silently discarding it. Federated SERVICE calls
and FROM clauses naming graphs outside the dataset are refused too, because rdflib
would fetch them over the network and this tool must work offline.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.query import ResultRow
from rdflib.term import Node

from kg.errors import QueryError
from kg.graph.rdf import PREFIXES

MAX_QUERY_CHARS = 100_000
READ_ONLY_MESSAGE = "SPARQL updates are not allowed; minsheng sparql is read-only"
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")
# Strings, IRIs and comments are masked before keyword checks so "DELETE" inside a literal is harmless.
_MASK_RE = re.compile(r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')
_UPDATE_RE = re.compile(r"(?<![\w?$:])(" + "|".join(_UPDATE_WORDS) + r")(?![\w:])", re.IGNORECASE)
_SERVICE_RE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.IGNORECASE)
PREFIX_HEADER = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@dataclass
class SparqlResult:
    """Outcome of one query: ``kind`` is select, ask, construct or describe.

    Graph results (construct/describe) also appear as rows of subject/predicate/object.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    bindings: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

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

    def to_csv(self) -> str:
        """SPARQL 1.1 CSV results (plain lexical values, header of variable names)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        rows = self.rows()
        header = ["result"] if self.kind == "ask" else self.variables
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(v) is None else row[v] for v in header])
        return buf.getvalue()

    def serialize(self, fmt: str = "turtle") -> str:
        """A construct/describe result as RDF text; other kinds raise QueryError."""
        if self.graph is None:
            raise QueryError(f"only CONSTRUCT and DESCRIBE results can be serialized as RDF, not {self.kind.upper()}")
        return self.graph.serialize(format=fmt)


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


def display_term(term: Node) -> str:
    """``ms:Commitment`` for a known namespace, percent-decoded IRIs otherwise, lexical form for literals."""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in PREFIXES.items():
            if text.startswith(str(ns)) and "/" not in text[len(str(ns)):]:
                return f"{prefix}:{text[len(str(ns)):]}"
        return unquote(text)
    return str(term)


def _mask(query: str) -> str:
    return _MASK_RE.sub(lambda m: " " * len(m.group(0)), query)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def prepare_query(query: str) -> Any:
    """Parse a read-only query with the common prefixes predeclared; raise QueryError otherwise."""
    if not query or not query.strip():
        raise QueryError("empty SPARQL query")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"SPARQL query too long: {len(query)} characters, at most {MAX_QUERY_CHARS}")
    masked = _mask(query)
    if _SERVICE_RE.search(masked):
        raise QueryError("SERVICE (federated query) is not allowed; minsheng sparql runs offline on the local dataset")
    try:
        return prepareQuery(query, initNs=PREFIXES)
    except Exception as exc:
        is_update = bool(_UPDATE_RE.search(masked))
        if not is_update:
            try:
                parseUpdate(query)
                is_update = True
            except Exception:
                is_update = False
        if is_update:
            raise QueryError(READ_ONLY_MESSAGE) from None
        raise QueryError(f"malformed SPARQL query: {_one_line(exc)}") from None


def run_sparql(dataset: Graph, query: str) -> SparqlResult:
    """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query on ``dataset`` without modifying it."""
    prepared = prepare_query(query)
    graph_names = {str(g.identifier) for g in dataset.graphs()} if hasattr(dataset, "graphs") else set()
    for clause in prepared.algebra.get("datasetClause") or []:
        name = clause.get("default") or clause.get("named")
        if name is not None and str(name) not in graph_names:
            raise QueryError(f"FROM <{name}> names no graph of this dataset; graphs are named "
                             "https://minsheng-kg.org/graph/document/<document id>, .../shared, .../links, .../ontology")
    try:
        result = dataset.query(prepared)
    except Exception as exc:
        raise QueryError(f"SPARQL evaluation failed: {_one_line(exc)}") from None
    kind = result.type.lower()
    if kind == "ask":
        return SparqlResult("ask", boolean=bool(result.askAnswer))
    if kind in ("construct", "describe"):
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        for triple in result.graph or []:
            g.add(triple)
        bindings = [{"subject": s, "predicate": p, "object": o} for s, p, o in sorted(g)]
        return SparqlResult(kind, ["subject", "predicate", "object"], bindings, graph=g)
    variables = [str(v) for v in result.vars or []]
    # A SELECT result iterates ResultRows; rdflib types __iter__ as the union over all query kinds.
    bindings = [{str(k): v for k, v in cast(ResultRow, row).asdict().items() if v is not None} for row in result]
    return SparqlResult("select", variables, bindings)
