"""Routes for the knowledge graph and the analyses: SPARQL, export, overlaps, timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI


def add_graph_routes(app: FastAPI, ws: Any, engine: Callable[[], Any]) -> None:
    """Attach the graph and analysis routes to ``app``."""
