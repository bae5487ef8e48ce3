"""Score `ask` on questions with exact expected answers (data/eval/questions.jsonl).

Each line: ``{"id", "question", "workspace", "kind", "expect"}`` where ``expect`` is one of
``{"number": n}`` (the answer's value), ``{"ids": [...]}`` (commitment ids of the items),
``{"names": [...]}`` (names of departments, officials or concepts), ``{"values": [...]}``
(target values, as a multiset), ``{"change": x}`` (year-on-year change) or
``{"unanswerable": true}`` (answerable false and no evidence). An answer is right only when
it matches exactly.
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

from kg.errors import InputError
from search.evaluate import jsonl_objects

EVAL_DIR = Path(__file__).resolve().parent.parent / "data" / "eval"
DEFAULT_QUESTIONS = EVAL_DIR / "questions.jsonl"
MAX_QUESTIONS = 5000


def load_questions(path: Path | None = None) -> list[dict[str, Any]]:
    path = Path(path or DEFAULT_QUESTIONS)
    if not path.exists():
        raise InputError(f"{path}: no such questions file")
    out = []
    for n, row in jsonl_objects(path, MAX_QUESTIONS):
        if not {"question", "expect"} <= row.keys():
            raise InputError(f"{path}:{n}: expected an object with question and expect")
        out.append(row)
    return out


def is_right(result: dict[str, Any], expect: dict[str, Any]) -> bool:
    """Exact match of one answer (``Answer.to_dict()``) against its expectation."""
    if expect.get("unanswerable"):
        return not result["answerable"] and not result["evidence"]
    if not result["answerable"]:
        return False
    items = result["items"]
    if "number" in expect:
        return result["value"] == expect["number"]
    if "change" in expect:
        return result["value"] is not None and abs(result["value"] - expect["change"]) < 1e-6
    if "ids" in expect:
        return {i.get("id") for i in items} == set(expect["ids"])
    if "names" in expect:
        return {i.get("name") for i in items} == set(expect["names"])
    if "values" in expect:
        got = [i.get("value") for i in items]
        return None not in got and sorted(map(float, got)) == sorted(float(v) for v in expect["values"])
    raise InputError(f"expect: unknown expectation {sorted(expect)}")


def _workspaces(names: set[str], root: Path, spec_path: Path) -> dict[str, Any]:
    from kg.ingest.pipeline import ingest_paths
    from kg.store.workspace import init_workspace

    spec = tomllib.loads(spec_path.read_text(encoding="utf-8")) if spec_path.exists() else {"bundled": {"extra": []}}
    out = {}
    for name in sorted(names):
        if name not in spec:
            raise InputError(f"workspace: {name!r} is not described in {spec_path}")
        ws = init_workspace(root / name)
        extra = [(spec_path.parent / p).resolve() for p in spec[name].get("extra", [])]
        if extra:
            ingest_paths(ws.store(), extra)
        out[name] = ws
    return out


def evaluate_questions(path: Path | None = None, *, model: str | None = None,
                       workspace_spec: Path | None = None) -> dict[str, Any]:
    """Accuracy per kind and overall, with every wrong answer listed."""
    from search.ask import LazyEngine, answer_question
    from search.engine import SearchEngine

    questions = load_questions(path)
    spec = Path(workspace_spec or Path(path or DEFAULT_QUESTIONS).parent / "question_workspaces.toml")
    by_kind: dict[str, list[bool]] = defaultdict(list)
    wrong = []
    times = []
    with tempfile.TemporaryDirectory(prefix="minsheng-eval-") as tmp:
        wss = _workspaces({q.get("workspace", "bundled") for q in questions}, Path(tmp), spec)
        engines = {name: LazyEngine(ws, lambda ws=ws: SearchEngine(ws, model=model)) for name, ws in wss.items()}
        for q in questions:
            engine = engines[q.get("workspace", "bundled")]
            start = time.perf_counter()
            result = answer_question(engine, q["question"]).to_dict()
            times.append(time.perf_counter() - start)
            ok = is_right(result, q["expect"])
            by_kind[q.get("kind", "?")].append(ok)
            if not ok:
                wrong.append({"id": q.get("id"), "question": q["question"], "kind": q.get("kind"),
                              "got_kind": result["kind"], "expect": q["expect"], "answer": result["answer"]})
        for ws in wss.values():
            ws.close()
    rows = [{"kind": k, "n": len(v), "right": sum(v), "accuracy": round(sum(v) / len(v), 3)}
            for k, v in sorted(by_kind.items())]
    total = [ok for v in by_kind.values() for ok in v]
    rows.append({"kind": "all", "n": len(total), "right": sum(total),
                 "accuracy": round(sum(total) / len(total), 3) if total else 0.0})
    times.sort()
    return {"questions": str(path or DEFAULT_QUESTIONS), "kinds": rows, "wrong": wrong,
            "median_ms": round(1000 * times[len(times) // 2], 2) if times else None}
