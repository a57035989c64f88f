"""`provenance ingest` killed mid-batch, and two ingests writing one database at once.

These run the real command in subprocesses (``python -m provenance``) on
generated articles, because a kill and a second process are what we test.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import check_invariants, snapshot, write_corpus

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _cmd(*args: str) -> list[str]:
    # --no-match: these tests are about storing documents; clustering is its own stage.
    return [sys.executable, "-m", "provenance", "ingest", "--quiet", "--no-match", *args]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cmd(*args),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:  # tables not created yet
        return 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_mid_batch_loses_nothing_and_a_rerun_completes(
    tmp_path: Path, workers: str
) -> None:
    corpus = tmp_path / "corpus"
    # More than one transaction's worth (ingest.COMMIT_EVERY), so the kill lands mid-run.
    write_corpus(corpus, 1200)
    clean, crashed = tmp_path / "clean.db", tmp_path / "crashed.db"
    assert _run(str(corpus), "--db", str(clean), "--workers", "1").returncode == 0
    expected = check_invariants(str(clean))
    assert len(expected) == 1200

    # Its own process group, so the kill takes the extraction workers too, like kill -9 of a job.
    proc = subprocess.Popen(
        _cmd(str(corpus), "--db", str(crashed), "--workers", workers),
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 120
    while _count(crashed) < 30 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"

    stored = check_invariants(str(crashed))
    assert 30 <= len(stored) < 1200
    # No partial document: each one stored has exactly the quotes a clean run stores for it.
    assert {d: stored[d] for d in stored} == {d: expected[d] for d in stored}

    rerun = _run(str(corpus), "--db", str(crashed), "--workers", workers)
    assert rerun.returncode == 0, rerun.stderr
    assert check_invariants(str(crashed)) == expected
    after, reference = snapshot(str(crashed)), snapshot(str(clean))
    assert after["stats"] == reference["stats"]
    assert after["quotes"] == reference["quotes"]


def test_two_ingests_into_one_sqlite_file_both_finish(tmp_path: Path) -> None:
    a, b, shared = tmp_path / "a", tmp_path / "b", tmp_path / "shared"
    write_corpus(a, 80, seed=1, start=0)
    write_corpus(b, 80, seed=2, start=1000)
    write_corpus(shared, 40, seed=3, start=2000)
    db, reference = tmp_path / "both.db", tmp_path / "reference.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            _cmd(str(first), str(shared), "--db", str(db), "--workers", "1"),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for first in (a, b)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, errors) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, errors
        assert "locked" not in errors + out
    assert _run(str(a), str(b), str(shared), "--db", str(reference)).returncode == 0
    got, want = check_invariants(str(db)), check_invariants(str(reference))
    assert len(got) == 200
    assert got == want  # every document, each with all its quotes
    # The shared folder went in once: its documents count as unchanged for one of the two.
    assert snapshot(str(db))["stats"]["quotes"] == snapshot(str(reference))["stats"]["quotes"]


@pytest.mark.postgres
def test_two_ingests_into_one_postgresql_database(tmp_path: Path, pg_url: str) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_corpus(a, 40, seed=4, start=0)
    write_corpus(b, 40, seed=5, start=500)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            _cmd(str(first), str(b), "--db", pg_url, "--workers", "1"),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for first in (a, b)
    ]
    for proc in procs:
        _, errors = proc.communicate(timeout=300)
        assert proc.returncode == 0, errors
    assert len(check_invariants(pg_url)) == 80


def test_opening_a_file_another_process_holds_locked_waits_for_it(tmp_path: Path) -> None:
    """Two ingests starting at once: the second opens the file while the first holds it
    locked (switching it to WAL, creating tables). The open waits out the lock (the busy
    timeout is set before anything else) instead of failing at once."""
    import sqlite3
    import threading

    from provenance.store import open_store

    db = tmp_path / "held.db"
    holder = sqlite3.connect(db, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE held (x)")
    released = threading.Timer(0.5, holder.commit)
    released.start()
    try:
        store = open_store(str(db))  # connects (pragmas) and creates the tables
        try:
            with store.session() as s:
                assert s.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        finally:
            store.dispose()
    finally:
        released.join()
        holder.close()
