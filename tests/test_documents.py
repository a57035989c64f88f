"""Reading documents: formats, metadata, text kept exactly, bad input as values."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from provenance.documents import decode, html_to_text, leading_date, read_paths
from provenance.errors import InputError
from provenance.models import DocumentIn, document_id


def _read(path: Path) -> list[DocumentIn | InputError]:
    return list(read_paths([path]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" date 2025-06-09 LOS ANGELES, the second largest city", date(2025, 6, 9)),
        ("date 2024-01-31\nBody of the article.", date(2024, 1, 31)),
        ("The date 2024-01-31 is in the body.", None),
        (" date 2025-13-40 nonsense", None),
    ],
)
def test_leading_date_line(text: str, expected: date | None) -> None:
    assert leading_date(text) == expected


def test_plain_text_is_stored_exactly_with_its_date(tmp_path: Path) -> None:
    raw = " date 2025-06-09 FIRST line.\r\n\r\n“Quote,” she said.\n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    [doc] = _read(tmp_path / "a.txt")
    assert isinstance(doc, DocumentIn)
    assert doc.text == raw  # CRLF and the metadata line kept: offsets index this text
    assert doc.published == date(2025, 6, 9)
    assert doc.id == document_id(raw)


def test_markdown_title(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# Fire at the depot\n\nThe mayor said it was out.\n")
    [doc] = _read(tmp_path / "b.md")
    assert isinstance(doc, DocumentIn)
    assert doc.title == "Fire at the depot"


def test_html_keeps_article_text_and_drops_script_style_nav() -> None:
    html = """<html><head><title>Depot fire</title><style>p{content:"NO"}</style>
    <meta property="article:published_time" content="2026-03-14T08:00:00Z">
    <meta property="og:site_name" content="KXRV"></head>
    <body><nav>Home "Menu"</nav><script>var s = "Officials said nothing";</script>
    <article><p>First paragraph.</p><p>“It is out,” the chief said.</p></article></body></html>"""
    text, title, meta = html_to_text(html)
    assert text == "First paragraph.\n\n“It is out,” the chief said."
    assert title == "Depot fire"
    assert meta["og:site_name"] == "KXRV"


def test_html_file_metadata(tmp_path: Path) -> None:
    (tmp_path / "c.html").write_text(
        '<html><head><meta property="article:published_time" content="2026-03-14T08:00:00Z">'
        '<meta property="og:site_name" content="KXRV"></head><body><p>Text here.</p></body></html>'
    )
    [doc] = _read(tmp_path / "c.html")
    assert isinstance(doc, DocumentIn)
    assert (doc.source, doc.published, doc.text) == ("KXRV", date(2026, 3, 14), "Text here.")


def test_jsonl_good_lines_survive_bad_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "One said “yes.”", "source": "Wire", "date": "2026-03-13"}),
        "{not json",
        json.dumps({"url": "https://example.test/no-text"}),
        json.dumps({"text": "Two.", "date": "13/03/2026"}),
        json.dumps(["a list"]),
        json.dumps({"text": "Three.", "title": "T"}),
    ]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    got = _read(tmp_path / "d.jsonl")
    docs = [g for g in got if isinstance(g, DocumentIn)]
    errors = [g for g in got if isinstance(g, InputError)]
    assert [d.text for d in docs] == ["One said “yes.”", "Three."]
    assert docs[0].source == "Wire" and docs[0].published == date(2026, 3, 13)
    assert [(e.line, e.path.endswith("d.jsonl")) for e in errors] == [
        (2, True),
        (3, True),
        (4, True),
        (5, True),
    ]
    assert "malformed JSON" in errors[0].message


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("latin.txt", "Café au lait".encode("cp1252"), "not valid UTF-8"),
        ("nobody.html", b"<html><body><script>x()</script></body></html>", "no article text"),
    ],
)
def test_bad_files_are_errors_not_exceptions(
    tmp_path: Path, name: str, payload: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(payload)
    [err] = _read(tmp_path / name)
    assert isinstance(err, InputError)
    assert message in err.message
    assert name in str(err)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    [err] = _read(tmp_path / "nope")
    assert isinstance(err, InputError) and "no such file" in err.message


def test_decode_fallback_and_utf16() -> None:
    assert decode("Café".encode("cp1252"), "x", "cp1252") == (
        "Café",
        "not valid UTF-8; decoded as cp1252",
    )
    assert decode("“Hi”".encode("utf-16"), "x") == ("“Hi”", None)
    assert decode("\ufeffBOM".encode(), "x") == ("BOM", None)


def test_folders_are_walked_recursively_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("B.")
    (tmp_path / "sub" / "a.md").write_text("A.")
    (tmp_path / "notes.ann").write_text("T1\tContent 0 1\tA")  # not an article format
    got = _read(tmp_path)
    names = [Path(g.path).name for g in got if isinstance(g, DocumentIn) and g.path]
    assert names == ["b.txt", "a.md"]
