"""`minsheng eval`: score search (`eval search`) and extraction (`eval extraction`) against gold files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import FormatOpt
from cli.render import OutputFormat, render

EXTRACTION_COLUMNS = ["file", "layout", "items", "extra", "item_recall", "dept_f1", "lead_f1", "official_f1",
                      "targets", "target_recall", "place", "year", "error"]

eval_app = typer.Typer(help="Score search and extraction against gold files.", no_args_is_help=True)


@eval_app.command("extraction")
def extraction(
    directory: Annotated[Path, typer.Argument(help="A folder of documents with a gold.json (format of the layouts corpus).")],
    gold: Annotated[Path | None, typer.Option("--gold", help="The gold file [default: DIR/gold.json].")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Per file and overall: items found, department/lead/official F1, targets found, place and year read."""
    from kg.ingest.scoring import score_directory

    result = score_directory(directory, gold)
    render([*result["files"], result["overall"]], fmt, document=result, columns=EXTRACTION_COLUMNS)


def register(app: typer.Typer) -> None:
    """Add the `eval` group; `eval search` is the search evaluation that was `minsheng eval`."""
    from cli.search_cmds import evaluate

    eval_app.command("search")(evaluate)
    app.add_typer(eval_app, name="eval")
