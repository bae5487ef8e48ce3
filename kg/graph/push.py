"""Copy the workspace's named graphs into a SPARQL 1.1 store with the Graph Store Protocol.

Each named graph is sent with ``PUT <endpoint>?graph=<graph IRI>``, which replaces that
graph on the server, so pushing again after an ingest brings the server up to date
without duplicating triples. Any SPARQL 1.1 Graph Store (Oxigraph server's ``/store``,
Jena Fuseki's ``/<dataset>/data``, QLever) accepts it.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kg.errors import BusyError, InputError
from kg.graph.remote import _http_url
from kg.graph.sparql import _one_line

PUSH_TIMEOUT_S = 300.0


@dataclass
class PushReport:
    endpoint: str
    graphs: int = 0
    triples: int = 0
    seconds: float = 0.0
    names: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "graphs": self.graphs, "triples": self.triples,
                "seconds": round(self.seconds, 3)}


def push_graphs(graph: Any, endpoint: str, *, timeout: float = PUSH_TIMEOUT_S,
                progress: Callable[[str], None] | None = None) -> PushReport:
    """PUT every named graph of the synced ``graph`` store to the Graph Store endpoint."""
    import pyoxigraph as ox

    url = _http_url(endpoint, "--endpoint")
    sep = "&" if "?" in url else "?"
    store = graph.open_read()
    report = PushReport(url)
    start = time.monotonic()
    names = sorted(store.named_graphs(), key=lambda n: n.value)
    for name in names:
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
        target = f"{url}{sep}graph={quote(name.value, safe='')}"
        request = urllib.request.Request(target, data=body, method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
                response.read(1 << 16)
        except urllib.error.HTTPError as exc:
            detail = _one_line(exc.read(2000).decode("utf-8", "replace"))
            raise InputError(f"{url}: the endpoint refused graph <{name.value}> with {exc.code} ({detail}); "
                             "expected a SPARQL 1.1 Graph Store endpoint such as http://HOST:7878/store") from None
        except (urllib.error.URLError, OSError) as exc:
            raise BusyError(f"{url}: endpoint unreachable ({_one_line(getattr(exc, 'reason', exc))})") from None
        report.graphs += 1
        report.triples += body.count(b"\n")
        report.names.append(name.value)
        if progress and report.graphs % 100 == 0:
            progress(f"pushed {report.graphs}/{len(names)} graphs")
    report.seconds = time.monotonic() - start
    return report
