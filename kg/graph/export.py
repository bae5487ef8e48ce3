"""Export the knowledge graph for triple stores (RDF) and network tools (Gephi, Cytoscape).

RDF formats stream from the workspace's graph store (kg.graph.oxstore); the others come from
a networkx view of ``kg.graph.views``. Attribute values are flattened for formats that cannot hold lists,
and the HTML view is made self-contained so it opens offline.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.graph.rdf import PREFIXES

if TYPE_CHECKING:  # networkx is only needed for the network formats
    import networkx as nx

    from kg.graph.links import Link

RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "jsonld": "json-ld", "trig": "trig"}
NETWORK_FORMATS = ("graphml", "gexf", "cytoscape", "csv", "html")
FORMATS = (*RDF_FORMATS, *NETWORK_FORMATS)
_EXTENSIONS = {"ttl": "ttl", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "trig": "trig", "graphml": "graphml",
               "gexf": "gexf", "cytoscape": "cyjs", "html": "html"}
KIND_COLORS = {"commitment": "#4e79a7", "department": "#f28e2b", "official": "#e15759", "jurisdiction": "#76b7b2",
               "document": "#59a14f", "target": "#edc948", "target_type": "#b07aa1", "theme": "#ff9da7",
               "function": "#9c755f", "year": "#bab0ac"}
# forceAtlas2 keeps disconnected departments near the centre, so the initial fit is not
# zoomed out so far that vis-network stops drawing labels.
_VIS_OPTIONS = {
    "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 300},
                "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.02, "springLength": 90}},
    "nodes": {"font": {"size": 16}, "scaling": {"label": {"drawThreshold": 2}}},
    "edges": {"smooth": False, "color": {"inherit": False, "color": "#9aa5b1"}},
    "interaction": {"hover": True, "tooltipDelay": 150},
}
_REMOTE_REF_RE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def export_graph(store: Any, fmt: str, out_path: Path | str, *, view: str = "full", year: int | None = None,
                 jurisdiction: str | None = None, links: list[Link] | None = None, graph: Any = None) -> list[Path]:
    """Write the graph in ``fmt`` to ``out_path`` and return the files written.

    ``out_path`` is a file, or a directory to put ``minsheng-<view>.<ext>`` in; for csv it
    is always a directory receiving nodes.csv and edges.csv. RDF formats stream from the
    graph store ``graph`` (the workspace's, synced, when None) and export the whole
    dataset, so ``view`` must be "full" for them.
    """
    fmt = _check(fmt, view)
    out_path = Path(out_path)
    if fmt == "csv":
        return write_csv(_view(store, view, year, jurisdiction, links), out_path)
    path = _file_path(out_path, fmt, "rdf" if fmt in RDF_FORMATS else view)
    chunks = iter_export(store, fmt, view=view, year=year, jurisdiction=jurisdiction, links=links, graph=graph)

    def write(tmp: Path) -> None:
        try:
            with tmp.open("wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
        except PermissionError as exc:
            raise InputError(f"{path}: cannot write here ({exc.strerror})") from None

    _write_via_tmp(path, write)
    return [path]


def _check(fmt: str, view: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise InputError(f"--format: unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt in RDF_FORMATS:
        if view != "full":
            raise InputError(f"--view {view}: RDF formats always export the full dataset; "
                             f"views apply to {', '.join(NETWORK_FORMATS)}")
        return fmt
    from kg.graph.views import VIEWS

    if view not in VIEWS:
        raise InputError(f"--view: unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    return fmt


def _view(store: Any, view: str, year: int | None, jurisdiction: str | None, links: list[Link] | None) -> nx.Graph:
    from kg.graph.views import VIEWS

    kwargs: dict[str, Any] = {"year": year, "jurisdiction": jurisdiction}
    if view == "full":
        kwargs["links"] = links
    return VIEWS[view](store, **kwargs)


def iter_export(store: Any, fmt: str, *, view: str = "full", year: int | None = None,
                jurisdiction: str | None = None, links: list[Link] | None = None,
                graph: Any = None) -> Iterator[bytes]:
    """The export as a stream of byte chunks (csv, two files, is not a stream).

    Checks run before the first chunk is produced, so a bad argument is an error, not a
    half-written response.
    """
    fmt = _check(fmt, view)
    if fmt == "csv":
        raise InputError("format: csv writes two files (nodes.csv, edges.csv); use another format or a directory")
    if fmt in RDF_FORMATS:
        if graph is None:
            graph = _synced_graph(store, links)
        names = _filtered_graphs(store, graph, year, jurisdiction)
        return iter_rdf(graph, fmt, graphs=names)
    import networkx as nx

    g = _view(store, view, year, jurisdiction, links)
    if fmt == "graphml":
        # lxml's incremental writer: networkx's default GraphML writer builds the whole element tree
        # and then one string of it (8 GB at 100k commitments); this one streams (2.0 GB, the graph).
        flat = flatten_attributes(g, copy=False)
        return _stream_writes(lambda out: nx.write_graphml_lxml(flat, out, encoding="utf-8"))
    if fmt == "gexf":
        return _encoded(nx.generate_gexf(flatten_attributes(g, copy=False), encoding="utf-8"))
    if fmt == "cytoscape":
        return iter([json.dumps(nx.cytoscape_data(g, name="label"), ensure_ascii=False, indent=1).encode("utf-8")])
    return iter([render_html(g, title=f"minsheng-kg: {view}").encode("utf-8")])


def _encoded(lines: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        batch.append("\n")
        if len(batch) >= 2000:
            yield "".join(batch).encode("utf-8")
            batch = []
    yield "".join(batch).encode("utf-8")


def _synced_graph(store: Any, links: list[Link] | None) -> Any:
    from kg.graph.links import link_commitments
    from kg.graph.oxstore import GRAPH_DIR, GraphStore

    graph = GraphStore(Path(store.path).parent / GRAPH_DIR)
    graph.sync(store, (lambda: links) if links is not None else (lambda: link_commitments(store.commitments())))
    return graph


def _filtered_graphs(store: Any, graph: Any, year: int | None, jurisdiction: str | None) -> list[str] | None:
    """Named graphs of the documents matching the filters plus the shared graphs; None = everything."""
    if year is None and not jurisdiction:
        return None
    from kg.graph.rdf import LINKS_GRAPH, ONTOLOGY_GRAPH, SHARED_GRAPH, document_graph_iri

    code = store.jurisdiction_code(jurisdiction) if jurisdiction else None
    if jurisdiction and code is None:
        raise InputError(f"jurisdiction: unknown jurisdiction {jurisdiction!r}")
    docs = [d for d in store.documents() if (year is None or d.year == year)
            and (code is None or d.jurisdiction_code == code)]
    return [str(document_graph_iri(d.id)) for d in docs] + [str(SHARED_GRAPH), str(LINKS_GRAPH), str(ONTOLOGY_GRAPH)]


def iter_rdf(graph: Any, fmt: str, *, graphs: list[str] | None = None) -> Iterator[bytes]:
    """Stream the graph store in an RDF format, one batch of quads at a time (bounded memory).

    TriG/N-Quads keep the named graphs; Turtle, N-Triples and JSON-LD get the union. Each
    Turtle/TriG chunk restates the prefixes, which both formats allow, so chunks concatenate.
    """
    store = graph.open_read()  # now, so a missing store is an error before the first byte
    return _iter_rdf(store, fmt, graphs)


def _iter_rdf(store: Any, fmt: str, graphs: list[str] | None) -> Iterator[bytes]:
    import pyoxigraph as ox

    from kg.graph.oxquads import _batched

    def quads() -> Iterator[Any]:
        if graphs is None:
            for name in store.named_graphs():
                yield from store.quads_for_pattern(None, None, None, name)
        else:
            for name in graphs:
                yield from store.quads_for_pattern(None, None, None, ox.NamedNode(name))

    if fmt == "jsonld":
        yield from _iter_jsonld(quads())
        return
    rdf_format = getattr(ox.RdfFormat, {"ttl": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG"}[fmt])
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt in ("ttl", "trig") else None
    as_triples = fmt in ("ttl", "nt")
    if as_triples or graphs is None:
        # Oxigraph's own dump, graph by graph, is about twice as fast as iterating quads in Python.
        names = [ox.NamedNode(g) for g in graphs] if graphs is not None else list(store.named_graphs())
        yield from _dump_stream(store, rdf_format, prefixes, names if as_triples else None)
        return
    for batch in _batched(quads()):  # a filtered TriG / N-Quads export: dump cannot select graphs there
        items = [q.triple for q in batch] if as_triples else batch
        data = ox.serialize(items, format=rdf_format, prefixes=prefixes)
        assert data is not None  # serialize returns the bytes when given no output file
        yield data


class _QueueWriter:
    """A binary file for pyoxigraph's dump that hands ~1 MB chunks to the consuming generator."""

    CHUNK = 1 << 20

    def __init__(self, out: Any, stop: Any):
        self.out, self.stop, self.buf = out, stop, bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= self.CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        import queue

        if not self.buf:
            return
        chunk, self.buf = bytes(self.buf), bytearray()
        while True:
            if self.stop.is_set():
                raise OSError("export cancelled by the reader")
            try:
                self.out.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue


def _dump_stream(store: Any, rdf_format: Any, prefixes: dict[str, str] | None,
                 names: list[Any] | None) -> Iterator[bytes]:
    """Run Oxigraph's dump in a thread and yield what it writes (per graph, or the whole dataset)."""
    def dump(writer: Any) -> None:
        if names is None:
            store.dump(writer, format=rdf_format, prefixes=prefixes)
        else:
            for name in names:
                store.dump(writer, format=rdf_format, from_graph=name, prefixes=prefixes)
    return _stream_writes(dump)


def _stream_writes(write: Callable[[Any], None]) -> Iterator[bytes]:
    """Run ``write(file)`` in a thread and yield what it writes, ~1 MB at a time (bounded memory)."""
    import queue
    import threading

    out: queue.Queue[Any] = queue.Queue(maxsize=8)
    stop = threading.Event()
    done = object()

    def run() -> None:
        try:
            writer = _QueueWriter(out, stop)
            write(writer)
            writer.flush()
            out.put(done)
        except BaseException as exc:  # handed to the reader, which raises it
            if not stop.is_set():
                out.put(exc)

    thread = threading.Thread(target=run, daemon=True, name="minsheng-export")
    thread.start()
    try:
        while True:
            item = out.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.1)


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _jsonld_value(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype is not None and term.datatype.value != _XSD_STRING:
        return {"@value": term.value, "@type": term.datatype.value}
    return {"@value": term.value}


def _iter_jsonld(quads: Iterable[Any]) -> Iterator[bytes]:
    """Expanded JSON-LD node objects under ``@graph``, one per run of quads with the same subject."""
    import pyoxigraph as ox

    context = json.dumps({k: str(v) for k, v in PREFIXES.items()}, ensure_ascii=False)
    yield f'{{"@context": {context},\n "@graph": [\n'.encode()
    node: dict[str, Any] | None = None
    subject: Any = None
    out: list[str] = []
    first = True
    for q in quads:
        if q.subject != subject:
            if node is not None:
                out.append(("" if first else ",\n") + json.dumps(node, ensure_ascii=False))
                first = False
                if len(out) >= 5000:
                    yield "".join(out).encode("utf-8")
                    out = []
            subject = q.subject
            sid = subject.value if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
            node = {"@id": sid}
        assert node is not None
        if q.predicate.value == _RDF_TYPE and isinstance(q.object, ox.NamedNode):
            node.setdefault("@type", []).append(q.object.value)
        else:
            node.setdefault(q.predicate.value, []).append(_jsonld_value(q.object))
    if node is not None:
        out.append(("" if first else ",\n") + json.dumps(node, ensure_ascii=False))
    out.append("\n]}\n")
    yield "".join(out).encode("utf-8")


def _file_path(out_path: Path, fmt: str, stem: str) -> Path:
    if out_path.is_dir() or str(out_path).endswith(os.sep):
        out_path.mkdir(parents=True, exist_ok=True)
        return out_path / f"minsheng-{stem}.{_EXTENSIONS[fmt]}"
    if not out_path.parent.exists():
        raise InputError(f"{out_path}: directory {out_path.parent} does not exist")
    return out_path


def _write_text(path: Path, text: str) -> None:
    _write_via_tmp(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _write_via_tmp(path: Path, write: Any) -> None:
    # A crash half-way must not leave a truncated file that Gephi would half-import.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def flatten_attributes(g: nx.Graph, *, copy: bool = True) -> nx.Graph:
    """List attributes joined by "; " and None as "" (GraphML and GEXF hold scalars only); in place
    when ``copy`` is False (an export's own graph: a copy of 100k commitments is 0.6 GB)."""
    h = g.copy() if copy else g
    for _, data in h.nodes(data=True):
        data.update({k: _flat(v) for k, v in data.items()})
    for *_, data in h.edges(data=True):
        data.update({k: _flat(v) for k, v in data.items()})
    return h


def write_csv(g: nx.Graph, out_dir: Path) -> list[Path]:
    """nodes.csv (id, kind, label, ...) and edges.csv (source, target, kind, weight, ...) in ``out_dir``."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: csv export writes nodes.csv and edges.csv, so the output must be a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    node_cols = _columns((d for _, d in g.nodes(data=True)), ["kind", "label"])
    edge_cols = _columns((d for *_, d in g.edges(data=True)), ["kind", "weight"])
    node_rows = [[n, *(_flat(d.get(c)) for c in node_cols)] for n, d in g.nodes(data=True)]
    edge_rows = [[u, v, *(_flat(d.get(c)) for c in edge_cols)] for u, v, d in g.edges(data=True)]
    paths = [out_dir / "nodes.csv", out_dir / "edges.csv"]
    for path, header, rows in ((paths[0], ["id", *node_cols], node_rows),
                               (paths[1], ["source", "target", *edge_cols], edge_rows)):
        _write_text(path, _csv_text(header, rows))
    return paths


def _columns(dicts: Any, first: list[str]) -> list[str]:
    seen = {k for d in dicts for k in d}
    return [c for c in first if c in seen] + sorted(seen - set(first))


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def remote_references(html: str) -> list[str]:
    """Script, link, img or iframe tags that would load something over the network."""
    return [m.group(0) for m in _REMOTE_REF_RE.finditer(html)]


def render_html(g: nx.Graph, *, title: str = "minsheng-kg") -> str:
    """A self-contained interactive page (pyvis / vis-network inlined) that works offline."""
    from pyvis.network import Network

    net = Network(height="850px", width="100%", directed=g.is_directed(), cdn_resources="in_line",
                  notebook=False)
    for n, d in g.nodes(data=True):
        kind = d.get("kind", "")
        tip = "\n".join(f"{k}: {_flat(v)}" for k, v in d.items() if k not in ("text",) and v not in ("", None, []))
        # No ``group=``: pyvis drops an explicit colour when a group is given.
        net.add_node(str(n), label=str(d.get("label", n)), title=tip,
                     color=KIND_COLORS.get(kind, "#999999"),
                     size=10 + 6 * min(float(d.get("n_commitments") or 1), 25) ** 0.5)
    for u, v, d in g.edges(data=True):
        weight = float(d.get("weight", 1))
        # A fixed width scale: vis's relative ``value`` scaling makes every weight-1 edge maximal.
        net.add_edge(str(u), str(v), title=f"{d.get('kind', '')} {weight:g}", width=0.5 + 0.75 * min(weight, 8))
    net.set_options(json.dumps(_VIS_OPTIONS))
    html = net.generate_html(notebook=False)
    return _make_offline(html, g, title)


def _make_offline(html: str, g: nx.Graph, title: str) -> str:
    # pyvis's in_line mode still links Bootstrap from a CDN; the page only uses it for
    # cosmetic card styling, so the tags are dropped rather than vendored.
    html = re.sub(r"<link\b[^>]*href=\"https?://[^\"]*\"[^>]*/?>", "", html)
    html = re.sub(r"<script\b[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>", "", html)
    if "@version" not in html or " * vis-network" not in html:
        # A pyvis build that does not inline the library: embed the copy shipped inside pyvis.
        js = resources.files("pyvis").joinpath("templates", "lib", "vis-9.1.2", "vis-network.min.js").read_text("utf-8")
        html = html.replace("<head>", f"<head><script>{js}</script>", 1)
    counts: dict[str, int] = {}
    for _, d in g.nodes(data=True):
        counts[d.get("kind", "")] = counts.get(d.get("kind", ""), 0) + 1
    legend = " · ".join(
        f'<span style="color:{KIND_COLORS.get(k, "#999")}">&#9679;</span> {k} ({n})' for k, n in sorted(counts.items()))
    header = (f'<div id="minsheng-legend" style="font-family:sans-serif;margin:6px">'
              f"<b>{_escape(title)}</b> — {legend}</div>")
    html = html.replace("<head>", f'<head><meta charset="utf-8"><title>{_escape(title)}</title>', 1)
    html = re.sub(r"<body[^>]*>", lambda m: m.group(0) + header, html, count=1)
    remaining = remote_references(html)
    if remaining:
        raise InputError(f"html export would load remote resources ({remaining[0][:80]}…); pyvis template changed?")
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
