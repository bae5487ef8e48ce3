"""`overlaps --limit/--offset` and the API's limit/offset page one score-sorted list."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app
from kg.analysis.overlaps import find_overlaps


def _key(row: dict) -> tuple:
    return (row["kind"], tuple(row["department_ids"]), tuple(row["commitments"]))


def test_pages_partition_the_sorted_list(bundled_workspace):
    store = bundled_workspace.store()
    everything = [o.to_dict() for o in find_overlaps(store, kinds=["shared"], min_score=0)]
    assert len(everything) > 6
    pages = [[o.to_dict() for o in find_overlaps(store, kinds=["shared"], min_score=0, limit=3, offset=off)]
             for off in range(0, len(everything), 3)]
    assert [_key(r) for page in pages for r in page] == [_key(r) for r in everything]
    assert [r["score"] for r in everything] == sorted((r["score"] for r in everything), reverse=True)


def test_cli_and_api_page_the_same_way(bundled_workspace):
    ws = str(bundled_workspace.path)
    out = CliRunner().invoke(app, ["overlaps", "--kind", "shared", "--min-score", "0", "--limit", "2", "--offset", "2",
                                   "--workspace", ws, "--format", "json"])
    assert out.exit_code == 0, out.output
    cli_rows = json.loads(out.output)
    client = TestClient(create_app(bundled_workspace.path))
    api_rows = client.get("/overlaps", params={"kind": "shared", "min_score": 0, "limit": 2, "offset": 2}).json()
    assert len(cli_rows) == 2 and [_key(r) for r in cli_rows] == [_key(r) for r in api_rows]
    assert client.get("/overlaps", params={"kind": "shared", "limit": 0}).status_code == 422
    bad = CliRunner().invoke(app, ["overlaps", "--kind", "shared", "--limit", "0", "--workspace", ws])
    assert bad.exit_code != 0 and "--limit" in bad.output
