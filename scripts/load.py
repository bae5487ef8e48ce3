"""Load test: concurrent /search clients against a real server, with and without an upload.

Starts `minsheng serve` on 127.0.0.1 (loopback only) over a temporary copy of a workspace,
then runs three bounded phases and prints req/s, p50 and p99:

  1. steady      CLIENTS threads searching for SECONDS
  2. upload      the same, while one client uploads lists (POST /documents) back to back
  3. upload only the same uploads with no search load, to show whether searches slow them

    python scripts/load.py [--workspace WS] [--clients 8] [--seconds 20] [--items 200]

Goal on the 2-core development machine: p99 ≤ 300 ms steady, ≤ 1 s during an upload, and the
upload itself no slower than alone.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUERIES = ["养老床位", "就业", "学校 学位", "医疗 卫生", "道路 改造", "老旧小区", "托育", "食堂", "公园 绿地",
           "社区 服务", "文化 活动", "停车", "供暖", "残疾人", "农村 饮水", "消防"]
KEY = "load-test-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _start_server(ws: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "-w", str(ws), "--port", str(port),
                             "--host", "127.0.0.1", "--api-key", KEY], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def _searchers(base: str, clients: int, seconds: float) -> tuple[list[float], int, float]:
    """(latencies in s, errors, elapsed) of CLIENTS threads searching for SECONDS."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    queries = itertools.cycle(QUERIES)

    def client() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop:
                with lock:
                    q = next(queries)
                t = time.perf_counter()
                try:
                    ok = http.get("/search", params={"q": q, "top_k": 10}).status_code == 200
                except httpx.HTTPError:  # a timeout counts as an error and as a 60 s latency
                    ok = False
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    errors += not ok

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def _document(n: int, items: int) -> bytes:
    lines = [f"{i}. 新建社区服务站{i}处，新增养老床位{10 * i}张，改造道路{i}公里。（区民政局、区住房城乡建设局）"
             for i in range(1, items + 1)]
    return "\n".join(lines).encode()


def _uploader(base: str, items: int, stop: threading.Event, durations: list[float], limit: int = 50) -> None:
    with httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {KEY}"}) as http:
        for n in range(limit):
            if stop.is_set():
                break
            # A new year each time, so every upload is a real write (not "unchanged").
            t = time.perf_counter()
            r = http.post("/documents", params={"year": 2030 + n, "jurisdiction": "槐荫区"},
                          files={"file": (f"load-{n}.txt", _document(n, items))})
            durations.append(time.perf_counter() - t)
            if r.status_code != 200:
                print(f"upload {n}: {r.status_code} {r.text[:200]}", file=sys.stderr)


def _report(name: str, latencies: list[float], errors: int, elapsed: float) -> None:
    print(f"{name:<22} {len(latencies):>6} req  {len(latencies) / elapsed:>7.1f} req/s  "
          f"p50 {1000 * _percentile(latencies, 0.5):>7.1f} ms  p99 {1000 * _percentile(latencies, 0.99):>7.1f} ms  "
          f"errors {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="workspace to copy (default: a fresh bundled-corpus one)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--items", type=int, default=200, help="items per uploaded list")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="minsheng-load-"))
    try:
        ws = tmp / "ws"
        if args.workspace:
            ws.mkdir()
            shutil.copy2(args.workspace / "minsheng.db", ws / "minsheng.db")
        else:
            from kg.store.workspace import init_workspace

            init_workspace(ws)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_server(ws, port)
        try:
            _searchers(base, 1, 3)  # warm up: model, indexes
            print(f"{args.clients} clients, {args.seconds:g} s per phase, uploads of {args.items} items, "
                  f"{os.cpu_count()} CPUs")
            _report("steady", *_searchers(base, args.clients, args.seconds))

            stop = threading.Event()
            during: list[float] = []
            up = threading.Thread(target=_uploader, args=(base, args.items, stop, during))
            up.start()
            lat, err, elapsed = _searchers(base, args.clients, args.seconds)
            stop.set()
            up.join()
            _report("during uploads", lat, err, elapsed)

            alone: list[float] = []
            stop_alone = threading.Event()
            up = threading.Thread(target=_uploader, args=(base, args.items, stop_alone, alone, max(1, len(during))))
            up.start()
            up.join()
            for name, d in (("upload under load", during), ("upload alone", alone)):
                print(f"{name:<22} {len(d):>6} uploads  median {statistics.median(d):.2f} s  max {max(d):.2f} s"
                      if d else f"{name:<22} no uploads finished")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print("server ignored SIGTERM for 30 s; killed", file=sys.stderr)
                server.kill()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
