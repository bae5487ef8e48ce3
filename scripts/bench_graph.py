"""Benchmark ingest and graph building: prints figures, asserts nothing.

Usage: python scripts/bench_graph.py [--copies N]

Measures, on this machine: building a workspace from the bundled corpus, building the
RDF dataset and the networkx views for it, and the same for a synthetic corpus made of
N renamed copies of the seeds (different jurisdictions and years), to show scaling.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from kg.graph.rdf import build_dataset
from kg.graph.views import build_department_graph, build_full_graph
from kg.ingest.corpus import bundled_files
from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import init_workspace


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label:<48} {1000 * (time.perf_counter() - start):9.1f} ms")
    return result


def synthetic_corpus(directory: Path, copies: int) -> list[Path]:
    """Copies of the 2025 seed (which has a title line) retitled for other places and years."""
    seed = next(p for p in bundled_files() if p.name.startswith("003"))
    body = seed.read_text(encoding="utf-8").split("\n", 1)[1]
    files = []
    for i in range(copies):
        path = directory / f"synthetic_{i:04d}.txt"
        path.write_text(f"样本市{chr(0x5F00 + i // 10)}山区{2000 + i % 10}年民生实事项目\n{body}", encoding="utf-8")
        files.append(path)
    return files


def bench(copies: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = timed("init workspace (bundled corpus, 44 items)", init_workspace, Path(tmp) / "ws")
        store = ws.store()
        ds = timed("build RDF dataset (bundled)", build_dataset, store)
        print(f"{'  quads':<48} {len(ds):9d}")
        timed("build full networkx graph (bundled)", build_full_graph, store)
        timed("build department graph (bundled)", build_department_graph, store)
        files = synthetic_corpus(Path(tmp), copies)
        timed(f"ingest synthetic corpus ({copies} docs, {copies * 20} items)", ingest_paths, store, files)
        ds = timed(f"build RDF dataset ({len(store.commitments())} items)", build_dataset, store)
        print(f"{'  quads':<48} {len(ds):9d}")
        timed("build full networkx graph (synthetic)", build_full_graph, store)
        timed("build department graph (synthetic)", build_department_graph, store)
    print(f"{'peak RSS':<48} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:9.1f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=50, help="synthetic documents to add")
    bench(parser.parse_args().copies)
