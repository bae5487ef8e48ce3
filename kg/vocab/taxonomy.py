"""The theme / target-type / beneficiary taxonomy and the classifiers built on it.

The concepts live in ``kg/resources/taxonomy.toml`` (shipped inside the wheel) so that
curators can add synonyms without touching code. Classification is deliberately simple
substring matching: the vocabulary of 民生实事 lists is small and formulaic, and a
transparent rule is easier to audit than a model.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

from kg.errors import InputError
from kg.model import Target
from kg.text import normalize_text

_KINDS = {"themes": "theme", "target_types": "target_type", "beneficiaries": "beneficiary"}


@dataclass(frozen=True)
class Concept:
    """One SKOS-style concept: a theme, a target type or a beneficiary group."""

    id: str
    label: str
    en: str
    kind: str  # theme | target_type | beneficiary
    alt_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()  # theme ids
    keywords: tuple[str, ...] = ()
    context: tuple[str, ...] = ()  # one must appear nearby for the labels to apply
    units: tuple[str, ...] = ()

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The label followed by every alternative label (cached: target typing asks per target)."""
        return (self.label, *self.alt_labels)

    @cached_property
    def tag_words(self) -> tuple[str, ...]:
        """Any of these in a text tags it with this concept: the keywords, then the label."""
        return (*self.keywords, self.label)

    def tags(self, text: str) -> bool:
        # map over a bound method, not a generator: tagging runs ~30 concepts per commitment.
        return any(map(text.__contains__, self.tag_words))


@dataclass
class Taxonomy:
    """All concepts, in file order (which is the tie-break order everywhere)."""

    themes: list[Concept]
    target_types: list[Concept]
    beneficiaries: list[Concept]
    by_id: dict[str, Concept] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for c in [*self.themes, *self.target_types, *self.beneficiaries]:
            self.by_id[c.id] = c

    @cached_property
    def target_names_by_char(self) -> dict[str, list[tuple[int, Concept, str]]]:
        """(file order, concept, name) of every target-type name, by the name's first character.

        A metric can only contain names that start with one of its own characters, so target
        typing looks at those few instead of all ~280.
        """
        index: dict[str, list[tuple[int, Concept, str]]] = {}
        for order, c in enumerate(self.target_types):
            for name in c.names:
                index.setdefault(name[:1], []).append((order, c, name))
        return index


def _read_concepts(data: dict, section: str) -> list[Concept]:
    out = []
    for i, row in enumerate(data.get(section, [])):
        try:
            out.append(Concept(
                id=row["id"], label=row["label"], en=row["en"], kind=_KINDS[section],
                alt_labels=tuple(row.get("alt_labels", [])), broader=tuple(row.get("broader", [])),
                keywords=tuple(row.get("keywords", [])), context=tuple(row.get("context", [])),
                units=tuple(row.get("units", []))))
        except KeyError as exc:
            raise InputError(f"taxonomy.toml: {section}[{i}] is missing field {exc}") from None
    return out


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """Load the bundled taxonomy once per process.

    Read through ``importlib.resources`` so it works from a source tree and a wheel alike.
    """
    raw = resources.files("kg").joinpath("resources", "taxonomy.toml").read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    return Taxonomy(_read_concepts(data, "themes"), _read_concepts(data, "target_types"),
                    _read_concepts(data, "beneficiaries"))


def concept(concept_id: str) -> Concept | None:
    """The concept with this id, or None."""
    return load_taxonomy().by_id.get(concept_id)


def _context_ok(c: Concept, *texts: str) -> bool:
    return not c.context or any(w in t for w in c.context for t in texts)


def classify_target(metric: str, context: str) -> Concept | None:
    """Best target type for a target's metric phrase, or None.

    Chinese noun phrases are head-final, so a name matched nearer the end of the metric
    wins ("医养结合床位占比率" is a rate, not beds); then the longer name, then a
    concept whose context words are satisfied (more specific than a context-free one).
    """
    metric = normalize_text(metric or "")
    index = load_taxonomy().target_names_by_char
    best: tuple[int, int, int, int] | None = None
    best_c = None
    context_ok: dict[str, bool] = {}
    norm_context: str | None = None
    for ch in set(metric):
        for order, c, name in index.get(ch, ()):
            pos = metric.rfind(name)
            if pos < 0:
                continue
            # The context (a longer text) is normalised and checked only for a concept whose
            # name matched and that has context words: this was the hot spot of ingest.
            ok = context_ok.get(c.id)
            if ok is None:
                if c.context and norm_context is None:
                    norm_context = normalize_text(context or "")
                ok = context_ok[c.id] = _context_ok(c, metric, norm_context or "")
            if not ok:
                continue
            # The score is unique per (concept, name), so the order candidates come in is irrelevant.
            score = (pos + len(name), len(name), 1 if c.context else 0, -order)
            if best is None or score > best:
                best, best_c = score, c
    return best_c


def _tag(concepts: list[Concept], text: str) -> list[str]:
    return [c.label for c in concepts if c.tags(text)]


def classify_commitment(text: str, targets: list[Target]) -> tuple[list[str], list[str], list[str]]:
    """(theme labels, target type labels, beneficiary labels) for one commitment.

    Themes come from keywords in the text plus the broader themes of every target type;
    each list is deduplicated and in taxonomy file order, so output is stable.
    """
    tax = load_taxonomy()
    text = normalize_text(text or "")
    type_ids = {t.target_type for t in targets if t.target_type}
    types = [c for c in tax.target_types if c.id in type_ids]
    theme_ids = {b for c in types for b in c.broader}
    themes = [c.label for c in tax.themes if c.id in theme_ids or c.tags(text)]
    return themes, [c.label for c in types], _tag(tax.beneficiaries, text)


def resolve_concept(query: str) -> Concept | None:
    """The target type or theme a search query names, or None.

    Exact label first, then exact alternative/English label or id, then containment
    either way (longest matching name wins). Target types beat themes at each step
    because they are the narrower reading.
    """
    q = normalize_text(query or "").strip()
    ql = q.lower()
    if not q:
        return None
    tax = load_taxonomy()
    pool = [*tax.target_types, *tax.themes]
    for c in pool:
        if q == c.label:
            return c
    for c in pool:
        if ql in (c.en.lower(), c.id) or q in c.alt_labels or ql in (a.lower() for a in c.alt_labels):
            return c
    # Score a containment by how much of the query it explains, then by closeness
    # of length; a one-character overlap ("率") is too weak to name a concept.
    best, best_score = None, (1, 0)
    for c in pool:
        for name in (*c.names, c.en):
            n = name.lower()
            if n in ql or ql in n:
                score = (min(len(n), len(ql)), -abs(len(n) - len(ql)))
                if score > best_score:
                    best, best_score = c, score
    return best


def jieba_words() -> list[str]:
    """Every label and alternative label of two or more characters, for the tokenizer."""
    tax = load_taxonomy()
    seen: dict[str, None] = {}
    for c in [*tax.themes, *tax.target_types, *tax.beneficiaries]:
        for name in c.names:
            if len(name) > 1 and not name.isascii():
                seen.setdefault(name, None)
    return list(seen)
