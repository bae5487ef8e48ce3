"""Read-only SPARQL: the documented examples return their documented rows; updates are refused."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from graph_helpers import count_quads, synced_graph

from kg.errors import BusyError, ForbiddenError, QueryError, TooLargeError
from kg.graph.sparql import READ_ONLY_MESSAGE, SparqlLimits, check_query, run_sparql

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
    return synced_graph(workspace_2y)


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
    before = count_quads(dataset_2y)
    with pytest.raises(ForbiddenError, match="read-only") as info:
        run_sparql(dataset_2y, update)
    assert str(info.value) == READ_ONLY_MESSAGE and info.value.http_status == 403
    assert count_quads(dataset_2y) == before


def test_keywords_inside_literals_are_not_updates(dataset_2y):
    result = run_sparql(dataset_2y, 'SELECT ?x WHERE { BIND("DELETE everything" AS ?x) }')
    assert result.rows() == [{"x": "DELETE everything"}]


def test_malformed_query_gives_one_line_parser_message(dataset_2y):
    with pytest.raises(QueryError) as info:
        run_sparql(dataset_2y, "SELECT * WHERE { ?s ?p }")
    message = str(info.value)
    assert message.startswith("query: malformed SPARQL") and "\n" not in message and "1:" in message
    with pytest.raises(QueryError, match="nope"):
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
    assert first["value"] == {"type": "literal", "value": "800",
                              "datatype": "http://www.w3.org/2001/XMLSchema#decimal"}
    assert first["unit"] == {"type": "literal", "value": "张", "xml:lang": "zh"}
    csv_lines = result.to_csv().splitlines()
    assert csv_lines[0] == "year,value,unit,cumulative,commitment" and len(csv_lines) == 4
    ask = run_sparql(dataset_2y, "ASK { ?s ms:similarTo ?o }")
    assert ask.to_json() == {"head": {}, "boolean": True}
    assert ask.rows() == [{"result": "true"}]


def test_construct_and_describe(dataset_2y):
    result = run_sparql(dataset_2y, "CONSTRUCT { ?a ms:continues ?b } WHERE { ?a ms:continues ?b }")
    assert result.kind == "construct" and len(result.triples) == 1
    assert result.rows()[0]["predicate"] == "https://minsheng-kg.org/ns#continues"
    assert "ms:continues" in result.serialize("turtle")
    described = run_sparql(dataset_2y, "DESCRIBE <https://minsheng-kg.org/id/jurisdiction/370103>")
    assert described.kind == "describe" and len(described.triples) > 0
    with pytest.raises(QueryError, match="only CONSTRUCT"):
        run_sparql(dataset_2y, "ASK { ?s ?p ?o }").serialize()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",  # the escape a text check misses
    "SELECT * WHERE { \\U00000053ERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { service silent <http://127.0.0.1:9/x> { ?s ?q ?r } } }",
    "ASK { { SELECT ?s WHERE { SERVICE ?endpoint { ?s ?p ?o } } } }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",  # no space after the dot
    "SELECT * WHERE { ?s ?p 1SERVICE <http://127.0.0.1:9/x> { } }",
    "SELECT * WHERE { ?s ?p ?o } # comment\n SERVICE <http://127.0.0.1:9/x> { }",
])
def test_service_is_refused_on_the_parsed_query(query):
    with pytest.raises(QueryError, match="SERVICE"):
        check_query(query)


def test_service_as_a_name_string_or_iri_is_not_refused(dataset_2y):
    assert run_sparql(dataset_2y, 'SELECT ?x WHERE { BIND("SERVICE" AS ?x) }').rows() == [{"x": "SERVICE"}]
    query = ('PREFIX ex: <urn:ex:> SELECT ?service WHERE { ?service ex:SERVICE <urn:SERVICE> '
             '# SERVICE in a comment\n }')
    assert check_query(query).kind == "select"
    assert run_sparql(dataset_2y, query).rows() == []


def test_kind_and_from_graphs_are_read_from_the_tokens():
    checked = check_query("PREFIX ex: <urn:ex:> # SELECT in a comment\nCONSTRUCT { ?s ex:p 'ASK' } "
                          "FROM <urn:g1> FROM NAMED <urn:g2> WHERE { ?s ?p ?o }")
    assert checked.kind == "construct" and checked.graphs == ("urn:g1", "urn:g2")
    with pytest.raises(QueryError, match="unknown prefix nope:"):
        check_query("SELECT * WHERE { ?s nope:x ?o }")


CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_cross_join_stops_at_the_time_limit_and_the_next_query_works(dataset_2y):
    start = time.monotonic()
    with pytest.raises(BusyError, match="time limit") as info:
        run_sparql(dataset_2y, CROSS_JOIN, limits=SparqlLimits(timeout=1.5))
    assert info.value.http_status == 503 and time.monotonic() - start < 10
    assert run_sparql(dataset_2y, "ASK { ?s a ms:Commitment }").boolean is True


def test_row_limit_is_a_413(dataset_2y):
    with pytest.raises(TooLargeError, match="more than 10 rows"):
        run_sparql(dataset_2y, "SELECT * WHERE { ?s ?p ?o }", limits=SparqlLimits(max_rows=10))
    assert len(run_sparql(dataset_2y, "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
                          limits=SparqlLimits(max_rows=10)).rows()) == 10


def test_memory_limit_kills_a_growing_query(dataset_2y):
    # ORDER BY over a cross join must materialise every row: memory grows until the worker is killed.
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
    with pytest.raises(BusyError, match="memory limit"):
        run_sparql(dataset_2y, query, limits=SparqlLimits(timeout=60, max_memory_mb=150))
    assert run_sparql(dataset_2y, "ASK { ?s a ms:Commitment }").boolean is True


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("MINSHENG_SPARQL_TIMEOUT", "2.5")
    monkeypatch.setenv("MINSHENG_SPARQL_MAX_ROWS", "7")
    assert SparqlLimits.from_env() == SparqlLimits(timeout=2.5, max_rows=7)
    assert SparqlLimits.from_env(max_rows=9).max_rows == 9
    monkeypatch.setenv("MINSHENG_SPARQL_TIMEOUT", "soon")
    with pytest.raises(QueryError.__mro__[1], match="MINSHENG_SPARQL_TIMEOUT"):
        SparqlLimits.from_env()


def test_service_is_checked_on_the_parsed_algebra_when_the_word_appears():
    from kg.graph.sparql_check import _refuse_service_in_algebra, check_query

    # The algebra check itself finds a SERVICE pattern...
    with pytest.raises(QueryError, match="SERVICE"):
        _refuse_service_in_algebra("SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }")
    # ...and lets a query through whose only "service" is inside a string.
    assert check_query('SELECT ?s WHERE { ?s rdfs:label "社区service中心" }').kind == "select"


def test_commitment_count_equals_counting_responsible_departments(dataset_2y):
    """The precomputed ms:commitmentCount the README example reads is the COUNT it replaces."""
    counted = run_sparql(dataset_2y, """SELECT ?dept (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?dept a ms:Department . OPTIONAL { ?c ms:responsibleDepartment ?dept } } GROUP BY ?dept""").rows()
    stored = run_sparql(dataset_2y, "SELECT ?dept ?n WHERE { ?dept a ms:Department ; ms:commitmentCount ?n }").rows()
    assert len(counted) > 20 and sorted(counted, key=str) == sorted(stored, key=str)
    assert any(r["n"] != "0" for r in stored) and any(r["n"] != "1" for r in stored)
