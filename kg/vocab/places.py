"""Jurisdiction names and administrative codes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

from kg.errors import InputError
from kg.resources import load_resource
from kg.text import normalize_name


@dataclass(frozen=True)
class Jurisdiction:
    """A city, district or county with its administrative division code."""

    name: str
    code: str


@cache
def _known() -> list[tuple[Jurisdiction, tuple[str, ...]]]:
    out = []
    for row in load_resource("jurisdictions.toml")["jurisdiction"]:
        out.append((Jurisdiction(row["name"], row["code"]), (row["name"], *row.get("short", []))))
    # Longest names first, so 济南市市中区 wins over 济南市 in a title.
    out.sort(key=lambda item: -len(item[0].name))
    return out


def _derived_code(name: str) -> str:
    # Unknown places still need a stable, readable-enough id prefix.
    return "x" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def resolve_jurisdiction(value: str) -> Jurisdiction:
    """Resolve a name, short name, "name:code" or a 6-digit code given by the user."""
    value = normalize_name(value)
    if not value:
        raise InputError("--jurisdiction: expected a place name such as 济南市市中区 or a code such as 370103")
    if ":" in value:
        name, code = value.split(":", 1)
        if not re.fullmatch(r"\d{6}", code):
            raise InputError(f"--jurisdiction: expected NAME:CODE with a 6-digit code, got {value!r}")
        return Jurisdiction(name, code)
    for jur, names in _known():
        if value == jur.code or value in names:
            return jur
    if re.fullmatch(r"\d{6}", value):
        raise InputError(f"--jurisdiction: unknown administrative code {value}; give NAME:{value}")
    return Jurisdiction(value, _derived_code(value))


def find_jurisdiction_in(text: str) -> Jurisdiction | None:
    """Find a jurisdiction named in a title line, e.g. 济南市市中区2025年民生实事项目清单."""
    for jur, names in _known():
        if any(_names_place(text, n, jur.name) for n in names if len(n) >= 3):
            return jur
    m = re.search(r"([\u4e00-\u9fff]{2,12}?(?:省|市|区|县|旗))(?:\s*\d{4}\s*年|人民政府|政府)", text)
    if m:
        return Jurisdiction(m.group(1), _derived_code(m.group(1)))
    return None


def _names_place(text: str, name: str, full: str) -> bool:
    # 市中区 alone means 济南市市中区 here, but 枣庄市市中区 is another place of the same short name.
    parent = full[: -len(name)] if full.endswith(name) and name != full else ""
    for m in re.finditer(re.escape(name), text):
        before = text[: m.start()]
        if not parent or before.endswith(parent) or not re.search(r"[市州盟]$", before):
            return True
    return False


def find_year_in(text: str) -> int | None:
    """Find the list's year in a title: 2025年 (1990-2100), never a count."""
    m = re.search(r"((?:19|20|21)\d{2})\s*年", text)
    return int(m.group(1)) if m else None
