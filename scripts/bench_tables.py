"""Time table recovery on large synthetic tables of every text kind; prints lines/s per size.

Usage: python scripts/bench_tables.py [ROWS ...]   (default 250 500 999; 序号 has at most three digits)
Linear scaling shows as a steady rate when the row count grows.
"""

from __future__ import annotations

import sys
import time

from kg.ingest.rows import items_from_grid
from kg.ingest.tables import find_text_tables

_UNITS = ["区教育局", "区民政局", "区卫健局", "区住建局", "各街道"]


def _row(i: int) -> tuple[str, str, str, str]:
    return (f"新建社区服务站{i % 50 + 1}个，改造道路{i % 7 + 1}条。", f"王{'一二三四五'[i % 5]}",
            _UNITS[i % 5], _UNITS[(i + 1) % 5] + "、" + _UNITS[(i + 2) % 5])


def documents(n: int) -> dict[str, list[str]]:
    pipe = ["序号 | 项目内容 | 牵头领导 | 牵头单位 | 配合单位 |"]
    tab = ["序号\t项目内容\t牵头领导\t牵头单位\t配合单位"]
    cells = ["序号", "项目内容", "牵头领导", "牵头单位", "配合单位"]
    runon = "序号项目内容区政府分管领导牵头单位配合单位"
    for i in range(1, n + 1):
        text, who, lead, sup = _row(i)
        pipe.append(f"{i} | {text} | {who} | {lead} | {sup} |")
        tab.append(f"{i}\t{text}\t{who}\t{lead}\t{sup}")
        cells += [str(i), text, who, lead] + sup.split("、")
        runon += f"{i}{text}{who}{lead}{sup.replace('、', '')}"
    return {"pipe": pipe, "tab": tab, "cells": cells, "runon": [runon]}


def main(sizes: list[int]) -> None:
    print(f"{'kind':6s} {'rows':>6s} {'lines':>7s} {'items':>6s} {'seconds':>8s} {'rows/s':>9s}")
    for n in sizes:
        for kind, lines in documents(n).items():
            start = time.perf_counter()
            items = 0
            for table in find_text_tables(lines):
                got = items_from_grid(table.grid, table.layout, multiline=table.multiline)
                items += len(got.items) if got else 0
            took = time.perf_counter() - start
            print(f"{kind:6s} {n:6d} {len(lines):7d} {items:6d} {took:8.3f} {n / took:9.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [250, 500, 999])
