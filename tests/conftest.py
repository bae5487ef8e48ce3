"""Shared fixtures: workspaces built from the bundled corpus with the real pipeline."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.ingest.pipeline import ingest_paths
from kg.store.workspace import Workspace, init_workspace

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent
SEED_2024 = REPO / "data" / "seeds" / "000_a3d8383e0dbfd013.txt"
SEED_2025 = REPO / "data" / "seeds" / "003_eec77d86ffeca40d.txt"
SHIZHONG_2025 = DATA / "shizhong_2025.txt"


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory):
    # No test may build or touch the user's real workspace.
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("MINSHENG_HOME")
    os.environ["MINSHENG_HOME"] = str(home / "default-ws")
    yield
    if old is None:
        os.environ.pop("MINSHENG_HOME", None)
    else:
        os.environ["MINSHENG_HOME"] = old


@pytest.fixture(scope="session")
def bundled_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The bundled corpus (2024 市中区, 2025 章丘区) ingested; read-only for tests."""
    return init_workspace(tmp_path_factory.mktemp("bundled") / "ws")


@pytest.fixture(scope="session")
def workspace_2y(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The bundled corpus plus 市中区 2025 (tests/data/shizhong_2025.txt); read-only for tests."""
    ws = init_workspace(tmp_path_factory.mktemp("twoyears") / "ws")
    ingest_paths(ws.store(), [SHIZHONG_2025])
    return ws


def copy_workspace(source: Workspace, target: Path) -> Workspace:
    """A writable copy of a workspace's store (indexes are rebuilt on demand)."""
    target.mkdir(parents=True)
    shutil.copy2(source.db_path, target / "minsheng.db")
    return Workspace(target)


@pytest.fixture
def fresh_workspace(tmp_path: Path, bundled_workspace: Workspace) -> Workspace:
    """A writable copy of the bundled workspace, for tests that ingest or break things."""
    return copy_workspace(bundled_workspace, tmp_path / "ws")
