"""Turn files into stored commitments: read, parse, enrich, and write in one transaction.

Each document is written into the batch's one open transaction as soon as it is parsed,
so memory stays that of one document at any corpus size; a bad file anywhere in a batch
rolls the transaction back and leaves the workspace exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.ingest.corpus import ManifestEntry, bundled_manifest, lookup_manifest, read_manifest
from kg.ingest.parse import MAX_ITEMS, ParsedDocument, parse_document
from kg.ingest.place import identify_place_and_year, require_place
from kg.ingest.read import RawDocument, read_document
from kg.ingest.read import collect_files as read_collect_files
from kg.ingest.targets import extract_targets
from kg.model import Commitment, DepartmentRef, Document
from kg.store.db import Store
from kg.vocab.departments import resolve_department
from kg.vocab.places import Jurisdiction, resolve_jurisdiction
from kg.vocab.taxonomy import classify_commitment, load_taxonomy

# Bump when parsing or enrichment changes, so unchanged files are re-parsed on the next ingest.
PARSER_VERSION = "4"

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
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"source", "reason"} under --skip-bad
    dry_run: bool = False
    # Under --dry-run: what would be stored, per document ({"id", "source", "commitments": [...]}).
    preview: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the supported files under them, in a stable order."""
    return read_collect_files(paths)[0]


def _manifests_near(files: list[Path]) -> list[ManifestEntry]:
    entries: list[ManifestEntry] = []
    for directory in dict.fromkeys(f.parent for f in files):
        for candidate in (directory / "manifest.toml", directory.parent / "manifest.toml"):
            if candidate.exists():
                entries.extend(read_manifest(candidate))
    return entries


def _identify(path: Path, raw: RawDocument, entry: ManifestEntry | None, year: int | None,
              jurisdiction: str | None, known: Iterable[str] = ()) -> tuple[Jurisdiction, int, list[str]]:
    # Explicit beats inferred: flags, then a manifest the user wrote, then what the text says
    # (title, metadata, notice text, document number: kg.ingest.place).
    if year is not None and not 1949 <= year <= 2100:
        raise InputError(f"--year: expected a four-digit year such as 2025, got {year}")
    jur = resolve_jurisdiction(jurisdiction, known) if jurisdiction else None
    if jur is None and entry is not None:
        jur = resolve_jurisdiction(f"{entry.jurisdiction}:{entry.code}" if entry.code else entry.jurisdiction)
    found_year = year or (entry.year if entry else None)
    warnings: list[str] = []
    if jur is None or found_year is None:
        text_jur, text_year, warnings = read_place_and_year(path, raw, need_place=jur is None, known=known)
        jur = jur or text_jur
        found_year = found_year or text_year
    missing = [flag for flag, value in (("--year", found_year), ("--jurisdiction", jur)) if value is None]
    if missing:
        raise InputError(f"{path}: the document does not state its {' and '.join(m[2:] for m in missing)}; "
                         f"pass {' and '.join(missing)} or list the file in a manifest.toml beside it")
    assert jur is not None and found_year is not None
    return jur, int(found_year), warnings


def read_place_and_year(path: Path, raw: RawDocument, *, need_place: bool = True,
                        known: Iterable[str] = ()) -> tuple[Jurisdiction | None, int | None, list[str]]:
    """The jurisdiction and year the document states, or None; warnings about the place."""
    found = identify_place_and_year(raw, raw.lines, known)
    if need_place:
        require_place(found, path)
    return found.jurisdiction, found.year, list(found.warnings)


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
            role = ("lead" if name in item.lead_departments
                    else "supporting" if name in item.supporting_departments else "responsible")
            refs.append(DepartmentRef(id=dep.id, name=dep.name, function=dep.function, role=role))
            seen = set(aliases.get(dep.id, ())) | set(dep.aliases) | {dep.as_written}
            aliases[dep.id] = tuple(sorted(seen - {dep.name}))
            if not dep.known and dep.name not in unknown:
                unknown.append(dep.name)
            if role == "lead":
                leads.append(dep.id)
        original_title = None
        if item.original_text:
            # The title is a span of the text; t2s keeps offsets, so cut the same span.
            at = item.text.find(item.title)
            original_title = item.original_text[at: at + len(item.title)] if at >= 0 else None
        commitments.append(Commitment(
            id=f"{doc.id}-{item.seq:02d}", document_id=doc.id, year=doc.year, jurisdiction=doc.jurisdiction,
            jurisdiction_code=doc.jurisdiction_code, seq=item.seq, title=item.title, text=item.text,
            category=item.category, officials=item.officials, departments=refs, targets=targets, themes=themes,
            target_types=target_types, beneficiaries=beneficiaries, lead_departments=leads, source=doc.source,
            progress=item.progress, deadline=item.deadline, original_text=item.original_text,
            original_title=original_title))
    return commitments, aliases, unknown


def document_report(parsed: ParsedDocument) -> dict[str, Any]:
    """What a user needs to see a bad parse at once: layout, items, items missing fields."""
    return {
        "layout": parsed.layout,
        "items": len(parsed.items),
        "no_department": sum(1 for it in parsed.items if not it.departments),
        "no_official": sum(1 for it in parsed.items if not it.officials),
    }


def ingest_paths(store: Store, paths: Iterable[Path], *, year: int | None = None, jurisdiction: str | None = None,
                 progress: Progress | None = None, dry_run: bool = False, skip_bad: bool = False,
                 max_items: int = MAX_ITEMS) -> IngestSummary:
    """Ingest files and directories into the store; all or nothing.

    A file that cannot be read or parsed stops the batch and nothing is stored, unless
    ``skip_bad``: then it is listed in ``summary.skipped`` and the others are stored.
    ``dry_run`` parses and enriches everything, stores nothing and fills ``summary.preview``.
    """
    if max_items < 1:
        raise InputError(f"--max-items: expected a positive number of items per document, got {max_items}")
    files, skipped = read_collect_files(paths)
    summary = IngestSummary(dry_run=dry_run)
    summary.skipped.extend({"source": str(p), "reason": r} for p, r in skipped)
    docs = _changed_documents(store, files, summary, year=year, jurisdiction=jurisdiction, progress=progress,
                              dry_run=dry_run, skip_bad=skip_bad, max_items=max_items)
    if dry_run:
        deque(docs, maxlen=0)
        return summary
    # Parsing runs inside the write transaction, one document at a time, so memory does not
    # grow with the batch. The first changed document is parsed before the lock is taken: a
    # re-ingest of unchanged files (or a first file that fails) never blocks another writer.
    first = next(docs, None)
    if first is not None:
        labels = {c.id: c.label for c in load_taxonomy().target_types}
        store.replace_documents(chain([first], docs), PARSER_VERSION, labels)
    return summary


def _changed_documents(store: Store, files: list[Path], summary: IngestSummary, *, year: int | None,
                       jurisdiction: str | None, progress: Progress | None, dry_run: bool, skip_bad: bool,
                       max_items: int) -> Iterator[tuple[Document, list[Commitment], dict[str, tuple[str, ...]]]]:
    """Parse and enrich files one at a time, yielding those that are new or changed; fills ``summary``.

    Raises (``InputError``) for a bad file unless ``skip_bad``; the caller's transaction then
    rolls back everything written so far.
    """
    manifest = [*_manifests_near(files), *bundled_manifest()]
    claimed: dict[str, Path] = {}
    unknown_seen: set[str] = set()
    # Places already in the workspace or earlier in this batch settle an ambiguous short place name.
    known_codes = set(store.jurisdiction_codes()) if store is not None else set()  # a dry run may have no workspace
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for path in files:
        try:
            raw = read_document(path)
            parsed = parse_document(raw, max_items=max_items)
            sha = hashlib.sha256(raw.data).hexdigest()
            entry = lookup_manifest(path, sha, manifest)
            jur, doc_year, warnings = _identify(path, raw, entry, year, jurisdiction, known_codes)
        except InputError as exc:
            if not skip_bad:
                raise
            summary.skipped.append({"source": str(path), "reason": str(exc)})
            continue
        known_codes.add(jur.code)
        report = document_report(parsed)
        # Reported once a file is understood, so a failing file's only output is its error.
        if progress:
            progress(f"{path}: {report['items']} items ({report['layout']}), {report['no_department']} without "
                     f"department, {report['no_official']} without official")
        doc_id = f"{jur.code}-{doc_year}"
        if doc_id in claimed:
            raise InputError(f"{path}: same jurisdiction and year ({doc_id}) as {claimed[doc_id]}; ingest one list per year")
        claimed[doc_id] = path
        state = None if dry_run else store.document_state(doc_id)
        if state == (sha, PARSER_VERSION):
            summary.documents.append({"id": doc_id, "source": path.name, "status": "unchanged", "commitments": 0,
                                      **report, "warnings": warnings})
            continue
        doc = Document(id=doc_id, source=path.name, sha256=sha, year=doc_year, jurisdiction=jur.name,
                       jurisdiction_code=jur.code, title=parsed.title, layout=parsed.layout, ingested_at=now)
        commitments, aliases, unknown = build_commitments(parsed, doc)
        status = "would add" if dry_run else ("replaced" if state else "added")
        summary.documents.append({"id": doc_id, "source": path.name, "status": status,
                                  "commitments": len(commitments), **report, "warnings": warnings})
        if dry_run:
            summary.preview.append({"id": doc_id, "source": path.name, "jurisdiction": jur.name, "year": doc_year,
                                    "title": parsed.title, "layout": parsed.layout,
                                    "commitments": [c.to_dict() for c in commitments]})
        summary.commitments += len(commitments)
        summary.targets += sum(len(c.targets) for c in commitments)
        summary.departments += len({d.id for c in commitments for d in c.departments})
        summary.officials += len({o for c in commitments for o in c.officials})
        for name in unknown:
            if name not in unknown_seen:
                unknown_seen.add(name)
                summary.unknown_departments.append(name)
        yield doc, commitments, aliases
