"""Ingest alone at scale, in a fresh process: parse + store rate (wall and CPU), peak RSS, store content hash.

    python scripts/bench_ingest.py --size 100000          # 1000 districts x 5 years x 20 items
    python scripts/bench_ingest.py --size 10000 --corpus /tmp/c10k --workspace /tmp/ws10k

The corpus comes from scripts/synth_corpus.py and is written only when its directory does not
exist yet, so repeated runs (before/after a change) read the same files. The content hash
covers every stored row except ingest times: two versions of the code that store the same
thing print the same hash. Prints one JSON line; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from synth_corpus import write_corpus  # noqa: E402

_TABLES = ["jurisdictions", "commitments", "departments", "department_aliases", "commitment_departments",
           "officials", "commitment_officials", "targets", "target_types"]


def content_hash(db_path: Path) -> str:
    db = sqlite3.connect(db_path)
    h = hashlib.sha256()
    for table in _TABLES:
        for row in sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr):
            h.update(repr((table, row)).encode())
    for row in db.execute("SELECT id, source, sha256, year, jurisdiction_code, title, layout, parser_version "
                          "FROM documents ORDER BY id"):
        h.update(repr(row).encode())
    db.close()
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="commitments (20 per document, 5 years)")
    parser.add_argument("--corpus", type=Path, help="default /tmp/bench_ingest/corpus<size>")
    parser.add_argument("--workspace", type=Path, help="default /tmp/bench_ingest/ws<size>; replaced")
    args = parser.parse_args()
    corpus = args.corpus or Path(f"/tmp/bench_ingest/corpus{args.size}")
    wsdir = args.workspace or Path(f"/tmp/bench_ingest/ws{args.size}")
    if not corpus.exists():
        write_corpus(corpus, max(1, args.size // 100), 5)

    from kg.ingest.pipeline import ingest_paths
    from kg.store.workspace import init_workspace

    shutil.rmtree(wsdir, ignore_errors=True)
    store = init_workspace(wsdir, empty=True).store()
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    ingest_paths(store, [corpus])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = store.counts()["commitments"]
    store.close()
    print(json.dumps({
        "commitments": n, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "per_s_wall": round(n / wall),
        "per_s_cpu": round(n / cpu), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
        "content_hash": content_hash(wsdir / "minsheng.db")}))


if __name__ == "__main__":
    main()
