"""Shared fixtures: temporary stores, the seed corpus from ../shared, a CLI runner, and a
throwaway PostgreSQL server for the session (started from the machine's own binaries;
tests using it are skipped, with the reason, only where none exist —
``.ci/ensure-postgres.sh`` installs them). Helpers live in :mod:`tests.support`."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.ingest import ingest
from provenance.store import Store, open_store
from tests.support import (
    SAMPLES,
    SHARED,
    PgServer,
    _free_port,
    _run_as,
    assert_spans_hold,
    find_bindir,
)


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
        pytest.skip(
            "../shared/corpus is not beside the checkout "
            "(the seed articles are not ours to copy into the repo)"
        )
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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) on this machine; "
            "run .ci/ensure-postgres.sh"
        )
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[postgres]')")
    root = Path(tempfile.mkdtemp(prefix="provenance-pg-"))
    server = PgServer(bindir, root, _free_port(), _run_as())
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = root / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr!r} {detail}") from exc
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


_counter = itertools.count()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A SQLAlchemy URL of a new, empty database on the session's server."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against a SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return str(request.getfixturevalue("pg_url"))
