"""The process SPARQL queries run in, so a runaway query can be killed and its memory freed.

Oxigraph evaluates a query inside Rust without a cancellation hook: a cross join under
an aggregate never returns to Python. Running it in a child process lets the parent
enforce a wall-clock limit and a memory limit by killing the child, which also returns
every byte to the system. The child keeps a read-only handle on the graph store between
queries and reopens it when the store's key changes. This module imports nothing heavy:
it is what a fresh worker loads.
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import sys
from typing import Any


class FramedPipe:
    """Length-prefixed pickles over a pair of file descriptors (the worker's stdin/stdout)."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, obj: Any) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(struct.pack("!Q", len(data)) + data)
        while view:
            view = view[os.write(self.write_fd, view):]

    def _read_exact(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = os.read(self.read_fd, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def recv(self) -> Any:
        (size,) = struct.unpack("!Q", self._read_exact(8))
        return pickle.loads(self._read_exact(size))  # noqa: S301 (our own child process)

    def poll(self, timeout: float) -> bool:
        import select

        return bool(select.select([self.read_fd], [], [], timeout)[0])


class TooManyRows(Exception):
    pass


def term_tuple(term: Any) -> tuple | None:
    """A picklable, library-neutral form of an Oxigraph term."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        dt: str | None = term.datatype.value if term.datatype is not None else None
        if term.language or dt == "http://www.w3.org/2001/XMLSchema#string":
            dt = None
        return ("literal", term.value, term.language, dt)
    return ("literal", str(term), None, None)  # RDF-star triple terms: shown, not typed


def execute(store: Any, req: dict[str, Any]) -> tuple[str, Any]:
    import pyoxigraph as ox

    kwargs: dict[str, Any] = {"prefixes": req["prefixes"]}
    if req.get("own_dataset"):
        pass  # FROM / FROM NAMED in the query decide the dataset
    elif req.get("default_graph"):
        kwargs["default_graph"] = [ox.NamedNode(g) for g in req["default_graph"]]
    else:
        kwargs["use_default_graph_as_union"] = True
    result = store.query(req["query"], **kwargs)
    max_rows = req["max_rows"]
    if isinstance(result, ox.QueryBoolean):
        return "ask", bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[tuple[tuple | None, ...]] = []
        for solution in result:
            if len(rows) >= max_rows:
                raise TooManyRows(max_rows)
            rows.append(tuple(term_tuple(solution[i]) for i in range(len(variables))))
        return "select", (variables, rows)
    triples: list[tuple[tuple | None, tuple | None, tuple | None]] = []
    for t in result:
        if len(triples) >= max_rows:
            raise TooManyRows(max_rows)
        triples.append((term_tuple(t.subject), term_tuple(t.predicate), term_tuple(t.object)))
    return "graph", triples


def serve(conn: Any) -> None:
    """Answer requests from ``conn`` until it closes: ("ok", kind, payload) or ("error", type, message)."""
    import pyoxigraph as ox

    store, key = None, None
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store is None or req["key"] != key:
                store = None
                gc.collect()
                store = ox.Store.read_only(req["path"])
                key = req["key"]
            kind, payload = execute(store, req)
            conn.send(("ok", kind, payload))
        except TooManyRows as exc:
            conn.send(("error", "TooManyRows", str(exc.args[0])))
        except SyntaxError as exc:
            conn.send(("error", "SyntaxError", str(exc)))
        except OSError as exc:
            store = None  # files may have moved under a read-only handle: reopen next time
            conn.send(("error", "OSError", str(exc)))
        except Exception as exc:
            conn.send(("error", type(exc).__name__, str(exc)))


def main() -> None:
    # The protocol owns stdout: anything printed by a library goes to stderr instead.
    read_fd, write_fd = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(FramedPipe(read_fd, write_fd))


if __name__ == "__main__":
    main()
