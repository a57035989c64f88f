"""The command line on a terminal: no database made by reading, choices checked, pages, hints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import TABLE_LIMIT, app
from tests.support import SAMPLES, write_corpus


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["quotes"],
        ["speakers"],
        ["matches"],
        ["conflicts"],
        ["verify"],
        ["reviews"],
        ["log"],
        ["show", "abc"],
        ["serve"],
    ],
)
def test_read_commands_never_create_a_database(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "typo.db"
    result = runner.invoke(app, [*command, "--db", str(typo)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: no database at {typo} (ingest articles first, or pass --db)"
    )
    assert not typo.exists() and not Path("provenance.db").exists()


@pytest.mark.parametrize("kind", ["bogus", "Direct", "quote"])
def test_quote_kind_is_a_checked_choice(runner: CliRunner, kind: str) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLES), "-q"]).exit_code == 0
    result = runner.invoke(app, ["quotes", "--kind", kind])
    assert result.exit_code == 2 and "direct" in result.output and "nonspeech" in result.output


def test_tables_page_by_default_with_a_footer(runner: CliRunner, tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", 30)
    assert runner.invoke(app, ["ingest", str(tmp_path / "corpus"), "-q"]).exit_code == 0
    every = json.loads(runner.invoke(app, ["quotes", "-f", "json"]).stdout)
    assert len(every) > TABLE_LIMIT  # machine formats carry every row
    table = runner.invoke(app, ["quotes", "-f", "table"])
    assert table.exit_code == 0
    assert table.stderr.strip() == (
        f"… {len(every) - TABLE_LIMIT} more (showing {TABLE_LIMIT}; --limit N or --all for more)"
    )
    ten = runner.invoke(app, ["quotes", "--limit", "10", "-f", "jsonl"])
    assert len(ten.stdout.splitlines()) == 10 and f"{len(every) - 10} more" in ten.stderr
    everything = runner.invoke(app, ["quotes", "--all", "-f", "jsonl"])
    assert len(everything.stdout.splitlines()) >= len(every) and "more" not in everything.stderr


@pytest.mark.parametrize(
    ("query", "suggested", "not_suggested"),
    [
        ("Ramirex", "Alicia Ramírez", None),  # a typo: the person first
        ("Obama", None, "Victor Hale"),  # nobody close: no far-fetched hint
        ("Marcus Bel", "Marcus Bell", None),
    ],
)
def test_did_you_mean_ranks_by_name_closeness(
    runner: CliRunner, query: str, suggested: str | None, not_suggested: str | None
) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLES), "-q"]).exit_code == 0
    result = runner.invoke(app, ["quotes", "--speaker", query, "-f", "json"])
    if suggested is None:
        assert result.exit_code == 3 and "did you mean" not in result.stderr
        assert not_suggested not in result.stderr
        return
    if result.exit_code == 0:  # the forgiving lookup found the person outright
        assert {r["speaker"] for r in json.loads(result.stdout)} == {suggested}
        return
    assert result.exit_code == 3
    hint = result.stderr.split("did you mean: ", 1)[1]
    assert hint.startswith(suggested), result.stderr


NAMES = {
    1: {"Nanette Barragán", "Barragán"},
    2: {"Karen Bass", "Bass"},
    3: {"Donald Trump"},
    4: {"Gavin Newsom", "Newsom"},
}


@pytest.mark.parametrize(
    ("query", "first", "absent"),
    [
        ("Obama", None, "Bass"),  # the case: no Barragan, no Bass
        ("Newsum", "Gavin Newsom", "Bass"),
        ("Barrigan", "Barragán", "Bass"),
        ("Karen Bas", "Karen Bass", "Newsom"),
        ("Trunp", "Donald Trump", None),
    ],
)
def test_suggestions_rank_by_edit_closeness(
    query: str, first: str | None, absent: str | None
) -> None:
    from provenance.names import suggestions

    got = suggestions(query, NAMES)
    assert (got[0] if got else None) == first
    assert absent not in got


def test_ingest_and_stats_count_in_the_same_words(runner: CliRunner) -> None:
    ingested = runner.invoke(app, ["ingest", str(SAMPLES)])
    stats = json.loads(runner.invoke(app, ["stats", "-f", "json"]).stdout)
    assert f"quotes: {stats['quotes']}, nonspeech: {stats['nonspeech']};" in ingested.stdout, (
        ingested.stdout
    )
    table = runner.invoke(app, ["stats"]).stdout
    assert "{" not in table and f"nonspeech {stats['nonspeech']}" in table


@pytest.mark.parametrize("width", [80, 120])
def test_quote_table_fits_the_terminal_and_ids_stay_whole(
    runner: CliRunner, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    assert runner.invoke(app, ["ingest", str(SAMPLES), "-q"]).exit_code == 0
    ids = {
        r["id"][:12]: r
        for r in json.loads(runner.invoke(app, ["quotes", "--limit", "8", "-f", "json"]).stdout)
    }
    table = runner.invoke(app, ["quotes", "--limit", "8"]).stdout
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= width
    header = next(line for line in lines if line.startswith("id "))
    assert header.split() == ["id", "speaker", "kind", "text", "where", "status", "seen"]
    starts = [line.split()[0] for line in lines if line[:12] in ids]
    assert sorted(starts) == sorted(ids)  # every id printed whole on one line
    for row in ids.values():  # status never cut, "where" names the file and its offsets
        assert row["status"] in table and f"[{row['start']}:{row['end']}]" in table


COMMANDS = [
    "ingest",
    "extract",
    "quotes",
    "speakers",
    "merges",
    "show",
    "stats",
    "demo",
    "verify",
    "review",
    "review-flag",
    "serve",
    "reviews",
    "log",
    "export",
    "delete",
    "adopt",
    "schemas",
    "evaluate",
    "matches",
    "claims",
    "conflicts",
    "match",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_plain_placeholders_and_defaults(command: str) -> None:
    out = (
        CliRunner()
        .invoke(app, [command, "--help"], prog_name="provenance", terminal_width=100)
        .stdout
    )
    assert f"Usage: provenance {command}" in out
    for placeholder in ("<str>", "<bool>", "<int", "<list", "<Path>", "{", "}"):
        assert placeholder not in out, (command, placeholder)
    if "--db" in out:
        assert "--db PATH_OR_URL" in out and "[default:" in out


def test_ingest_help_says_its_defaults() -> None:
    out = (
        CliRunner()
        .invoke(app, ["ingest", "--help"], prog_name="provenance", terminal_width=100)
        .stdout
    )
    assert "Usage: provenance ingest [OPTIONS] PATH..." in out
    assert "--workers N" in out and "[default: all cores]" in out
    assert "-q, --quiet " in out and "[default: match]" in out


def test_progress_without_a_terminal_is_a_line_every_few_seconds(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance import cli
    from provenance.documents import count_documents

    assert count_documents([SAMPLES]) == 7  # six files, one of them two JSON lines
    monkeypatch.setattr(cli._PlainProgress, "EVERY", 0.0)  # a line per document here
    result = runner.invoke(app, ["ingest", str(SAMPLES)])
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("ingesting: ")]
    assert len(lines) == 7 and lines[-1].startswith("ingesting: 7/7 documents, ")
    assert lines[0].startswith("ingesting: 1/7 documents") and "s left" in lines[0]
    quiet = runner.invoke(app, ["ingest", str(SAMPLES), "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize(
    ("command", "limit"),
    [
        (["speakers"], 5),
        (["matches", "--min-sources", "1"], 3),
        (["claims"], 4),
        (["conflicts"], 1),
    ],
)
def test_every_listing_pages_with_a_footer(
    runner: CliRunner, command: list[str], limit: int
) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLES), "-q"]).exit_code == 0
    every = json.loads(runner.invoke(app, [*command, "-f", "json"]).stdout)
    assert len(every) > limit
    cut = runner.invoke(app, [*command, "--limit", str(limit), "-f", "json"])
    assert len(json.loads(cut.stdout)) == limit
    assert cut.stderr.strip().startswith(f"… {len(every) - limit} more (showing {limit};")
    table = runner.invoke(app, [*command, "--all"])
    assert table.exit_code == 0 and "more (showing" not in table.stderr


def test_matches_lists_corroborated_statements_by_default(runner: CliRunner) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLES), "-q"]).exit_code == 0
    rows = json.loads(runner.invoke(app, ["matches", "-f", "json"]).stdout)
    singles = json.loads(runner.invoke(app, ["matches", "--min-sources", "1", "-f", "json"]).stdout)
    assert rows and all(r["distinct_sources"] >= 2 for r in rows)
    assert len(singles) > len(rows)


def test_reassign_from_the_command_line(runner: CliRunner) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLES), "-q"]).exit_code == 0
    qid = json.loads(runner.invoke(app, ["quotes", "--limit", "1", "-f", "json"]).stdout)[0]["id"]
    ok = runner.invoke(
        app, ["reassign", qid[:12], "--speaker", "Ramírez", "--by", "Ana", "-f", "json"]
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["speaker"] == "Alicia Ramírez"
    missing = runner.invoke(app, ["reassign", qid[:12], "--speaker", "999999", "--by", "Ana"])
    assert missing.exit_code == 3 and "no speaker with id 999999" in missing.stderr
    assert runner.invoke(app, ["verify"]).exit_code == 0
