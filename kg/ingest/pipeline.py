"""Turn files into stored commitments: read, parse, enrich, and write in one transaction.

Everything is parsed and checked before the first write, so a bad file anywhere in a
batch leaves the workspace exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.ingest.corpus import ManifestEntry, lookup_manifest, read_manifest
from kg.ingest.parse import ParsedDocument, parse_document
from kg.ingest.read import SUPPORTED_SUFFIXES, read_document
from kg.ingest.targets import extract_targets
from kg.model import Commitment, DepartmentRef, Document
from kg.store.db import Store
from kg.vocab.departments import resolve_department
from kg.vocab.places import Jurisdiction, find_jurisdiction_in, find_year_in, resolve_jurisdiction
from kg.vocab.taxonomy import classify_commitment, load_taxonomy

# Bump when parsing or enrichment changes, so unchanged files are re-parsed on the next ingest.
PARSER_VERSION = "2"

Progress = Callable[[str], None]


@dataclass
class IngestSummary:
    """What one ingest did, for the CLI summary and the API response."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    commitments: int = 0
    departments: int = 0
    officials: int = 0
    targets: int = 0
    unknown_departments: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the supported files under them, in a stable order."""
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise InputError(f"{path}: directory holds no supported files ({', '.join(SUPPORTED_SUFFIXES)})")
            files.extend(found)
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _manifests_near(files: list[Path]) -> list[ManifestEntry]:
    entries: list[ManifestEntry] = []
    for directory in dict.fromkeys(f.parent for f in files):
        for candidate in (directory / "manifest.toml", directory.parent / "manifest.toml"):
            if candidate.exists():
                entries.extend(read_manifest(candidate))
    return entries


def _identify(path: Path, parsed: ParsedDocument, entry: ManifestEntry | None, year: int | None,
              jurisdiction: str | None) -> tuple[Jurisdiction, int]:
    # Explicit beats inferred: flags, then a manifest the user wrote, then the title's wording.
    title = parsed.title or ""
    if year is not None and not 1949 <= year <= 2100:
        raise InputError(f"--year: expected a four-digit year such as 2025, got {year}")
    jur = resolve_jurisdiction(jurisdiction) if jurisdiction else None
    if jur is None and entry is not None:
        jur = resolve_jurisdiction(f"{entry.jurisdiction}:{entry.code}" if entry.code else entry.jurisdiction)
    jur = jur or find_jurisdiction_in(title)
    found_year = year or (entry.year if entry else None) or find_year_in(title)
    missing = [flag for flag, value in (("--year", found_year), ("--jurisdiction", jur)) if value is None]
    if missing:
        raise InputError(f"{path}: the document does not state its {' and '.join(m[2:] for m in missing)}; "
                         f"pass {' and '.join(missing)} or list the file in a manifest.toml beside it")
    assert jur is not None and found_year is not None
    return jur, int(found_year)


def build_commitments(parsed: ParsedDocument, doc: Document) -> tuple[list[Commitment], dict[str, tuple[str, ...]], list[str]]:
    """Enrich parsed items into commitments; also return department aliases and unknown names."""
    commitments: list[Commitment] = []
    aliases: dict[str, tuple[str, ...]] = {}
    unknown: list[str] = []
    for item in parsed.items:
        targets = extract_targets(item.text)
        context = f"{item.category or ''} {item.title} {item.text}"
        themes, target_types, beneficiaries = classify_commitment(context, targets)
        refs: list[DepartmentRef] = []
        leads: list[str] = []
        for name in item.departments:
            dep = resolve_department(name, doc.jurisdiction_code)
            if dep.id in (r.id for r in refs):
                continue
            refs.append(DepartmentRef(id=dep.id, name=dep.name, function=dep.function))
            seen = set(aliases.get(dep.id, ())) | set(dep.aliases) | {dep.as_written}
            aliases[dep.id] = tuple(sorted(seen - {dep.name}))
            if not dep.known and dep.name not in unknown:
                unknown.append(dep.name)
            if name in item.lead_departments:
                leads.append(dep.id)
        commitments.append(Commitment(
            id=f"{doc.id}-{item.seq:02d}", document_id=doc.id, year=doc.year, jurisdiction=doc.jurisdiction,
            jurisdiction_code=doc.jurisdiction_code, seq=item.seq, title=item.title, text=item.text,
            category=item.category, officials=item.officials, departments=refs, targets=targets, themes=themes,
            target_types=target_types, beneficiaries=beneficiaries, lead_departments=leads, source=doc.source))
    return commitments, aliases, unknown


def ingest_paths(store: Store, paths: Iterable[Path], *, year: int | None = None, jurisdiction: str | None = None,
                 progress: Progress | None = None) -> IngestSummary:
    """Ingest files and directories into the store; all or nothing."""
    files = collect_files(paths)
    manifest = _manifests_near(files)
    summary = IngestSummary()
    batch = []
    claimed: dict[str, Path] = {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for path in files:
        raw = read_document(path)
        sha = hashlib.sha256(raw.data).hexdigest()
        parsed = parse_document(raw)
        # Reported once a file is understood, so a failing file's only output is its error.
        if progress:
            progress(f"{path}: {len(parsed.items)} items ({parsed.layout})")
        entry = lookup_manifest(path, sha, manifest)
        jur, doc_year = _identify(path, parsed, entry, year, jurisdiction)
        doc_id = f"{jur.code}-{doc_year}"
        if doc_id in claimed:
            raise InputError(f"{path}: same jurisdiction and year ({doc_id}) as {claimed[doc_id]}; ingest one list per year")
        claimed[doc_id] = path
        state = store.document_state(doc_id)
        if state == (sha, PARSER_VERSION):
            summary.documents.append({"id": doc_id, "source": path.name, "status": "unchanged", "commitments": 0})
            continue
        doc = Document(id=doc_id, source=path.name, sha256=sha, year=doc_year, jurisdiction=jur.name,
                       jurisdiction_code=jur.code, title=parsed.title, layout=parsed.layout, ingested_at=now)
        commitments, aliases, unknown = build_commitments(parsed, doc)
        batch.append((doc, commitments, aliases))
        summary.documents.append({"id": doc_id, "source": path.name, "status": "replaced" if state else "added",
                                  "commitments": len(commitments)})
        summary.commitments += len(commitments)
        summary.targets += sum(len(c.targets) for c in commitments)
        summary.departments += len({d.id for c in commitments for d in c.departments})
        summary.officials += len({o for c in commitments for o in c.officials})
        summary.unknown_departments.extend(u for u in unknown if u not in summary.unknown_departments)
    if batch:
        labels = {c.id: c.label for c in load_taxonomy().target_types}
        store.replace_documents(batch, PARSER_VERSION, labels)
    return summary
