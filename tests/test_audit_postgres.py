"""The audit log on PostgreSQL: concurrent appenders, ingest, verify and export.

Uses the throwaway server of ``tests/pg.py`` (the ``pg_url`` fixture); skipped,
with the reason, in a tree that does not have that harness.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing

import pytest

pytest.importorskip("tests.pg", reason="the PostgreSQL harness tests/pg.py is not in this tree")

from provenance import audit
from provenance.export import export
from provenance.ingest import ingest
from provenance.store import open_store
from provenance.verify import verify
from tests.audit_support import SAMPLES


def _append_many(url: str, worker: int, n: int) -> None:
    store = open_store(url)
    for i in range(n):
        with store.session() as s:
            audit.record(s, audit.FLAG_RAISED, f"quote:w{worker}-{i}", {"flag": "test"})
            s.commit()
    store.dispose()


@pytest.mark.postgres
def test_postgres_appenders_in_three_processes_keep_one_chain(pg_url: str) -> None:
    open_store(pg_url).dispose()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(pg_url, w, 20)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = open_store(pg_url)
    try:
        report = ingest(store, [SAMPLES])
        assert report.ok
        with store.session() as s:
            entries = list(audit.iter_entries(s))
            result = verify(s)
            out = io.StringIO()
            n = export(s, "jsonl", out)
    finally:
        store.dispose()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert sum(e.action == audit.FLAG_RAISED for e in entries) == 60
    assert result.ok, result.problems
    assert n == len(out.getvalue().splitlines()) > 0
