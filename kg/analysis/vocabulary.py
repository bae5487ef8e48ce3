"""The workspace's own vocabulary, for reading questions: what names can a question use?

Everything a question may name comes from the store (years, jurisdictions, departments
with every alias, officials) or from the taxonomy (themes and target types), so the
vocabulary grows with the corpus and nothing is hard-coded per document. Alongside the
names it keeps a compact row per commitment (year, place, departments with roles,
officials, themes, target types; see `kg.analysis.rows`), so that answering is set
arithmetic in memory rather than a query per question. Built once per store version and
cached, in memory and in the workspace.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kg.analysis.rows import Row, RowTable, TargetRow
from kg.text import normalize_name
from kg.vocab.taxonomy import load_taxonomy

log = logging.getLogger(__name__)

# Prefixes a department name may carry in one jurisdiction and drop in speech (区民政局 -> 民政局).
_DEPT_PREFIXES = ("区", "县", "市", "镇", "街道")
# Place names whose last character is a level word; 章丘区 is also called 章丘.
_LEVEL = re.compile(r"(?:区|县|市|旗)$")
_CITY = re.compile(r"^(.{2,6}?[市州盟])(.{2,}[区县市旗])$")


@dataclass
class Surface:
    """What one written form can mean: kind is jurisdiction | department | function | official | concept."""

    kind: str
    refs: tuple[str, ...]  # ids in the order they were first added
    # While the vocabulary is built: the refs so far (a dict, so that adding one is O(1)); see Vocabulary.freeze.
    growing: dict[str, None] | None = field(default=None, repr=False, compare=False)


class Records(Mapping[str, dict[str, Any]]):
    """id -> {field: value} for departments and officials, kept as one tuple per id.

    A new process reads 13k departments back as tuples; as a dict each they took 10 ms of
    the first question at 100k commitments. Reading an entry builds its small dict.
    """

    def __init__(self, fields: tuple[str, ...], values: dict[str, tuple[Any, ...]] | None = None):
        self.fields = fields
        self.values_by_id: dict[str, tuple[Any, ...]] = {} if values is None else values

    def __getitem__(self, key: str) -> dict[str, Any]:
        return dict(zip(self.fields, self.values_by_id[key], strict=True))

    def __iter__(self) -> Iterator[str]:
        return iter(self.values_by_id)

    def __len__(self) -> int:
        return len(self.values_by_id)

    def __contains__(self, key: object) -> bool:
        return key in self.values_by_id


_DEPARTMENT_FIELDS = ("name", "code", "function")
_OFFICIAL_FIELDS = ("name", "code")


@dataclass
class Vocabulary:
    """Names, ids and the commitment rows of one store version."""

    version: tuple[str, int]
    years: list[int] = field(default_factory=list)
    places: dict[str, str] = field(default_factory=dict)  # code -> full name
    departments: Records = field(default_factory=lambda: Records(_DEPARTMENT_FIELDS))  # id -> name, code, function
    officials: Records = field(default_factory=lambda: Records(_OFFICIAL_FIELDS))  # id -> name, code
    rows: RowTable = field(default_factory=lambda: RowTable.build(()))
    forms: dict[str, list[Surface]] = field(default_factory=dict)
    ascii_forms: dict[str, list[Surface]] = field(default_factory=dict)  # lower-cased English forms
    max_len: int = 1

    def add(self, form: str, kind: str, refs: tuple[str, ...]) -> None:
        form = form.strip()
        if len(form) < 2 or not refs:
            return
        table = self.ascii_forms if form.isascii() else self.forms
        key = form.lower() if form.isascii() else form
        bucket = table.setdefault(key, [])
        for s in bucket:
            if s.kind == kind:
                if kind != "concept":  # a concept name means one concept; a department stem may mean several
                    if s.growing is None:
                        s.growing = dict.fromkeys(s.refs)
                    s.growing.update(dict.fromkeys(refs))
                return
        bucket.append(Surface(kind, tuple(dict.fromkeys(refs))))
        self.max_len = max(self.max_len, len(key))

    def freeze(self) -> None:
        """Turn the refs gathered by `add` into tuples (once, at the end of a build)."""
        for table in (self.forms, self.ascii_forms):
            for bucket in table.values():
                for s in bucket:
                    if s.growing is not None:
                        s.refs, s.growing = tuple(s.growing), None

    @property
    def newest_year(self) -> int | None:
        return self.years[-1] if self.years else None

    def place_name(self, code: str) -> str:
        return self.places.get(code, code)

    def rows_where(self, pred: Any) -> list[Row]:
        return [r for r in self.rows.values() if pred(r)]


_CACHE: dict[str, Vocabulary] = {}


def workspace_vocabulary(store: Any) -> Vocabulary:
    """The vocabulary of ``store``, rebuilt only when the store version changes.

    Kept in memory per process and on disk in the workspace's ``cache/`` (keyed by
    ``Store.state()``), so a new process reads it back instead of rebuilding: at 100k
    commitments the build reads every commitment row (~1.3 s), the saved copy loads in
    ~25 ms (the rows are byte columns, see `kg.analysis.rows`).
    """
    key = (str(store.path), store.version())
    cached = _CACHE.get(key[0])
    if cached is not None and cached.version == key:
        return cached
    disk = _disk_path(store)
    state = f"{_DISK_FORMAT}:{store.state()}:{_taxonomy_key()}" if disk is not None else ""
    vocab = _load_saved(disk, state, key) if disk is not None else None
    if vocab is None:
        vocab = build_vocabulary(store)
        if disk is not None:
            _save(disk, state, vocab)
    _CACHE[key[0]] = vocab
    return vocab


# Bump when Vocabulary, Row or the way they are built changes: saved copies of another format are rebuilt.
_DISK_FORMAT = 6
_DISK_NAME = "vocabulary.marshal"


def _disk_path(store: Any) -> Path | None:
    from kg.store.workspace import DB_NAME

    path = Path(getattr(store, "path", "") or "")
    return path.parent / "cache" / _DISK_NAME if path.name == DB_NAME and path.parent.is_dir() else None


def _taxonomy_key() -> str:
    raw = resources.files("kg").joinpath("resources", "taxonomy.toml").read_bytes()
    return hashlib.sha256(raw).hexdigest()[:16]


# The saved file: a magic string with the format, 8 bytes giving the length of a marshal header, the header, then the large byte
# strings (the row columns, see kg.analysis.rows) 8-byte aligned. The header names each of them
# as (_BLOB, offset, length); loading maps the file and hands out slices, so the ~15 MB of
# columns at 100k commitments are neither read nor copied until a question touches them.
_BLOB = "\0blob"
_BLOB_MIN = 4096  # smaller byte strings stay inline in the header
_MAGIC = b"minsheng-vocab-%d\n"


def _split_blobs(value: Any, blobs: list[bytes], at: list[int]) -> Any:
    if isinstance(value, bytes) and len(value) >= _BLOB_MIN:
        blobs.append(value + b"\0" * (-len(value) % 8))
        at[0] += len(blobs[-1])
        return (_BLOB, at[0] - len(blobs[-1]), len(value))
    if isinstance(value, tuple):  # the structure; lists are data (names), never holding blobs
        return tuple(_split_blobs(v, blobs, at) for v in value)
    return value


def _join_blobs(value: Any, data: memoryview) -> Any:
    if isinstance(value, tuple) and len(value) == 3 and value[0] == _BLOB:
        return data[value[1]:value[1] + value[2]]
    if isinstance(value, tuple):
        return tuple(_join_blobs(v, data) for v in value)
    return value


def _save(path: Path, state: str, v: Vocabulary) -> None:
    """marshal (plain tuples, dicts, strings, bytes and frozensets; nothing executable), written atomically."""
    blobs: list[bytes] = []
    rows = _split_blobs(v.rows.plain(), blobs, [0])
    plain = (state, v.years, v.places, v.departments.values_by_id, v.officials.values_by_id, rows,
             {f: [(s.kind, s.refs) for s in b] for f, b in v.forms.items()},
             {f: [(s.kind, s.refs) for s in b] for f, b in v.ascii_forms.items()}, v.max_len)
    header = marshal.dumps(plain)
    header += b"\0" * (-len(header) % 8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # server threads too
        with tmp.open("wb") as fh:
            fh.write(_MAGIC % _DISK_FORMAT + len(header).to_bytes(8, "little"))
            fh.write(header)
            for blob in blobs:
                fh.write(blob)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:  # a read-only workspace still answers, from memory
        log.warning("%s: vocabulary not saved (%s)", path, exc)


def _load_saved(path: Path, state: str, key: tuple[str, int]) -> Vocabulary | None:
    import mmap

    try:
        with path.open("rb") as fh:
            data = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        magic = _MAGIC % _DISK_FORMAT
        if data[:len(magic)] != magic:  # another format (or not ours): rebuilt without a warning
            return None
        data = data[len(magic):]
        size = int.from_bytes(data[:8], "little")
        plain = marshal.loads(data[8:8 + size])
        if plain[0] != state:
            return None
        _, years, places, departments, officials, rows, forms, ascii_forms, max_len = plain
        surfaces = {f: [Surface(kind, refs) for kind, refs in b] for f, b in forms.items()}
        ascii_surfaces = {f: [Surface(kind, refs) for kind, refs in b] for f, b in ascii_forms.items()}
        return Vocabulary(version=key, years=years, places=places, departments=Records(_DEPARTMENT_FIELDS, departments),
                          officials=Records(_OFFICIAL_FIELDS, officials),
                          rows=RowTable(_join_blobs(rows, data[8 + size:])), forms=surfaces,
                          ascii_forms=ascii_surfaces, max_len=max_len)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError, IndexError) as exc:
        log.warning("%s: unreadable saved vocabulary, rebuilding (%s)", path, exc)
        return None


def _english_variants(form: str) -> list[str]:
    """An English label as written, in the singular, and without a leading acronym (EV charging piles)."""
    if not form.isascii():
        return [form]
    words = form.lower().split()
    out = [" ".join(words)]
    singular = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]
    out.append(" ".join(singular))
    if len(words) > 2 and form.split()[0].isupper():
        out += [" ".join(words[1:]), " ".join(singular[1:])]
    return list(dict.fromkeys(out))


def _place_forms(name: str) -> list[str]:
    forms = [name]
    m = _CITY.match(name)
    local = m.group(2) if m else name
    if local != name:
        forms.append(local)
    stem = _LEVEL.sub("", local)
    if len(stem) >= 2 and stem != local:
        forms.append(stem)
    return forms


def _short_names(codes: list[str]) -> dict[str, list[str]]:
    # The national gazetteer spells each place by its own name (市中区, 奉化区): that is the short form.
    from kg.vocab.places import division

    out: dict[str, list[str]] = {}
    for code in codes:
        div = division(code)
        if div is not None and div.name != div.full:
            out[code] = [div.name]
    return out


def build_vocabulary(store: Any) -> Vocabulary:
    """Read names and commitment rows from the store (five queries, no per-row queries)."""
    conn = store.conn
    vocab = Vocabulary(version=(str(store.path), store.version()))
    vocab.years = sorted({int(r[0]) for r in conn.execute("SELECT DISTINCT year FROM documents")})
    vocab.places = {str(r[0]): str(r[1]) for r in conn.execute("SELECT code, name FROM jurisdictions ORDER BY code")}
    shorts = _short_names(list(vocab.places))
    cities: dict[str, list[str]] = defaultdict(list)
    for code, name in vocab.places.items():
        vocab.add(code, "jurisdiction", (code,))
        for form in (*_place_forms(name), *shorts.get(code, [])):
            vocab.add(form, "jurisdiction", (code,))
        m = _CITY.match(name)
        if m:
            cities[m.group(1)].append(code)
    for city, codes in cities.items():
        # "济南市" names every stored district of 济南 unless the city itself has a list.
        if city not in vocab.places.values():
            for form in (city, _LEVEL.sub("", city)):
                if form not in vocab.forms:
                    vocab.add(form, "city", tuple(codes))

    # One object per distinct string (区民政局 is the name of a department in every district): the
    # saved copy then stores each once and refers to it, and reads back in half the time.
    same: dict[str, str] = {}
    for dep_id, code, name, function in conn.execute("SELECT id, jurisdiction_code, name, function FROM departments"):
        vocab.departments.values_by_id[dep_id] = (same.setdefault(name, name), same.setdefault(code, code),
                                                  function and same.setdefault(function, function))
    aliases: dict[str, list[str]] = defaultdict(list)
    for dep_id, alias in conn.execute("SELECT department_id, alias FROM department_aliases"):
        aliases[dep_id].append(alias)
    for dep_id, info in vocab.departments.items():
        for form in (info["name"], *aliases.get(dep_id, [])):
            form = normalize_name(form)
            vocab.add(form, "department", (dep_id,))
            for prefix in _DEPT_PREFIXES:
                if form.startswith(prefix) and len(form) - len(prefix) >= 2:
                    vocab.add(form[len(prefix):], "department", (dep_id,))
        if info["function"]:
            vocab.add(info["function"], "function", (dep_id,))
            for suffix in ("部门", "系统", "单位", "条线"):
                vocab.add(info["function"] + suffix, "department", (dep_id,))

    for oid, code, name in conn.execute("SELECT id, jurisdiction_code, name FROM officials"):
        vocab.officials.values_by_id[oid] = (same.setdefault(name, name), same.setdefault(code, code))
        vocab.add(name, "official", (oid,))

    tax = load_taxonomy()
    # A concept's own label beats another's alternative label (就业 is the theme, though the
    # target type 就业人数 lists it as an alt label); within each tier target types come first
    # as the narrower reading of a shared name (电梯, 学校). The first meaning added wins.
    concepts = (*tax.target_types, *tax.themes)
    for tier in ((c.label,) for c in concepts), (c.alt_labels for c in concepts), ((c.en,) for c in concepts):
        for c, forms in zip(concepts, tier, strict=True):
            for form in forms:
                for variant in _english_variants(form):
                    vocab.add(variant, "concept", (c.id,))
    # Last, English labels without their head noun ("legal aid" for legal aid cases), so that an
    # exact label of another concept ("elderly care") is never shadowed by a shortened one.
    for c in concepts:
        words = c.en.split()
        if c.en.isascii() and len(words) >= 3:
            vocab.add(" ".join(words[:-1]), "concept", (c.id,))

    vocab.freeze()
    _load_rows(conn, vocab)
    return vocab


def _load_rows(conn: Any, vocab: Vocabulary) -> None:
    def query(sql: str) -> Any:
        # Plain tuples, not the store's sqlite3.Row: these loops read ~500k rows at 100k commitments.
        cursor = conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql)

    deps: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cid, dep_id, role in query(
            "SELECT commitment_id, department_id, role FROM commitment_departments ORDER BY commitment_id, position"):
        deps[cid].append((dep_id, role))
    offs: dict[str, list[str]] = defaultdict(list)
    for cid, oid in query("SELECT commitment_id, official_id FROM commitment_officials ORDER BY commitment_id, position"):
        offs[cid].append(oid)
    tax = load_taxonomy()
    label_to_id = {c.label: c.id for c in (*tax.themes, *tax.target_types)}
    # Lists repeat the same few label combinations: parse each distinct JSON text once.
    parsed: dict[str, frozenset[str]] = {}

    def concepts(text: str) -> frozenset[str]:
        got = parsed.get(text)
        if got is None:
            got = parsed[text] = frozenset(label_to_id.get(t, t) for t in json.loads(text))
        return got

    targets: dict[str, list[TargetRow]] = defaultdict(list)
    make = tuple.__new__
    for cid, metric, value, unit, comparator, cumulative, raw, ttype, label in query(
            "SELECT t.commitment_id, t.metric, t.value, t.unit, t.comparator, t.cumulative, t.raw, t.target_type, "
            "tt.label FROM targets t LEFT JOIN target_types tt ON tt.id = t.target_type "
            "ORDER BY t.commitment_id, t.position"):
        targets[cid].append(make(TargetRow, (metric, float(value), unit, comparator, bool(cumulative), raw, ttype,
                                             label)))
    no_deps: tuple[tuple[str, str], ...] = ()
    vocab.rows = RowTable.build((
        make(Row, (cid, int(year), str(code), int(seq), title, concepts(themes), concepts(types),
                   tuple(deps.get(cid, no_deps)), tuple(offs.get(cid, ()))))
        for cid, seq, title, themes, types, year, code in query(
            "SELECT c.id, c.seq, c.title, c.themes, c.target_types, d.year, d.jurisdiction_code FROM commitments c "
            "JOIN documents d ON d.id = c.document_id ORDER BY d.jurisdiction_code, d.year, c.seq")), targets)
