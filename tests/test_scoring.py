"""Scoring candidates in worker processes gives what scoring here gives."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.match_parity import compare, dump
from provenance import candidates, crosscheck, scoring
from provenance.blocking import sorted_unique
from provenance.ingest import ingest
from provenance.relations import normalize, relation_hits
from provenance.store import open_store
from tests.support import SAMPLES, write_corpus

# Real sentences of the bundled samples and their variants, as normalized texts.
TEXTS = [
    normalize(t)
    for t in (
        "We are not going to let this fire stop us from rebuilding.",
        "we are not going to let this fire stop us",
        "We're not going to let this fire stop us from rebuilding our city.",
        "The cause of the fire is being investigated.",
        "This is an imminent hazard to public health.",
        "an imminent hazard",
    )
]


@pytest.mark.parametrize("known", [0, 2, len(TEXTS)])
def test_a_task_scores_as_relation_hits_with_texts_past_the_fork_in_the_task(
    monkeypatch: pytest.MonkeyPatch, known: int
) -> None:
    """A worker has the texts numbered before its fork; later ones travel in the task."""
    monkeypatch.setattr(scoring, "_TEXTS", TEXTS[:known])
    monkeypatch.setattr(scoring, "_KNOWN", known)
    numbers = np.arange(1, len(TEXTS), dtype=np.int64)
    same = np.array([True, False, True, True, False])
    extra = {n: TEXTS[n] for n in numbers.tolist() if n >= known}
    got = scoring.score([scoring.Task(TEXTS[0], numbers, same, extra)])
    want = relation_hits(TEXTS[0], TEXTS[1:], same)
    assert got == [want]
    assert {rel for _, rel, _ in want} >= {"same", "fragment"}  # the pairs do relate


def _rebuilt(db: str, workers: int) -> dict[str, object]:
    store = open_store(db)
    try:
        with store.write_session() as s:
            crosscheck.rebuild(s, workers=workers)
            s.commit()
    finally:
        store.dispose()
    return dump(db)


def test_scoring_in_workers_gives_the_clusters_and_flags_of_scoring_here(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small windows, a pool for any batch: candidates are found windows ahead of the
    assignments, and a rebuild comes out the same as in one process, on SQLite and on
    PostgreSQL (the workers are forked beside the open connection and never use it)."""
    write_corpus(tmp_path / "corpus", 80, seed=5)
    store = open_store(db_url)
    try:
        assert ingest(store, [SAMPLES, tmp_path / "corpus"], match=False).failed == 0
    finally:
        store.dispose()
    monkeypatch.setattr(scoring, "PARALLEL_MIN_QUOTES", 1)
    monkeypatch.setattr(scoring, "WINDOW", 3)
    pools: list[Executor | None] = []
    opened = scoring.scoring_pool

    @contextmanager
    def recorded(*args: object) -> Iterator[Executor | None]:
        with opened(*args) as pool:  # type: ignore[arg-type]
            pools.append(pool)
            yield pool

    monkeypatch.setattr(scoring, "scoring_pool", recorded)
    here = _rebuilt(db_url, 1)
    there = _rebuilt(db_url, 2)
    assert pools[0] is None and pools[-1] is not None  # scored here, then in a worker
    # A second rebuild numbers clusters on where PostgreSQL's sequence left off.
    assert [d for d in compare(here, there) if "ids differ" not in d] == []
    assert len(here["clusters"]) > 10  # type: ignore[arg-type]
    assert any(len(c["members"]) > 1 for c in here["clusters"])  # type: ignore[attr-defined]
    again = _rebuilt(db_url, 2)  # the connection still works after the workers are gone
    assert [d for d in compare(there, again) if "ids differ" not in d] == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), max_size=30), min_size=1, max_size=5))
def test_sorted_unique_is_np_unique(parts: list[list[int]]) -> None:
    arrays = [np.asarray(p, dtype=np.int64) for p in parts]
    joined = np.concatenate(arrays)
    assert sorted_unique(joined.copy()).tolist() == np.unique(joined).tolist()


def test_the_batch_quotes_are_pending_until_assigned() -> None:
    """A candidate's cluster is read only once it is assigned (never PENDING)."""
    assert candidates.PENDING not in (candidates.NO_CLUSTER, candidates.NO_SPEAKER)
    assert candidates.PENDING < 0  # cluster ids count from 1


def test_keys_from_digests_made_elsewhere_are_the_keys_made_here() -> None:
    """Ingest's workers compute the band digests of the quotes they extract; the keys
    the update makes of them are the ones it makes from the texts alone."""
    from provenance.blocking import band_digests, batch_keys

    texts = [
        "We are not going to let this fire stop us from rebuilding.",
        "“It’s safe,” she said … we’re not done.",
        "No",  # no token of three characters: no band keys
        "a b",
        "",
    ]
    here = batch_keys(texts)
    assert batch_keys(texts, band_digests(texts)) == here
    assert batch_keys(texts, band_digests(texts[:2])) == here  # some made elsewhere
    assert any(k.startswith("b0:") for k in here[0][1])
    assert not any(k.startswith("b") for k in here[2][1])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=6), max_size=12), max_size=6),
    st.lists(st.text(min_size=1, max_size=12), max_size=40),
)
def test_written_keys_give_every_posting_in_the_order_written(
    batches: list[list[list[str]]], others: list[str]
) -> None:
    """What a call wrote gives each key's quotes in the order written (the order the key
    index gives them), its runs merged or not; a key never written gives none (but for a
    shared hash: extra candidates only)."""
    from provenance.blocking import WrittenKeys

    written = WrittenKeys()
    expected: dict[str, list[str]] = {}
    n = 0
    for batch in batches:
        rows = []
        for keys in batch:
            quote = f"q{n}"
            n += 1
            rows.append((quote, keys))
            for k in keys:
                expected.setdefault(k, []).append(quote)
        written.add(rows)
    keys = sorted(expected)
    counts, where = written.find(keys)
    assert counts.tolist() == [len(expected[k]) for k in keys]
    assert [written.postings(w) for w in where] == [expected[k] for k in keys]
    new = [k for k in others if k not in expected]
    hashes = {hash(k) for k in expected}
    counts, _ = written.find(new)
    assert [c > 0 for c in counts.tolist()] == [hash(k) in hashes for k in new]


def test_ingest_hands_its_local_workers_to_the_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update after an ingest scores in as many local processes as it extracted in."""
    seen: list[int] = []
    update = crosscheck.update

    def recorded(session: object, ids: list[str], workers: int = 1, **kw: object) -> object:
        seen.append(workers)
        return update(session, ids, workers, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(crosscheck, "update", recorded)
    for workers in (1, 2):
        store = open_store(str(tmp_path / f"w{workers}.db"))
        try:
            assert ingest(store, [SAMPLES], workers=workers).failed == 0
        finally:
            store.dispose()
    assert seen == [1, 2]


_PARENT = os.getpid()
_REAL_SCORE = scoring.score
_SCORED_HERE: list[int] = []


def _dying_score(tasks: Any, *args: Any) -> Any:
    """scoring.score that kills the worker process it runs in (never this one)."""
    if os.getpid() != _PARENT:
        os._exit(1)
    _SCORED_HERE.append(len(tasks))
    return _REAL_SCORE(tasks, *args)


def test_a_worker_that_dies_leaves_the_scoring_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed worker breaks the pool; the windows are then scored here: same result."""
    write_corpus(tmp_path / "corpus", 40, seed=3)
    db = str(tmp_path / "w.db")
    store = open_store(db)
    try:
        assert ingest(store, [SAMPLES, tmp_path / "corpus"], match=False).failed == 0
    finally:
        store.dispose()
    here = _rebuilt(db, 1)
    monkeypatch.setattr(scoring, "PARALLEL_MIN_QUOTES", 1)
    monkeypatch.setattr(scoring, "WINDOW", 3)
    monkeypatch.setattr(scoring, "score", _dying_score)
    assert compare(here, _rebuilt(db, 2)) == []
    assert sum(_SCORED_HERE) > 10  # the windows after the death were scored here
