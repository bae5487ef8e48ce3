"""schemathesis against the app's own OpenAPI document: no 500s, every response as documented.

Bounded (a fixed number of examples per operation, positive and negative) so it runs in CI in a
few minutes:  python -m pytest tests/test_api_schema.py -m slow
The SPARQL, export, ask and timeline routes have their own owners and tests; they are left out here.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from api.routes_documents import UploadPolicy
from tests.conftest import copy_workspace

pytestmark = pytest.mark.slow

EXCLUDED = "^/(sparql|export|ask|timeline)"
MAX_EXAMPLES = 30


@pytest.fixture(scope="module")
def api_schema(bundled_workspace, tmp_path_factory):
    # A writable copy: generated uploads that parse are stored, which must not touch the shared fixture.
    ws = copy_workspace(bundled_workspace, tmp_path_factory.mktemp("schema") / "ws")
    app = create_app(ws.path, policy=UploadPolicy(api_key="k", parse_timeout=20))
    # Load the model and build the indexes before the timed examples start.
    from fastapi.testclient import TestClient

    assert TestClient(app).get("/search", params={"q": "养老"}).status_code == 200
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=EXCLUDED)


def test_schema_covers_the_routes(api_schema) -> None:
    labels = {op.ok().label for op in api_schema.get_all_operations()}
    assert {"GET /commitments", "GET /search", "POST /documents", "GET /health"} <= labels


def _fuzz(operation) -> None:
    upload = operation.path == "/documents"
    headers = {"Authorization": "Bearer k"} if upload else None
    # A schema-valid upload is any file with any name; most are rightly refused as not a list.
    excluded = [schemathesis.checks.positive_data_acceptance] if upload else None

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()


def test_api_conforms_to_its_schema(api_schema) -> None:
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation)
        except Exception as exc:  # collect every operation's failure, then report them together
            details = getattr(exc, "exceptions", [])
            failures.append(f"{operation.label}: {exc} {' / '.join(map(str, details))}")
    assert not failures, "\n\n".join(failures)
