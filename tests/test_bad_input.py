"""Messy input through the CLI: each file gets a clean result or one error line naming it.

Never a traceback; what was stored before stays stored; exit status 1 when
anything failed. (The basic cases are in test_cli.py; these are the rest.)
The ``runner`` fixture also checks every stored span against its document.
"""

from __future__ import annotations

import codecs
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app

GOOD = "“The water is safe to drink,” said Mayor Lena Ortiz.\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8


def _noise(n: int, seed: int = 3) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(n))  # no NULs: those mean binary


# (file name, bytes, extra CLI options, 1-based line or None, words of the error)
FAILING = [
    ("photo.txt", PNG, [], None, "binary file"),
    ("noise.md", _noise(4000), [], None, "not valid UTF-8"),
    (
        "noise-fallback.txt",
        _noise(4000, seed=5).replace(b"\x81", b"a"),
        ["--fallback-encoding", "latin-1"],
        None,
        "binary file",
    ),
    (
        "latin.txt",
        "“Ça suffit,” dit Renée.".encode("cp1252"),
        [],
        None,
        "use --fallback-encoding cp1252",
    ),
    (
        "undefined-in-cp1252.txt",
        b"Caf\xe9 \x81 menu",
        ["--fallback-encoding", "cp1252"],
        None,
        "not valid UTF-8 nor cp1252",
    ),
    ("utf16-no-bom.txt", GOOD.encode("utf-16-le"), [], None, "binary file"),
    ("blank.txt", b"  \n\r\n\t \n", [], None, "empty file"),
    (
        "only-script.html",
        b"<html><head><script>var a = 'Officials said no';</script>"
        b"<style>p{}</style></head><body></body></html>",
        [],
        None,
        "no article text",
    ),
    ("feed.jsonl", b'{"text": "Fine."}\n\n{"text": "x"\n', [], 3, "malformed JSON"),
    ("array.jsonl", b"[1, 2, 3]\n", [], 1, "expected a JSON object"),
    ("notext.jsonl", b'{"title": "no body"}\n', [], 1, 'missing or empty "text"'),
    ("baddate.jsonl", b'{"text": "Words, she said.", "date": "last week"}\n', [], 1, "bad date"),
]


def _ingest(runner: CliRunner, *args: str) -> object:
    return runner.invoke(app, ["ingest", "--workers", "1", *args])


def _errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error:")]


def _quotes(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["quotes", "--all", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("name", "payload", "options", "line", "message"), FAILING, ids=[c[0] for c in FAILING]
)
def test_bad_file_is_one_error_line_and_nothing_is_lost(
    runner: CliRunner,
    tmp_path: Path,
    name: str,
    payload: bytes,
    options: list[str],
    line: int | None,
    message: str,
) -> None:
    earlier = tmp_path / "earlier.txt"
    earlier.write_text(GOOD, encoding="utf-8")
    assert _ingest(runner, str(earlier)).exit_code == 0  # type: ignore[attr-defined]
    bad = tmp_path / "in" / name
    bad.parent.mkdir()
    bad.write_bytes(payload)
    result = _ingest(runner, str(bad), *options)
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    errors = _errors(result.stderr)  # type: ignore[attr-defined]
    assert len(errors) == 1, result.stderr  # type: ignore[attr-defined]
    where = f"{bad}:{line}:" if line else f"{bad}:"
    assert errors[0].startswith(f"error: {where}") and message in errors[0]
    assert [q["text"] for q in _quotes(runner, "-s", "Ortiz")] == ["The water is safe to drink,"]


def test_name_too_long_and_missing_paths_are_errors(runner: CliRunner, tmp_path: Path) -> None:
    too_long = tmp_path / ("n" * 300 + ".txt")
    result = _ingest(runner, str(too_long), str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    errors = _errors(result.stderr)
    assert len(errors) == 2 and "name too long" in errors[0].lower()
    assert "no such file or folder" in errors[1]
    assert "Traceback" not in result.output


# (file name, bytes, extra options, speaker asked for, expected quote texts, warning words)
STORED = [
    (
        "utf16le.txt",
        codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"),
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        None,
    ),
    (
        "utf16be.md",
        codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be"),
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        None,
    ),
    (
        "bom.txt",
        codecs.BOM_UTF8 + GOOD.encode(),
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        None,
    ),
    (
        "old.txt",
        "“Ça suffit, c’est trop,” said Mayor Renée Dubois.".encode("cp1252"),
        ["--fallback-encoding", "cp1252"],
        "Dubois",
        ["Ça suffit, c’est trop,"],
        "not valid UTF-8; decoded as cp1252",
    ),
    (
        "nul.txt",
        GOOD.encode().replace(b"safe", b"sa\x00fe"),
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        "removed 1 NUL byte",
    ),
    (
        "nul.jsonl",
        json.dumps({"text": GOOD.replace("safe", "sa\x00fe")}).encode() + b"\n",
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        "NUL",
    ),
    (
        "separator.jsonl",
        json.dumps({"text": "Intro\u2028" + GOOD}, ensure_ascii=False).encode() + b"\n",
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        None,
    ),
    (
        "page.html",
        b'<html><head><title>t</title><script>x = "Officials said the sky fell";'
        b'</script><style>q::before{content:"BREAKING"}</style></head><body><article><p>'
        + GOOD.encode()
        + b"</p></article><footer>\xe2\x80\x9cSubscribe now,\xe2\x80\x9d "
        b"said the footer.</footer></body></html>",
        [],
        "Ortiz",
        ["The water is safe to drink,"],
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "payload", "options", "speaker", "texts", "warning"),
    STORED,
    ids=[c[0] for c in STORED],
)
def test_odd_but_readable_files_are_stored(
    runner: CliRunner,
    tmp_path: Path,
    name: str,
    payload: bytes,
    options: list[str],
    speaker: str,
    texts: list[str],
    warning: str | None,
) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    result = _ingest(runner, str(path), *options)
    assert result.exit_code == 0, result.output
    assert _errors(result.stderr) == []
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    if warning:
        assert len(warnings) == 1 and str(path) in warnings[0] and warning in warnings[0]
    else:
        assert warnings == []
    assert [q["text"] for q in _quotes(runner, "-s", speaker)] == texts
    everything = " ".join(str(q["text"]) for q in _quotes(runner))
    assert "sky fell" not in everything and "BREAKING" not in everything


def test_crlf_offsets_index_the_original_text(runner: CliRunner, tmp_path: Path) -> None:
    lf = (
        "“The bridge will reopen in May,” said Engineer Tala Moss.\n\n"
        "Moss said the repairs had cost more than planned.\n"
        "“We found rust nobody expected,” she said.\n"
    )
    (tmp_path / "lf").mkdir()
    (tmp_path / "crlf").mkdir()
    (tmp_path / "lf" / "a.txt").write_bytes(lf.encode())
    (tmp_path / "crlf" / "a.txt").write_bytes(lf.replace("\n", "\r\n").encode())
    for folder in ("lf", "crlf"):
        assert _ingest(runner, str(tmp_path / folder), "--db", f"{folder}.db").exit_code == 0
    rows = {f: _quotes(runner, "--db", f"{f}.db") for f in ("lf", "crlf")}
    assert [(r["kind"], r["text"], r["speaker"]) for r in rows["lf"]] == [
        (r["kind"], r["text"], r["speaker"]) for r in rows["crlf"]
    ]
    assert len(rows["crlf"]) >= 3
    raw = (tmp_path / "crlf" / "a.txt").read_bytes().decode()
    for r in rows["crlf"]:  # offsets count the \r characters of the original
        assert raw[int(r["start"]) : int(r["end"])] == r["text"]  # type: ignore[call-overload]


def test_unbalanced_quote_marks_cost_at_most_their_paragraph(
    runner: CliRunner, tmp_path: Path
) -> None:
    rng = random.Random(9)
    marks = "“”‘’\"'"
    noise = " ".join(rng.choice(marks) + "word" for _ in range(4000))
    path = tmp_path / "marks.txt"
    path.write_text(noise + "\n\n" + GOOD, encoding="utf-8")
    result = _ingest(runner, str(path))
    assert result.exit_code == 0, result.output
    assert [q["text"] for q in _quotes(runner, "-s", "Ortiz")] == ["The water is safe to drink,"]


def test_absurdly_long_names(runner: CliRunner, tmp_path: Path) -> None:
    speaker = " ".join(["Bartholomew"] * 3000)
    (tmp_path / ("x" * 240 + ".txt")).write_text(
        f"“Long names happen,” said {speaker}.\n" + GOOD, encoding="utf-8"
    )
    deep = tmp_path.joinpath(*["nested"] * 40)
    deep.mkdir(parents=True)
    (deep / "deep.md").write_text(
        "# Deep\n\n“We dug far,” said Miner Ida Holt.\n", encoding="utf-8"
    )
    result = _ingest(runner, str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout
    assert [q["text"] for q in _quotes(runner, "-s", "Ortiz")] == ["The water is safe to drink,"]
    assert [q["text"] for q in _quotes(runner, "-s", "Ida Holt")] == ["We dug far,"]


@pytest.mark.slow
def test_five_megabyte_single_line(runner: CliRunner, tmp_path: Path) -> None:
    sentence = "The council met for hours and discussed the budget without a vote. "
    body = sentence * (5_000_000 // len(sentence) + 1)
    line = body + "“We will vote next week,” said Chair Omar Haddad."
    (tmp_path / "huge.txt").write_text(line, encoding="utf-8")
    assert "\n" not in line and len(line.encode()) >= 5_000_000
    result = _ingest(runner, str(tmp_path / "huge.txt"))
    assert result.exit_code == 0, result.output
    assert [q["text"] for q in _quotes(runner, "-s", "Haddad")] == ["We will vote next week,"]


def test_mixed_batch_keeps_going_and_exits_non_zero(runner: CliRunner, tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    for name, payload, *_ in FAILING[:6]:
        (batch / name).write_bytes(payload)
    for name, payload, options, *_ in STORED:
        if not options:
            (batch / name).write_bytes(payload)
    (batch / "mixed.jsonl").write_text(
        '{"text": "“First good line,” said Ann Lee."}\n{broken\n'
        '{"text": "“Second good line,” said Bo Fry."}\n',
        encoding="utf-8",
    )
    result = _ingest(runner, str(batch))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = _errors(result.stderr)
    assert len(errors) == 7  # six bad files and one bad line, each once
    assert any(f"{batch / 'mixed.jsonl'}:2:" in e for e in errors)
    names = {q["text"] for q in _quotes(runner)}
    assert {"First good line,", "Second good line,", "The water is safe to drink,"} <= names


@pytest.mark.parametrize(
    ("db", "words"), [("folder", "cannot use database"), ("garbage.db", "not a database")]
)
def test_unusable_database_is_a_clean_error(
    runner: CliRunner, tmp_path: Path, db: str, words: str
) -> None:
    target = tmp_path / "elsewhere" / db  # not where the runner fixture re-checks databases
    target.parent.mkdir()
    if db == "folder":
        target.mkdir()
    else:
        target.write_bytes(_noise(8192))
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    result = _ingest(runner, str(tmp_path / "a.txt"), "--db", str(target))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(_errors(result.stderr)) == 1 and words in result.stderr
