"""Shared helpers for the audit-trail tests: sample databases and raw SQLite edits."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance import audit
from provenance.ingest import ingest
from provenance.models import DocumentIn
from provenance.store import Store, open_store

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

FORMULA_ARTICLE = (
    "Riverton, March 3. “=SUM(A1:A9) is how the totals were faked,” said Mayor Lena Ortiz "
    "at the meeting. “@everyone should read the audit,” Councilor Dana Pruitt said on "
    "Tuesday. “+1 for transparency, and -5 for the delay,” said Omar Haddad, a resident."
)
"""Written for these tests: quotes that begin with spreadsheet formula characters."""


def build_sample_db(path: Path) -> Path:
    """Ingest data/samples/ into a new SQLite file at ``path``."""
    store = open_store(str(path))
    try:
        report = ingest(store, [SAMPLES])
        assert report.ok and report.new > 0, report.problems
    finally:
        store.dispose()
    return path


def copy_db(template: Path, target: Path) -> Store:
    shutil.copy(template, target)
    return open_store(str(target))


def template_fixture(name: str) -> Any:
    """A module-scoped fixture: the path of a sample database built once per module."""

    @pytest.fixture(scope="module")
    def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
        return build_sample_db(tmp_path_factory.mktemp(name) / "samples.db")

    return template


def store_fixture() -> Any:
    """A fixture: an open store on a fresh copy of the module's ``template``."""

    @pytest.fixture()
    def store(template: Path, tmp_path: Path) -> Iterator[Store]:
        st = copy_db(template, tmp_path / "t.db")
        yield st
        st.dispose()

    return store


def run_appenders(db: str, workers: int, n: int) -> None:
    """Start ``workers`` processes that each append ``n`` entries at once; all must succeed."""
    open_store(db).dispose()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=append_many, args=(db, w, n)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0


def append_many(db: str, worker: int, n: int) -> None:
    """Append ``n`` entries, one transaction each (run in several processes at once)."""
    store = open_store(db)
    for i in range(n):
        with store.session() as s:
            audit.record(s, audit.FLAG_RAISED, f"quote:w{worker}-{i}", {"flag": "test"})
            s.commit()
    store.dispose()


def ingest_text(store: Store, text: str, path: str = "test.txt") -> None:
    """Ingest one in-memory document through the normal pipeline."""
    from provenance.extract import EXTRACTOR_VERSION, extract
    from provenance.store import commit_index, load_speaker_index, write_document

    with store.session() as s:
        index = load_speaker_index(s)
        doc = DocumentIn(text=text, path=path, source="Test Gazette")
        write_document(s, doc, extract(doc.text), index, EXTRACTOR_VERSION)
        commit_index(s, index)


def raw_sql(db: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    """Edit the SQLite file directly, behind the library's back; returns rows changed."""
    con = sqlite3.connect(db)
    try:
        cur = con.execute(sql, params)
        con.commit()
        return cur.rowcount
    finally:
        con.close()


def raw_one(db: Path, sql: str, params: tuple[object, ...] = ()) -> tuple[object, ...]:
    con = sqlite3.connect(db)
    try:
        row = con.execute(sql, params).fetchone()
        assert row is not None, sql
        return tuple(row)
    finally:
        con.close()
