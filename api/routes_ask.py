"""GET /ask: a question answered from the graph, in the same JSON shape as `minsheng ask --format json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query

from kg.analysis.question import MAX_QUESTION_CHARS


def add_ask_routes(app: FastAPI, ws: Any, engine: Callable[[], Any]) -> None:
    """Attach GET /ask; ``engine`` (the shared SearchEngine) is built only if a question needs search."""

    @app.get("/ask", summary="Answer a question such as 市中区2024年有多少件民生实事？ or 哪些部门负责养老？")
    def ask(q: Annotated[str, Query(description="The question", max_length=MAX_QUESTION_CHARS)],
            year: int | None = None, jurisdiction: str | None = None) -> dict[str, Any]:
        from search.ask import LazyEngine, answer_question

        return answer_question(LazyEngine(ws, engine), q, year=year, jurisdiction=jurisdiction).to_dict()
