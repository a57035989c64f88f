"""Shared fixtures: temporary stores, the seed corpus from ../shared, a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from provenance.ingest import ingest
from provenance.store import Store, open_store
from provenance.tables import DocumentRow, QuoteRow

# The session PostgreSQL server (pg_server, pg_url, db_url) lives in tests/pg.py.
pytest_plugins = ["tests.pg"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "data" / "samples"

# Issue 2's done-when: the gold speaker (real spelling) and the names a user may type for it.
SPEAKER_QUERIES = {
    "Gavin Newsom": ["Newsom", "newson", "Gavin Newsom"],
    "Nanette Barragán": ["Barragán", "Barragan"],
    "Karen Bass": ["Bass"],
    "Donald Trump": ["Trump"],
    "White House memo": ["White House"],
    "A worker in Los Angeles": ["worker"],
}


def assert_spans_hold(store: Store) -> int:
    """Every stored span matches its document's text; returns how many were checked."""
    checked = 0
    with store.session() as s:
        texts = {d.id: d.text for d in s.exec(select(DocumentRow))}
        for q in s.exec(select(QuoteRow)):
            text = texts[q.document_id]
            assert text[q.start : q.end] == q.text, q.id
            for start, end, value in ((q.speaker_start, q.speaker_end, q.speaker_text),
                                      (q.cue_start, q.cue_end, q.cue_text)):
                if start is not None:
                    assert text[start:end] == value, q.id
            checked += 1
    return checked


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store; on teardown every span in it must still hold."""
    st = open_store(str(tmp_path / "test.db"))
    yield st
    assert_spans_hold(st)
    st.dispose()


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside the checkout "
                    "(the seed articles are not ours to copy into the repo)")
    return SHARED


@pytest.fixture
def gold(shared: Path) -> list[dict]:
    lines = (shared / "eval" / "seeds.quotes.gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI runner in an empty working directory with no PROVENANCE_DB set.

    Whatever database the commands left in that directory must still have
    every span matching its document.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROVENANCE_DB", raising=False)
    yield CliRunner()
    for db in tmp_path.glob("*.db"):
        st = open_store(str(db))
        assert_spans_hold(st)
        st.dispose()


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo corpus (data/samples) ingested once into a temporary SQLite database."""
    db = tmp_path_factory.mktemp("samples") / "samples.db"
    store = Store(f"sqlite:///{db}").init()
    ingest(store, [SAMPLES])
    return store
