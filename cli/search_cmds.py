"""Search commands: `search`, `ask`, `index`; `evaluate` is registered as `eval search` by cli.eval_cmds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    DepartmentOpt,
    FormatOpt,
    JurisdictionOpt,
    OfficialOpt,
    ThemeOpt,
    WorkspaceOpt,
    YearOpt,
    workspace,
)
from cli.render import OutputFormat, render

ModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", help="Embedding model: e5 (bundled default), minilm, or a sentence-transformers name/path available offline.")]
ModeOpt = Annotated[str, typer.Option("--mode", help="hybrid (default), dense or lexical.")]
TopKOpt = Annotated[int, typer.Option("--top-k", "-k", help="How many results.")]


def _engine(ws: Path | None, model: str | None) -> Any:
    from search.engine import SearchEngine

    return SearchEngine(workspace(ws), model=model)


def search(
    query: Annotated[str, typer.Argument(help="What to look for, e.g. 养老床位, 老人吃饭难, 'EV charging'.")],
    top_k: TopKOpt = 10, mode: ModeOpt = "hybrid", year: YearOpt = None, jurisdiction: JurisdictionOpt = None,
    department: DepartmentOpt = None, official: OfficialOpt = None, theme: ThemeOpt = None, model: ModelOpt = None,
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Search commitments in natural language (embeddings + BM25, fused)."""
    response = _engine(ws, model).search(query, top_k=top_k, mode=mode, year=year, jurisdiction=jurisdiction,
                                         department=department, official=official, theme=theme)
    doc = response.to_dict()
    for row in doc["results"]:
        row["score"] = round(row["score"], 4)
    render(doc["results"], fmt, document=doc, columns=["id", "score", "jurisdiction", "year", "title", "departments"])


def ask(
    question: Annotated[str, typer.Argument(help="A question such as 市中区2024年有多少件民生实事？ or 哪些部门负责养老？")],
    year: YearOpt = None, jurisdiction: JurisdictionOpt = None, model: ModelOpt = None,
    ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Answer a question (who, which department, where, when, how many) from the graph, with evidence."""
    from cli.entry import run_ask

    run_ask(question, year=year, jurisdiction=jurisdiction, model=model, ws=ws, fmt=fmt)


def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Discard the indexes (and a model mismatch) and rebuild.")] = False,
    model: ModelOpt = None, ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Build or update the search indexes (done automatically on the first search)."""
    info = _engine(ws, model).build_index(rebuild=rebuild)
    render([info], fmt, document=info)


def evaluate(
    mode: Annotated[list[str] | None, typer.Option("--mode", help="Mode(s) to evaluate [default: all three].")] = None,
    queries: Annotated[Path | None, typer.Option("--queries", help="A queries.jsonl [default: data/eval/queries.jsonl].")] = None,
    model: ModelOpt = None, ws: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Score search modes with nDCG@5, Recall@5 and MRR on graded queries."""
    from search.evaluate import evaluate as run_evaluation
    from search.evaluate import load_queries

    result = run_evaluation(_engine(ws, model), load_queries(queries), tuple(mode or ("hybrid", "dense", "lexical")))
    rows = [{"mode": m, **{k: v for k, v in s.items() if k != "by_kind"}} for m, s in result["modes"].items()]
    render(rows, fmt, document=result, columns=["mode", "n", "ndcg@5", "recall@5", "mrr"])


def register(app: typer.Typer) -> None:
    """Add the search commands to the app."""
    app.command()(search)
    app.command()(ask)
    app.command()(index)
