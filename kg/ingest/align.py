"""Place the cells of a short or over-long table row into the header's columns.

Text-saved tables drop empty cells, write merged cells only in a group's first row, split
one cell over several lines and put a sub-row (no 序号) after the row it belongs to. Each
of these is a path through the columns: skip a column, stay in a column, or wrap back to
the item's wording for a sub-row. A Viterbi pass picks the path whose cells best fit
their columns (kg.ingest.cells.role_score), so one rule serves every such layout.
"""

from __future__ import annotations

from kg.ingest.cells import role_score

# Penalties tuned on the layouts fixtures (D02, D05, D06, D07, D10): a skip is common and
# cheap, a wrap (sub-row) is rarer than a misfit cell costs, staying in a column is normal
# for unit and name lists printed one per line.
_SKIP = 0.5
_SKIP_MERGED = 0.2
_MERGED_ROLES = ("category", "officials", "lead", "departments", "deadline")
_WRAP = 3.5
# A second unit line after the first lead unit more often starts the 配合单位 cell.
_STAY = {"lead": 0.4, "supporting": 0.2, "departments": 0.2, "officials": 0.3}
_STAY_OTHER = 1.5
_MISFIT = -1.0
_NEG = float("-inf")


def align_row(cells: list[str], roles: list[str | None], *, multiline: bool,
              merged: bool = False) -> list[dict[int, str]]:
    """Sub-rows of one row as {column index: text}; the first sub-row is the row itself.

    multiline: consecutive cells may belong to one column (one cell per line layouts).
    merged: the table writes merged cells once, so a missing leader, lead unit, category
    or deadline is likelier than a missing 配合单位 (one unit cell after a merged 牵头单位
    is the row's 配合单位).
    """
    cells = [c for c in cells if c.strip()]
    k = len(roles)
    if not cells or not k:
        return []
    emit = [[role_score(c, r) for r in roles] for c in cells]
    # A row with one cell per column, none a misfit, is read as written (D10's 负责科室
    # holds unit-like names that would otherwise join the 牵头单位 above them); no path to find.
    if len(cells) == k and all(emit[i][i] > _MISFIT for i in range(k)):
        return [{i: c.strip() for i, c in enumerate(cells)}]
    skip = [(_SKIP_MERGED if merged and r in _MERGED_ROLES else _SKIP) for r in roles]
    before = [0.0]
    for cost in skip:
        before.append(before[-1] + cost)  # before[j]: cost of skipping columns 0..j-1
    wording = [r in ("text", "title") for r in roles]
    # State (column, whether this sub-row has placed its wording yet): a sub-row may only
    # begin after a sub-row that has its wording, so a stray cell cannot open one.
    states = [(j, t) for j in range(k) for t in (0, 1)]
    score = [dict.fromkeys(states, _NEG) for _ in cells]
    back: list[dict[tuple[int, int], tuple[int, int]]] = [{} for _ in cells]
    for j in range(k):
        score[0][(j, int(wording[j]))] = emit[0][j] - before[j]
    for i in range(1, len(cells)):
        for (p, t), prev in score[i - 1].items():
            if prev == _NEG:
                continue
            for j in range(k):
                if j > p:
                    s, nt = prev - (before[j] - before[p + 1]), t or int(wording[j])
                elif j == p:
                    if not multiline:
                        continue
                    s, nt = prev - _STAY.get(roles[j] or "", _STAY_OTHER), t
                elif wording[j] and t:
                    s, nt = prev - _WRAP, 1
                else:
                    continue
                s += emit[i][j]
                if s > score[i][(j, nt)]:
                    score[i][(j, nt)] = s
                    back[i][(j, nt)] = (p, t)
    # Columns left after the last cell are skipped too.
    state = max(states, key=lambda st: score[-1][st] - (before[k] - before[st[0] + 1]))
    path = [state[0]]
    for i in range(len(cells) - 1, 0, -1):
        state = back[i][state]
        path.append(state[0])
    path.reverse()
    subrows: list[dict[int, str]] = [{}]
    prev = -1
    for cell, col in zip(cells, path, strict=True):
        if col < prev:
            subrows.append({})
        row = subrows[-1]
        row[col] = row[col] + "\n" + cell.strip() if col in row else cell.strip()
        prev = col
    return subrows
