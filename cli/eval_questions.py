"""`minsheng eval questions`: accuracy of `ask` per kind of question on exact expected answers.

The lead wires `register(eval_app)` into the `eval` sub-app; until then
`python -m cli.eval_questions [--questions F]` runs the same command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import FormatOpt
from cli.render import OutputFormat, render

QuestionsOpt = Annotated[Path | None, typer.Option(
    "--questions", help="A questions.jsonl [default: data/eval/questions.jsonl].")]


def questions(questions: QuestionsOpt = None, model: Annotated[str | None, typer.Option("--model", "-m")] = None,
              fmt: FormatOpt = OutputFormat.table) -> None:
    """Score `ask` on questions with exact answers; prints accuracy per kind and the misses."""
    from search.ask_eval import evaluate_questions

    # Each question names the workspace it is asked of; they are built in a temporary directory.
    result = evaluate_questions(questions, model=model)
    render(result["kinds"], fmt, document=result, columns=["kind", "n", "right", "accuracy"])
    if fmt is OutputFormat.table:
        for w in result["wrong"]:
            sys.stderr.write(f"wrong {w['id']} [{w['kind']}→{w['got_kind']}] {w['question']} :: {w['answer']}\n")


def register(eval_app: typer.Typer) -> None:
    """Add `questions` to the `eval` sub-app."""
    eval_app.command("questions")(questions)


if __name__ == "__main__":  # pragma: no cover - the temporary entry point until the lead wires eval_app
    app = typer.Typer(add_completion=False)
    register(app)

    @app.callback()
    def _main() -> None:
        """Evaluation commands."""

    app()
