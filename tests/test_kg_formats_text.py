"""Text encodings and line ends; directories with files we skip and say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest.read import collect_files, read_document

TEXT = "東湖區2024年民生實事項目\n一、新建食堂3處。（區民政局）\n"


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""),
                                               ("big5", b""), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_line_ends(tmp_path: Path, encoding: str, bom: bytes, newline: str):
    f = tmp_path / "list.txt"
    f.write_bytes(bom + TEXT.replace("\n", newline).encode(encoding))
    raw = read_document(f)
    assert raw.lines[:2] == ["東湖區2024年民生實事項目", "一、新建食堂3處。（區民政局）"]


def test_collect_files_names_what_it_skipped(tmp_path: Path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    for name in ("a.txt", "sub/b.pdf", "c.docx", "d.html", "e.xls"):
        (docs / name).write_bytes(b"x")
    (docs / "old.doc").write_bytes(b"x")
    (docs / "notes.wps").write_bytes(b"x")
    (docs / "photo.jpg").write_bytes(b"x")
    (docs / ".hidden.txt").write_bytes(b"x")
    files, skipped = collect_files([docs])
    assert [p.name for p in files] == ["a.txt", "c.docx", "d.html", "e.xls", "b.pdf"]
    reasons = {p.name: why for p, why in skipped}
    assert set(reasons) == {"old.doc", "notes.wps", "photo.jpg"}
    assert "save it as .docx" in reasons["old.doc"] and "unsupported file type .jpg" in reasons["photo.jpg"]
    with pytest.raises(InputError, match="save it as .docx"):
        collect_files([docs / "old.doc"])  # named explicitly: an error, not a skip
