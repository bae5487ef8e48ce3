"""Score extraction against a gold answer key: items, departments, officials, targets, place, year.

The gold file maps file names to ``{"jurisdiction", "year", "states_place_and_year",
"items": [{"seq", "title", "officials", "departments", "lead_departments"?, "targets"}]}``
(the format of the layouts corpus). A gold item is found when a parsed item's text
contains its title (both compared in simplified script without spaces); each parsed item
answers at most one gold item. Department names count as right when they are the
written name or an alias of it (same resolved department id, or the same normalised
name). Field scores are micro-averaged over all gold items, so a missed item costs its
departments and officials too; fields of parsed items that match no gold item are not
counted against precision (they show up as extra items instead).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError, MinshengError
from kg.ingest.normalise import simplify_name
from kg.ingest.parse import ParsedItem, parse_document
from kg.ingest.pipeline import read_place_and_year
from kg.ingest.read import read_document
from kg.ingest.targets import extract_targets

MAX_GOLD_BYTES = 20_000_000


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def f1(self) -> float | None:
        denom = 2 * self.tp + self.fp + self.fn
        return None if denom == 0 else 2 * self.tp / denom


@dataclass
class FileScore:
    """Scores of one document."""

    file: str
    layout: str = ""
    gold_items: int = 0
    parsed_items: int = 0
    found_items: int = 0
    departments: Counts = field(default_factory=Counts)
    lead: Counts = field(default_factory=Counts)
    officials: Counts = field(default_factory=Counts)
    gold_targets: int = 0
    found_targets: int = 0
    states_place: bool = True
    place_ok: bool | None = None
    year_ok: bool | None = None
    place_read: str = ""
    year_read: int | None = None
    error: str = ""
    misses: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            "file": self.file, "layout": self.layout, "items": f"{self.found_items}/{self.gold_items}",
            "extra": max(0, self.parsed_items - self.found_items),
            "item_recall": _ratio(self.found_items, self.gold_items), "dept_f1": _round(self.departments.f1),
            "lead_f1": _round(self.lead.f1), "official_f1": _round(self.officials.f1),
            "targets": f"{self.found_targets}/{self.gold_targets}",
            "target_recall": _ratio(self.found_targets, self.gold_targets),
            "place": _mark(self.place_ok, self.place_read), "year": _mark(self.year_ok, self.year_read),
            "error": self.error,
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _ratio(a: int, b: int) -> float | None:
    return None if b == 0 else round(a / b, 3)


def _mark(ok: bool | None, value: object) -> str:
    if ok is None:
        return "n/a"
    return ("ok " if ok else "WRONG ") + ("" if value is None else str(value))


def _key(text: str) -> str:
    return simplify_name(text).replace("“", "\"").replace("”", "\"")


def load_gold(path: Path) -> dict[str, Any]:
    """The gold answer key; InputError naming the file for anything unreadable."""
    try:
        if path.stat().st_size > MAX_GOLD_BYTES:
            raise InputError(f"{path}: gold file larger than {MAX_GOLD_BYTES // 1_000_000} MB")
        gold = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file; expected a gold.json beside the documents or --gold FILE") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable gold JSON file ({type(exc).__name__})") from None
    if not isinstance(gold, dict) or not all(isinstance(v, dict) and isinstance(v.get("items"), list)
                                             for v in gold.values()):
        raise InputError(f"{path}: expected {{file: {{jurisdiction, year, items: [...]}}}}")
    return gold


def _match_items(gold_items: list[dict[str, Any]], parsed: list[ParsedItem]) -> list[ParsedItem | None]:
    texts = [(_key(it.text), _key(it.original_text or ""), _key(it.title)) for it in parsed]
    used: set[int] = set()
    out: list[ParsedItem | None] = []
    for g in gold_items:
        title = _key(str(g.get("title", "")))
        hit = next((i for i, (t, o, ti) in enumerate(texts) if i not in used and title
                    and (title in t or title in o or title in ti)), None)
        if hit is not None:
            used.add(hit)
        out.append(parsed[hit] if hit is not None else None)
    return out


def _department_keys(names: list[str], code: str) -> list[tuple[str, str]]:
    from kg.vocab.departments import resolve_department

    keys = []
    for name in names:
        simple = _key(name)
        try:
            dep_id = resolve_department(simple, code).id
        except MinshengError:
            dep_id = simple
        keys.append((dep_id, simple))
    return keys


def _compare(gold: list[tuple[str, str]], got: list[tuple[str, str]]) -> Counts:
    """Pairs (id, name) match on either the resolved id or the normalised name."""
    left = list(got)
    tp = 0
    for gid, gname in gold:
        hit = next((i for i, (pid, pname) in enumerate(left) if pid == gid or pname == gname), None)
        if hit is not None:
            tp += 1
            left.pop(hit)
    return Counts(tp=tp, fp=len(left), fn=len(gold) - tp)


def _targets_found(gold: list[list[Any]], item: ParsedItem, misses: list[str] | None = None) -> int:
    got = [(t.value, _key(t.unit or "")) for t in extract_targets(item.text)]
    found = 0
    for value, unit in gold:
        want = (float(value), _key(str(unit)))
        hit = next((i for i, (v, u) in enumerate(got)
                    if v is not None and abs(float(v) - want[0]) <= 1e-6 * max(1.0, abs(want[0])) and u == want[1]), None)
        if hit is not None:
            found += 1
            got.pop(hit)
        elif misses is not None:
            misses.append(f"item {item.seq}: target {value}{unit} not read")
    return found


def score_file(path: Path, gold: dict[str, Any]) -> FileScore:
    """Parse one document (nothing is stored) and score it against its gold entry."""
    score = FileScore(file=path.name, gold_items=len(gold["items"]),
                      states_place=bool(gold.get("states_place_and_year", True)))
    score.gold_targets = sum(len(g.get("targets", [])) for g in gold["items"])
    code = ""
    try:
        raw = read_document(path)
        parsed = parse_document(raw)
        if score.states_place:
            jur, year, _ = read_place_and_year(path, raw)
            score.place_read = jur.name if jur else ""
            score.year_read = year
            want = _key(str(gold.get("jurisdiction", "")))
            got = _key(score.place_read)
            # The gold gives the fullest name the document states; a reading that names the
            # same place with fewer levels (澄浦区 for 春申市澄浦区) or more is right.
            score.place_ok = bool(got) and (want.endswith(got) or got.endswith(want))
            score.year_ok = year == gold.get("year")
            code = jur.code if jur else ""
    except MinshengError as exc:
        score.error = str(exc).removeprefix(f"{path}: ")
        for g in gold["items"]:
            score.departments.fn += len(g.get("departments", []))
            score.officials.fn += len(g.get("officials", []))
        return score
    score.layout = parsed.layout
    score.parsed_items = len(parsed.items)
    code = code or "000000"
    for g, item in zip(gold["items"], _match_items(gold["items"], parsed.items), strict=True):
        gold_deps = _department_keys(list(g.get("departments", [])), code)
        gold_offs = [(_key(n), _key(n)) for n in g.get("officials", [])]
        if item is None:
            score.departments.fn += len(gold_deps)
            score.officials.fn += len(gold_offs)
            if "lead_departments" in g:
                score.lead.fn += len(g["lead_departments"])
            score.misses.append(f"item {g.get('seq')}: {g.get('title')}")
            continue
        score.found_items += 1
        score.departments.add(_compare(gold_deps, _department_keys(item.departments, code)))
        score.officials.add(_compare(gold_offs, [(_key(n), _key(n)) for n in item.officials]))
        if "lead_departments" in g:
            score.lead.add(_compare(_department_keys(list(g["lead_departments"]), code),
                                    _department_keys(item.lead_departments, code)))
        score.found_targets += _targets_found(list(g.get("targets", [])), item, score.misses)
    return score


def score_directory(directory: Path, gold_path: Path | None = None) -> dict[str, Any]:
    """Per-file rows and an overall row for every document the gold file names."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory; expected a folder of documents with a gold.json")
    gold = load_gold(gold_path or directory / "gold.json")
    scores: list[FileScore] = []
    for name, entry in gold.items():
        path = directory / name
        if not path.exists():
            s = FileScore(file=name, gold_items=len(entry["items"]), error="missing from the folder")
            scores.append(s)
            continue
        scores.append(score_file(path, entry))
    return summarise(scores)


def summarise(scores: list[FileScore]) -> dict[str, Any]:
    total = FileScore(file="overall")
    for s in scores:
        total.gold_items += s.gold_items
        total.parsed_items += s.parsed_items
        total.found_items += s.found_items
        total.gold_targets += s.gold_targets
        total.found_targets += s.found_targets
        total.departments.add(s.departments)
        total.lead.add(s.lead)
        total.officials.add(s.officials)
    stating = [s for s in scores if s.states_place]
    overall = total.row()
    overall["layout"] = f"{sum(1 for s in scores if not s.error)}/{len(scores)} parsed"
    overall["place"] = f"{sum(1 for s in stating if s.place_ok)}/{len(stating)}"
    overall["year"] = f"{sum(1 for s in stating if s.year_ok)}/{len(stating)}"
    return {
        "files": [s.row() for s in scores],
        "overall": overall,
        "details": [{"file": s.file, "misses": s.misses, "departments": asdict(s.departments),
                     "officials": asdict(s.officials), "lead": asdict(s.lead)} for s in scores],
    }
