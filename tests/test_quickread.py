"""quickread (issue 15: start-up) answers `quotes` as the store does, or steps aside.

The same records, counts and errors as store.list_quotes / count_quotes for a table of
queries on the bundled samples (with an authority file and a review, so that every
field quickread fills is exercised); the same CLI output in every format; None (the
store then answers) for anything but a current SQLite file. What the command imports
is checked in a fresh interpreter in test_startup.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provenance import audit, quickread
from provenance.cli import app
from provenance.errors import NotFoundError, StoreError
from provenance.ingest import ingest
from provenance.people import import_people
from provenance.quickread import Reader, open_reader
from provenance.review import review
from provenance.store import Store, count_quotes, list_quotes, open_store
from tests.support import SAMPLES, build_sample_db, raw_sql

PEOPLE = """name,aliases,identifier,gender,title
Alicia Ramírez,Ali Ramirez,Q900001,female,Governor
Marcus Bell,The Fire Chief,Q900002,male,
Patrick O'Brien,,Q900003,male,
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples with an authority file and one reviewed quote, written as ingest
    writes (WAL)."""
    folder = tmp_path_factory.mktemp("quickread")
    path = build_sample_db(folder / "samples.db")
    (folder / "people.csv").write_text(PEOPLE, encoding="utf-8")
    store = open_store(str(path))
    with store.session() as s:
        assert import_people(s, folder / "people.csv").errors == []
        first = list_quotes(s, "Ramírez")[0]
        review(s, first.id, "verified", by="Desk")
    store.dispose()
    return path


@pytest.fixture
def both(db: Path) -> Iterator[tuple[Reader, Any]]:
    """quickread's reader and a store session on the same file."""
    reader = open_reader(str(db))
    assert reader is not None
    store = Store(f"sqlite:///{db}")
    with reader, store.session() as s:
        yield reader, s
    store.dispose()


def _doc(db: Path, name: str) -> str:
    with closing(sqlite3.connect(db)) as con:
        return str(
            con.execute("SELECT id FROM documents WHERE path LIKE ?", (f"%{name}",)).fetchone()[0]
        )


# Each case: keyword arguments of list_quotes; "{doc}" in `document` is the id of
# 06_capitol_dispatch.txt (sliced by the case).
CASES: list[dict[str, Any]] = [
    {},
    {"include_nonspeech": True},
    {"limit": 1},
    {"limit": 7, "include_nonspeech": True},
    {"speaker": "Ramírez"},
    {"speaker": "ramirez"},  # accents and case off
    {"speaker": "RAMIRES"},  # an alias
    {"speaker": "Ramirex"},  # a typo: fuzzy
    {"speaker": "Gov. Ramírez"},  # a title narrows nothing
    {"speaker": "Alicia Ramírez", "limit": 2},
    {"speaker": "Ali Ramirez"},  # the authority file's alias
    {"speaker": "The Fire Chief"},
    {"speaker": "Bell"},  # a surname
    {"speaker": "marcus bell", "kind": "direct"},
    {"speaker": "O’Brien"},
    {"speaker": "Patrick O'Brian"},
    {"speaker": "officials"},
    {"speaker": "Police", "include_nonspeech": True},
    {"speaker": "Whitfeld"},
    {"document": "{doc}"},
    {"document": "{doc:.6}"},
    {"document": "{doc:.6}", "speaker": "Ramírez"},
    {"document": "{doc:.1}", "kind": "indirect"},
    {"document": "{doc:.6}", "upper": True},  # LIKE ignores case on SQLite, as the store's does
    {"document": "5%"},
    {"document": "_"},
    {"document": "zz"},
    {"kind": "direct"},
    {"kind": "nonspeech"},
    {"kind": "mixed", "limit": 3},
]

UNKNOWN = ["Obama", "Ramona Smith", "Xq", "Whitfield Pettway Abernathy"]


def _args(case: dict[str, Any], doc: str) -> dict[str, Any]:
    args = dict(case)
    upper = args.pop("upper", False)
    if "document" in args:
        args["document"] = args["document"].format(doc=doc)
        if upper:
            args["document"] = args["document"].upper()
    return args


def test_the_samples_exercise_every_field_quickread_fills(both: tuple[Reader, Any]) -> None:
    reader, _ = both
    quotes = reader.list_quotes(include_nonspeech=True)
    assert any(q.speaker_identifier for q in quotes)  # the authority file
    assert any(q.review_status == "verified" for q in quotes)  # the review
    assert any(q.cluster_id is not None and q.sources > 1 for q in quotes)  # clusters
    assert any(q.cluster_id is not None and not q.first_appearance for q in quotes)
    assert any(q.published is not None for q in quotes) and any(q.published is None for q in quotes)
    assert any(q.cue is None for q in quotes) and any(q.speaker_mention for q in quotes)


@pytest.mark.parametrize("case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_quickread_gives_the_store_s_records_and_counts(
    both: tuple[Reader, Any], db: Path, case: dict[str, Any]
) -> None:
    reader, s = both
    args = _args(case, _doc(db, "06_capitol_dispatch.txt"))
    expected = list_quotes(s, **args)
    assert reader.list_quotes(**args) == expected
    args.pop("limit", None)
    assert reader.count_quotes(**args) == count_quotes(s, **args)
    if case.get("speaker") not in (None, "Whitfeld", "officials"):
        assert expected, case  # the table asks for speakers the samples have


@pytest.mark.parametrize("query", UNKNOWN)
def test_an_unknown_speaker_is_the_same_error_with_the_same_suggestions(
    both: tuple[Reader, Any], query: str
) -> None:
    reader, s = both
    with pytest.raises(NotFoundError) as theirs:
        list_quotes(s, query)
    with pytest.raises(NotFoundError) as ours:
        reader.list_quotes(query)
    assert str(ours.value) == str(theirs.value)
    assert ours.value.suggestions == theirs.value.suggestions
    with pytest.raises(NotFoundError) as counted:
        reader.count_quotes(query)
    assert counted.value.suggestions == theirs.value.suggestions


def test_some_unknown_speaker_has_suggestions(both: tuple[Reader, Any]) -> None:
    reader, _ = both
    found = []
    for query in UNKNOWN:
        with pytest.raises(NotFoundError) as exc:
            reader.find_speakers(query)
        found.append(exc.value.suggestions)
    assert any(found) and not all(found)


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
@pytest.mark.parametrize(
    "extra",
    [
        ["--speaker", "Ramírez"],
        ["--speaker", "Bell", "--limit", "2"],  # the "… more" footer
        [],  # the first 50 rows of a table
        ["--all"],
        ["--speaker", "Obama"],  # not found: exit 3 and suggestions
    ],
    ids=lambda a: " ".join(a) or "no options",
)
def test_cli_output_is_the_same_on_both_paths(
    db: Path, fmt: str, extra: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["quotes", *extra, "--format", fmt, "--db", str(db)]
    fast = CliRunner().invoke(app, args)
    monkeypatch.setattr(quickread, "open_reader", lambda db=None: None)
    slow = CliRunner().invoke(app, args)
    assert "Traceback" not in fast.output
    assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)
    assert fast.exit_code == (3 if "Obama" in extra else 0)


def test_reads_a_wal_store_another_process_is_writing(tmp_path: Path) -> None:
    path = build_sample_db(tmp_path / "s.db")
    store = open_store(str(path))  # kept open: the next commit stays in the -wal file
    try:
        with store.session() as s:
            assert s.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            quote = list_quotes(s, "Bell")[0]
            review(s, quote.id, "disputed", by="Desk")
        assert (tmp_path / "s.db-wal").stat().st_size > 0
        reader = open_reader(str(path))
        assert reader is not None
        with reader:
            assert reader.list_quotes("Bell")[0].review_status == "disputed"
    finally:
        store.dispose()


def test_the_reader_cannot_write_nor_change_the_file(tmp_path: Path) -> None:
    path = build_sample_db(tmp_path / "s.db")
    before = path.read_bytes()
    reader = open_reader(str(path))
    assert reader is not None
    with reader:
        assert reader.list_quotes("Ramírez")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._con.execute("CREATE TABLE scribble (x)")
    assert path.read_bytes() == before


def test_anything_but_a_current_sqlite_file_goes_to_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert open_reader(str(tmp_path / "missing.db")) is None
    assert open_reader("sqlite://") is None
    assert open_reader("postgresql+psycopg://u@localhost:1/db") is None
    (tmp_path / "junk.db").write_text("not a database", encoding="utf-8")
    assert open_reader(str(tmp_path / "junk.db")) is None
    old = build_sample_db(tmp_path / "old.db")
    raw_sql(old, "UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    assert open_reader(str(old)) is None
    newer = build_sample_db(tmp_path / "newer.db")
    raw_sql(newer, "UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    assert open_reader(str(newer)) is None
    raw_sql(newer, "UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    raw_sql(newer, "DROP TABLE people")  # a table the store would create
    assert open_reader(str(newer)) is None
    monkeypatch.setenv("PROVENANCE_DB", str(old))
    assert open_reader() is None

    def refuse(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    current = build_sample_db(tmp_path / "current.db")
    monkeypatch.setenv("PROVENANCE_DB", str(current))
    assert open_reader() is not None
    monkeypatch.setattr(quickread.sqlite3, "connect", refuse)  # e.g. no -shm can be made
    assert open_reader() is None
    result = CliRunner().invoke(app, ["quotes", "--speaker", "Ramírez", "--format", "csv"])
    assert result.exit_code == 0 and "Alicia Ramírez" in result.stdout  # the store answered


def test_an_old_schema_is_read_through_the_store_which_migrates_it(tmp_path: Path) -> None:
    old = build_sample_db(tmp_path / "old.db")
    raw_sql(old, "UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    result = CliRunner().invoke(app, ["quotes", "-s", "Ramírez", "-f", "jsonl", "--db", str(old)])
    assert result.exit_code == 0 and "Alicia Ramírez" in result.stdout
    assert open_reader(str(old)) is not None  # migrated: the next listing is quick


def test_a_damaged_file_is_a_database_error_not_a_traceback(tmp_path: Path) -> None:
    path = build_sample_db(tmp_path / "s.db")
    raw_sql(path, "ALTER TABLE speakers RENAME COLUMN name TO nom")
    reader = open_reader(str(path))
    assert reader is not None
    with reader, pytest.raises(StoreError, match="no such column"):
        reader.list_quotes("Ramírez")
    result = CliRunner().invoke(app, ["quotes", "--speaker", "Ramírez", "--db", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: database: ") and "no such column" in result.stderr


def test_the_log_action_quickread_repeats_is_audit_s() -> None:
    assert quickread.DOCUMENT_INGESTED == audit.DOCUMENT_INGESTED


@pytest.mark.postgres
def test_quotes_on_postgresql_go_through_the_store(pg_url: str) -> None:
    assert open_reader(pg_url) is None
    store = open_store(pg_url)
    ingest(store, [SAMPLES])
    store.dispose()
    result = CliRunner().invoke(app, ["quotes", "-s", "Ramírez", "-f", "csv", "--db", pg_url])
    assert result.exit_code == 0, result.output
    assert "Alicia Ramírez" in result.stdout
