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


def test_metadata_saved_with_text_is_recorded(tmp_path: Path):
    f = tmp_path / "page.txt"
    f.write_text("索 引 号：1133/2024-0001\n发布机构 | 区发改局 | 发文日期 | 2024-10-16 |\n来源：区政府办　发布日期：2024-10-17\n"
                 "东湖区2024年民生实事\n", encoding="utf-8")
    raw = read_document(f)
    assert raw.meta == {"索引号": "1133/2024-0001", "发布机构": "区发改局", "发文日期": "2024-10-16", "来源": "区政府办",
                        "发布日期": "2024-10-17"}
    assert len(raw.lines) == 5  # recorded, not removed: normalising decides what is chrome
