"""Benchmark: parse time grows linearly with document size (normalise, segment, fields, targets).

Prints seconds per size and the ratio to the smallest size; a linear pipeline shows
ratios close to the size ratios (x2, x4, x8). Run: python scripts/bench_parse.py
"""

from __future__ import annotations

import time
from pathlib import Path

from kg.ingest.parse import parse_document
from kg.ingest.read import RawDocument
from kg.ingest.targets import extract_targets

_ITEM = "{n}. 新建社区养老服务中心{n}个，新增养老床位300张，为1.2万名老年人提供助餐服务。（牵头领导：王建国，责任单位：区民政局、区财政局）"


def _doc(n: int) -> RawDocument:
    lines = ["某区2025年民生实事项目", "一、养老服务类（若干项）"] + [_ITEM.format(n=i) for i in range(1, n + 1)]
    return RawDocument(path=Path("bench.txt"), data=b"", lines=lines)


def main() -> None:
    base = None
    for n in (250, 500, 1000, 2000):
        raw = _doc(n)
        start = time.perf_counter()
        parsed = parse_document(raw, max_items=n)
        for item in parsed.items:
            extract_targets(item.text)
        took = time.perf_counter() - start
        base = base or took
        print(f"{n:>5} items: {took:.3f} s  (x{took / base:.1f})")
    for repeat in (2500, 5000, 10000):  # one huge text: target extraction must stay linear
        one = "新增养老床位300张，" * repeat
        start = time.perf_counter()
        found = len(extract_targets(one))
        print(f"targets in a {len(one)}-character text: {found} in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
