"""Docs are tested: every CLI command has help text and appears in the README."""

from __future__ import annotations

from pathlib import Path

import typer.main

from cli.main import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, object]:
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def test_every_command_has_help_and_a_readme_line() -> None:
    commands = _commands()
    assert {"init", "ingest", "list", "show", "departments", "officials", "stats"} <= set(commands)
    for name, command in commands.items():
        assert (command.help or "").strip(), f"`minsheng {name}` has no help text"
        assert f"minsheng {name}" in README, f"`minsheng {name}` is missing from README.md"


def test_readme_gives_the_two_commands() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ci.strip().splitlines()[-1]
    assert test_command in README, ".ci/run must run exactly the README's test command"
    assert "minsheng search 养老床位" in README
