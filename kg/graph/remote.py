"""Queries to a remote SPARQL 1.1 endpoint, with the local refusals and limits."""

from __future__ import annotations

import json
import time
from typing import Any

from kg.errors import BusyError, InputError, QueryError, TooLargeError
from kg.graph.sparql import (
    GRAPH_KINDS,
    PREFIX_HEADER,
    SparqlLimits,
    SparqlResult,
    _one_line,
    _result_from_reply,
    check_query,
)

MAX_REMOTE_BYTES = 256 * 2**20


def _http_url(url: str, what: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what}: expected an http(s) URL such as http://127.0.0.1:7878/query, not {url!r}")
    return url


def read_limited(response: Any, deadline: float, max_bytes: int, what: str) -> bytes:
    """Read an HTTP body within a total time limit and a size limit."""
    chunks: list[bytes] = []
    size = 0
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
