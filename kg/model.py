"""Plain data objects passed between parsing, the store, the graph and search.

Everything here is a dataclass with a ``to_dict`` that gives the JSON shape the CLI
and API print, so there is one definition of each public record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Target:
    """A quantitative target found in a commitment's text, e.g. 增加床位800张."""

    metric: str  # the phrase the number measures, e.g. "增加床位"
    value: float  # multipliers applied: 1.76万 -> 17600
    unit: str  # e.g. "张", "人", "元", "%", "公里"
    comparator: str = "exact"  # exact | at_least | at_most | reach | about
    cumulative: bool = False  # 累计: counts the running total, not the year's increment
    raw: str = ""  # the matched text span, e.g. "1.76万人以上"
    start: int = -1  # character offsets of ``raw`` in the commitment text
    end: int = -1
    target_type: str | None = None  # taxonomy concept id, e.g. "elderly_beds"
    target_type_label: str | None = None  # its Chinese label, e.g. "养老床位"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DepartmentRef:
    """A department as it appears on one commitment."""

    id: str  # "370103:区卫生健康局"
    name: str  # canonical (long) name
    function: str | None  # function concept label shared across jurisdictions, e.g. "卫健"
    # lead (牵头单位, "X牵头"), supporting (配合/协同/协办单位, "Y配合") or responsible (a plain
    # 责任单位 list that does not say who leads).
    role: str = "responsible"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Commitment:
    """One 民生实事 item of one jurisdiction's list for one year."""

    id: str  # "370103-2024-06"
    document_id: str  # "370103-2024"
    year: int
    jurisdiction: str  # "济南市市中区"
    jurisdiction_code: str  # "370103"
    seq: int
    title: str
    text: str
    category: str | None = None
    officials: list[str] = field(default_factory=list)
    departments: list[DepartmentRef] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # theme labels, e.g. ["养老", "医疗卫生"]
    target_types: list[str] = field(default_factory=list)  # target type labels, e.g. ["养老床位"]
    beneficiaries: list[str] = field(default_factory=list)  # e.g. ["老年人"]
    lead_departments: list[str] = field(default_factory=list)  # ids named as 牵头单位, where the layout says
    source: str = ""  # file name of the source document
    progress: str | None = None  # 进展情况 / 完成情况 / 实际完成 as written: reported, never a target
    deadline: str | None = None  # 完成时限 / 计划完成时间 as written, e.g. "12月底前"
    # The text and title as written when the document used traditional characters; ``text`` and
    # ``title`` are always simplified, because parsing, matching and search work on those.
    original_text: str | None = None
    original_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["departments"] = [x.to_dict() for x in self.departments]
        d["targets"] = [t.to_dict() for t in self.targets]
        return d


@dataclass
class Department:
    """A department of one jurisdiction, the same record in every year it appears."""

    id: str
    name: str
    jurisdiction: str
    jurisdiction_code: str
    function: str | None
    aliases: list[str] = field(default_factory=list)
    known: bool = True  # False when the name matched no entry of the alias table
    commitments: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Official:
    """A lead official (牵头领导), scoped to one jurisdiction."""

    id: str  # "370103:张源"
    name: str
    jurisdiction: str
    jurisdiction_code: str
    years: list[int] = field(default_factory=list)
    commitments: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Document:
    """A source document: one jurisdiction's list for one year."""

    id: str  # "370103-2024"
    source: str  # file name
    sha256: str
    year: int
    jurisdiction: str
    jurisdiction_code: str
    title: str | None = None
    layout: str = ""  # table | numbered | grouped | spreadsheet | ...
    ingested_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
