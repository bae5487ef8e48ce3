"""Benchmark `ask`: prints figures, asserts nothing.

Usage: python scripts/bench_ask.py [--commitments N] [--repeat R]
       python scripts/bench_ask.py --workspace DIR [--repeat R]   (fresh processes, see below)

Measures warm answer latency (vocabulary cached, as in a running server or a repeated
CLI call in one process) for a fixed set of questions of every kind, on the bundled corpus
and on a synthetic corpus of about N commitments: copies of the 2024 seed (24 items with
officials and departments) retitled for other districts and years. Free-text questions go
through search; the synthetic corpus is measured on structured questions only, because
embedding 10k commitments would measure the embedder, not `ask` (scripts/bench_search.py
covers that). Also prints the cold cost of building the vocabulary.

With ``--workspace DIR`` (a scripts/synth_corpus.py workspace, e.g. 100k commitments) it
times what a user waits for: `minsheng ask QUESTION --format json` as a new process, one
question of each kind, the best of R runs, wall and CPU (user + system of the child) with
the load average, after one run that builds and saves the vocabulary (its cost is printed
first). Names in the questions are read from the workspace.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.analysis.answers import answer_question_text
from kg.analysis.vocabulary import build_vocabulary, workspace_vocabulary
from kg.ingest.corpus import bundled_files
from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import Workspace, init_workspace

STRUCTURED = [
    "刘宜武牵头了哪些项目？", "张源牵头了多少项？", "市中区2024年有多少件民生实事？", "区民政局负责哪些项目？",
    "区妇联和哪些部门合作？", "市中区的牵头领导有哪些？", "哪些部门负责养老？", "养老床位的目标是多少？",
    "市中区养老床位目标怎么变化？", "比较市中区和章丘区的充电桩目标", "区卫健局和区教体局有哪些重叠？",
    "How many commitments does 市中区 have in 2024?", "北京市朝阳区2024年有多少件民生实事？",
]
FREE_TEXT = ["哪些部门负责两癌检查？", "今天天气怎么样？"]


def synthetic(root: Path, commitments: int) -> Workspace:
    seed = next(p for p in bundled_files() if p.name.startswith("000"))
    body = seed.read_text(encoding="utf-8")
    ws = init_workspace(root / "synthetic")
    files = []
    for i in range(max(1, commitments // 24)):
        path = root / f"doc_{i:05d}.txt"
        district = f"样本市{chr(0x5F00 + i // 12)}{chr(0x5F00 + i % 12)}区"
        path.write_text(f"{district}{2013 + i % 12}年民生实事项目清单\n{body}", encoding="utf-8")
        files.append(path)
    start = time.perf_counter()
    ingest_paths(ws.store(), files)
    print(f"synthetic corpus: {ws.store().counts()['commitments']} commitments, "
          f"ingest {time.perf_counter() - start:.1f} s")
    return ws


def measure(label: str, ws: Workspace, questions: list[str], repeat: int, search=None) -> None:  # type: ignore[no-untyped-def]
    store = ws.store()
    start = time.perf_counter()
    build_vocabulary(store)
    print(f"{label}: vocabulary build (cold) {1000 * (time.perf_counter() - start):.1f} ms")
    workspace_vocabulary(store)
    for q in questions:
        answer_question_text(store, q, topic_search=search)  # warm-up: caches, lazy imports
    times = []
    for q in questions:
        per = []
        for _ in range(repeat):
            t = time.perf_counter()
            answer_question_text(store, q, topic_search=search)
            per.append(1000 * (time.perf_counter() - t))
        times.append((statistics.median(per), q))
    if len(questions) <= 3:
        for t, q in times:
            print(f"  {q}: {t:.2f} ms")
    ms = sorted(t for t, _ in times)
    print(f"{label}: {len(questions)} questions, warm median {statistics.median(ms):.2f} ms, "
          f"max {ms[-1]:.2f} ms ({max(times)[1]})")


def kinds(db: Path) -> list[tuple[str, str]]:
    """(kind, question) pairs naming a real district, official and departments of the workspace."""
    conn = sqlite3.connect(db)
    place, other = [r[0] for r in conn.execute("SELECT name FROM jurisdictions ORDER BY code LIMIT 2")]
    year = conn.execute("SELECT MAX(year) FROM documents").fetchone()[0]
    official = conn.execute("SELECT o.name FROM officials o JOIN commitment_officials co ON co.official_id = o.id "
                            "GROUP BY o.id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    conn.close()
    return [("list", f"{official}牵头了哪些项目？"), ("count", f"{place}{year}年有多少件民生实事？"),
            ("count-all-year", f"{year}年有多少件民生实事？"), ("who", "哪些部门负责养老？"),
            ("who-place", f"{place}哪些部门负责养老？"), ("target", f"{place}养老床位目标是多少？"),
            ("target-all", "养老床位的目标是多少？"), ("trend", f"{place}养老床位目标怎么变化？"),
            ("partners", f"{place}区妇联和哪些部门合作？"), ("overlap", f"{place}区卫健局和区民政局有哪些重叠？"),
            ("compare", f"比较{place}和{other}的充电桩目标"), ("compare-all", "哪个区的民生实事最多？"),
            ("unanswerable", "区民政局的局长是谁？"), ("free-text", "哪些部门负责两癌筛查？"),
            ("free-text-none", "今天天气怎么样？")]


def fresh(ws: Path, question: str) -> tuple[float, float, int]:
    """Wall and CPU seconds of one `minsheng ask` process, and the size of its output."""
    # As installed: bytecode compiled once (pip does it at install), not at every start.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cli.entry", "ask", question, "--workspace", str(ws), "--format",
                          "json"], env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, len(out.stdout)


def measure_fresh(ws: Path, repeat: int) -> None:
    saved = ws / "cache" / "vocabulary.marshal"
    saved.unlink(missing_ok=True)
    wall, cpu, _ = fresh(ws, "哪些部门负责养老？")
    print(f"first question, vocabulary built and saved: wall {1000 * wall:.0f} ms, cpu {1000 * cpu:.0f} ms")
    print(f"{'kind':15} {'wall ms':>8} {'cpu ms':>8} {'json kB':>8} {'load':>5}  question")
    for kind, q in kinds(ws / "minsheng.db"):
        runs = [fresh(ws, q) for _ in range(repeat)]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"{kind:15} {1000 * wall:8.0f} {1000 * cpu:8.0f} {runs[0][2] / 1000:8.0f} {os.getloadavg()[0]:5.2f}  {q}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workspace", type=Path, help="Time fresh `minsheng ask` processes on this workspace.")
    args = parser.parse_args()
    if args.workspace:
        measure_fresh(args.workspace, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        bundled = init_workspace(Path(tmp) / "bundled")
        measure("bundled, structured", bundled, STRUCTURED, args.repeat)
        from search.ask import topic_searcher
        from search.engine import SearchEngine

        engine = SearchEngine(bundled)
        engine.build_index()
        measure("bundled, free text via search", bundled, FREE_TEXT, args.repeat, topic_searcher(engine))
        big = synthetic(Path(tmp), args.commitments)
        measure(f"{args.commitments} synthetic, structured", big, STRUCTURED, args.repeat)


if __name__ == "__main__":
    main()
