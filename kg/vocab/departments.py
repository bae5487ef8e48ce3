"""Department names: splitting cells, resolving short/long forms, and function concepts.

A department is identified within one jurisdiction by its canonical name, so 区卫健局 (2025)
and 区卫生健康局 (2024) of 济南市市中区 are one node; the function concept (卫健) links
departments of the same job across jurisdictions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.resources import load_resource
from kg.text import normalize_name

_PREFIXES = ("区", "县", "市", "镇", "街道")
_SPLIT_RE = re.compile(r"[、，,；;\n/]+")


@dataclass(frozen=True)
class ResolvedDepartment:
    """The canonical form of a department name as written in a document."""

    id: str
    name: str  # canonical, prefix kept: 区卫生健康局
    as_written: str  # 区卫健局
    aliases: tuple[str, ...]  # every other known form with the same prefix
    function: str | None
    known: bool  # the name matched the alias table or a function keyword


@cache
def _alias_index() -> dict[str, tuple[str, tuple[str, ...]]]:
    index: dict[str, tuple[str, tuple[str, ...]]] = {}
    for entry in load_resource("departments.toml")["alias"]:
        forms = (entry["canonical"], *entry["aliases"])
        for form in forms:
            index[form] = (entry["canonical"], forms)
    return index


@cache
def _functions() -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f["label"], f["en"], tuple(f["keywords"])) for f in load_resource("departments.toml")["function"]]


def function_labels() -> dict[str, str]:
    """Every function concept: Chinese label -> English label."""
    return {label: en for label, en, _ in _functions()}


def split_departments(cell: str) -> list[str]:
    """Split a 责任单位 cell on 、，; and line breaks, keeping each name whole and in order."""
    names = []
    for part in _SPLIT_RE.split(cell):
        name = normalize_name(part).strip("。.")
        if name and name not in names:
            names.append(name)
    return names


def _split_prefix(name: str) -> tuple[str, str]:
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return prefix, name[len(prefix):]
    return "", name


def classify_function(name: str) -> str | None:
    """The function concept of a department name, or None when no keyword matches."""
    for label, _en, keywords in _functions():
        if any(k in name for k in keywords):
            return label
    return None


def resolve_department(name: str, jurisdiction_code: str) -> ResolvedDepartment:
    """Map a department name as written to its canonical record in one jurisdiction."""
    written = normalize_name(name)
    prefix, stem = _split_prefix(written)
    hit = _alias_index().get(stem) or _alias_index().get(written)
    if hit:
        canonical_stem, forms = hit
        base = prefix if _alias_index().get(stem) else ""
        canonical = base + canonical_stem
        aliases = tuple(base + f for f in forms if base + f != canonical)
    else:
        canonical, aliases = written, ()
    function = classify_function(canonical) or classify_function(written)
    return ResolvedDepartment(
        id=f"{jurisdiction_code}:{canonical}",
        name=canonical,
        as_written=written,
        aliases=aliases,
        function=function,
        known=bool(hit) or function is not None,
    )


def looks_like_department(name: str) -> bool:
    """True for strings shaped like an organisation name (used to spot trailing （…） lists)."""
    name = normalize_name(name)
    if not 2 <= len(name) <= 30:
        return False
    if classify_function(name) or _alias_index().get(_split_prefix(name)[1]):
        return True
    return bool(re.search(r"(局|委|办|室|中心|集团|公司|会|队|院|所|站|部|联|社|处|科|组|分局|街道|政府)$", name))
