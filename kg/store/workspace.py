"""Workspaces: the directory that holds a store and everything derived from it.

Resolution order: an explicit path (``--workspace``), then ``MINSHENG_HOME``, then the
per-user data directory. A workspace that does not exist yet is built from the bundled
corpus on first use, into a temporary file renamed into place, so an interrupted first
run never leaves a half-built store behind.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import StoreChangedError, StoreError
from kg.store.db import Store

DB_NAME = "minsheng.db"


@contextmanager
def directory_lock(directory: Path, *, exclusive: bool = True) -> Iterator[None]:
    """flock on ``directory/.lock`` for a derived artifact of a workspace (search indexes, link sets):
    one writer at a time across processes, readers never see a half-saved file; a no-op where
    flock does not exist."""
    directory.mkdir(parents=True, exist_ok=True)
    if os.name != "posix":
        yield
        return
    import fcntl

    with open(directory / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def default_home() -> Path:
    """The workspace used when none is given."""
    env = os.environ.get("MINSHENG_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("minsheng")


class Workspace:
    """Paths of one workspace and a lazily opened store."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db_path = self.path / DB_NAME
        self.index_dir = self.path / "index"
        self.cache_dir = self.path / "cache"
        self._store: Store | None = None
        self._open_lock = threading.Lock()

    def exists(self) -> bool:
        return self.db_path.exists()

    def store(self) -> Store:
        """The open store; refuses to go on when the database file was removed or replaced meanwhile.

        A long-running process (the server) would otherwise keep answering from, and writing
        into, a file that is no longer the workspace.
        """
        if self._store is None:
            with self._open_lock:  # the server's first requests arrive on several threads at once
                if self._store is None:
                    self._store = Store.open(self.db_path)
        elif self._store.changed_on_disk():
            state = "removed" if not self.db_path.exists() else "replaced"
            raise StoreChangedError(f"{self.db_path}: the database was {state} while this process had it open; "
                                    "restart to use the current workspace")
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _remove_stale_builds(directory: Path) -> None:
    # A build killed before its rename leaves its temporary file; a live builder's is kept.
    for tmp in directory.glob(f".{DB_NAME}.*.tmp"):
        pid = tmp.name.split(".")[-2]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def init_workspace(path: Path | None = None, *, empty: bool = False, force: bool = False,
                   progress: Callable[[str], None] | None = None) -> Workspace:
    """Create a workspace, from the bundled corpus unless ``empty``."""
    from kg.ingest.corpus import bundled_files
    from kg.ingest.pipeline import ingest_paths

    ws = Workspace(path or default_home())
    if ws.exists() and not force:
        raise StoreError(f"{ws.path}: a workspace exists already; pass --force to rebuild it")
    ws.path.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(ws.path)
    tmp = ws.path / f".{DB_NAME}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    store = Store.open(tmp, create=True)
    try:
        if not empty:
            if progress:
                progress(f"building workspace {ws.path} from the bundled corpus")
            ingest_paths(store, bundled_files(), progress=progress)
    except BaseException:
        store.close()
        tmp.unlink(missing_ok=True)
        raise
    store.close()
    if force:
        shutil.rmtree(ws.index_dir, ignore_errors=True)
        # The old database's write-ahead log must not be replayed into the new file.
        for suffix in ("-wal", "-shm"):
            Path(f"{ws.db_path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, ws.db_path)
    return ws


def open_workspace(path: Path | None = None, *, bootstrap: bool = True,
                   progress: Callable[[str], None] | None = None) -> Workspace:
    """Open a workspace, building it from the bundled corpus first when it does not exist."""
    ws = Workspace(path or default_home())
    if ws.path.exists() and not ws.path.is_dir():
        raise StoreError(f"{ws.path}: not a workspace directory (it is a file); pass a directory to --workspace")
    if not ws.exists():
        if not bootstrap:
            raise StoreError(f"{ws.path}: no workspace here; run `minsheng init`")
        leftovers = _user_files(ws.path)
        if leftovers:
            # Indexes or caches without a database mean the store was deleted or moved: rebuilding
            # from the bundled corpus would silently drop the user's documents.
            raise StoreError(f"{ws.path}: holds {', '.join(leftovers[:3])} but no {DB_NAME}; the store was removed "
                             "or moved. Restore it, or run `minsheng init --force` to rebuild from the bundled corpus")
        return init_workspace(ws.path, progress=progress)
    return ws


def _user_files(directory: Path) -> list[str]:
    """Entries of a would-be workspace other than an interrupted build's temporary files."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith(f".{DB_NAME}."))
