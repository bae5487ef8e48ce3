"""The `minsheng` entry point: `ask` without typer answers exactly as the typer command does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli.entry import ASK_OPTIONS, main, parse_ask
from cli.main import app
from cli.render import OutputFormat

REPO = Path(__file__).resolve().parents[1]


def test_option_table_matches_the_typer_command():
    params = get_command(app).commands["ask"].params  # type: ignore[attr-defined]
    typer_opts = {opt: p.name for p in params for opt in p.opts if opt.startswith("-")}
    assert {opt: name for opt, (name, _) in ASK_OPTIONS.items()} == typer_opts


@pytest.mark.parametrize(("args", "parsed"), [
    (["养老?"], {"question": "养老?"}),
    (["-y", "2024", "养老?", "--format=json", "-w", "/tmp/x"],
     {"question": "养老?", "year": 2024, "fmt": OutputFormat.json, "ws": Path("/tmp/x")}),
    (["--jurisdiction", "章丘", "--model", "e5", "养老?"], {"question": "养老?", "jurisdiction": "章丘", "model": "e5"}),
])
def test_plain_arguments_are_parsed(args, parsed):
    assert parse_ask(args) == parsed


@pytest.mark.parametrize("args", [
    [], ["--help"], ["养老?", "--help"], ["a", "b"], ["养老?", "--year"], ["养老?", "--year", "二〇二四"],
    ["养老?", "-y", "2024", "-y", "2025"], ["养老?", "--format", "xml"], ["养老?", "--unknown", "1"],
    ["养老?", "-y=2024"], ["-", "养老?"], ["--", "养老?"],
])
def test_anything_else_goes_to_typer(args):
    assert parse_ask(args) is None


def _fast(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["minsheng", "ask", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("fmt", ["json", "table", "csv"])
def test_output_equals_the_typer_command(bundled_workspace, monkeypatch, capsys, fmt):
    args = ["区民政局负责哪些项目？", "-w", str(bundled_workspace.path), "-f", fmt]
    code, out, _ = _fast(monkeypatch, capsys, *args)
    typer_out = CliRunner().invoke(app, ["ask", *args])
    assert code == typer_out.exit_code == 0 and out == typer_out.stdout
    if fmt == "json":
        assert json.loads(out)["items_total"] == 5


def test_errors_are_one_line_with_the_same_exit_code(bundled_workspace, monkeypatch, capsys):
    args = ["", "-w", str(bundled_workspace.path)]
    code, out, err = _fast(monkeypatch, capsys, *args)
    typer_out = CliRunner().invoke(app, ["ask", *args])
    assert code == typer_out.exit_code == 1 and not out
    assert err == typer_out.stderr and err.startswith("Error: question: expected a question")


def test_a_question_does_not_import_typer_or_the_search_stack(bundled_workspace):
    code = ("import sys; from cli.entry import main; main(); "
            "assert not {'typer', 'pydantic', 'numpy', 'jieba', 'torch', 'faiss'} & set(sys.modules), sys.modules")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code, "ask", "张源牵头了多少项？", "-w", str(bundled_workspace.path)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "张源牵头的共有14件民生实事。"
