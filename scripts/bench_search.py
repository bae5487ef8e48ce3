"""Benchmark search: warm query latency (bundled corpus and a synthetic large index),
embedding throughput, and the cold wall time of `minsheng search`.

    python scripts/bench_search.py [--n 100000] [--skip-synthetic] [--repeat 3] [--search-only]

The synthetic index reuses the real code path (SearchEngine.build_index -> faiss + bm25s)
but not the model: embedding 100k texts with E5 takes ~20 minutes on two cores, so vectors
are made by mixing real commitment vectors with noise and pre-loaded into the vector cache,
which build_index then finds instead of calling the model.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.embed.cache import VectorCache, hash_text  # noqa: E402
from kg.store.workspace import init_workspace  # noqa: E402
from search.engine import SearchEngine, passage_text  # noqa: E402
from search.evaluate import load_queries  # noqa: E402


def percentiles(samples: list[float]) -> str:
    ms = np.array(samples) * 1000
    return f"p50 {np.percentile(ms, 50):6.2f} ms  p99 {np.percentile(ms, 99):6.2f} ms  (n={len(ms)})"


def time_queries(engine: SearchEngine, queries: list[str], mode: str, repeat: int, **filters) -> list[float]:
    engine.search(queries[0], mode=mode, **filters)  # warm: index loaded, model and jieba initialised
    samples = []
    for _ in range(repeat):
        for q in queries:
            start = time.perf_counter()
            engine.search(q, mode=mode, **filters)
            samples.append(time.perf_counter() - start)
    return samples


class SyntheticStore:
    """The read API the engine uses, over an in-memory list of commitments."""

    def __init__(self, commitments, departments):
        self._commitments = commitments
        self._by_id = {c.id: c for c in commitments}
        self._departments = departments

    def version(self) -> int:
        return 1

    def state(self) -> str:
        return f"synthetic-{len(self._commitments)}"

    fingerprint = state

    def commitment_keys(self):
        return [(c.id, "synthetic") for c in self._commitments]

    def commitments(self, **filters):
        out = self._commitments
        if filters.get("ids") is not None:
            wanted = set(filters["ids"])
            out = [c for c in out if c.id in wanted]
        if filters.get("year") is not None:
            out = [c for c in out if c.year == filters["year"]]
        return out

    def commitment_ids(self, **filters):
        return [c.id for c in self.commitments(**filters)]

    def having_target_types(self, ids, labels):
        labels = set(labels)
        return {i for i in ids if i in self._by_id and labels & set(self._by_id[i].target_types)}

    def facet_values(self):
        return {"year": {c.year for c in self._commitments},
                "jurisdiction": {(c.jurisdiction_code, c.jurisdiction) for c in self._commitments},
                "official": {o for c in self._commitments for o in c.officials},
                "theme": {t for c in self._commitments for t in (*c.themes, *c.target_types)}}

    def document_keys(self, **filters):
        return {}  # no documents: nothing for the index build to score for overlaps

    def department_words(self):
        return sorted({w for d in self._departments for w in (d.name, *d.aliases)})

    def departments(self):
        return self._departments

    def find_departments(self, name, jurisdiction=None):
        return [d for d in self._departments if d.name == name]


class SyntheticWorkspace:
    def __init__(self, path: Path, store: SyntheticStore):
        self.path = path
        self.index_dir = path / "index"
        self.cache_dir = path / "cache"
        self._store = store

    def store(self):
        return self._store


def synthesize(real, vectors: np.ndarray, n: int, seed: int = 0):
    """n commitments whose texts recombine real clauses and whose vectors perturb real ones."""
    rng = np.random.default_rng(seed)
    clauses = [p for c in real for p in re.split(r"[；。]", c.text) if len(p) > 4]
    out, vecs = [], np.empty((n, vectors.shape[1]), dtype=np.float32)
    for i in range(n):
        a, b = rng.integers(len(real), size=2)
        picked = [clauses[j] for j in rng.integers(len(clauses), size=rng.integers(1, 4))]
        text = re.sub(r"\d+", lambda _: str(int(rng.integers(1, 5000))), "；".join(picked)) + "。"
        base = real[a]
        out.append(replace(base, id=f"{900000 + i // 50:06d}-{2000 + i % 25}-{i:06d}", text=text,
                           title=text[:12], year=2000 + int(i % 25)))
        v = 0.7 * vectors[a] + 0.3 * vectors[b] + rng.normal(0, 0.02, vectors.shape[1])
        vecs[i] = v / np.linalg.norm(v)
    return out, vecs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic index size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--search-only", action="store_true",
                        help="skip the nearest-neighbour lists (links, overlaps) in the synthetic build: "
                             "search alone, as issue 9 asks at 1M")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="minsheng-bench-"))
    try:
        ws = init_workspace(tmp / "ws")
        engine = SearchEngine(ws)
        start = time.perf_counter()
        info = engine.build_index()
        print(f"bundled corpus: {info['count']} commitments, index built in {time.perf_counter() - start:.2f} s"
              f" ({info['model']}, {info['kind']})")
        queries = [q["query"] for q in load_queries()]
        for mode in ("hybrid", "dense", "lexical"):
            print(f"  warm {mode:8s}", percentiles(time_queries(engine, queries, mode, args.repeat)))
        print("  warm hybrid, year+department filter",
              percentiles(time_queries(engine, queries, "hybrid", 1, year=2024, department="区民政局")))

        texts = [passage_text(c) for c in ws.store().commitments()] * 3
        embedder = engine._resolve_embedder(rebuild=False)
        start = time.perf_counter()
        embedder.encode_passages(texts)
        print(f"embedding throughput ({embedder.model_id}): {len(texts) / (time.perf_counter() - start):.0f} texts/s")

        minsheng = shutil.which("minsheng")
        env = {**os.environ, "MINSHENG_HOME": str(ws.path)}
        if minsheng is None:
            print("cold `minsheng search`: skipped (the minsheng CLI is not installed)")
        else:
            start = time.perf_counter()
            proc = subprocess.run([minsheng, "search", "养老床位"], env=env, capture_output=True, text=True, timeout=300)
            wall = time.perf_counter() - start
            if proc.returncode == 0:
                print(f"cold `minsheng search` (index on disk): {wall:.2f} s")
            else:
                print(f"cold `minsheng search`: skipped (exit {proc.returncode}: {proc.stderr.strip()[-200:]})")

        if args.skip_synthetic:
            return
        real = ws.store().commitments()
        synth, vectors = synthesize(real, engine._dense.vectors, args.n)
        big_ws = SyntheticWorkspace(tmp / "big", SyntheticStore(synth, ws.store().departments()))
        cache = VectorCache(big_ws.cache_dir)
        cache.put_many(embedder.model_id, [hash_text(passage_text(c)) for c in synth], vectors)
        cache.close()
        big = SearchEngine(big_ws, model=embedder.model_id, embedder=embedder)
        if args.search_only:
            SearchEngine._sync_neighbours = lambda self, dense, state: "skipped"  # type: ignore[method-assign]
        start = time.perf_counter()
        info = big.build_index()
        print(f"synthetic corpus: {info['count']} commitments, index built in {time.perf_counter() - start:.1f} s"
              f" ({info['kind']})")
        start = time.perf_counter()
        SearchEngine(big_ws, embedder=embedder).build_index()
        print(f"  index reloaded from disk in {time.perf_counter() - start:.2f} s")
        for mode in ("hybrid", "dense", "lexical"):
            print(f"  warm {mode:8s}", percentiles(time_queries(big, queries, mode, args.repeat)))
        print("  warm hybrid, year filter (1/25 of rows)",
              percentiles(time_queries(big, queries, "hybrid", 1, year=2010)))
        # Recall of HNSW against exact search on the synthetic vectors, top 10.
        qv = embedder.encode_queries(queries)
        exact = np.argsort(-(big._dense.vectors @ qv.T), axis=0)[:10].T
        approx = [big._dense.search(q, 10)[0] for q in qv]
        recall = np.mean([len(set(a.tolist()) & set(e.tolist())) / 10 for a, e in zip(approx, exact, strict=True)])
        print(f"  dense {info['kind']} recall@10 vs exact: {recall:.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
