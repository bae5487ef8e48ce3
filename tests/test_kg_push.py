"""`minsheng push` and `minsheng sparql --endpoint` against a real Oxigraph server on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

import pytest
from conftest import copy_workspace
from graph_helpers import synced_graph
from typer.testing import CliRunner

from cli.main import app
from kg.errors import ForbiddenError, InputError, QueryError
from kg.graph.push import push_graphs
from kg.graph.remote import run_remote
from tests.server_helpers import free_port

COUNT = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ms:Commitment }"


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.skip("the oxigraph server (pip install oxigraph) is not installed")
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxserver")),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "oxigraph server did not start"
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def pushed(oxigraph_server, workspace_2y, tmp_path_factory):
    ws = copy_workspace(workspace_2y, tmp_path_factory.mktemp("push") / "ws")
    graph = synced_graph(ws)
    report = push_graphs(graph, oxigraph_server + "/store")
    return ws, graph, report


def test_push_loads_every_named_graph(pushed, oxigraph_server):
    ws, graph, report = pushed
    local = {g.value for g in graph.open_read().named_graphs()}
    assert report.graphs == len(local) and set(report.names) == local
    assert report.triples == len(graph.open_read())
    rows = run_remote(oxigraph_server + "/query", COUNT).rows()
    assert rows == [{"n": "50"}]


def test_push_twice_replaces_instead_of_duplicating(pushed, oxigraph_server):
    ws, graph, report = pushed
    again = push_graphs(graph, oxigraph_server + "/store")
    assert again.triples == report.triples
    total = run_remote(oxigraph_server + "/query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows()
    assert total == [{"n": str(report.triples)}]


def test_remote_query_kinds_and_same_refusals(pushed, oxigraph_server):
    endpoint = oxigraph_server + "/query"
    assert run_remote(endpoint, "ASK { ?s ms:continues ?o }").boolean is True
    graph = run_remote(endpoint, "CONSTRUCT { ?a ms:continues ?b } WHERE { ?a ms:continues ?b }")
    assert graph.kind == "construct" and len(graph.triples) == 1 and "ms:continues" in graph.serialize("turtle")
    with pytest.raises(QueryError, match="SERVICE"):
        run_remote(endpoint, "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(ForbiddenError):
        run_remote(endpoint, "DROP ALL")
    assert run_remote(endpoint, COUNT).rows() == [{"n": "50"}]  # still there
    with pytest.raises(InputError, match="http"):
        run_remote("file:///etc/passwd", COUNT)


def test_cli_push_and_remote_sparql(pushed, oxigraph_server):
    ws, _, report = pushed
    runner = CliRunner()
    pushed_cli = runner.invoke(app, ["push", "--endpoint", oxigraph_server + "/store", "-w", str(ws.path)])
    assert pushed_cli.exit_code == 0, pushed_cli.output
    assert f"pushed {report.graphs} graphs" in pushed_cli.output
    result = runner.invoke(app, ["sparql", COUNT, "--endpoint", oxigraph_server + "/query", "-f", "csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["n", "50"]
    refused = runner.invoke(app, ["sparql", "CLEAR ALL", "--endpoint", oxigraph_server + "/query"])
    assert refused.exit_code == 1 and "read-only" in refused.output


def test_unreachable_endpoint_is_a_clean_error(pushed):
    _, graph, _ = pushed
    port = free_port()
    runner = CliRunner()
    result = runner.invoke(app, ["sparql", COUNT, "--endpoint", f"http://127.0.0.1:{port}/query"])
    assert result.exit_code != 0 and "unreachable" in result.output and "Traceback" not in result.output
