"""Retrieval quality on graded queries: nDCG@5, Recall@5 and MRR per search mode.

A query file is JSON lines: ``{"query": "...", "relevant": {"370103-2024-06": 2, ...},
"kind": "keyword|paraphrase|colloquial|english"}`` with grade 2 = squarely relevant and
1 = partly relevant. The bundled set is ``data/eval/queries.jsonl``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kg.errors import InputError

DEFAULT_QUERIES = Path(__file__).resolve().parent.parent / "data" / "eval" / "queries.jsonl"
CUTOFF = 5


def jsonl_objects(path: Path, limit: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSON Lines file.

    InputError naming path:line for a line that is not JSON or not an object, and once more
    than `limit` objects have been read.
    """
    count = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg}); expected one JSON object per line") from None
        if not isinstance(item, dict):
            raise InputError(f"{path}:{n}: expected a JSON object, got {type(item).__name__}")
        count += 1
        if limit is not None and count > limit:
            raise InputError(f"{path}: more than {limit} lines; the limit is {limit}")
        yield n, item


def load_queries(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Read and check a query file; raises InputError naming the line that is wrong."""
    path = Path(path) if path is not None else DEFAULT_QUERIES
    if not path.exists():
        # Installed wheels carry data/ as kg/_bundled (see pyproject force-include).
        bundled = Path(__file__).resolve().parent.parent / "kg" / "_bundled" / "eval" / "queries.jsonl"
        if path == DEFAULT_QUERIES and bundled.exists():
            path = bundled
        else:
            raise InputError(f"{path}: query file not found")
    queries = []
    for n, item in jsonl_objects(path):
        if not isinstance(item.get("query"), str) or not item["query"].strip():
            raise InputError(f"{path}:{n}: expected an object with a non-empty \"query\" string")
        relevant = item.get("relevant")
        if not isinstance(relevant, dict) or not relevant or not all(
                isinstance(g, int | float) and g > 0 for g in relevant.values()):
            raise InputError(f"{path}:{n}: \"relevant\" must map commitment ids to positive grades")
        queries.append({"query": item["query"], "relevant": {str(k): float(v) for k, v in relevant.items()},
                        "kind": str(item.get("kind", ""))})
    if not queries:
        raise InputError(f"{path}: no queries")
    return queries


def ndcg_at(ranked: Sequence[str], relevant: dict[str, float], k: int = CUTOFF) -> float:
    """nDCG with exponential gain (2^grade - 1), so a grade-2 hit counts three times a grade-1 hit."""
    dcg = sum((2 ** relevant.get(cid, 0) - 1) / math.log2(i + 2) for i, cid in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, float], k: int = CUTOFF) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: dict[str, float]) -> float:
    return next((1.0 / (i + 1) for i, cid in enumerate(ranked) if cid in relevant), 0.0)


def evaluate(engine: Any, queries: Iterable[dict[str, Any]],
             modes: Sequence[str] = ("hybrid", "dense", "lexical"), *, top_k: int = 10,
             per_query: bool = False) -> dict[str, Any]:
    """Run every query in every mode and average the metrics.

    Returns ``{"queries": n, "modes": {mode: {"ndcg@5", "recall@5", "mrr", "by_kind": {...}}}}``
    and, with ``per_query``, a ``"details"`` list of each query's ranked ids and scores.
    """
    queries = list(queries)
    out: dict[str, Any] = {"queries": len(queries), "modes": {}}
    details: list[dict[str, Any]] = []
    for mode in modes:
        rows = []
        for q in queries:
            ranked = [h.id for h in engine.search(q["query"], top_k=top_k, mode=mode).results]
            row = {"query": q["query"], "kind": q.get("kind", ""), "mode": mode, "ranked": ranked[:CUTOFF],
                   "ndcg@5": ndcg_at(ranked, q["relevant"]), "recall@5": recall_at(ranked, q["relevant"]),
                   "mrr": reciprocal_rank(ranked, q["relevant"])}
            rows.append(row)
        summary = _average(rows)
        summary["by_kind"] = {kind: _average([r for r in rows if r["kind"] == kind])
                              for kind in sorted({r["kind"] for r in rows})}
        out["modes"][mode] = summary
        details.extend(rows)
    if per_query:
        out["details"] = details
    return out


def _average(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows) or 1
    return {"n": len(rows), **{m: round(sum(r[m] for r in rows) / n, 4) for m in ("ndcg@5", "recall@5", "mrr")}}
