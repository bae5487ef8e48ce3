"""Benchmark the graph store: build, README SPARQL examples, export, one-document update, peak RSS.

Usage: python scripts/bench_graph.py [--commitments N] [--workspace DIR] [--json]

Builds (or reuses, with --workspace) a synthetic workspace of N commitments: districts x
10 years, each document the 2025 seed list (20 items) retitled for its place and year,
with the place and year written into every item so texts differ. Links are synthetic
too (embedding 100k items takes hours on this machine): each commitment ``continues``
the same item of its district's previous year and is ``similar_to`` the same item of
the next district, about 2 links per commitment, the volume the nearest-neighbour
policy produces. Prints one line per figure, and JSON with --json. Asserts nothing.

``--reuse`` measures an existing workspace as it is (e.g. the one scripts/bench_scale.py
--keep leaves, with hash vectors): no synthetic build and no full graph build; the README
examples, ``export ttl``, and adding one 20-item document (a new year of a district in the
middle of the sort order, as bench_scale's ``_add_one``) in process (ingest, search index with
hash vectors, graph store) and end to end in fresh CLI processes (ingest, search, sparql).
Every time is wall and CPU seconds, with the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from kg.graph.links import Link  # noqa: E402
from kg.graph.oxstore import GraphStore, graph_path  # noqa: E402
from kg.ingest.corpus import bundled_files  # noqa: E402
from kg.ingest.pipeline import ingest_paths  # noqa: E402
from kg.store.workspace import Workspace, init_workspace  # noqa: E402

YEARS = 10
ITEM_RE = re.compile(r"^([一二三四五六七八九十]+、)", re.M)
FIGURES: dict[str, float | int | str] = {}


def record(label: str, value: float | int | str, unit: str = "") -> None:
    FIGURES[label] = value
    shown = f"{value:10.3f}" if isinstance(value, float) else f"{value!s:>10}"
    print(f"{label:<52} {shown} {unit}", flush=True)


def place(i: int) -> str:
    # Two CJK characters: unique for up to 400 x 400 districts, never a real place name.
    return f"样本市{chr(0x5F00 + i // 400)}{chr(0x6000 + i % 400)}区"


def document_text(body: str, district: int, year: int) -> str:
    name = place(district)
    return f"{name}{year}年民生实事项目\n" + ITEM_RE.sub(lambda m: f"{m.group(1)}{name}{year}年", body)


def seed_body() -> str:
    seed = next(p for p in bundled_files() if p.name.startswith("003"))
    return seed.read_text(encoding="utf-8").split("\n", 1)[1]


def synthetic_corpus(directory: Path, districts: int, years: int = YEARS, first_year: int = 2010) -> list[Path]:
    body = seed_body()
    files = []
    for d in range(districts):
        for y in range(years):
            path = directory / f"synthetic_{d:05d}_{y:02d}.txt"
            path.write_text(document_text(body, d, first_year + y), encoding="utf-8")
            files.append(path)
    return files


def synthetic_links(store) -> list[Link]:  # type: ignore[no-untyped-def]
    """continues: same seq, same district, previous year; similar_to: same seq, next district, same year."""
    by_key: dict[tuple[str, int, int], str] = {}
    codes: dict[str, int] = {}
    for c in store.commitments():
        codes.setdefault(c.jurisdiction_code, len(codes))
        by_key[(c.jurisdiction_code, c.year, c.seq)] = c.id
    order = sorted(codes)
    nxt = {a: b for a, b in zip(order, order[1:], strict=False)}
    links = []
    for (code, year, seq), cid in by_key.items():
        prev = by_key.get((code, year - 1, seq))
        if prev:
            links.append(Link("continues", cid, prev, 0.9, "synthetic: same item, previous year"))
        other = by_key.get((nxt.get(code, ""), year, seq))
        if other:
            links.append(Link("similar_to", cid, other, 0.8, "synthetic: same item, next district"))
    return links


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), _cpu()
    result = fn(*args, **kwargs)
    record(label, time.perf_counter() - start, f"s (CPU {_cpu() - cpu:.2f} s, load {os.getloadavg()[0]:.1f})")
    return result


# README example 1 before it was rewritten to start from its constant and read ms:commitmentCount
# (kept to show the difference).
FILTER_FORM = """SELECT ?function ?jurisdiction ?department (COUNT(DISTINCT ?c) AS ?commitments)
WHERE {
  ?dept a org:OrganizationalUnit ; rdfs:label ?department ; org:classification ?f ;
        ms:jurisdiction/rdfs:label ?jurisdiction .
  ?f skos:prefLabel ?function .
  FILTER(lang(?function) = "zh" && str(?function) = "卫健")
  OPTIONAL { ?c ms:responsibleDepartment ?dept }
}
GROUP BY ?function ?jurisdiction ?department ORDER BY ?jurisdiction ?department"""


def readme_queries() -> list[str]:
    return re.findall(r"```sparql\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)


def bench(commitments: int, ws_dir: Path | None, tmp: Path) -> None:
    from kg.graph.export import iter_rdf
    from kg.graph.sparql import run_sparql

    districts = max(1, commitments // (20 * YEARS))
    ws_dir = ws_dir or tmp / "ws"
    if not (ws_dir / "minsheng.db").exists():
        files = synthetic_corpus(tmp, districts)
        ws = init_workspace(ws_dir, empty=True)
        # The bundled corpus too, so the README examples (张源, 370103, elderly_beds) have answers.
        ingest_paths(ws.store(), [*bundled_files(), ROOT / "tests" / "data" / "shizhong_2025.txt"])
        timed(f"ingest {len(files)} synthetic documents", ingest_paths, ws.store(), files)
    ws = Workspace(ws_dir)
    store = ws.store()
    record("commitments", store.counts()["commitments"])
    links = timed("synthetic links", synthetic_links, store)
    record("links", len(links))
    graph = GraphStore(graph_path(ws))
    import shutil

    shutil.rmtree(graph.path, ignore_errors=True)
    timed("graph store: full build", graph.sync, store, lambda: links)
    record("graph store: quads", len(graph.open_read()))
    record("graph store: disk MB", round(sum(f.stat().st_size for f in graph.path.rglob("*") if f.is_file()) / 2**20, 1))
    timed("graph store: sync when up to date", graph.sync, store, lambda: links)

    readme_examples(graph)

    start = time.perf_counter()
    rows = run_sparql(graph, FILTER_FORM).rows()
    record("README example 1, old FILTER form s", time.perf_counter() - start)
    record("README example 1, old FILTER form rows", len(rows))

    out = tmp / "export.ttl"
    start = time.perf_counter()
    with out.open("wb") as fh:
        for chunk in iter_rdf(graph, "ttl"):
            fh.write(chunk)
    record("export ttl s", time.perf_counter() - start)
    record("export ttl MB", round(out.stat().st_size / 2**20, 1))
    out.unlink()

    # One new document: a new year of an existing district (its id sorts mid-store).
    new = tmp / "new_doc.txt"
    # A year no earlier run used, so a reused workspace still sees a genuinely new document.
    new.write_text(document_text(seed_body(), districts // 2, 2030 + int(time.time()) % 60), encoding="utf-8")
    timed("ingest one 20-item document (SQLite)", ingest_paths, store, [new])
    links = synthetic_links(store)
    timed("graph store: one-document update", graph.sync, store, lambda: links)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    record("peak RSS, benchmark process MB", round(self_kb / 1024, 1))
    record("peak RSS, finished children MB", round(child_kb / 1024, 1))
    from kg.graph import sparql

    for worker in list(sparql._get_pool().idle.queue):
        if worker.alive():
            record("query worker RSS now MB", round(worker._rss_mb(), 1))


def readme_examples(graph: GraphStore) -> None:
    from kg.graph.sparql import run_sparql

    for i, query in enumerate(readme_queries(), 1):
        start = time.perf_counter()
        result = run_sparql(graph, query)
        first = time.perf_counter() - start
        warm = []
        for _ in range(9):
            start = time.perf_counter()
            run_sparql(graph, query)
            warm.append(time.perf_counter() - start)
        record(f"README example {i}: first (incl. worker start) s", first)
        record(f"README example {i}: warm median s", statistics.median(warm), f"(load {os.getloadavg()[0]:.1f})")
        record(f"README example {i}: rows", len(result.rows()))


def synthetic_document(store) -> tuple[str, str]:
    """(file name, text) of the next year of bench_scale's district in the middle of the sort order."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from synth_corpus import _districts, document

    documents = store.documents()
    names = {d.jurisdiction for d in documents if d.jurisdiction_code.startswith("x-")}
    districts = [d for d in _districts(len(names)) if d[0] in names]
    district = districts[len(districts) // 2]
    year = 1 + max(d.year for d in documents if d.jurisdiction == district[0])
    return f"{district[0]}_{year}.txt", document(district, year, year - 2020, 7)[1]


def bench_reuse(ws_dir: Path, tmp: Path, skip: set[str]) -> None:
    from bench_scale import HashEmbedder

    from kg.graph.export import iter_rdf
    from kg.graph.oxstore import workspace_graph
    from search.engine import SearchEngine

    ws = Workspace(ws_dir)
    store = ws.store()
    record("commitments", store.counts()["commitments"])
    engine = SearchEngine(ws, embedder=HashEmbedder())
    timed("search index brought up to date first", engine.build_index)
    graph = timed("graph store brought up to date first", workspace_graph, ws)
    readme_examples(graph)
    out = tmp / "export.ttl"

    def export() -> None:
        with out.open("wb") as fh:
            for chunk in iter_rdf(graph, "ttl"):
                fh.write(chunk)

    if "export" not in skip:
        timed("export ttl s", export)
        record("export ttl MB", round(out.stat().st_size / 2**20, 1))
        out.unlink()

    name, text = synthetic_document(store)
    new = tmp / name
    new.write_text(text, encoding="utf-8")
    start, cpu = time.perf_counter(), _cpu()
    timed("add one document: ingest (SQLite) s", ingest_paths, store, [new])
    timed("add one document: search indexes, neighbour lists (hash vectors) s", engine.build_index)
    timed("add one document: graph store (links, named graph, shared nodes) s", workspace_graph, ws)
    record("add one document, in process: total s", time.perf_counter() - start,
           f"s (CPU {_cpu() - cpu:.2f} s, load {os.getloadavg()[0]:.1f})")

    name, text = synthetic_document(store)
    new = tmp / name
    new.write_text(text, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    total_wall = total_cpu = 0.0
    for label, args in (("ingest", ["ingest", str(new)]), ("search", ["search", "养老床位"]),
                        ("sparql", ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"])):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.main", *args, "--workspace", str(ws_dir)], env=env, check=True,
                       capture_output=True, cwd=ROOT)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        record(f"add one document, CLI: minsheng {label} s", wall, f"s (CPU {cpu:.2f} s, load {os.getloadavg()[0]:.1f})")
    record("add one document, CLI: total s", total_wall, f"s (CPU {total_cpu:.2f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commitments", type=int, default=10_000, help="synthetic corpus size (multiple of 200)")
    parser.add_argument("--workspace", type=Path, default=None, help="build/reuse the synthetic workspace here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    parser.add_argument("--reuse", action="store_true", help="measure --workspace as it is (see above)")
    parser.add_argument("--skip", action="append", default=[], help="with --reuse: export (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.reuse:
            if args.workspace is None:
                parser.error("--reuse needs --workspace")
            bench_reuse(args.workspace, Path(tmp), set(args.skip))
        else:
            bench(args.commitments, args.workspace, Path(tmp))
    if args.json:
        print(json.dumps(FIGURES, ensure_ascii=False, indent=1))
