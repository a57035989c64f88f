"""What a command imports (issue 15: start-up). Behaviour, not timing: the figures are
printed by benchmarks/startup.py.

Each case runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from provenance.cli import app
from provenance.ingest import ingest
from provenance.store import Store, open_store
from tests.support import HEAVY, SAMPLES, raw_sql

# Library modules a stored listing has no use for.
NOT_FOR_LISTING = (
    "numpy",
    "scipy",
    "datasketch",
    "selectolax",
    "prov",
    "starlette",
    "uvicorn",
    "provenance.clusters",
    "provenance.candidates",
    "provenance.blocking",
    "provenance.conflicts",
    "provenance.crosscheck",
    "provenance.quantities",
    "provenance.trace",
    "provenance.web",
    "provenance.ingest",
    "provenance.extract.document",
    "provenance.extract.quotes",
    "provenance.export",
    "provenance.verify",
)


def _loaded_after(invocations: list[list[str]]) -> dict[str, object]:
    """Run each CLI invocation in one fresh interpreter; its exit codes, output, modules."""
    script = textwrap.dedent("""
        import json, sys
        from typer.testing import CliRunner
        from provenance.cli import app

        results = [CliRunner().invoke(app, args) for args in json.loads(sys.argv[1])]
        print(json.dumps({"codes": [r.exit_code for r in results],
                          "output": [r.output for r in results],
                          "modules": sorted(sys.modules)}))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(invocations)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _hits(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({n for n in names for m in modules if m == n or m.startswith(n + ".")})


def test_help_imports_no_heavy_library_nor_pydantic() -> None:
    result = _loaded_after([["--help"]])
    assert result["codes"] == [0]
    assert "quotes" in result["output"][0]  # the command list was really printed
    assert _hits(result["modules"], (*HEAVY, "pydantic")) == []


def test_help_of_every_command_imports_no_heavy_library() -> None:
    # Not pydantic: typer imports it itself to coerce a command's parameter values.
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert "quotes" in commands and "serve" in commands
    result = _loaded_after([[name, "--help"] for name in commands])
    assert set(result["codes"]) == {0}
    assert all("Usage:" in out for out in result["output"])
    assert _hits(result["modules"], HEAVY) == []


def test_version_imports_no_heavy_library() -> None:
    result = _loaded_after([["--version"]])
    assert result["codes"] == [0]
    assert result["output"][0].startswith("provenance ")
    assert _hits(result["modules"], HEAVY) == []


def test_quotes_by_speaker_on_sqlite_reads_without_sqlalchemy(samples: Store) -> None:
    # provenance.quickread: a current SQLite file is read with sqlite3 alone.
    result = _loaded_after(
        [["quotes", "--speaker", "Ramírez", "--db", samples.url, "--format", "jsonl"]]
    )
    assert result["codes"] == [0]
    rows = [json.loads(line) for line in result["output"][0].splitlines()]
    assert rows and {r["speaker"] for r in rows} == {"Alicia Ramírez"}
    assert "provenance.quickread" in result["modules"]
    assert _hits(result["modules"], ("sqlalchemy", "sqlmodel", *NOT_FOR_LISTING)) == []


def test_quotes_on_an_old_schema_loads_the_store_but_not_matching_or_web(
    tmp_path: Path,
) -> None:
    # Not a current SQLite file: the store opens it (and migrates it) as before.
    db = tmp_path / "old.db"
    store = open_store(str(db))
    ingest(store, [SAMPLES / "06_capitol_dispatch.txt"])
    store.dispose()
    raw_sql(db, "UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    result = _loaded_after([["quotes", "--speaker", "Ramírez", "--db", str(db), "-f", "jsonl"]])
    assert result["codes"] == [0]
    assert {json.loads(line)["speaker"] for line in result["output"][0].splitlines()} == {
        "Alicia Ramírez"
    }
    assert "sqlmodel" in result["modules"]  # the store did open the database
    assert _hits(result["modules"], NOT_FOR_LISTING) == []


def test_database_error_is_still_one_line_and_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    # The guard no longer imports sqlalchemy to name its error class: check it still catches.
    db = tmp_path / "renamed.db"
    store = open_store(str(db))
    ingest(store, [SAMPLES / "01_riverton_ledger.txt"])
    store.dispose()
    with closing(sqlite3.connect(db)) as con:
        con.execute("ALTER TABLE speakers RENAME COLUMN name TO nom")
        con.commit()
    result = runner.invoke(app, ["speakers", "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.startswith("error: database: ") and "no such column" in result.output
    assert "Traceback" not in result.output


def test_other_errors_are_not_reported_as_database_errors(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "no such folder"
    result = runner.invoke(app, ["extract", str(missing)])
    assert result.exit_code == 1
    assert "error: database" not in result.output and str(missing) in result.output


def test_cli_window_default_is_the_library_default() -> None:
    # cli.py repeats conflicts.WINDOW_DAYS so that --help need not import conflicts.
    from provenance import cli, conflicts

    assert cli.WINDOW_DAYS == conflicts.WINDOW_DAYS
