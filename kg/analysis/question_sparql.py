"""The SPARQL equivalent of an `ask` selection, so an answer can be re-run on the graph.

`ask` selects in memory for speed; the query string given with each answer selects the same
commitments from the RDF dataset (`minsheng sparql`, GET /sparql), written against stable
literals (dcterms:identifier, ms:adminCode, skos:notation, ms:year) rather than IRIs.
"""

from __future__ import annotations

import json


def _values(var: str, values: list[str] | list[int]) -> str:
    return f"VALUES ?{var} {{ {' '.join(json.dumps(v, ensure_ascii=False) for v in values)} }}"


def selection_sparql(*, years: list[int], codes: list[str], departments: list[list[str]],
                     officials: list[list[str]], concepts: list[str], ids: list[str] | None = None,
                     all_groups: bool = False, lead_only: bool = False) -> str:
    """SELECT the identifiers of commitments matching every filter (groups: any, or all with ``all_groups``)."""
    lines = ["?c a ms:Commitment ; dcterms:identifier ?id ."]
    if years:
        lines += ["?c ms:year ?year .", _values("year", years)]
    if codes:
        lines += ["?c ms:jurisdiction/ms:adminCode ?code .", _values("code", codes)]
    if concepts:
        lines += ["?c ms:theme|ms:targetType ?concept . ?concept skos:notation ?notation .", _values("notation", concepts)]
    dept_groups = departments if all_groups else ([sorted({d for g in departments for d in g})] if departments else [])
    for n, group in enumerate(dept_groups):
        if lead_only:
            # The leads, or every unit of a plain 责任单位 list that marks none.
            lines.append(f"{{ ?c ms:leadDepartment ?d{n} }} UNION "
                         f"{{ ?c ms:responsibleDepartment ?d{n} FILTER NOT EXISTS {{ ?c ms:leadDepartment ?lead{n} }} }}")
        else:
            lines.append(f"?c ms:responsibleDepartment ?d{n} .")
        lines += [f"?d{n} dcterms:identifier ?dept{n} .", _values(f"dept{n}", group)]
    off_groups = officials if all_groups else ([sorted({o for g in officials for o in g})] if officials else [])
    for n, group in enumerate(off_groups):
        lines += [f"?c ms:leadOfficial ?o{n} . ?o{n} dcterms:identifier ?official{n} .", _values(f"official{n}", group)]
    if ids is not None:
        lines.append(_values("id", ids))
    body = "\n  ".join(lines)
    return f"SELECT DISTINCT ?id WHERE {{\n  {body}\n}}\nORDER BY ?id"
