"""Real uvicorn servers on 127.0.0.1 for the tests that need a socket, not TestClient."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: Any) -> tuple[Any, threading.Thread, str]:
    """Start ``app`` in a thread; returns (server, thread, base URL) once it accepts connections."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def stop(server: Any, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)
