"""/sparql speaks the SPARQL 1.1 Protocol: methods, content types, Accept, errors; /export streams."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import tempfile

import pyoxigraph as ox
import pytest
from conftest import copy_workspace
from fastapi.testclient import TestClient
from graph_helpers import synced_graph

from api.app import create_app
from api.routes_sparql import GRAPH_OFFERS, RESULT_OFFERS, negotiate
from tests.server_helpers import serve, stop

SELECT = "SELECT ?id WHERE { ?c a ms:Commitment ; dcterms:identifier ?id } ORDER BY ?id LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?c ms:year ?y } WHERE { ?c a ms:Commitment ; ms:year ?y } LIMIT 4"
FIRST_IDS = ["370103-2024-01", "370103-2024-02", "370103-2024-03"]


@pytest.fixture(scope="module")
def ws(bundled_workspace, tmp_path_factory):
    ws = copy_workspace(bundled_workspace, tmp_path_factory.mktemp("sparql") / "ws")
    synced_graph(ws)  # links without embeddings, so no test here loads the model
    return ws


@pytest.fixture(scope="module")
def client(ws) -> TestClient:
    return TestClient(create_app(ws.path))


def ids_from_json(body: bytes) -> list[str]:
    return [b["id"]["value"] for b in json.loads(body)["results"]["bindings"]]


@pytest.mark.parametrize("accept,media", [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5, */*;q=0.1", "text/csv"),
])
def test_get_select_by_accept(client, accept, media):
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": SELECT}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    if "json" in media:
        assert ids_from_json(r.content) == FIRST_IDS
    elif "xml" in media:
        assert r.text.count("<result>") == 3 and "370103-2024-01" in r.text
    elif media == "text/csv":
        assert [row["id"] for row in csv.DictReader(io.StringIO(r.text))] == FIRST_IDS
    else:
        lines = r.text.splitlines()
        assert lines[0] == "?id" and lines[1] == '"370103-2024-01"'


def test_post_form_and_post_query_body(client):
    form = client.post("/sparql", data={"query": SELECT})
    assert form.status_code == 200 and ids_from_json(form.content) == FIRST_IDS
    body = client.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert body.status_code == 200 and ids_from_json(body.content) == FIRST_IDS


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                        ("application/ld+json", ox.RdfFormat.JSON_LD),
                                        ("application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_construct_as_rdf_by_accept(client, accept, fmt):
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    triples = list(ox.parse(r.content, format=fmt))
    assert len(triples) == 4
    assert all(t.predicate.value == "https://minsheng-kg.org/ns#year" for t in triples)


def test_ask_formats(client):
    r = client.get("/sparql", params={"query": "ASK { ?c a ms:Commitment }"})
    assert r.json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params={"query": "ASK { ?c a ms:Nothing }"},
                     headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>false</boolean>" in xml.text


def test_protocol_errors(client):
    put = client.put("/sparql", content=b"x")
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST" and put.json()["ok"] is False
    unacceptable = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert unacceptable.status_code == 406 and "Accept" in unacceptable.json()["error"]
    construct_as_csv = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert construct_as_csv.status_code == 406
    wrong_type = client.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415 and wrong_type.json()["status"] == 415
    missing = client.get("/sparql")
    assert missing.status_code == 400 and "query" in missing.json()["error"]


@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "params": {"query": "CLEAR ALL"}},
    {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "POST", "content": b"DELETE WHERE { ?s ?p ?o }", "headers": {"Content-Type": "application/sparql-query"}},
])
def test_updates_are_403(client, request_kwargs):
    kwargs = dict(request_kwargs)
    r = client.request(kwargs.pop("method"), "/sparql", **kwargs)
    assert r.status_code == 403 and r.json()["title"] == "ForbiddenError"


def test_service_by_escape_is_refused_and_fetches_nothing(client):
    hits = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        query = f"SELECT ?s WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}"
        r = client.get("/sparql", params={"query": query})
        with contextlib.suppress(OSError):
            hits.append(listener.accept())
    assert r.status_code == 400 and "SERVICE" in r.json()["error"]
    assert not hits


def test_limits_give_json_errors(client, monkeypatch):
    monkeypatch.setenv("MINSHENG_SPARQL_MAX_ROWS", "5")
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 413 and "LIMIT" in r.json()["error"]
    monkeypatch.setenv("MINSHENG_SPARQL_TIMEOUT", "1")
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    assert r.status_code == 503 and r.json()["title"] == "BusyError"


def test_negotiation_rules():
    assert negotiate(None, RESULT_OFFERS) == "json"
    assert negotiate("*/*", GRAPH_OFFERS) == "turtle"
    assert negotiate("text/csv;q=0, */*", RESULT_OFFERS) == "json"
    assert negotiate("text/*", RESULT_OFFERS) == "xml"  # text/xml is the first text/* offer
    assert negotiate("application/n-triples, text/turtle;q=0.5", GRAPH_OFFERS) == "nt"
    assert negotiate("image/png", GRAPH_OFFERS) is None


@pytest.mark.parametrize("fmt,parse", [("ttl", ox.RdfFormat.TURTLE), ("nq", ox.RdfFormat.N_QUADS),
                                       ("trig", ox.RdfFormat.TRIG), ("jsonld", ox.RdfFormat.JSON_LD)])
def test_export_streams_rdf_and_leaves_nothing_behind(client, ws, fmt, parse, tmp_path, monkeypatch):
    # A private temp dir: other processes on the machine may use the shared one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    r = client.get(f"/export/{fmt}")
    assert r.status_code == 200
    assert len(list(ox.parse(r.content, format=parse))) > 1000
    assert list(tmp_path.iterdir()) == []
    assert "attachment" in r.headers["content-disposition"]


@pytest.mark.slow  # the full view's links load the embedding model
def test_export_network_formats_stream_too(client):
    r = client.get("/export/graphml", params={"view": "departments"})
    assert r.status_code == 200 and b"<graphml" in r.content
    assert client.get("/export/csv").status_code == 400


@pytest.fixture(scope="module")
def server_url(ws):
    server, thread, base = serve(create_app(ws.path))
    yield f"{base}/sparql"
    stop(server, thread)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("method", ["GET", "POST", "POST_DIRECTLY"])
def test_sparqlwrapper_select_every_format(server_url, fmt, method):
    import SPARQLWrapper as sw

    client = sw.SPARQLWrapper(server_url)
    client.setQuery(SELECT)
    client.setReturnFormat({"json": sw.JSON, "xml": sw.XML, "csv": sw.CSV, "tsv": sw.TSV}[fmt])
    client.setMethod(sw.POST if method.startswith("POST") else sw.GET)
    if method == "POST_DIRECTLY":
        client.setRequestMethod(sw.POSTDIRECTLY)
    result = client.query().convert()
    if fmt == "json":
        ids = [b["id"]["value"] for b in result["results"]["bindings"]]
    elif fmt == "xml":
        ids = [n.firstChild.firstChild.data for n in result.getElementsByTagName("binding")]
    else:
        sep = "," if fmt == "csv" else "\t"
        ids = [line.split(sep)[0].strip('"') for line in result.decode().splitlines()[1:]]
    assert ids == FIRST_IDS


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "rdfxml", "n3"])
def test_sparqlwrapper_construct_every_format(server_url, fmt):
    import SPARQLWrapper as sw

    client = sw.SPARQLWrapper(server_url)
    client.setQuery(CONSTRUCT)
    client.setReturnFormat({"turtle": sw.TURTLE, "jsonld": sw.JSONLD, "rdfxml": sw.RDFXML, "n3": sw.N3}[fmt])
    result = client.query().convert()
    if isinstance(result, bytes):
        parsed = list(ox.parse(result, format=ox.RdfFormat.TURTLE))
        assert len(parsed) == 4
    else:  # an rdflib Graph
        assert len(result) == 4


def test_sparqlwrapper_ask_and_error(server_url):
    import SPARQLWrapper as sw
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = sw.SPARQLWrapper(server_url)
    client.setQuery("ASK { ?c a ms:Commitment }")
    client.setReturnFormat(sw.JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        client.query()
