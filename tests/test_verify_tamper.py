"""Generic tampering: every column of every table, edited one at a time, is reported.

The store is the demo corpus (data/samples) plus a review and the example authority
file (data/people.example.csv). For each column of
each table the test edits one stored value directly in the SQLite file (text,
numbers, dates, flags; a NULL is given a value) and expects ``verify`` to name
the table, the row and the column. Columns verify leaves alone are listed in
EXEMPT with the reason; the test fails when a table or column appears that is
neither tested nor exempt, so coverage cannot silently shrink.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Date, DateTime, Float, Integer
from sqlmodel import SQLModel, col, select

from provenance.people import import_people
from provenance.review import review
from provenance.store import open_store
from provenance.tables import QuoteRow
from provenance.verify import Mismatch, verify
from tests.support import build_sample_db

EXAMPLE_PEOPLE = Path(__file__).parent.parent / "data" / "people.example.csv"

EXEMPT = {
    ("meta", "key"): "schema bookkeeping, shown nowhere; a non-integer schema_version is "
    "refused when the store opens (test_verify_malformed)",
    ("meta", "value"): "as meta.key",
    ("documents", "ingested_at"): "shown by no listing or export; it only orders a "
    "`provenance match` rebuild, whose every step is logged",
    ("speakers", "created_at"): "shown by no listing or export",
    ("merges", "created_at"): "shown by no listing or export",
    ("clusters", "updated_at"): "shown by no listing or export",
    ("conflicts", "raised_at"): "shown by no listing or export",
    ("aliases", "id"): "surrogate key: shown nowhere, nothing is derived from it",
    ("match_keys", "id"): "surrogate key of a derived index row: shown nowhere",
    ("people", "created_at"): "shown by no listing or export (its entry has the time)",
    ("merges", "id"): "surrogate key: shown nowhere (it orders `merges` within a speaker); "
    "merges pair with their entries by speaker, alias and document",
}

# The record a mismatch must name for an edited row (the row's identity before the edit).
ROW_NAME = {
    "documents": lambda r: f"document:{r['id']}",
    "speakers": lambda r: f"speaker:{r['id']}",
    "aliases": lambda r: f"speaker:{r['speaker_id']}",
    "merges": lambda r: f"merge:{r['id']}",
    "quotes": lambda r: f"quote:{r['id']}",
    "match_keys": lambda r: f"quote:{r['quote_id']}",
    "clusters": lambda r: f"cluster:{r['id']}",
    "cluster_members": lambda r: f"quote:{r['quote_id']}",
    "claims": lambda r: f"claim:{r['id']}",
    "conflicts": lambda r: f"conflict:{r['id']}",
    "reviews": lambda r: f"quote:{r['quote_id']}",
    "audit_log": lambda r: f"log:{r['seq']}",
    "people": lambda r: f"person:{r['id']}",
}
# Columns that are a row's identity (or point at another row): an edit makes the row
# another one, reported as a row no entry made (column None) under its old or new name.
IDENTITY = {
    ("documents", "id"),
    ("speakers", "id"),
    ("aliases", "speaker_id"),
    ("aliases", "alias"),
    ("quotes", "id"),
    ("quotes", "document_id"),
    ("match_keys", "quote_id"),
    ("clusters", "id"),
    ("cluster_members", "quote_id"),
    ("claims", "id"),
    ("claims", "document_id"),
    ("conflicts", "id"),
    ("reviews", "quote_id"),
    ("people", "id"),
}


def _columns() -> list[tuple[str, str, Any, bool]]:
    return [
        (t.name, c.name, c.type, bool(c.nullable))
        for t in SQLModel.metadata.sorted_tables
        for c in t.columns
    ]


# Each column with a value edited; each nullable column also with a NULL filled in (or,
# where the demo store has no NULL there, a value erased).
CASES = [
    (t, c, ty, null)
    for t, c, ty, nullable in _columns()
    if (t, c) not in EXEMPT
    for null in ((False, True) if nullable else (False,))
]


def _edited(value: Any, type_: Any, key: bool) -> Any:
    """A different value of the same kind (what a forger would write)."""
    if isinstance(type_, Boolean):
        return 0 if value else 1
    if isinstance(type_, Integer):
        return (value or 0) + (100_000 if key else 1)
    if isinstance(type_, Float):
        return (value or 0) + 0.5
    if isinstance(type_, DateTime | Date):
        return "2001-02-03" if value != "2001-02-03" else "2002-03-04"
    if value is None:
        return "Convicted Fraudster"
    if value.startswith("[") and value.endswith("]"):  # a JSON array: one more element
        return value[:-1] + (', "Convicted Fraudster"]' if value != "[]" else '"x"]')
    if value.startswith("{"):
        return value.replace('"', '"x', 1)  # a JSON object (log payload): a key renamed
    return value + "x"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_sample_db(tmp_path_factory.mktemp("tamper") / "samples.db")
    store = open_store(str(path))
    with store.session() as s:
        qid = s.exec(
            select(QuoteRow.id).where(QuoteRow.kind == "direct").order_by(col(QuoteRow.id))
        ).first()
        assert qid is not None
        review(s, qid, "disputed", "the recording says otherwise", by="Ana Ruiz")
        import_people(s, EXAMPLE_PEOPLE, by="Ana Ruiz")
    store.dispose()
    return path


def test_the_template_fills_every_table(template: Path) -> None:
    con = sqlite3.connect(template)
    try:
        empty = [
            t
            for t in {t for t, _, _, _ in _columns()}
            if con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0
        ]
    finally:
        con.close()
    assert not empty, f"tables the demo store leaves empty (untested): {empty}"
    store = open_store(str(template))
    with store.session() as s:
        report = verify(s)
    store.dispose()
    assert report.ok, report.problems


def _pick(con: sqlite3.Connection, table: str, column: str, null: bool) -> dict[str, Any] | None:
    con.row_factory = sqlite3.Row
    where = "IS NULL" if null else "IS NOT NULL"
    row = con.execute(
        f"SELECT rowid AS _rowid, * FROM {table} WHERE {column} {where} ORDER BY rowid LIMIT 1"
    ).fetchone()
    return dict(row) if row is not None else None


def _named(
    problems: list[Mismatch], table: str, column: str, row: dict[str, Any], new: Any
) -> bool:
    names = {ROW_NAME[table](row)}
    if (table, column) in IDENTITY:
        names.add(ROW_NAME[table]({**row, column: new}))
    for p in problems:
        if p.table != table or not any(p.record.startswith(n) for n in names):
            continue
        if p.column == column:
            return True
        if table == "audit_log":  # the chain names the entry; any column breaks its hash
            return True
        if (table, column) in IDENTITY:
            # The row became another one: named as a row no entry made, or compared
            # with the entry of the row it now stands for (any column may then differ).
            return True
    return False


@pytest.mark.parametrize(
    ("table", "column", "type_", "null"),
    CASES,
    ids=[f"{t}.{c}{'-null' if n else ''}" for t, c, _, n in CASES],
)
def test_every_column_edit_is_named(
    template: Path, tmp_path: Path, table: str, column: str, type_: Any, null: bool
) -> None:
    db = tmp_path / "t.db"
    shutil.copy(template, db)
    con = sqlite3.connect(db)
    try:
        row = _pick(con, table, column, null)
        if null and row is None:  # no NULL to fill in: erase a value instead
            row, new = _pick(con, table, column, False), None
        elif row is not None:
            new = _edited(row[column], type_, (table, column) in IDENTITY or column == "seq")
        assert row is not None, f"no row of the demo store has {table}.{column} set"
        con.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new, row["_rowid"]))
        con.commit()
    finally:
        con.close()
    store = open_store(str(db))
    try:
        with store.session() as s:
            problems = verify(s).problems
    finally:
        store.dispose()
    assert _named(problems, table, column, row, new), (
        f"{table}.{column} {row[column]!r} -> {new!r} not named; verify said "
        f"{[(p.table, p.column, p.record[:30], p.detail[:60]) for p in problems[:6]]}"
    )
