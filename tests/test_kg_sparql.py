"""Read-only SPARQL: the documented examples return their documented rows; updates are refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kg.errors import QueryError
from kg.graph.rdf import build_dataset
from kg.graph.sparql import READ_ONLY_MESSAGE, run_sparql

EXAMPLES_MD = Path(__file__).resolve().parent.parent / "docs" / "sparql_examples.md"


def load_examples() -> dict[str, tuple[str, list[dict[str, str]] | bool]]:
    """name -> (query, expected): the table rows under the query, or the ASK answer."""
    text = EXAMPLES_MD.read_text("utf-8")
    out = {}
    for name, body in re.findall(r"<!-- example: (\w+) -->(.*?)(?=<!-- example:|\Z)", text, re.S):
        query = re.search(r"```sparql\n(.*?)```", body, re.S).group(1)
        answer = re.search(r"Answer: `(true|false)`", body)
        if answer:
            out[name] = (query, answer.group(1) == "true")
            continue
        table = [line for line in body.splitlines() if line.startswith("|")]
        header = [h.strip() for h in table[0].strip("|").split("|")]
        rows = [dict(zip(header, (v.strip() for v in line.strip("|").split("|")), strict=True))
                for line in table[2:]]
        out[name] = (query, rows)
    return out


EXAMPLES = load_examples()


@pytest.fixture(scope="module")
def dataset_2y(workspace_2y):
    return build_dataset(workspace_2y.store())


def test_docs_have_the_promised_examples():
    assert {"departments_by_function", "official_by_year", "targets_by_year", "continuations",
            "ask_continues"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_documented_example_returns_documented_rows(dataset_2y, name):
    query, expected = EXAMPLES[name]
    result = run_sparql(dataset_2y, query)
    if isinstance(expected, bool):
        assert result.kind == "ask" and result.boolean is expected
        return
    got = [{k: row[k] for k in expected[0]} for row in result.display_rows()]
    assert got == expected


def test_official_commitments_by_year_lists_ids(dataset_2y):
    rows = run_sparql(dataset_2y, EXAMPLES["official_by_year"][0]).rows()
    by_year = {r["year"]: set(r["commitments"].split()) for r in rows}
    assert "370103-2024-06" in by_year["2024"] and "370103-2025-03" in by_year["2025"]


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "delete { ?s ?p ?o } insert { ?s ?p 1 } where { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL", "DROP GRAPH <urn:g>", "CREATE GRAPH <urn:g>",
    "ADD DEFAULT TO <urn:g>", "MOVE DEFAULT TO <urn:g>", "COPY DEFAULT TO <urn:g>",
    "PREFIX ex: <urn:x> INSERT DATA { ex:a ex:b ex:c ",  # malformed, still refused as an update
])
def test_updates_are_refused(dataset_2y, update):
    before = len(dataset_2y)
    with pytest.raises(QueryError, match="read-only") as info:
        run_sparql(dataset_2y, update)
    assert str(info.value) == READ_ONLY_MESSAGE
    assert len(dataset_2y) == before


def test_keywords_inside_literals_are_not_updates(dataset_2y):
    result = run_sparql(dataset_2y, 'SELECT ?x WHERE { BIND("DELETE everything" AS ?x) }')
    assert result.rows() == [{"x": "DELETE everything"}]


def test_malformed_query_gives_one_line_parser_message(dataset_2y):
    with pytest.raises(QueryError) as info:
        run_sparql(dataset_2y, "SELECT * WHERE { ?s ?p }")
    message = str(info.value)
    assert message.startswith("malformed SPARQL query:") and "\n" not in message and "col" in message
    with pytest.raises(QueryError, match="prefix"):
        run_sparql(dataset_2y, "SELECT * WHERE { ?s nope:x ?o }")
    with pytest.raises(QueryError, match="empty"):
        run_sparql(dataset_2y, "  ")


def test_network_access_is_refused(dataset_2y):
    with pytest.raises(QueryError, match="SERVICE"):
        run_sparql(dataset_2y, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryError, match="names no graph"):
        run_sparql(dataset_2y, "SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }")


def test_from_a_document_graph_restricts_the_query(dataset_2y):
    query = ("SELECT (COUNT(?c) AS ?n) FROM <https://minsheng-kg.org/graph/document/370103-2025> "
             "WHERE { ?c a ms:Commitment }")
    assert run_sparql(dataset_2y, query).rows() == [{"n": "6"}]


def test_json_and_csv_results(dataset_2y):
    result = run_sparql(dataset_2y, EXAMPLES["targets_by_year"][0])
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert data["head"]["vars"] == ["year", "value", "unit", "cumulative", "commitment"]
    first = data["results"]["bindings"][0]
    assert first["value"] == {"type": "literal", "value": "800.0",
                              "datatype": "http://www.w3.org/2001/XMLSchema#decimal"}
    assert first["unit"] == {"type": "literal", "value": "张", "xml:lang": "zh"}
    csv_lines = result.to_csv().splitlines()
    assert csv_lines[0] == "year,value,unit,cumulative,commitment" and len(csv_lines) == 4
    ask = run_sparql(dataset_2y, "ASK { ?s ms:similarTo ?o }")
    assert ask.to_json() == {"head": {}, "boolean": True}
    assert ask.rows() == [{"result": "true"}]


def test_construct_and_describe(dataset_2y):
    result = run_sparql(dataset_2y, "CONSTRUCT { ?a ms:continues ?b } WHERE { ?a ms:continues ?b }")
    assert result.kind == "construct" and len(result.graph) == 1
    assert result.rows()[0]["predicate"] == "https://minsheng-kg.org/ns#continues"
    assert "ms:continues" in result.serialize("turtle")
    described = run_sparql(dataset_2y, "DESCRIBE <https://minsheng-kg.org/id/jurisdiction/370103>")
    assert described.kind == "describe" and len(described.graph) > 0
    with pytest.raises(QueryError, match="only CONSTRUCT"):
        run_sparql(dataset_2y, "ASK { ?s ?p ?o }").serialize()
