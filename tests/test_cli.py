"""The CLI end to end through typer's CliRunner, including error exits."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app
from tests.support import REPO, SAMPLES, SPEAKER_QUERIES


def _ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_done_when_every_gold_quote_is_found_by_each_name(
    runner: CliRunner, shared: Path, gold: list[dict]
) -> None:
    _ok(runner.invoke(app, ["ingest", str(shared / "corpus")]))
    assert Path("provenance.db").exists()  # default database in the working directory
    for speaker, names in SPEAKER_QUERIES.items():
        want = {
            (g["doc"], g["start"], g["end"], g["text"]) for g in gold if g["speaker"] == speaker
        }
        for name in names:
            result = runner.invoke(app, ["quotes", "--speaker", name, "--format", "json"])
            _ok(result)
            rows = json.loads(result.stdout)
            got = {(Path(r["path"]).name, r["start"], r["end"], r["text"]) for r in rows}
            assert want <= got, (speaker, name)
            assert all(
                {"speaker", "text", "document", "start", "end", "kind"} <= r.keys() for r in rows
            )
            assert len({r["speaker"] for r in rows}) == 1
    everything = json.loads(runner.invoke(app, ["quotes", "--all", "-f", "json"]).stdout)
    nonspeech = {(g["doc"], g["start"], g["end"]) for g in gold if g["speaker"] is None}
    for r in everything:
        if (Path(r["path"]).name, r["start"], r["end"]) in nonspeech:
            assert r["speaker"] is None and r["kind"] == "nonspeech"
    assert len(
        nonspeech & {(Path(r["path"]).name, r["start"], r["end"]) for r in everything}
    ) == len(nonspeech)


def test_stats_json_and_reingest_summary(runner: CliRunner, shared: Path) -> None:
    first = runner.invoke(app, ["ingest", str(shared / "corpus")])
    _ok(first)
    assert "2 new, 0 unchanged, 0 failed" in first.stdout
    second = runner.invoke(app, ["ingest", str(shared / "corpus")])
    _ok(second)
    assert "0 new, 2 unchanged, 0 failed" in second.stdout
    stats = json.loads(runner.invoke(app, ["stats", "--format", "json"]).stdout)
    assert stats["documents"] == 2 and stats["quotes"] >= 7 and stats["speakers"] >= 6


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_listing_formats(runner: CliRunner, fmt: str) -> None:
    _ok(runner.invoke(app, ["ingest", str(SAMPLES)]))
    for command in (["quotes", "--speaker", "Ortiz"], ["speakers"]):
        result = runner.invoke(app, [*command, "--format", fmt])
        _ok(result)
        out = result.stdout
        if fmt == "json":
            assert isinstance(json.loads(out), list) and json.loads(out)
        elif fmt == "jsonl":
            assert all(json.loads(line) for line in out.splitlines())
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out)))
            assert rows and ("speaker" in rows[0] or "name" in rows[0])
        else:
            assert "Ortiz" in out


def test_show_highlights_the_quote_in_context(runner: CliRunner, shared: Path) -> None:
    _ok(runner.invoke(app, ["ingest", str(shared / "corpus")]))
    row = json.loads(runner.invoke(app, ["quotes", "-s", "Bass", "-f", "json"]).stdout)[0]
    result = runner.invoke(app, ["show", row["id"][:12]])
    _ok(result)
    assert "Karen Bass" in result.stdout and "I think the protests" in result.stdout
    as_json = json.loads(runner.invoke(app, ["show", row["id"], "-f", "json"]).stdout)
    assert as_json["content"]["start"] == row["start"]


def test_unknown_speaker_and_id_exit_non_zero_with_a_hint(runner: CliRunner, shared: Path) -> None:
    _ok(runner.invoke(app, ["ingest", str(shared / "corpus")]))
    result = runner.invoke(app, ["quotes", "--speaker", "Karen Baas-Smith"])
    assert result.exit_code == 3
    assert "no speaker matches" in result.stderr and "Karen Bass" in result.stderr
    missing = runner.invoke(app, ["show", "ffffffff"])
    assert missing.exit_code == 3 and "no quote" in missing.stderr


BAD_INPUTS = [
    ("binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", None, "binary file"),
    ("latin1.txt", "El alcalde dijo “sí”".encode("cp1252"), None, "not valid UTF-8"),
    ("empty.md", b"", None, "empty file"),
    (
        "feed.jsonl",
        b'{"text": "Good line, the mayor said."}\n{"text": oops}\n',
        2,
        "malformed JSON",
    ),
]


@pytest.mark.parametrize(("name", "payload", "line", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_the_batch_goes_on(
    runner: CliRunner, tmp_path: Path, name: str, payload: bytes, line: int | None, message: str
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text("“The water is safe,” Mayor Lena Ortiz said.\n")
    (batch / name).write_bytes(payload)
    result = runner.invoke(app, ["ingest", str(batch)])
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    where = f"{batch / name}:{line}" if line else str(batch / name)
    assert where in errors[0] and message in errors[0]
    assert "Traceback" not in result.output
    listed = json.loads(runner.invoke(app, ["quotes", "-s", "Ortiz", "-f", "json"]).stdout)
    assert [r["text"] for r in listed] == ["The water is safe,"]
    if name.endswith(".jsonl"):
        assert "1 failed" in result.stdout and "2 new" in result.stdout


def test_missing_path_and_nothing_stored_is_lost(runner: CliRunner, shared: Path) -> None:
    _ok(runner.invoke(app, ["ingest", str(shared / "corpus")]))
    result = runner.invoke(app, ["ingest", "no/such/folder"])
    assert result.exit_code == 1
    assert "no/such/folder: no such file or folder" in result.stderr
    stats = json.loads(runner.invoke(app, ["stats", "-f", "json"]).stdout)
    assert stats["documents"] == 2


def test_bad_db_url_is_a_clean_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["stats", "--db", "nosuchdialect://x/y"])
    assert result.exit_code == 2 and "cannot open database" in result.stderr
    assert "Traceback" not in result.output


def test_fallback_encoding_option(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes("“Ça suffit,” said Mayor Lena Ortiz.".encode("cp1252"))
    _ok(runner.invoke(app, ["ingest", str(tmp_path / "old.txt"), "--fallback-encoding", "cp1252"]))
    rows = json.loads(runner.invoke(app, ["quotes", "-f", "json"]).stdout)
    assert rows[0]["text"] == "Ça suffit,"


def test_source_and_date_override(runner: CliRunner, shared: Path) -> None:
    _ok(
        runner.invoke(
            app, ["ingest", str(shared / "corpus"), "--source", "Seeds", "--date", "2025-06-10"]
        )
    )
    rows = json.loads(runner.invoke(app, ["quotes", "-f", "json"]).stdout)
    assert {(r["source"], r["published"]) for r in rows} == {("Seeds", "2025-06-10")}
    bad = runner.invoke(app, ["ingest", str(shared / "corpus"), "--date", "June 10"])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.stderr


def test_demo_prints_quotes_grouped_by_speaker(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo"])
    _ok(result)
    assert "sample articles" in result.stdout
    assert "Alicia Ramírez" in result.stdout or "Alicia Ramirez" in result.stdout
    assert not list(Path.cwd().glob("*.db"))  # the demo database is temporary


def test_extract_streams_jsonl_without_a_database(runner: CliRunner, shared: Path) -> None:
    result = runner.invoke(app, ["extract", str(shared / "corpus")])
    _ok(result)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and not Path("provenance.db").exists()
    texts = {
        p: (shared / "corpus" / Path(p).name).read_text(encoding="utf-8")
        for p in {r["document"] for r in rows}
    }
    for r in rows:
        c = r["content"]
        assert texts[r["document"]][c["start"] : c["end"]] == c["text"]
        assert r["kind"] in ("direct", "mixed", "indirect")


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provenance", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("provenance ")


def test_merges_lists_each_cross_document_decision(runner: CliRunner) -> None:
    _ok(runner.invoke(app, ["ingest", str(SAMPLES)]))
    result = runner.invoke(app, ["merges", "--speaker", "Ramirez", "-f", "json"])
    _ok(result)
    rows = json.loads(result.stdout)
    assert rows and all(0 < r["score"] <= 100 and r["evidence"] for r in rows)
    assert len({r["speaker"] for r in rows}) == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_quotes_listing_shows_the_current_review_status(runner: CliRunner, fmt: str) -> None:
    _ok(runner.invoke(app, ["ingest", str(SAMPLES)]))
    rows = json.loads(runner.invoke(app, ["quotes", "-f", "json"]).stdout)
    assert rows and {r["status"] for r in rows} == {"unreviewed"}
    target = rows[1]["id"]
    for status in ("verified", "disputed"):
        _ok(runner.invoke(app, ["review", target[:12], "--status", status, "--by", "Ana Ruiz"]))
    out = runner.invoke(app, ["quotes", "-f", fmt], env={"COLUMNS": "400"})
    _ok(out)
    if fmt == "json":
        statuses = {r["id"]: r["status"] for r in json.loads(out.stdout)}
    elif fmt == "csv":
        statuses = {r["id"]: r["status"] for r in csv.DictReader(io.StringIO(out.stdout))}
    else:
        assert "status" in out.stdout and out.stdout.count("disputed") == 1
        return
    assert statuses[target] == "disputed"  # the last decision, not the first
    assert {s for q, s in statuses.items() if q != target} == {"unreviewed"}


def test_listing_csv_is_safe_in_a_spreadsheet(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(
        '“=HYPERLINK("http://x.test") is what I typed,” Mayor Lena Ortiz said.\n'
    )
    _ok(runner.invoke(app, ["ingest", str(tmp_path / "f.txt")]))
    out = runner.invoke(app, ["quotes", "-f", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(
        not v.lstrip().startswith(("=", "+", "-", "@")) for r in rows for v in r.values()
    )
    raw = json.loads(runner.invoke(app, ["quotes", "-f", "json"]).stdout)
    assert raw[0]["text"].startswith("=HYPERLINK")  # the JSON keeps the raw value
