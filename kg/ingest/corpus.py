"""The bundled default corpus and document manifests.

A manifest (``manifest.toml``) says what a file is when its text does not: jurisdiction,
administrative code, year and source. The bundled one ships in ``data/`` of a checkout
and inside the ``kg`` package of a wheel (``kg/_bundled``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError


@dataclass(frozen=True)
class ManifestEntry:
    """What a manifest says about one file."""

    file: Path
    sha256: str | None
    jurisdiction: str
    code: str | None
    year: int
    source: str


def bundled_dir() -> Path:
    """The directory of the bundled corpus, in a wheel or in a source checkout."""
    here = Path(__file__).resolve().parents[1]  # the kg package
    for candidate in (here / "_bundled", here.parent / "data"):
        if (candidate / "manifest.toml").exists():
            return candidate
    raise InputError(f"bundled corpus not found next to {here}; reinstall minsheng-kg")


def read_manifest(path: Path) -> list[ManifestEntry]:
    """Parse a manifest.toml; each entry's file is resolved relative to the manifest."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML manifest ({exc})") from None
    entries = []
    for i, row in enumerate(data.get("document", []), 1):
        missing = [k for k in ("file", "jurisdiction", "year") if k not in row]
        if missing:
            raise InputError(f"{path}: document {i} lacks {', '.join(missing)}")
        entries.append(ManifestEntry(file=(path.parent / row["file"]).resolve(), sha256=row.get("sha256"),
                                     jurisdiction=row["jurisdiction"], code=row.get("code"), year=int(row["year"]),
                                     source=row.get("source", "")))
    return entries


def bundled_files() -> list[Path]:
    """The files of the bundled corpus, in manifest order."""
    return [e.file for e in bundled_manifest()]


def bundled_manifest() -> list[ManifestEntry]:
    """The bundled corpus's manifest entries (``lookup_manifest`` checks them after the user's)."""
    return read_manifest(bundled_dir() / "manifest.toml")


def lookup_manifest(path: Path, sha256: str, entries: list[ManifestEntry]) -> ManifestEntry | None:
    """The manifest entry for a file: by content hash anywhere, else by resolved path.

    ``entries`` are read once per batch (the manifests near the files, then `bundled_manifest`),
    not once per file: re-reading the bundled one was ~3% of ingest time.
    """
    for entry in entries:
        if entry.sha256 and entry.sha256 == sha256:
            return entry
    resolved = path.resolve()
    return next((e for e in entries if e.file == resolved), None)
