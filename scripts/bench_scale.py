"""Benchmark every command against a synthetic corpus of N commitments; prints JSON and a markdown table.

    python scripts/bench_scale.py --size 10000                 # real E5 vectors
    python scripts/bench_scale.py --size 100000 --embedder hash   # cheap deterministic vectors

The corpus comes from scripts/synth_corpus.py (N/100 districts x 5 years x 20 items, three
layouts). ``--embedder hash`` replaces E5 by hashed character-bigram vectors (384-d): embedding
100k items with E5 takes ~20 minutes on two cores, and everything measured after embedding
(index, links, overlaps, search) depends only on the vectors' count and dimension, not on
where they came from. Its rows say so. Asserts nothing; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from synth_corpus import _districts, document, write_corpus  # noqa: E402

QUERIES = ["养老床位", "老人吃饭难怎么办", "充电桩", "新增学位", "两癌筛查", "就业服务驿站", "停车难", "老旧小区改造",
           "燃气管网", "日间照料中心", "托育机构", "城市书房", "健身场地", "最低生活保障", "家庭医生签约",
           "EV charging", "口袋公园", "创业担保贷款", "食堂 食材 追溯", "上门医养服务"]


class HashEmbedder:
    """Hashed character-bigram vectors (384-d, unit length): deterministic and ~5k texts/s.

    It reports E5's model id on purpose: the saved index then names E5, so the cold CLI
    search measured on it loads the real model and runs the real code path (its ranking is
    meaningless, its timing is not). Only ever used in the benchmark's own workspace.
    """

    model_id = "multilingual-e5-small"
    dim = 384

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for j in range(max(len(text) - 1, 1)):
                h = int.from_bytes(hashlib.blake2b(text[j : j + 2].encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))


def timed(results: dict[str, Any], key: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    try:
        out = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports a failing stage and goes on
        results[key] = f"error: {type(exc).__name__}: {exc}"[:200]
        print(f"{key:<40} {results[key]}", file=sys.stderr)
        return None
    results[key] = round(time.perf_counter() - start, 3)
    # The process's high-water mark after each stage shows which stage set the peak.
    results.setdefault("peak_rss_mb_after", {})[key] = round(rss_mb())
    print(f"{key:<40} {results[key]:>10.3f} s   peak RSS so far {rss_mb():8.0f} MB", file=sys.stderr)
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def du_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def run(size: int, embedder_kind: str, workdir: Path, *, years: int = 5, skip: set[str]) -> dict[str, Any]:
    from kg.ingest.pipeline import ingest_paths
    from kg.store.workspace import init_workspace
    from search.engine import SearchEngine

    r: dict[str, Any] = {"size": size, "embedder": embedder_kind}
    districts = max(1, size // (20 * years))
    corpus = workdir / "corpus"
    timed(r, "generate_s", write_corpus, corpus, districts, years)
    ws = init_workspace(workdir / "ws", empty=True)
    store = ws.store()
    summary = timed(r, "ingest_parse_store_s", ingest_paths, store, [corpus])
    n = store.counts()["commitments"]
    r["commitments"] = n
    if summary is not None and isinstance(r["ingest_parse_store_s"], float):
        r["parse_store_per_s"] = round(n / r["ingest_parse_store_s"])
    embedder = HashEmbedder() if embedder_kind == "hash" else None
    engine = SearchEngine(ws, embedder=embedder)
    info = timed(r, "index_build_s", engine.build_index)  # embedding + dense + BM25 + neighbour lists
    if info is not None:
        r["ingest_with_embedding_per_s"] = round(n / (r["ingest_parse_store_s"] + r["index_build_s"]))
        r["links_build_s"] = info["neighbours_seconds"]  # first full k-NN build, part of index_build_s
    # A new process would load the saved indexes: measure the first search of a fresh engine.
    cold = SearchEngine(type(ws)(ws.path), embedder=embedder)
    timed(r, "first_search_s", cold.search, QUERIES[0])
    for label, threads in (("single", 1), ("default", None)):
        _threads(threads)
        times = []
        for q in QUERIES * 5:
            start = time.perf_counter()
            cold.search(q)
            times.append(1000 * (time.perf_counter() - start))
        r[f"warm_p50_ms_{label}"] = round(percentile(times, 50), 2)
        r[f"warm_p99_ms_{label}"] = round(percentile(times, 99), 2)
    _threads(None)
    if "cli" not in skip:
        cold_cli = _cold_cli(ws.path)
        r["cold_cli_search_s"], r["cold_cli_search_cpu_s"] = cold_cli["wall"], cold_cli["cpu"]
    if "overlaps" not in skip:
        timed(r, "overlaps_limit100_s", _overlaps, ws, embedder)
    timed(r, "timeline_s", _timeline, ws, cold)
    if "ask" not in skip:
        timed(r, "ask_s", _ask, cold)  # first question of the process: builds and saves the vocabulary
        from kg.analysis import vocabulary

        vocabulary._CACHE.clear()  # as a new process: the vocabulary comes from the workspace cache
        timed(r, "ask_saved_vocab_s", _ask, cold)
        timed(r, "ask_warm_s", _ask, cold)
    if "sparql" not in skip:
        timed(r, "sparql_count_s", _sparql, ws)
        timed(r, "export_ttl_s", _export, ws, "ttl", r)
    if "graphml" not in skip:  # the networkx view of everything, streamed (no graph store involved)
        timed(r, "export_graphml_s", _export, ws, "graphml", r)
    # One more list: a new year of a district in the middle of the sort order.
    district = _districts(districts)[districts // 2]
    extra = workdir / "extra" / f"{district[0]}_{2020 + years}.txt"
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_text(document(district, 2020 + years, years, 7)[1], encoding="utf-8")
    timed(r, "add_one_doc_s", _add_one, ws, engine, embedder, extra)
    timed(r, "search_after_add_s", engine.search, QUERIES[1])
    if "sparql" not in skip:  # the graph store exists: the same document's named graph, links and shared nodes
        timed(r, "add_one_doc_graph_s", _graph_sync, ws)
    r["disk_mb"] = du_mb(ws.path)
    r["peak_rss_mb"] = round(rss_mb())
    return r


def _threads(n: int | None) -> None:
    import faiss

    faiss.omp_set_num_threads(n or os.cpu_count() or 1)


def _overlaps(ws: Any, embedder: Any) -> int:
    from kg.analysis.overlaps import find_overlaps

    return len(find_overlaps(ws.store(), limit=100, workspace=ws))


def _timeline(ws: Any, engine: Any) -> int:
    from kg.analysis.timeline import build_timeline

    return len(build_timeline(ws.store(), "养老床位").entries)


def _ask(engine: Any) -> Any:
    from search.ask import answer_question

    return answer_question(engine, "哪些部门负责养老？")


def _sparql(ws: Any) -> Any:
    from typer.testing import CliRunner

    from cli.main import app  # whatever `minsheng sparql` does in this checkout

    out = CliRunner().invoke(app, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--workspace", str(ws.path)])
    if out.exit_code:
        raise RuntimeError(out.output[-200:])
    return out.output


def _export(ws: Any, fmt: str, results: dict[str, Any]) -> Any:
    """`minsheng export FMT` in a fresh process, as a user runs it; its own peak RSS goes in ``results``.

    Measured by /usr/bin/time: a child's rusage from wait4 starts from this process's size
    (the kernel keeps the high-water mark of the forked copy across exec).
    """
    target = ws.path / f"export.{fmt}"
    cmd = [sys.executable, "-m", "cli.main", "export", fmt, "--output", str(target), "--workspace", str(ws.path)]
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    proc = subprocess.run(timer + cmd, env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-200:])
    if timer:
        results[f"export_{fmt}_peak_rss_mb"] = round(int(proc.stderr.split()[-1]) / 1024)
    return target


def _add_one(ws: Any, engine: Any, embedder: Any, path: Path) -> None:
    from kg.ingest.pipeline import ingest_paths

    ingest_paths(ws.store(), [path])
    engine.build_index()  # embeds the new items, updates both indexes and the neighbour lists


def _graph_sync(ws: Any) -> None:
    from kg.graph.oxstore import workspace_graph

    workspace_graph(ws)


def _cold_cli(path: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "cli.main", "search", "养老床位", "--workspace", str(path), "--format", "json"]
    times, cpu = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    # Wall time suffers from other processes on a shared 2-core box; CPU time does not.
    return {"wall": round(statistics.median(times), 3), "cpu": round(statistics.median(cpu), 3)}


ROWS = [("commitments", "commitments"), ("parse + store /s", "parse_store_per_s"),
        ("ingest incl. embedding /s", "ingest_with_embedding_per_s"), ("index build (embed + both) s", "index_build_s"),
        ("neighbour links s", "links_build_s"), ("first search s", "first_search_s"),
        ("warm p50 ms (1 thread)", "warm_p50_ms_single"), ("warm p99 ms (1 thread)", "warm_p99_ms_single"),
        ("warm p50 ms (default)", "warm_p50_ms_default"), ("warm p99 ms (default)", "warm_p99_ms_default"),
        ("cold CLI search s (wall)", "cold_cli_search_s"), ("cold CLI search s (CPU)", "cold_cli_search_cpu_s"), ("overlaps --limit 100 s", "overlaps_limit100_s"),
        ("timeline 养老床位 s", "timeline_s"), ("ask s", "ask_s"), ("ask, saved vocabulary s", "ask_saved_vocab_s"), ("ask warm s", "ask_warm_s"), ("sparql count s", "sparql_count_s"),
        ("export ttl s", "export_ttl_s"), ("export graphml s", "export_graphml_s"),
        ("export ttl peak RSS MB (own process)", "export_ttl_peak_rss_mb"),
        ("export graphml peak RSS MB (own process)", "export_graphml_peak_rss_mb"), ("add one 20-item doc s", "add_one_doc_s"), ("its graph store update s", "add_one_doc_graph_s"),
        ("next search s", "search_after_add_s"), ("disk MB", "disk_mb"), ("peak RSS MB", "peak_rss_mb")]


def markdown(results: list[dict[str, Any]]) -> str:
    head = "| measure | " + " | ".join(f"{r['size']:,} ({r['embedder']})" for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    for label, key in ROWS:
        lines.append(f"| {label} | " + " | ".join(str(r.get(key, "–")) for r in results) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, action="append", help="commitments (repeatable) [default: 1000]")
    ap.add_argument("--embedder", choices=["e5", "hash"], default="e5")
    ap.add_argument("--skip", action="append", default=[], help="cli, overlaps, ask, sparql, graphml (repeatable)")
    ap.add_argument("--keep", type=Path, help="build in this directory and keep it")
    args = ap.parse_args()
    results = []
    for size in args.size or [1000]:
        if args.keep:
            workdir = args.keep / str(size)
            workdir.mkdir(parents=True, exist_ok=False)
            results.append(run(size, args.embedder, workdir, skip=set(args.skip)))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(run(size, args.embedder, Path(tmp), skip=set(args.skip)))
    print(json.dumps(results, ensure_ascii=False, indent=1))
    print(markdown(results))


if __name__ == "__main__":
    main()
