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
        for sub, subcommand in getattr(command, "commands", {}).items():  # groups such as `eval`
            assert (subcommand.help or "").strip(), f"`minsheng {name} {sub}` has no help text"
            assert f"minsheng {name} {sub}" in README, f"`minsheng {name} {sub}` is missing from README.md"


def test_readme_gives_the_two_commands() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ci.strip().splitlines()[-1]
    assert test_command in README, ".ci/run must run exactly the README's test command"
    assert "minsheng search 养老床位" in README


def test_readme_sparql_examples_run(workspace_2y) -> None:
    import re

    from graph_helpers import synced_graph

    from kg.graph.sparql import run_sparql

    queries = re.findall(r"```sparql\n(.*?)```", README, re.S)
    assert len(queries) >= 3, "README must carry the SPARQL example set"
    dataset = synced_graph(workspace_2y)
    results = [run_sparql(dataset, q).rows() for q in queries]
    assert all(results), "every README SPARQL example returns rows"
    by_function, official, targets = results[:3]
    assert {r["jurisdiction"] for r in by_function} == {"济南市市中区", "济南市章丘区"}
    assert [r["year"] for r in official] == ["2024", "2025"]
    assert [r["value"].split(".")[0] for r in targets if r["cumulative"] == "false"] == ["800", "600"]
