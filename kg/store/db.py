"""The SQLite commitment store: the single source of truth of a workspace.

Writes go through `replace_documents`, one transaction for a whole ingest, so a failure
or a kill leaves the previous state intact. Departments and officials are rows of their
own, shared by every document of their jurisdiction, and are dropped when no
commitment refers to them any more.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from kg.errors import BusyError, NotFoundError, StoreError
from kg.model import Commitment, Department, DepartmentRef, Document, Official, Target
from kg.text import normalize_name

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jurisdictions (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, sha256 TEXT NOT NULL, year INTEGER NOT NULL,
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions(code), title TEXT, layout TEXT,
    parser_version TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commitments (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, category TEXT,
    themes TEXT NOT NULL, target_types TEXT NOT NULL, beneficiaries TEXT NOT NULL,
    progress TEXT, deadline TEXT, original_text TEXT, original_title TEXT);
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY, jurisdiction_code TEXT NOT NULL, name TEXT NOT NULL,
    function TEXT, known INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS department_aliases (
    department_id TEXT NOT NULL REFERENCES departments(id) ON DELETE CASCADE, alias TEXT NOT NULL,
    PRIMARY KEY (department_id, alias));
CREATE TABLE IF NOT EXISTS commitment_departments (
    commitment_id TEXT NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    department_id TEXT NOT NULL REFERENCES departments(id), position INTEGER NOT NULL,
    role TEXT NOT NULL, PRIMARY KEY (commitment_id, department_id));
CREATE TABLE IF NOT EXISTS officials (
    id TEXT PRIMARY KEY, jurisdiction_code TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commitment_officials (
    commitment_id TEXT NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    official_id TEXT NOT NULL REFERENCES officials(id), position INTEGER NOT NULL,
    PRIMARY KEY (commitment_id, official_id));
CREATE TABLE IF NOT EXISTS targets (
    commitment_id TEXT NOT NULL REFERENCES commitments(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, comparator TEXT NOT NULL,
    cumulative INTEGER NOT NULL, raw TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    target_type TEXT REFERENCES target_types(id), PRIMARY KEY (commitment_id, position));
CREATE TABLE IF NOT EXISTS target_types (id TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS commitments_document ON commitments(document_id);
CREATE INDEX IF NOT EXISTS cd_department ON commitment_departments(department_id);
CREATE INDEX IF NOT EXISTS co_official ON commitment_officials(official_id);
"""


# What ``commitments(light=True)`` reads of a commitment row: everything but the texts.
_LIGHT_COLUMNS = "c.id, c.document_id, c.seq, c.title, c.category, c.themes, c.target_types, " \
                 "c.beneficiaries, c.progress, c.deadline"
# Decoded label lists by their JSON text. A corpus has few distinct theme / target-type /
# beneficiary combinations (~2,000 at 100k commitments), so decoding each once instead of
# per row saves ~2 s of a 100k read; the bound keeps a pathological corpus from growing it.
_LABEL_CACHE: dict[str, tuple[str, ...]] = {}
_LABEL_CACHE_MAX = 50_000


def _labels(text: str) -> list[str]:
    """``json.loads`` of a stored label list, memoised; a fresh list each call (callers may mutate it)."""
    found = _LABEL_CACHE.get(text)
    if found is None:
        if len(_LABEL_CACHE) >= _LABEL_CACHE_MAX:
            _LABEL_CACHE.clear()
        found = _LABEL_CACHE[text] = tuple(json.loads(text))
    return list(found)


# A writer from another process (the CLI while the server runs) waits this long for the lock.
_BUSY_TIMEOUT_MS = 10_000


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a file, or None when it is gone: changes when the file is replaced."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _writable(path: Path) -> bool:
    return (not path.exists() or os.access(path, os.W_OK)) and os.access(path.parent, os.W_OK)


def _connect(path: Path) -> sqlite3.Connection:
    if _writable(path):
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    else:
        # A read-only workspace (a shared copy, a read-only mount) is still searchable.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


# Administrative suffixes a short name leaves out: 章丘 is 章丘区, 平阴 is 平阴县.
_PLACE_SUFFIXES = "区县市旗"


class Store:
    """One workspace's SQLite database: a connection per thread, one writer at a time.

    The database runs in WAL mode, so readers keep reading the last committed state
    while a write is in progress and never see half of it. ``conn`` is the calling
    thread's own connection (sqlite3 connections must not be used by two threads at once).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.path = path
        self._local = threading.local()
        self._local.conn = conn
        self._conns = [conn]
        self._conns_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self.identity = file_identity(path)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        """Open (or with ``create`` make) the database at ``path``."""
        path = Path(path)
        if not create and not path.exists():
            raise StoreError(f"{path}: no commitment store here; run `minsheng init` first")
        if path.exists() and not path.is_file():
            raise StoreError(f"{path}: not a minsheng store (not a regular file)")
        try:
            conn = _connect(path)
            if _writable(path):
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a minsheng store or not readable ({exc})") from None
        if row is not None and int(row[0]) != SCHEMA_VERSION:
            conn.close()
            raise StoreError(f"{path}: store schema {row[0]} is not {SCHEMA_VERSION}; rebuild with `minsheng init --force`")
        return cls(conn, path)

    def close(self) -> None:
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    def changed_on_disk(self) -> bool:
        """True when the database file was removed or replaced since this store opened it."""
        return file_identity(self.path) != self.identity

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: BEGIN IMMEDIATE … COMMIT, rolled back on any exception.

        Threads of this process queue on a lock; other processes wait up to the busy timeout.
        """
        with self._write_lock:
            conn = self.conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):  # another process writes (a long CLI ingest): try later
                    raise BusyError(f"{self.path}: another process is writing to the workspace ({exc}); "
                                    "try again when it has finished") from None
                raise StoreError(f"{self.path}: cannot start writing ({exc})") from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                # Some errors (disk full, I/O) end the transaction themselves; ROLLBACK would then fail.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError):
                    raise StoreError(f"{self.path}: write failed and was rolled back ({exc})") from None
                raise
            # Writes are rare (ingest): fold them into the main file at once, so a plain copy of
            # minsheng.db (backup, test fixture) is complete without its -wal file.
            with suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that must see one committed state (a read transaction in WAL mode)."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def document_state(self, doc_id: str) -> tuple[str, str] | None:
        """(sha256, parser_version) of a stored document, or None."""
        row = self.conn.execute("SELECT sha256, parser_version FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def replace_documents(self, batch: Iterable[tuple[Document, list[Commitment], dict[str, tuple[str, ...]]]],
                          parser_version: str, target_type_labels: dict[str, str]) -> None:
        """Store (document, commitments, department aliases by id) triples atomically, replacing old versions.

        ``batch`` may be a generator that parses as it goes (ingest passes one): each document
        is written into the one open transaction as it arrives and can be freed after, so
        memory stays that of one document however large the batch. Whatever the generator
        raises rolls the whole batch back. Meanwhile WAL readers keep seeing the last committed
        state, and another writer waits (busy timeout) until the whole batch, parsing included,
        has committed.
        """
        with self.transaction() as db:
            for doc, commitments, aliases in batch:
                self._insert_document(db, doc, commitments, aliases, parser_version, target_type_labels)
            # Once per batch, not per document: each is a scan of the link tables.
            db.execute("DELETE FROM departments WHERE id NOT IN (SELECT department_id FROM commitment_departments)")
            db.execute("DELETE FROM officials WHERE id NOT IN (SELECT official_id FROM commitment_officials)")
            db.execute("INSERT INTO meta VALUES ('version', '1') "
                       "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def version(self) -> int:
        """A counter bumped by every write: a cheap key for derived artifacts (indexes, graph store)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _insert_document(db: sqlite3.Connection, doc: Document, commitments: list[Commitment],
                         aliases: dict[str, tuple[str, ...]], parser_version: str, labels: dict[str, str]) -> None:
        """Replace one document's rows: one executemany per table, parents before the rows that
        refer to them (a statement per row cost ~15% more CPU writing the 10k synthetic corpus)."""
        db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        db.execute("INSERT OR REPLACE INTO jurisdictions VALUES (?, ?)", (doc.jurisdiction_code, doc.jurisdiction))
        db.execute("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)", (
            doc.id, doc.source, doc.sha256, doc.year, doc.jurisdiction_code, doc.title, doc.layout,
            parser_version, doc.ingested_at))
        db.executemany("INSERT INTO commitments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [(
            c.id, c.document_id, c.seq, c.title, c.text, c.category, json.dumps(c.themes, ensure_ascii=False),
            json.dumps(c.target_types, ensure_ascii=False), json.dumps(c.beneficiaries, ensure_ascii=False),
            c.progress, c.deadline, c.original_text, c.original_title) for c in commitments])
        # Keyed by id, last one wins: what a row-by-row upsert would have left.
        departments: dict[str, tuple[str, str, str, str | None, int]] = {}
        dep_aliases: dict[tuple[str, str], None] = {}
        links: list[tuple[str, str, int, str]] = []
        officials: dict[str, tuple[str, str, str]] = {}
        official_links: list[tuple[str, str, int]] = []
        types: dict[str, tuple[str, str]] = {}
        targets: list[tuple[str, int, str, float, str, str, int, str, int, int, str | None]] = []
        for c in commitments:
            for pos, dep in enumerate(c.departments):
                departments[dep.id] = (dep.id, c.jurisdiction_code, dep.name, dep.function, int(dep.function is not None))
                dep_aliases.update(((dep.id, alias), None) for alias in aliases.get(dep.id, ()))
                links.append((c.id, dep.id, pos, "lead" if dep.id in c.lead_departments else dep.role))
            for pos, name in enumerate(c.officials):
                oid = f"{c.jurisdiction_code}:{name}"
                officials.setdefault(oid, (oid, c.jurisdiction_code, name))
                official_links.append((c.id, oid, pos))
            for pos, t in enumerate(c.targets):
                if t.target_type:
                    types.setdefault(t.target_type, (t.target_type, labels.get(
                        t.target_type, t.target_type_label or t.target_type)))
                targets.append((c.id, pos, t.metric, t.value, t.unit, t.comparator, int(t.cumulative), t.raw,
                                t.start, t.end, t.target_type))
        # Upsert, not ignore: a re-parse after an alias-table change must update the function.
        db.executemany("INSERT INTO departments VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                       "name = excluded.name, function = excluded.function, known = excluded.known",
                       departments.values())
        db.executemany("INSERT OR IGNORE INTO department_aliases VALUES (?, ?)", dep_aliases)
        db.executemany("INSERT OR IGNORE INTO commitment_departments VALUES (?,?,?,?)", links)
        db.executemany("INSERT OR IGNORE INTO officials VALUES (?,?,?)", officials.values())
        db.executemany("INSERT OR IGNORE INTO commitment_officials VALUES (?,?,?)", official_links)
        db.executemany("INSERT OR IGNORE INTO target_types VALUES (?, ?)", types.values())
        db.executemany("INSERT INTO targets VALUES (?,?,?,?,?,?,?,?,?,?,?)", targets)

    def fingerprint(self) -> str:
        """A hash of every stored document version; changes whenever commitments change."""
        rows = self.conn.execute("SELECT id, sha256, parser_version FROM documents ORDER BY id").fetchall()
        return hashlib.sha256(json.dumps([tuple(r) for r in rows]).encode()).hexdigest()[:16]

    def documents(self) -> list[Document]:
        rows = self.conn.execute(
            "SELECT d.*, j.name AS jname FROM documents d JOIN jurisdictions j ON j.code = d.jurisdiction_code "
            "ORDER BY d.jurisdiction_code, d.year").fetchall()
        return [Document(id=r["id"], source=r["source"], sha256=r["sha256"], year=r["year"], jurisdiction=r["jname"],
                         jurisdiction_code=r["jurisdiction_code"], title=r["title"], layout=r["layout"],
                         ingested_at=r["ingested_at"]) for r in rows]

    def jurisdiction_codes(self) -> list[str]:
        """Codes of the jurisdictions the store holds (a short name means one of these first)."""
        return [str(r[0]) for r in self.conn.execute("SELECT code FROM jurisdictions ORDER BY code")]

    def jurisdiction_code(self, value: str) -> str | None:
        """The code of a stored jurisdiction named by code, full name or short name (章丘 for 章丘区)."""
        value = normalize_name(value)
        rows = self.conn.execute("SELECT code, name FROM jurisdictions ORDER BY code").fetchall()
        # Exact first: 济南市 must not be taken for a district whose name merely ends like it.
        for code, name in rows:
            if value in (code, name):
                return str(code)
        if len(value) < 2:
            return None
        for code, name in rows:
            if name.endswith(value) or name.rstrip(_PLACE_SUFFIXES).endswith(value):
                return str(code)
        return None

    def resolve_jurisdiction(self, value: str) -> str:
        """Like `jurisdiction_code`, but a name that matches no stored jurisdiction is an error."""
        code = self.jurisdiction_code(value)
        if code is None:
            raise NotFoundError(f"jurisdiction: no jurisdiction {value!r} in the workspace; `minsheng stats` lists them")
        return code

    def find_departments(self, name_or_alias: str, jurisdiction: str | None = None) -> list[Department]:
        """Departments whose canonical name, alias or function label matches, in any or one jurisdiction."""
        name = normalize_name(name_or_alias)
        deps = self.departments(jurisdiction)
        exact = [d for d in deps if name == d.name or name in d.aliases or name == d.id]
        if exact:
            return exact
        # 卫健局 (no prefix) should still find 区卫生健康局.
        return [d for d in deps if any(n.endswith(name) for n in (d.name, *d.aliases)) or name == d.function]

    def _where(self, *, year: int | None = None, jurisdiction: str | None = None, department: str | None = None,
               official: str | None = None, theme: str | None = None, ids: Iterable[str] | None = None
               ) -> tuple[str, list[str | int]]:
        """The WHERE clause of a filtered commitment query; id lists travel as one JSON parameter.

        One parameter per id fails past SQLite's variable limit (32,766 on stock builds), and
        chunking would break the ORDER BY; ``json_each`` takes any number in one bound value.
        """
        where: list[str] = []
        args: list[str | int] = []
        if year is not None:
            where.append("d.year = ?")
            args.append(year)
        if jurisdiction:
            where.append("d.jurisdiction_code = ?")
            args.append(self.resolve_jurisdiction(jurisdiction))
        if department:
            dep_ids = [d.id for d in self.find_departments(department, jurisdiction)]
            if not dep_ids:
                where_ = f" of {jurisdiction}" if jurisdiction else ""
                raise NotFoundError(f"department: no department{where_} matches {department!r}; "
                                    "`minsheng departments` lists them")
            where.append("c.id IN (SELECT commitment_id FROM commitment_departments "
                         "WHERE department_id IN (SELECT value FROM json_each(?)))")
            args.append(json.dumps(dep_ids, ensure_ascii=False))
        if official:
            name = normalize_name(official)
            where.append("c.id IN (SELECT co.commitment_id FROM commitment_officials co JOIN officials o ON o.id = co.official_id WHERE o.name = ? OR o.id = ?)")
            args.extend([name, name])
        if theme:
            t = normalize_name(theme)
            where.append("(EXISTS (SELECT 1 FROM json_each(c.themes) WHERE value = ?) "
                         "OR EXISTS (SELECT 1 FROM json_each(c.target_types) WHERE value = ?))")
            args.extend([t, t])
        if ids is not None:
            where.append("c.id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(list(ids), ensure_ascii=False))
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def commitments(self, *, year: int | None = None, jurisdiction: str | None = None, department: str | None = None,
                    official: str | None = None, theme: str | None = None, ids: Iterable[str] | None = None,
                    light: bool = False) -> list[Commitment]:
        """Commitments matching every filter given, ordered by jurisdiction code, year and seq.

        ``light`` leaves out the texts (``text`` is the title, originals None) and the targets:
        analyses that only group by place, year, department, official and concept read the
        whole corpus this way at about a third of the cost, and fetch full items for what they show.
        """
        where, args = self._where(year=year, jurisdiction=jurisdiction, department=department, official=official,
                                  theme=theme, ids=ids)
        columns = _LIGHT_COLUMNS if light else "c.*"
        sql = (f"SELECT {columns}, d.year, d.jurisdiction_code, d.source, j.name AS jname FROM commitments c "
               "JOIN documents d ON d.id = c.document_id JOIN jurisdictions j ON j.code = d.jurisdiction_code")
        rows = self.conn.execute(sql + where + " ORDER BY d.jurisdiction_code, d.year, c.seq", args).fetchall()
        return self._hydrate(rows, everything=not where, light=light)

    def commitment_ids(self, **filters: object) -> list[str]:
        """Ids of the commitments ``commitments(**filters)`` would return, without building them."""
        where, args = self._where(**filters)  # type: ignore[arg-type]
        sql = "SELECT c.id FROM commitments c JOIN documents d ON d.id = c.document_id"
        return [r[0] for r in self.conn.execute(sql + where + " ORDER BY d.jurisdiction_code, d.year, c.seq", args)]

    def commitment_keys(self) -> list[tuple[str, str]]:
        """(id, content key) of every commitment in store order; the key changes when its document does.

        Derived indexes compare these to decide what to re-embed, without reading the texts.
        """
        rows = self.conn.execute(
            "SELECT c.id, d.sha256, d.parser_version FROM commitments c JOIN documents d ON d.id = c.document_id "
            "ORDER BY d.jurisdiction_code, d.year, c.seq")
        return [(r[0], f"{r[1][:20]}:{r[2]}") for r in rows]

    def state(self) -> str:
        """Version counter plus row count and last ingest time: cheap, and unlike the bare counter
        it differs between a store and a rebuilt one that happens to reach the same version."""
        n = self.conn.execute("SELECT COUNT(*), MAX(ingested_at) FROM documents").fetchone()
        return f"{self.version()}:{n[0]}:{n[1] or ''}"

    def department_words(self) -> list[str]:
        """Every department name and alias (for the tokenizer's dictionary), without the commitment lists."""
        rows = self.conn.execute("SELECT name FROM departments UNION SELECT alias FROM department_aliases")
        return sorted(r[0] for r in rows)

    def having_target_types(self, ids: Iterable[str], labels: Iterable[str]) -> set[str]:
        """Those of ``ids`` whose target types include one of ``labels`` (matched in SQL, no JSON decoding)."""
        rows = self.conn.execute(
            "SELECT DISTINCT c.id FROM commitments c, json_each(c.target_types) t "
            "WHERE c.id IN (SELECT value FROM json_each(?)) AND t.value IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids), ensure_ascii=False), json.dumps(sorted(labels), ensure_ascii=False)))
        return {r[0] for r in rows}

    def target_types_of(self, ids: Iterable[str]) -> dict[str, list[str]]:
        rows = self.conn.execute("SELECT id, target_types FROM commitments WHERE id IN (SELECT value FROM json_each(?))",
                                 (json.dumps(list(ids), ensure_ascii=False),))
        return {r[0]: _labels(r[1]) for r in rows}

    def commitment_facts(self, drop_types: Iterable[str] = ()) -> dict[str, tuple[str, int, frozenset[str]]]:
        """id -> (jurisdiction code, year, target types minus ``drop_types``), without building commitments."""
        drop = frozenset(drop_types)
        kept: dict[str, frozenset[str]] = {}  # by the stored text: few distinct sets in a corpus
        out = {}
        for cid, code, year, types in self.conn.execute(
                "SELECT c.id, d.jurisdiction_code, d.year, c.target_types FROM commitments c "
                "JOIN documents d ON d.id = c.document_id"):
            found = kept.get(types)
            if found is None:
                found = kept[types] = frozenset(_labels(types)) - drop
            out[cid] = (code, year, found)
        return out

    def facet_values(self) -> dict[str, set]:
        """Years, (code, name) jurisdictions, official names and theme/target-type labels in the store."""
        c = self.conn
        themes = {r[0] for r in c.execute("SELECT DISTINCT j.value FROM commitments, json_each(commitments.themes) j")}
        themes |= {r[0] for r in c.execute(
            "SELECT DISTINCT j.value FROM commitments, json_each(commitments.target_types) j")}
        return {"year": {r[0] for r in c.execute("SELECT DISTINCT year FROM documents")},
                "jurisdiction": {(r[0], r[1]) for r in c.execute("SELECT code, name FROM jurisdictions")},
                "official": {r[0] for r in c.execute("SELECT DISTINCT name FROM officials")},
                "theme": themes}

    def commitment(self, commitment_id: str) -> Commitment:
        found = self.commitments(ids=[commitment_id.strip()])
        if not found:
            raise NotFoundError(f"commitment {commitment_id!r} not found; `minsheng list` shows the ids")
        return found[0]

    def _hydrate(self, rows: list[sqlite3.Row], *, everything: bool = False, light: bool = False) -> list[Commitment]:
        ids = [r["id"] for r in rows]
        if not ids:
            return []
        # All rows: no filter at all. Otherwise the ids travel as one JSON array (no variable limit).
        cond = "1" if everything else "{col} IN (SELECT value FROM json_each(?))"
        args = [] if everything else [json.dumps(ids, ensure_ascii=False)]
        deps: dict[str, list[tuple[DepartmentRef, str]]] = {i: [] for i in ids}
        for r in self.conn.execute(
                f"SELECT cd.commitment_id, cd.role, d.id, d.name, d.function FROM commitment_departments cd "
                f"JOIN departments d ON d.id = cd.department_id WHERE {cond.format(col='cd.commitment_id')} "
                "ORDER BY cd.position", args):
            deps[r[0]].append((DepartmentRef(id=r[2], name=r[3], function=r[4], role=r[1]), r[1]))
        offs: dict[str, list[str]] = {i: [] for i in ids}
        for r in self.conn.execute(
                f"SELECT co.commitment_id, o.name FROM commitment_officials co JOIN officials o ON o.id = co.official_id "
                f"WHERE {cond.format(col='co.commitment_id')} ORDER BY co.position", args):
            offs[r[0]].append(r[1])
        tgts: dict[str, list[Target]] = {i: [] for i in ids}
        for r in () if light else self.conn.execute(
                f"SELECT t.*, tt.label FROM targets t LEFT JOIN target_types tt ON tt.id = t.target_type "
                f"WHERE {cond.format(col='t.commitment_id')} ORDER BY t.position", args):
            tgts[r["commitment_id"]].append(Target(
                metric=r["metric"], value=r["value"], unit=r["unit"], comparator=r["comparator"],
                cumulative=bool(r["cumulative"]), raw=r["raw"], start=r["start"], end=r["end"],
                target_type=r["target_type"], target_type_label=r["label"]))
        return [Commitment(
            id=r["id"], document_id=r["document_id"], year=r["year"], jurisdiction=r["jname"],
            jurisdiction_code=r["jurisdiction_code"], seq=r["seq"], title=r["title"],
            text=r["title"] if light else r["text"], category=r["category"], officials=offs[r["id"]],
            departments=[d for d, _ in deps[r["id"]]], targets=tgts[r["id"]], themes=_labels(r["themes"]),
            target_types=_labels(r["target_types"]), beneficiaries=_labels(r["beneficiaries"]),
            lead_departments=[d.id for d, role in deps[r["id"]] if role == "lead"], source=r["source"],
            progress=r["progress"], deadline=r["deadline"], original_text=None if light else r["original_text"],
            original_title=None if light else r["original_title"],
        ) for r in rows]

    def _in_jurisdiction(self, jurisdiction: str | None) -> Callable[[str], bool]:
        """A test on jurisdiction codes: everything when None, nothing for an unknown place."""
        if not jurisdiction:
            return lambda code: True
        wanted = self.resolve_jurisdiction(jurisdiction)
        return lambda code: code == wanted

    def departments(self, jurisdiction: str | None = None) -> list[Department]:
        """Departments with aliases and commitments, in every or one jurisdiction (name or code)."""
        keep = self._in_jurisdiction(jurisdiction)
        aliases: dict[str, list[str]] = {}
        for dep_id, alias in self.conn.execute("SELECT department_id, alias FROM department_aliases ORDER BY alias"):
            aliases.setdefault(dep_id, []).append(alias)
        commits: dict[str, list[str]] = {}
        for dep_id, cid in self.conn.execute(
                "SELECT cd.department_id, cd.commitment_id FROM commitment_departments cd "
                "JOIN commitments c ON c.id = cd.commitment_id JOIN documents d ON d.id = c.document_id "
                "ORDER BY d.jurisdiction_code, d.year, c.seq"):
            commits.setdefault(dep_id, []).append(cid)
        rows = self.conn.execute(
            "SELECT dp.*, j.name AS jname FROM departments dp JOIN jurisdictions j ON j.code = dp.jurisdiction_code "
            "ORDER BY dp.jurisdiction_code, dp.name").fetchall()
        return [Department(id=r["id"], name=r["name"], jurisdiction=r["jname"], jurisdiction_code=r["jurisdiction_code"],
                           function=r["function"], aliases=[a for a in aliases.get(r["id"], []) if a != r["name"]],
                           known=bool(r["known"]), commitments=commits.get(r["id"], []))
                for r in rows if keep(r["jurisdiction_code"])]

    def officials(self, jurisdiction: str | None = None) -> list[Official]:
        """Lead officials with years and commitments, in every or one jurisdiction (name or code)."""
        keep = self._in_jurisdiction(jurisdiction)
        rows = self.conn.execute(
            "SELECT o.id, o.name, o.jurisdiction_code, j.name AS jname, c.id AS cid, d.year FROM officials o "
            "JOIN jurisdictions j ON j.code = o.jurisdiction_code "
            "JOIN commitment_officials co ON co.official_id = o.id JOIN commitments c ON c.id = co.commitment_id "
            "JOIN documents d ON d.id = c.document_id ORDER BY o.jurisdiction_code, o.name, d.year, c.seq").fetchall()
        out: dict[str, Official] = {}
        for r in rows:
            if not keep(r["jurisdiction_code"]):
                continue
            off = out.setdefault(r["id"], Official(id=r["id"], name=r["name"], jurisdiction=r["jname"],
                                                   jurisdiction_code=r["jurisdiction_code"]))
            off.commitments.append(r["cid"])
            if r["year"] not in off.years:
                off.years.append(r["year"])
        return list(out.values())

    def document_keys(self, *, year: int | None = None, jurisdiction: str | None = None) -> dict[str, tuple[str, int, str]]:
        """id -> (jurisdiction code, year, content key) of the documents in scope; the key changes when the
        document's text or the parser does (the same key ``commitment_keys`` gives its commitments)."""
        where: list[str] = []
        args: list[str | int] = []
        if year is not None:
            where.append("year = ?")
            args.append(year)
        if jurisdiction:
            where.append("jurisdiction_code = ?")
            args.append(self.resolve_jurisdiction(jurisdiction))
        sql = "SELECT id, jurisdiction_code, year, sha256, parser_version FROM documents"
        rows = self.conn.execute(sql + (" WHERE " + " AND ".join(where) if where else ""), args)
        return {r[0]: (r[1], r[2], f"{r[3][:20]}:{r[4]}") for r in rows}

    def co_named_departments(self, *, year: int | None = None, jurisdiction: str | None = None
                             ) -> list[tuple[str, str, int]]:
        """(department a, department b, commitments naming both), a < b, for every pair named together.

        One GROUP BY in SQLite: ~0.1 s at 100k commitments, where building a networkx graph of
        every commitment took seconds.
        """
        where, args = self._where(year=year, jurisdiction=jurisdiction)
        sql = ("SELECT a.department_id, b.department_id, COUNT(*) FROM commitments c "
               "JOIN documents d ON d.id = c.document_id JOIN commitment_departments a ON a.commitment_id = c.id "
               "JOIN commitment_departments b ON b.commitment_id = c.id AND a.department_id < b.department_id")
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql + where + " GROUP BY 1, 2", args)]

    def commitment_ids_naming_both(self, a: str, b: str, *, year: int | None = None,
                                   jurisdiction: str | None = None) -> list[str]:
        """Ids of the commitments in scope naming both departments ``a`` and ``b``, in store order."""
        where, args = self._where(year=year, jurisdiction=jurisdiction)
        sql = ("SELECT c.id FROM commitment_departments x JOIN commitment_departments y "
               "ON y.commitment_id = x.commitment_id AND y.department_id = ? "
               "JOIN commitments c ON c.id = x.commitment_id JOIN documents d ON d.id = c.document_id")
        where = (where + " AND " if where else " WHERE ") + "x.department_id = ?"
        rows = self.conn.execute(sql + where + " ORDER BY d.jurisdiction_code, d.year, c.seq", [b, *args, a])
        return [r[0] for r in rows]

    def official_portfolios(self, *, year: int | None = None, jurisdiction: str | None = None
                            ) -> tuple[list[tuple[str, str, str]], dict[str, tuple[frozenset[str], list[str]]]]:
        """What officials lead, without building commitments: (official id, name, commitment id) in store
        order, and for each of those commitments (its department ids, its themes)."""
        where, args = self._where(year=year, jurisdiction=jurisdiction)
        scope = ("FROM commitments c JOIN documents d ON d.id = c.document_id "
                 "JOIN commitment_officials co ON co.commitment_id = c.id ")
        led, themes = [], {}
        for oid, name, cid, labels in self.conn.execute(
                "SELECT co.official_id, o.name, c.id, c.themes " + scope + "JOIN officials o ON o.id = co.official_id"
                + where + " ORDER BY d.jurisdiction_code, d.year, c.seq, co.position", args):
            led.append((oid, name, cid))
            themes[cid] = labels
        deps: dict[str, set[str]] = {}
        for cid, dep in self.conn.execute(
                "SELECT c.id, cd.department_id " + scope + "JOIN commitment_departments cd ON cd.commitment_id = c.id"
                + where, args):
            deps.setdefault(cid, set()).add(dep)
        return led, {cid: (frozenset(deps.get(cid, ())), _labels(labels)) for cid, labels in themes.items()}

    def counts(self) -> dict[str, int]:
        """Row counts for `minsheng stats`."""
        tables = ["documents", "commitments", "departments", "officials", "targets", "target_types", "jurisdictions"]
        return {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def people_named(self, department_ids: Iterable[str], official_ids: Iterable[str]
                     ) -> tuple[list[Department], list[Official]]:
        """The departments and officials with these ids, as departments() and officials() give them.

        For callers that need the few a jurisdiction's commitments name: the graph store's
        per-document update read every department and official otherwise (3 s at 100k).
        """
        dep_ids = json.dumps(sorted(set(department_ids)), ensure_ascii=False)
        off_ids = json.dumps(sorted(set(official_ids)), ensure_ascii=False)
        aliases: dict[str, list[str]] = {}
        for dep_id, alias in self.conn.execute(
                "SELECT department_id, alias FROM department_aliases "
                "WHERE department_id IN (SELECT value FROM json_each(?)) ORDER BY alias", (dep_ids,)):
            aliases.setdefault(dep_id, []).append(alias)
        commits: dict[str, list[str]] = {}
        for dep_id, cid in self.conn.execute(
                "SELECT cd.department_id, cd.commitment_id FROM commitment_departments cd "
                "JOIN commitments c ON c.id = cd.commitment_id JOIN documents d ON d.id = c.document_id "
                "WHERE cd.department_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY d.jurisdiction_code, d.year, c.seq", (dep_ids,)):
            commits.setdefault(dep_id, []).append(cid)
        rows = self.conn.execute(
            "SELECT dp.*, j.name AS jname FROM departments dp JOIN jurisdictions j ON j.code = dp.jurisdiction_code "
            "WHERE dp.id IN (SELECT value FROM json_each(?)) ORDER BY dp.jurisdiction_code, dp.name", (dep_ids,))
        departments = [Department(id=r["id"], name=r["name"], jurisdiction=r["jname"],
                                  jurisdiction_code=r["jurisdiction_code"], function=r["function"],
                                  aliases=[a for a in aliases.get(r["id"], []) if a != r["name"]],
                                  known=bool(r["known"]), commitments=commits.get(r["id"], []))
                       for r in rows]
        officials: dict[str, Official] = {}
        for r in self.conn.execute(
                "SELECT o.id, o.name, o.jurisdiction_code, j.name AS jname, c.id AS cid, d.year FROM officials o "
                "JOIN jurisdictions j ON j.code = o.jurisdiction_code "
                "JOIN commitment_officials co ON co.official_id = o.id JOIN commitments c ON c.id = co.commitment_id "
                "JOIN documents d ON d.id = c.document_id WHERE o.id IN (SELECT value FROM json_each(?)) "
                "ORDER BY o.jurisdiction_code, o.name, d.year, c.seq", (off_ids,)):
            off = officials.setdefault(r["id"], Official(id=r["id"], name=r["name"], jurisdiction=r["jname"],
                                                         jurisdiction_code=r["jurisdiction_code"]))
            off.commitments.append(r["cid"])
            if r["year"] not in off.years:
                off.years.append(r["year"])
        return departments, list(officials.values())

    def commitments_in(self, code: str) -> list[Commitment]:
        """``commitments(jurisdiction=code)`` for an exact stored code, without resolving a name.

        For callers visiting every jurisdiction in turn (the graph store's build): resolving reads
        every jurisdiction on each call, quadratic over 1,000 districts (16 s of a 100k build).
        """
        sql = ("SELECT c.*, d.year, d.jurisdiction_code, d.source, j.name AS jname FROM commitments c "
               "JOIN documents d ON d.id = c.document_id JOIN jurisdictions j ON j.code = d.jurisdiction_code "
               "WHERE d.jurisdiction_code = ? ORDER BY d.jurisdiction_code, d.year, c.seq")
        return self._hydrate(self.conn.execute(sql, (code,)).fetchall())
