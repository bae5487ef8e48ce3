"""Entry point of the `minsheng` command: `ask` starts without typer, everything else goes to the app.

A question must be answered in well under 200 ms, and typer alone spends ~120 ms before a
command runs (it imports pydantic and builds a validator per parameter). So a plainly
well-formed `minsheng ask QUESTION [options]` is parsed here; anything else — `--help`,
an unknown or repeated option, a bad value — goes to the typer app in `cli.main`, which
gives the usual help and usage errors. `tests/test_cli_entry.py` keeps the option table
equal to the typer command's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cli.render import OutputFormat, render


def _year(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    return int(value)


# `minsheng ask` options: every spelling -> (parameter, conversion). Mirrors cli.search_cmds.ask.
ASK_OPTIONS: dict[str, tuple[str, Any]] = {
    "--year": ("year", _year), "-y": ("year", _year),
    "--jurisdiction": ("jurisdiction", str), "-j": ("jurisdiction", str),
    "--model": ("model", str), "-m": ("model", str),
    "--workspace": ("ws", Path), "-w": ("ws", Path),
    "--format": ("fmt", OutputFormat), "-f": ("fmt", OutputFormat),
}


def parse_ask(args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of `run_ask` for ``ask`` arguments, or None when typer should handle them."""
    out: dict[str, Any] = {}
    question = None
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            if question is not None:
                return None
            question = arg
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if name not in ASK_OPTIONS or (eq and not name.startswith("--")) or (not eq and i + 1 >= len(args)):
            return None
        if not eq:
            value = args[i + 1]
            i += 1
        i += 1
        param, convert = ASK_OPTIONS[name]
        if param in out:
            return None
        try:
            out[param] = convert(value)
        except ValueError:
            return None
    if question is None:
        return None
    return {"question": question, **out}


def run_ask(question: str, *, year: int | None = None, jurisdiction: str | None = None, model: str | None = None,
            ws: Path | None = None, fmt: OutputFormat = OutputFormat.table) -> None:
    """`minsheng ask`: answer the question and print it (the body of cli.search_cmds.ask too)."""
    from kg.store.workspace import open_workspace
    from search.ask import LazyEngine, answer_question

    def engine() -> Any:
        from search.engine import SearchEngine

        return SearchEngine(space, model=model)

    space = open_workspace(ws, progress=_progress)
    result = answer_question(LazyEngine(space, engine), question, year=year, jurisdiction=jurisdiction).to_dict()
    if fmt is OutputFormat.table:
        sys.stdout.write(result["answer"] + "\n")
        for hint in result["suggestions"]:
            sys.stderr.write(f"  例如：{hint}\n")
    render(result["items"], fmt, document=result, columns=_ask_columns(result["items"]))


def _progress(message: str) -> None:
    """Progress goes to stderr so stdout stays parseable (as cli.common.progress)."""
    sys.stderr.write(message + "\n")


def _ask_columns(items: list[dict[str, Any]]) -> list[str] | None:
    if not items:
        return None
    keys = list(items[0])
    # Long id lists make the table unreadable; the JSON keeps them.
    return [k for k in keys if k not in ("commitments", "jurisdiction_code", "raw")] or keys


def main() -> None:
    """Console-script entry point."""
    args = sys.argv[1:]
    parsed = parse_ask(args[1:]) if args[:1] == ["ask"] else None
    if parsed is None:
        from cli.main import main as typer_main

        typer_main()
        return
    from cli.failures import failure

    try:
        run_ask(**parsed)
    except KeyboardInterrupt:  # as click reports it on the typer path
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    except Exception as exc:  # MemoryError included
        reported = failure(exc)
        if reported is None:
            raise
        sys.stderr.write(f"Error: {reported[0]}\n")
        sys.exit(reported[1])


if __name__ == "__main__":
    main()
