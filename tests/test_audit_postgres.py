"""The audit log on PostgreSQL: concurrent appenders, ingest, verify and export.

Uses the session's throwaway server (the ``pg_url`` fixture of conftest.py), skipped
with the reason where the machine has no PostgreSQL server binaries.
"""

from __future__ import annotations

import io
import itertools

import pytest

from provenance import audit
from provenance.export import write_export
from provenance.ingest import ingest
from provenance.store import open_store
from provenance.verify import verify
from tests.support import SAMPLES, run_appenders


@pytest.mark.postgres
def test_postgres_appenders_in_three_processes_keep_one_chain(pg_url: str) -> None:
    run_appenders(pg_url, 3, 20)
    store = open_store(pg_url)
    try:
        report = ingest(store, [SAMPLES])
        assert report.ok
        with store.session() as s:
            entries = list(audit.iter_entries(s))
            result = verify(s)
            out = io.StringIO()
            n = write_export(s, "jsonl", out)
    finally:
        store.dispose()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    # The appenders' 60 entries; the ingest raises flags of its own on the samples.
    assert (
        sum(e.action == audit.FLAG_RAISED and e.subject.startswith("quote:w") for e in entries)
        == 60
    )
    assert result.ok, result.problems
    assert n == len(out.getvalue().splitlines()) > 0
