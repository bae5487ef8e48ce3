"""The safety check every SPARQL query passes before it runs, locally or on a remote endpoint.

It works on the query's tokens after SPARQL's escape processing (the first stage of
parsing): strings, IRIs, comments, variables and prefixed names are set aside, and what
remains are keywords. SERVICE among them, however spelled (``\\u0053ERVICE``,
``service``), is the federated-query keyword, which pyoxigraph would execute over HTTP;
an update keyword in the query-form position is an update (403). Oxigraph then parses
the query for real. rdflib's full parser would do the same job at 50-100 ms a query on
this machine, the whole per-query time budget.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from kg.errors import ForbiddenError, QueryError, TooLargeError
from kg.graph.rdf import PREFIXES

MAX_QUERY_CHARS = 100_000
READ_ONLY_MESSAGE = "SPARQL updates are not allowed: the graph is read-only (it is derived from the store)"
SERVICE_MESSAGE = "SERVICE (federated query) is not allowed: queries run on the local graph only"


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


def _refuse_service_in_algebra(query: str) -> None:
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(query, initNs=PREFIXES).algebra
    except Exception as exc:  # noqa: BLE001 - any parser failure means we could not verify it
        raise QueryError(f"query: mentions SERVICE and could not be verified as local-only ({type(exc).__name__})") from None
    stack: list[object] = [algebra]
    while stack:
        node = stack.pop()
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise QueryError(SERVICE_MESSAGE)
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


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
    if "service" in unescaped.lower():
        # The word appears, but only inside strings, IRIs, comments or names: confirm on the
        # parsed algebra that no SERVICE pattern hides there. Queries without the word at all
        # cannot hold the keyword and skip this parse (50-100 ms with rdflib).
        _refuse_service_in_algebra(unescaped)
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
