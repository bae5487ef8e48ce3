"""How a failure is reported: a one-line message and an exit code, never a traceback.

Shared by the typer app (`cli.main`) and the commands that start without typer (`cli.entry`).
"""

from __future__ import annotations

import sqlite3


def failure(exc: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for an error the command line reports itself; None to let it propagate."""
    from kg.errors import MinshengError

    if isinstance(exc, MinshengError):
        return str(exc), exc.exit_code
    if isinstance(exc, UnicodeDecodeError):
        # A file read as text that is not UTF-8 (sparql --file, a query file): bad input.
        return f"input is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8", 1
    if isinstance(exc, OSError):
        # An unwritable -o path, a missing file, a read-only workspace: name the path, no traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", 1
    if isinstance(exc, EOFError):
        # An empty or truncated derived file (index, cache) read with numpy/pickle; click would say "Aborted!".
        return (f"a workspace file ended early (empty or truncated: {exc}); `minsheng index --rebuild` rebuilds "
                "the indexes", 3)
    if isinstance(exc, sqlite3.Error):
        return f"the workspace store could not be used ({exc}); check its permissions or run `minsheng init`", 3
    if isinstance(exc, MemoryError):
        return "out of memory; the input or result is too large", 1
    return None
