"""Follow a target type, theme or free-text topic across years, jurisdiction by jurisdiction.

The query is read through the taxonomy first, because "养老床位" should mean the
target type and not every commitment whose text happens to mention beds; only a query
naming no concept (or one the store has no commitments for) goes to search.
Year-on-year changes compare like with like: an annual increment (新增600张) with an
increment, a running total (累计5000张) with a total; anything else is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.errors import NotFoundError, QueryError
from kg.graph.links import continuation_links, continuation_markers, generic_target_types
from kg.model import Commitment, Target
from kg.text import normalize_text
from kg.vocab.taxonomy import Concept, load_taxonomy, resolve_concept

SearchFn = Callable[[str], list[str]]


@dataclass
class TimelineEntry:
    """One target of one year; ``change`` compares this year's total with the previous year's."""

    jurisdiction: str
    jurisdiction_code: str
    year: int
    commitment_id: str
    title: str
    departments: list[str]
    value: float | None = None  # None for a matched commitment stating no target
    unit: str = ""
    comparator: str = ""
    cumulative: bool = False
    metric: str = ""
    raw: str = ""
    target_type: str | None = None
    target_type_label: str | None = None
    year_total: float | None = None  # increments of the year summed, running totals: the largest
    previous_year: int | None = None
    previous_total: float | None = None
    change: float | None = None
    change_pct: float | None = None
    like_for_like: bool | None = None
    note: str = ""
    continues: str | None = None  # id of the earlier commitment this one continues

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Timeline:
    """Entries ordered by jurisdiction code, year and commitment; see ``rows`` for a flat table."""

    query: str
    method: str  # target_type | theme | search | text
    concept: dict[str, str] | None
    entries: list[TimelineEntry] = field(default_factory=list)
    continuations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        groups: dict[str, dict[str, Any]] = {}
        for e in self.entries:
            group = groups.setdefault(e.jurisdiction_code, {
                "jurisdiction": e.jurisdiction, "jurisdiction_code": e.jurisdiction_code, "entries": []})
            group["entries"].append(e.to_dict())
        return {"query": self.query, "method": self.method, "concept": self.concept,
                "jurisdictions": list(groups.values()), "continuations": self.continuations}

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per entry, for table and csv output."""
        return [e.to_dict() for e in self.entries]


def _matching_commitments(store: Any, query: str, concept: Concept | None, jurisdiction: str | None,
                          search: SearchFn | None) -> tuple[str, list[Commitment]]:
    if concept is not None:
        # Selected in SQL (json_each over the stored labels): only matching commitments are built.
        field_name = "target_types" if concept.kind == "target_type" else "themes"
        found = [c for c in store.commitments(jurisdiction=jurisdiction, theme=concept.label)
                 if concept.label in getattr(c, field_name)]
        if found:
            return concept.kind, found
    if search is not None:
        return "search", store.commitments(jurisdiction=jurisdiction, ids=list(search(query)))
    # Every whitespace-separated term must occur, so "两癌 免费" narrows rather than widens.
    terms = normalize_text(query).split()
    pool = store.commitments(jurisdiction=jurisdiction)
    return "text", [c for c in pool if all(t in normalize_text(f"{c.title} {c.text}") for t in terms)]


def _continuations(store: Any, found: list[Commitment]) -> dict[str, Any]:
    """Continuation links of the matched items (kg.graph.links policy), by later commitment id.

    Candidates are the matched items themselves (they share the queried concept) plus the
    nearest neighbours of each marked item from the workspace's saved lists, restricted to
    its jurisdiction's earlier years; nothing scans the corpus.
    """
    marked = [c for c in found if continuation_markers(f"{c.title} {c.text}")]
    if not marked:
        return {}
    from kg.analysis.overlaps import _workspace_of
    from kg.graph.neighbours import load_neighbours

    candidates = {c.id: c for c in found}
    neighbours = load_neighbours(_workspace_of(store), mmap=True)
    if neighbours is not None:
        extra = {other for c in marked for other, _ in neighbours.neighbours(c.id)} - candidates.keys()
        candidates.update((c.id, c) for c in store.commitments(ids=sorted(extra)))
    return {lk.source_id: lk for lk in continuation_links(marked, candidates.values())}


def _wanted_targets(c: Commitment, concept: Concept | None, method: str) -> list[Target]:
    if concept is None:
        return list(c.targets)
    if method == "target_type":
        return [t for t in c.targets if t.target_type == concept.id]
    if method == "theme":
        by_id = load_taxonomy().by_id
        # A theme's own target types, plus rates and untyped figures whose meaning the item gives.
        return [t for t in c.targets if t.target_type is None or t.target_type in generic_target_types()
                or concept.id in getattr(by_id.get(t.target_type), "broader", ())]
    return list(c.targets)


def _series_key(t: Target) -> str:
    # Two different rates (就业率, 投保率) are not one series; neither are untyped figures.
    if t.target_type is None or t.target_type in generic_target_types():
        return f"{t.target_type or ''}:{normalize_text(t.metric)}"
    return t.target_type


def _fill_changes(entries: list[TimelineEntry], keys: list[str]) -> None:
    totals: dict[tuple, dict[int, float]] = defaultdict(dict)
    for e, key in zip(entries, keys, strict=True):
        if e.value is None:
            continue
        by_year = totals[(e.jurisdiction_code, key, e.unit, e.cumulative)]
        previous = by_year.get(e.year)
        if e.cumulative:
            by_year[e.year] = max(e.value, previous) if previous is not None else e.value
        else:
            by_year[e.year] = (previous or 0.0) + e.value
    for e, key in zip(entries, keys, strict=True):
        if e.value is None:
            continue
        same = totals[(e.jurisdiction_code, key, e.unit, e.cumulative)]
        other = totals.get((e.jurisdiction_code, key, e.unit, not e.cumulative), {})
        e.year_total = same[e.year]
        earlier_same = [y for y in same if y < e.year]
        earlier_other = [y for y in other if y < e.year]
        if earlier_same:
            e.previous_year = max(earlier_same)
            e.previous_total, e.like_for_like = same[e.previous_year], True
        elif earlier_other:
            e.previous_year = max(earlier_other)
            e.previous_total, e.like_for_like = other[e.previous_year], False
            kinds = ("a cumulative total", "an annual increment")
            now, before = kinds if e.cumulative else kinds[::-1]
            e.note = f"not like-for-like: {e.year} gives {now}, {e.previous_year} {before}"
        else:
            continue
        e.change = round(e.year_total - e.previous_total, 4)
        e.change_pct = round(100.0 * e.change / e.previous_total, 2) if e.previous_total else None


def build_timeline(store: Any, query: str, *, jurisdiction: str | None = None,
                   search: SearchFn | None = None, use_taxonomy: bool = True) -> Timeline:
    """Targets matching ``query`` by jurisdiction and year, with year-on-year changes.

    ``search`` maps a free-text query to commitment ids (the CLI passes the search
    engine); without it free text is matched literally. ``use_taxonomy=False`` skips
    the concept lookup (两癌 names the target type 保险保额 through an alternative
    label; a journalist may want every item mentioning it). Continuation links come from
    kg.graph.links (explicit markers such as 续建/二期 plus a shared target type or close text).
    """
    query = (query or "").strip()
    if not query:
        raise QueryError("timeline: the query is empty; give a target type, theme or words to look for")
    code = None
    if jurisdiction:
        code = store.jurisdiction_code(jurisdiction)
        if code is None:
            raise NotFoundError(f"--jurisdiction: no jurisdiction {jurisdiction!r} in the workspace")
    concept = resolve_concept(query) if use_taxonomy else None
    method, found = _matching_commitments(store, query, concept, code, search)
    if method in ("search", "text"):
        concept = None
    continues = _continuations(store, found)
    titles = {c.id: c.title for c in found}
    missing = {lk.target_id for lk in continues.values()} - titles.keys()
    titles.update((c.id, c.title) for c in store.commitments(ids=sorted(missing)))
    entries, keys = [], []
    for c in found:
        base: dict[str, Any] = {
            "jurisdiction": c.jurisdiction, "jurisdiction_code": c.jurisdiction_code, "year": c.year,
            "commitment_id": c.id, "title": c.title, "departments": [d.name for d in c.departments],
            "continues": continues[c.id].target_id if c.id in continues else None}
        targets = _wanted_targets(c, concept, method)
        for t in targets:
            entries.append(TimelineEntry(**base, value=t.value, unit=t.unit, comparator=t.comparator,
                                         cumulative=t.cumulative, metric=t.metric, raw=t.raw,
                                         target_type=t.target_type, target_type_label=t.target_type_label))
            keys.append(_series_key(t))
        if not targets:
            entries.append(TimelineEntry(**base))
            keys.append("")
    _fill_changes(entries, keys)
    links = [continues[c.id] for c in found if c.id in continues]
    return Timeline(
        query=query, method=method,
        concept={"id": concept.id, "label": concept.label, "kind": concept.kind} if concept else None,
        entries=entries,
        continuations=[{"commitment_id": lk.source_id, "title": titles[lk.source_id], "continues": lk.target_id,
                        "continues_title": titles[lk.target_id], "score": lk.score, "evidence": lk.evidence}
                       for lk in links])
