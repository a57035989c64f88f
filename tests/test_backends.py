"""Storage on SQLite and on a real PostgreSQL server: same input, same answers.

The PostgreSQL cases run against a server the suite starts from the machine's
binaries (the pg_server fixture of tests/conftest.py); they are skipped, with that
reason, only where none exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from provenance.cli import app
from provenance.errors import NotFoundError, StoreError
from provenance.ingest import ingest
from provenance.migrations import MIGRATIONS, SCHEMA_VERSION, current_version, migrate
from provenance.store import (
    get_document,
    get_quote,
    list_quotes,
    open_store,
    stats,
)
from tests.support import SAMPLES, assert_spans_hold, snapshot


@pytest.mark.postgres
def test_postgresql_gives_the_same_results_as_sqlite(tmp_path: Path, pg_url: str) -> None:
    lite = str(tmp_path / "lite.db")
    for db in (lite, pg_url):
        store = open_store(db)
        report = ingest(store, [SAMPLES])
        assert report.failed == 0 and report.new >= len(list(SAMPLES.iterdir()))
        assert_spans_hold(store)
        store.dispose()
    a, b = snapshot(lite), snapshot(pg_url)
    assert a["stats"] == b["stats"]
    assert a["speakers"] == b["speakers"]
    assert a["merges"] == b["merges"]
    assert a["quotes"] == b["quotes"]
    assert len(a["quotes"]) > 20  # type: ignore[arg-type]


@pytest.mark.postgres
def test_cli_with_a_postgresql_url_matches_sqlite(tmp_path: Path, pg_url: str) -> None:
    runner = CliRunner()
    outputs = {}
    for name, db in (("sqlite", str(tmp_path / "cli.db")), ("postgresql", pg_url)):
        assert pg_url.startswith("postgresql+psycopg://")
        result = runner.invoke(app, ["ingest", str(SAMPLES), "--db", db, "--workers", "1"])
        assert result.exit_code == 0, result.output
        outputs[name] = [
            runner.invoke(app, [cmd, *extra, "--db", db, "-f", "json"]).output
            for cmd, extra in (
                ("stats", []),
                ("speakers", []),
                ("quotes", ["--speaker", "Ramírez"]),
                ("quotes", ["--all"]),
            )
        ]
    for sqlite_out, pg_out in zip(outputs["sqlite"], outputs["postgresql"], strict=True):
        assert json.loads(sqlite_out) == json.loads(pg_out)
    assert json.loads(outputs["postgresql"][2]), "Ramírez has quotes"


def test_lookups_by_id_prefix_and_reingest(db_url: str) -> None:
    store = open_store(db_url)
    first = ingest(store, [SAMPLES])
    again = ingest(store, [SAMPLES])
    assert first.new > 0 and first.failed == 0
    assert (again.new, again.unchanged) == (0, first.new)
    with store.session() as s:
        some = list_quotes(s)[0]
        quote, doc_text = get_quote(s, some.id[:10])
        assert quote.id == some.id
        assert doc_text[quote.start : quote.end] == quote.text
        assert get_document(s, some.document[:12]).id == some.document
        with pytest.raises(NotFoundError):
            get_quote(s, "zz")
        assert stats(s).documents == first.new
        by_doc = list_quotes(s, document=some.document[:8])
        assert by_doc and {q.document for q in by_doc} == {some.document}
    store.dispose()


def test_migrations_are_numbered_one_by_one_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_new_database_is_stamped_with_the_latest_schema(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION == MIGRATIONS[-1].version
        names = {ix["name"] for ix in inspect(conn).get_indexes("quotes")}
    assert "ix_quotes_speaker_document_start" in names
    assert "ix_quotes_speaker_id" not in names  # covered by the one above
    assert migrate(store.engine) == []  # nothing left to do
    store.dispose()


def test_version_1_database_is_migrated_in_place(db_url: str) -> None:
    store = open_store(db_url)
    report = ingest(store, [SAMPLES])
    with store.engine.begin() as conn:  # make it look like a database from version 1
        conn.execute(text("DROP INDEX ix_quotes_speaker_document_start"))
        conn.execute(text("CREATE INDEX ix_quotes_speaker_id ON quotes (speaker_id)"))
        conn.execute(text("DROP TABLE reviews"))  # a table added since
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    store.dispose()
    store = open_store(db_url)
    with store.engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        names = {ix["name"] for ix in inspect(conn).get_indexes("quotes")}
    assert "ix_quotes_speaker_document_start" in names
    assert "ix_quotes_speaker_id" not in names  # version 4 dropped it
    with store.engine.connect() as conn:
        assert inspect(conn).has_table("reviews")
    with store.session() as s:
        assert stats(s).documents == report.new  # data survives the upgrade
    store.dispose()


def test_newer_schema_is_refused(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    store.dispose()
    with pytest.raises(StoreError, match="newer"):
        open_store(db_url)
