"""Options and helpers shared by every command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.render import OutputFormat

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory [default: $MINSHENG_HOME or the per-user data dir].",
                 show_default=False),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="Only this year.")]
JurisdictionOpt = Annotated[str | None, typer.Option("--jurisdiction", "-j", help="Only this jurisdiction (name, short name or code).")]
DepartmentOpt = Annotated[str | None, typer.Option("--department", "-d", help="Only this department (any alias, e.g. 区卫健局).")]
OfficialOpt = Annotated[str | None, typer.Option("--official", "-o", help="Only this lead official.")]
ThemeOpt = Annotated[str | None, typer.Option("--theme", "-t", help="Only this theme or target type (e.g. 养老, 养老床位).")]


def progress(message: str) -> None:
    """Progress goes to stderr so stdout stays parseable."""
    sys.stderr.write(message + "\n")


def workspace(path: Path | None):  # -> kg.store.workspace.Workspace
    """Open the workspace, building it from the bundled corpus on first use."""
    from kg.store.workspace import open_workspace

    return open_workspace(path, progress=progress)
