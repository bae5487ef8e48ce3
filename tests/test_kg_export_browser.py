"""The HTML export opened in headless Chromium: it draws a graph without any network access."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from kg.graph.export import export_graph
from kg.graph.views import build_department_graph

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,900", "--virtual-time-budget=5000"]


def _require_browser() -> str:
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if path:
        return path
    if os.environ.get("MINSHENG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MINSHENG_REQUIRE_BROWSER=1 but no chromium at {CHROMIUM} or on PATH")
    pytest.skip("chromium is not installed")


def _run(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=180, check=False)


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, raw pixels) of an 8-bit non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG flavour"
            bpp = 3 if color == 2 else 4
        elif ctype == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray(stride * height)
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return width, height, bpp, bytes(out)


def test_html_export_renders_offline(workspace_2y, tmp_path):
    browser = _require_browser()
    (page,) = export_graph(workspace_2y.store(), "html", tmp_path / "departments.html", view="departments")
    png = tmp_path / "shot.png"
    proc = _run(browser, tmp_path, f"--screenshot={png}", page.as_uri())
    assert png.exists(), proc.stderr[-2000:]
    width, height, bpp, pixels = decode_png(png.read_bytes())
    assert (width, height) == (1200, 900)
    background = pixels[:3]  # the top-left corner is page background
    drawn = sum(1 for i in range(0, len(pixels), bpp) if pixels[i:i + 3] != background)
    colours = {pixels[i:i + 3] for i in range(0, len(pixels), bpp * 7)}
    # Department nodes are orange discs: a blank or error page has neither the area nor the colours.
    assert drawn > 0.02 * width * height, f"only {drawn} non-background pixels"
    assert any(r > 200 and 100 < g < 180 and b < 100 for r, g, b in colours), "no orange department node drawn"

    proc = _run(browser, tmp_path, "--dump-dom", page.as_uri())
    dom = proc.stdout
    assert "<canvas" in dom, "vis-network did not create its canvas"
    for label in ("区教育体育局", "区卫生健康局"):
        assert label in dom or json.dumps(label)[1:-1] in dom
    n_departments = build_department_graph(workspace_2y.store()).number_of_nodes()
    assert f"department ({n_departments})" in dom  # the plain-HTML legend
