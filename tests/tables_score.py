"""Score table recovery against a gold.json (items, departments, officials).

Usage: python tests/tables_score.py [DIR ...]   (default: /work/shared/layouts and data/)
Only documents where a table was found are scored by tables; the others are listed as
"no table" (prose layouts belong to the segmenter). A stop-gap until `minsheng eval
extraction` (kg/ingest/scoring.py) lands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kg.ingest.read import read_document
from kg.ingest.rows import items_from_grid, items_from_grids
from kg.ingest.tables import find_text_tables
from kg.ingest.targets import extract_targets
from kg.text import normalize_name
from kg.vocab.departments import resolve_department


def table_items(path: Path) -> tuple[str, list]:
    raw = read_document(path)
    items, kinds = [], []
    for got in items_from_grids(getattr(raw, "grids", [])):
        items += got.items
        kinds.append("grid")
    for t in find_text_tables(raw.lines):
        got = items_from_grid(t.grid, t.kind, multiline=t.multiline)
        if got:
            items += got.items
            kinds.append(t.kind)
    return ",".join(kinds) or "no table", items


def _same_dept(a: str, b: str) -> bool:
    a, b = normalize_name(a), normalize_name(b)
    return a == b or resolve_department(a, "x").name == resolve_department(b, "x").name


def _f1(got: list[str], want: list[str], same=lambda a, b: normalize_name(a) == normalize_name(b)) -> tuple[int, int, int]:
    hit = sum(1 for w in want if any(same(g, w) for g in got))
    return hit, len(got), len(want)


def score(gold: dict, docs: dict[str, Path]) -> None:
    tot = {"items": [0, 0], "dept": [0, 0, 0], "off": [0, 0, 0], "lead": [0, 0, 0], "tgt": [0, 0]}
    for name, g in gold.items():
        path = docs.get(name)
        if path is None:
            continue
        try:
            kind, items = table_items(path)
        except Exception as exc:  # report, keep scoring the rest
            print(f"{name:40s} ERROR {exc}")
            continue
        if kind == "no table":
            print(f"{name:40s} no table")
            continue
        row = {"items": [0, len(g["items"])], "dept": [0, 0, 0], "off": [0, 0, 0], "lead": [0, 0, 0], "tgt": [0, 0]}
        misses = []
        for gi in g["items"]:
            match = [it for it in items if gi["title"] in it.text or gi["title"] in (it.original_text or "")]
            if not match:
                misses.append(f"missing {gi['seq']} {gi['title']}")
                row["dept"][2] += len(gi["departments"])
                row["off"][2] += len(gi["officials"])
                continue
            it = match[0]
            row["items"][0] += 1
            found = [(round(t.value, 3), t.unit) for t in extract_targets(it.text)]
            for value, unit in gi["targets"]:
                row["tgt"][1] += 1
                if (round(value, 3), unit) in found:
                    row["tgt"][0] += 1
                    found.remove((round(value, 3), unit))
                else:
                    misses.append(f"{gi['seq']} target {value}{unit} not found")
            if found:
                misses.append(f"{gi['seq']} extra targets {found}")
            for key, got, want, same in (("dept", it.departments, gi["departments"], _same_dept),
                                         ("off", it.officials, gi["officials"], None),
                                         ("lead", it.lead_departments, gi.get("lead_departments", []), _same_dept)):
                h, ng, nw = _f1(got, want, same) if same else _f1(got, want)
                for i, v in enumerate((h, ng, nw)):
                    row[key][i] += v
                if h != nw or ng != nw:
                    misses.append(f"{gi['seq']} {key}: got {got} want {want}")
        extra = len(items) - row["items"][0]
        f = {k: _fmt(v) for k, v in row.items() if k not in ("items", "tgt")}
        print(f"{name:40s} {kind:6s} items {row['items'][0]}/{row['items'][1]} (+{extra})  dept {f['dept']}  off {f['off']}  lead {f['lead']}  targets {row['tgt'][0]}/{row['tgt'][1]}")
        for m in misses:
            print("    ", m)
        for k in tot:
            for i, v in enumerate(row[k]):
                tot[k][i] += v
    print(f"TOTAL items {tot['items'][0]}/{tot['items'][1]} = {tot['items'][0] / max(1, tot['items'][1]):.3f}  "
          f"dept F1 {_fmt(tot['dept'])}  official F1 {_fmt(tot['off'])}  lead F1 {_fmt(tot['lead'])}  "
          f"targets {tot['tgt'][0]}/{tot['tgt'][1]} = {tot['tgt'][0] / max(1, tot['tgt'][1]):.3f}")


def _fmt(v: list[int]) -> str:
    hit, ng, nw = v
    if not ng and not nw:
        return "  -  "
    p = hit / ng if ng else 0.0
    r = hit / nw if nw else 0.0
    return f"{(2 * p * r / (p + r)) if p + r else 0.0:.3f}"


def main(dirs: list[str]) -> None:
    for d in dirs:
        folder = Path(d)
        gold_path = folder / "gold.json"
        if not gold_path.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        docs = {p.name: p for p in folder.iterdir()}
        print(f"## {folder}")
        score(gold, docs)


if __name__ == "__main__":
    main(sys.argv[1:] or ["/work/shared/layouts"])
