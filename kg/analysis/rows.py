"""The vocabulary's commitment rows in columns, with posting lists, so a selection touches only its rows.

`ask` answers from one compact row per commitment (`Row`). At 100k commitments a dict of
100k row tuples took 0.5 s to unmarshal in every new process and a scan of all of them
per selection; here the rows are columns of machine integers (plus the ids and titles as
UTF-8 with offsets), which a new process reads back as a few byte strings without
building anything, and posting lists (the rows of each year, place, department, official
and concept) turn a selection into set operations over the rows it returns. A `Row` is
built only for the rows a question selects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from typing import Any, NamedTuple

# Unsigned 32-bit ("I"): row numbers, offsets and indexes into the key lists all fit.


class Row(NamedTuple):
    """One commitment, reduced to what questions select on."""

    id: str
    year: int
    code: str
    seq: int
    title: str
    themes: frozenset[str]
    target_types: frozenset[str]
    departments: tuple[tuple[str, str], ...]  # (department id, role) in document order
    officials: tuple[str, ...]  # official ids


def _ints(values: Iterable[int]) -> memoryview:
    from array import array

    return memoryview(array("I", values).tobytes()).cast("I")


def _view(raw: bytes | memoryview) -> memoryview:
    # Bytes read back (or a slice of the mapped file): no copy, the column is the buffer itself.
    return memoryview(raw).cast("B").cast("I")


class Postings:
    """key -> ascending row numbers, stored as one offsets column and one flat column."""

    __slots__ = ("keys", "_off", "_flat", "_pos")

    def __init__(self, keys: list[Any], off: memoryview, flat: memoryview):
        self.keys, self._off, self._flat = keys, off, flat
        self._pos: dict[Any, int] | None = None

    @classmethod
    def build(cls, keys: list[Any], lists: dict[Any, list[int]]) -> Postings:
        off: list[int] = [0]
        flat: list[int] = []
        for k in keys:
            flat.extend(lists.get(k, ()))
            off.append(len(flat))
        return cls(keys, _ints(off), _ints(flat))

    def rows(self, key: Any) -> memoryview:
        if self._pos is None:
            self._pos = {k: i for i, k in enumerate(self.keys)}
        i = self._pos.get(key)
        return self._flat[self._off[i]:self._off[i + 1]] if i is not None else self._flat[:0]

    def union(self, keys: Iterable[Any]) -> set[int]:
        out: set[int] = set()
        for k in keys:
            out.update(self.rows(k))
        return out

    def plain(self) -> tuple[list[Any], bytes, bytes]:
        return self.keys, self._off.tobytes(), self._flat.tobytes()

    @classmethod
    def from_plain(cls, plain: tuple[list[Any], bytes, bytes]) -> Postings:
        keys, off, flat = plain
        return cls(keys, _view(off), _view(flat))


class _Text:
    """Many short strings as one UTF-8 byte string with byte and character offsets.

    One string is decoded from its bytes; once a process has read more than an eighth of them
    one by one (a comparison over every district reads every id), the whole text is decoded
    once and sliced by character offsets instead, which is cheaper from then on (at 100k:
    ids 3 ms in one go against ~0.4 µs each).
    """

    __slots__ = ("_raw", "_off", "_chars", "_full", "_read")

    def __init__(self, raw: bytes | memoryview, off: memoryview, chars: memoryview):
        self._raw, self._off, self._chars = raw, off, chars
        self._full: str | None = None
        self._read = 0

    @classmethod
    def build(cls, values: Iterable[str]) -> _Text:
        values = list(values)
        parts = [v.encode() for v in values]
        return cls(b"".join(parts), _ints(accumulate(map(len, parts), initial=0)),
                   _ints(accumulate(map(len, values), initial=0)))

    def __getitem__(self, i: int) -> str:
        full = self._full
        if full is None:
            self._read += 1
            if self._read * 8 <= len(self._off):
                return str(self._raw[self._off[i]:self._off[i + 1]], "utf-8")
            full = self._full = str(self._raw, "utf-8")
        return full[self._chars[i]:self._chars[i + 1]]

    def all(self) -> list[str]:
        full = self._full = self._full if self._full is not None else str(self._raw, "utf-8")
        c = self._chars
        return [full[c[i]:c[i + 1]] for i in range(len(c) - 1)]

    def plain(self) -> tuple[bytes, bytes, bytes]:
        return bytes(self._raw), self._off.tobytes(), self._chars.tobytes()

    @classmethod
    def from_plain(cls, plain: tuple[bytes | memoryview, ...]) -> _Text:
        return cls(plain[0], _view(plain[1]), _view(plain[2]))


class TargetRow(NamedTuple):
    """A commitment's quantitative target, as target answers read it (the fields of kg.model.Target they use)."""

    metric: str
    value: float
    unit: str
    comparator: str
    cumulative: bool
    raw: str
    target_type: str | None
    target_type_label: str | None


class _Targets:
    """Every row's targets in columns: target and trend answers over all districts read ~20k at 100k."""

    def __init__(self, plain: tuple[Any, ...]):
        off, metric, raw, value, ints, self._keys = plain
        self._off, self._metric, self._raw = _view(off), _Text.from_plain(metric), _Text.from_plain(raw)
        self._value = memoryview(value).cast("B").cast("d")
        self._ints = _view(ints)  # per target: unit, comparator, type and label as key numbers, cumulative

    @classmethod
    def build(cls, per_row: list[list[TargetRow]]) -> _Targets:
        from array import array

        keys: dict[Any, int] = {}
        off: list[int] = [0]
        flat: list[TargetRow] = []
        ints: list[int] = []
        number = keys.setdefault
        for targets in per_row:
            for t in targets:
                flat.append(t)
                ints.extend((number(t.unit, len(keys)), number(t.comparator, len(keys)),
                             number(t.target_type, len(keys)), number(t.target_type_label, len(keys)),
                             int(t.cumulative)))
            off.append(len(flat))
        return cls((_ints(off).tobytes(), _Text.build(t.metric for t in flat).plain(),
                    _Text.build(t.raw for t in flat).plain(), array("d", [t.value for t in flat]).tobytes(),
                    _ints(ints).tobytes(), list(keys)))

    def plain(self) -> tuple[Any, ...]:
        return (self._off.tobytes(), self._metric.plain(), self._raw.plain(), self._value.tobytes(),
                self._ints.tobytes(), self._keys)

    def of(self, i: int) -> list[TargetRow]:
        keys, ints, make = self._keys, self._ints, tuple.__new__
        out = []
        for k in range(self._off[i], self._off[i + 1]):
            j = 5 * k
            out.append(make(TargetRow, (self._metric[k], self._value[k], keys[ints[j]], keys[ints[j + 1]],
                                        bool(ints[j + 4]), self._raw[k], keys[ints[j + 2]], keys[ints[j + 3]])))
        return out


class RowTable(Mapping[str, Row]):
    """Every commitment's `Row`, in store order (jurisdiction code, year, seq), by id.

    A read-only mapping like the dict it replaces; `select` is the fast path.
    """

    def __init__(self, plain: tuple[Any, ...]):
        (self._n, ids, titles, self._codes, self._sets, self._dep_keys, self._roles, self._off_keys, cols,
         posts, targets) = plain
        self._targets = _Targets(targets)
        self._ids, self._titles = _Text.from_plain(ids), _Text.from_plain(titles)
        (self._year, self._seq, self._code, self._theme, self._type, self._dep_off, self._dep, self._dep_role,
         self._of_off, self._of) = (_view(c) for c in cols)
        self.by_year, self.by_code, self.by_dep, self.by_official, self.by_concept = (
            Postings.from_plain(p) for p in posts)
        self._index: dict[str, int] | None = None

    @classmethod
    def build(cls, rows: Iterable[Row], targets: Mapping[str, list[TargetRow]] | None = None) -> RowTable:
        """Columns and posting lists of ``rows`` (given in store order), and their ``targets`` by id."""
        rows = list(rows)
        targets = targets or {}
        codes = sorted({r.code for r in rows})
        code_no = {c: i for i, c in enumerate(codes)}
        sets: dict[frozenset[str], int] = {}
        dep_no: dict[str, int] = {}
        role_no: dict[str, int] = {}
        off_no: dict[str, int] = {}
        year_rows: dict[int, list[int]] = {}
        code_rows: dict[str, list[int]] = {}
        dep_rows: dict[str, list[int]] = {}
        off_rows: dict[str, list[int]] = {}
        concept_rows: dict[str, list[int]] = {}
        theme, ttype, dep_off, dep, dep_role, of_off, of = [], [], [0], [], [], [0], []
        for i, r in enumerate(rows):
            theme.append(sets.setdefault(r.themes, len(sets)))
            ttype.append(sets.setdefault(r.target_types, len(sets)))
            year_rows.setdefault(r.year, []).append(i)
            code_rows.setdefault(r.code, []).append(i)
            for d, role in r.departments:
                dep.append(dep_no.setdefault(d, len(dep_no)))
                dep_role.append(role_no.setdefault(role, len(role_no)))
                rows_of = dep_rows.setdefault(d, [])
                if not rows_of or rows_of[-1] != i:  # a department listed twice in one item is one row
                    rows_of.append(i)
            dep_off.append(len(dep))
            for o in r.officials:
                of.append(off_no.setdefault(o, len(off_no)))
                rows_of = off_rows.setdefault(o, [])
                if not rows_of or rows_of[-1] != i:
                    rows_of.append(i)
            of_off.append(len(of))
            for c in r.themes | r.target_types:
                concept_rows.setdefault(c, []).append(i)
        cols = tuple(_ints(c).tobytes() for c in (
            [r.year for r in rows], [r.seq for r in rows], [code_no[r.code] for r in rows], theme, ttype, dep_off, dep,
            dep_role, of_off, of))
        posts = tuple(Postings.build(sorted(lists), lists).plain()
                      for lists in (year_rows, code_rows, dep_rows, off_rows, concept_rows))
        plain = (len(rows), _Text.build(r.id for r in rows).plain(), _Text.build(r.title for r in rows).plain(), codes,
                 list(sets), list(dep_no), list(role_no), list(off_no), cols, posts,
                 _Targets.build([targets.get(r.id, []) for r in rows]).plain())
        return cls(plain)

    def plain(self) -> tuple[Any, ...]:
        """Plain values (bytes, lists, tuples of strings) for marshal; `RowTable(plain)` reads them back."""
        cols = tuple(c.tobytes() for c in (self._year, self._seq, self._code, self._theme, self._type, self._dep_off,
                                          self._dep, self._dep_role, self._of_off, self._of))
        posts = tuple(p.plain() for p in (self.by_year, self.by_code, self.by_dep, self.by_official, self.by_concept))
        return (self._n, self._ids.plain(), self._titles.plain(), self._codes, self._sets, self._dep_keys,
                self._roles, self._off_keys, cols, posts, self._targets.plain())

    def row(self, i: int) -> Row:
        """The row at store position ``i``."""
        return self.rows([i])[0]

    def rows(self, positions: Iterable[int]) -> list[Row]:
        """The rows at these store positions, in the order given.

        One tight loop with every column bound locally: a question may select 15k rows at
        100k commitments, and a method call per field doubled the cost.
        """
        ids, titles, year, seq, code, codes = self._ids, self._titles, self._year, self._seq, self._code, self._codes
        sets, theme, ttype = self._sets, self._theme, self._type
        dep_off, dep, dep_role, keys, roles = self._dep_off, self._dep, self._dep_role, self._dep_keys, self._roles
        of_off, of, off_keys = self._of_off, self._of, self._off_keys
        make = tuple.__new__
        return [make(Row, (ids[i], year[i], codes[code[i]], seq[i], titles[i], sets[theme[i]], sets[ttype[i]],
                           tuple([(keys[dep[k]], roles[dep_role[k]]) for k in range(dep_off[i], dep_off[i + 1])]),
                           tuple([off_keys[of[k]] for k in range(of_off[i], of_off[i + 1])])))
                for i in positions]

    def refs(self, positions: Iterable[int]) -> list[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]]:
        """(id, departments, officials) at these positions: what `who` questions read, without the rest."""
        ids, keys, roles, off_keys = self._ids, self._dep_keys, self._roles, self._off_keys
        dep_off, dep, dep_role, of_off, of = self._dep_off, self._dep, self._dep_role, self._of_off, self._of
        return [(ids[i], tuple([(keys[dep[k]], roles[dep_role[k]]) for k in range(dep_off[i], dep_off[i + 1])]),
                 tuple([off_keys[of[k]] for k in range(of_off[i], of_off[i + 1])])) for i in positions]

    def targets_at(self, i: int) -> list[TargetRow]:
        """The targets of the row at store position ``i``, in text order."""
        return self._targets.of(i)

    def id_at(self, i: int) -> str:
        return self._ids[i]

    def years(self, positions: Iterable[int]) -> set[int]:
        year = self._year
        return {year[i] for i in positions}

    def places(self, positions: Iterable[int]) -> list[tuple[str, str, int]]:
        """(id, jurisdiction code, year) at these positions."""
        ids, codes, code, year = self._ids, self._codes, self._code, self._year
        return [(ids[i], codes[code[i]], year[i]) for i in positions]

    def positions(self, ids: Iterable[str]) -> set[int]:
        """Store positions of those ``ids`` the table holds."""
        if self._index is None:
            self._index = {cid: i for i, cid in enumerate(self._ids.all())}
        index = self._index
        return {index[cid] for cid in ids if cid in index}

    def select(self, *, years: Iterable[int] = (), codes: Iterable[str] = (), concepts: Iterable[str] = (),
               ids: Iterable[str] | None = None, departments: list[set[str]] = (),  # type: ignore[assignment]
               officials: list[set[str]] = (), all_groups: bool = False) -> list[int]:  # type: ignore[assignment]
        """Positions, ascending, of the rows matching every filter given.

        Within ``departments`` and ``officials`` each group is a set of alternatives; the groups
        are alternatives too, or all required with ``all_groups``. Departments match in any role:
        a question that asks for a role checks it on the rows returned.
        """
        found: set[int] | None = None

        def narrow(rows: set[int]) -> None:
            nonlocal found
            found = rows if found is None else found & rows

        years, codes, concepts = list(years), list(codes), list(concepts)
        if codes:
            narrow(self.by_code.union(codes))
        if years:
            narrow(self.by_year.union(years))
        if concepts:
            narrow(self.by_concept.union(concepts))
        if ids is not None:
            narrow(self.positions(ids))
        for postings, groups in ((self.by_dep, departments), (self.by_official, officials)):
            if not groups:
                continue
            per_group = [postings.union(g) for g in groups]
            if all_groups:
                for g in per_group:
                    narrow(g)
            else:
                narrow(set().union(*per_group))
        return sorted(found) if found is not None else list(range(self._n))

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids.all())

    def __getitem__(self, cid: str) -> Row:
        found = self.positions([cid])
        if not found:
            raise KeyError(cid)
        return self.row(found.pop())

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, str) and bool(self.positions([cid]))

    def values(self) -> Any:  # a list, in store order: cheaper than the ValuesView of a Mapping
        return self.rows(range(self._n))


class RowList(Sequence[Row]):
    """Selected rows, by store position, built only when read.

    A broad question selects tens of thousands of rows at 100k commitments, and many answers
    need only their number, ids, years or the first few (a count, a comparison, a capped
    list), so those read the columns directly.
    """

    def __init__(self, table: RowTable, positions: list[int]):
        self.table, self.positions = table, positions
        self._rows: list[Row] | None = None

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, i: Any) -> Any:
        if self._rows is not None:
            return self._rows[i]
        if isinstance(i, slice):
            return self.table.rows(self.positions[i])
        return self.table.row(self.positions[i])

    def __iter__(self) -> Iterator[Row]:
        if self._rows is None:
            self._rows = self.table.rows(self.positions)
        return iter(self._rows)

    def ids(self) -> Iterator[str]:
        """The rows' ids in order, lazily (the first few cost only those few)."""
        id_at = self.table.id_at
        return (id_at(p) for p in self.positions)

    def refs(self) -> list[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]]:
        """(id, departments, officials) of each row, without building the rows."""
        if self._rows is not None:
            return [(r.id, r.departments, r.officials) for r in self._rows]
        return self.table.refs(self.positions)

    def targets(self) -> Iterator[list[TargetRow]]:
        """Each row's targets, in order."""
        return (self.table.targets_at(p) for p in self.positions)

    def places(self) -> list[tuple[str, str, int]]:
        """(id, jurisdiction code, year) of each row, without building the rows."""
        if self._rows is not None:
            return [(r.id, r.code, r.year) for r in self._rows]
        return self.table.places(self.positions)

    def years(self) -> set[int]:
        return self.table.years(self.positions)

    def where(self, keep: Any) -> RowList:
        """The rows for which ``keep(row)`` is true."""
        return RowList(self.table, [p for p, r in zip(self.positions, self, strict=True) if keep(r)])
