"""Honest stores always pass ``verify``: random sequences of what users do, verify after each.

The articles are built from a few statements, each in several wordings and
given to several speakers, plus one disputed figure, so that short sequences
already make clusters merge, flags move between clusters, get updated and
cleared, and reviews and deletions hit clustered quotes. Sizes are kept small
(a handful of steps per example) so both backends run in well under a minute.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from provenance.corrections import merge_speakers, split_speaker
from provenance.crosscheck import rebuild
from provenance.ingest import ingest
from provenance.review import ReviewStatus, delete_document, reassign_speaker, review
from provenance.store import Store, open_store
from provenance.tables import AliasRow, DocumentRow, QuoteRow, SpeakerRow
from provenance.verify import verify

# Statements and their wordings: the first is whole, the second a misquote of it, the
# third and fourth nearly its halves, which cluster apart until a whole wording joins
# them (clusters merge, and their flags move), the fifth a misquote of the fourth.
STATEMENTS = [
    [
        "We will not raise the water rates this year, no matter what the board decided about "
        "the budget",
        "We will not raise the water rates this year, whatever the board decides",
        "We will not raise the water rates this year",
        "no matter what the board decides about the budget",
        "no matter what the council decided about the budget",
    ],
    [
        "The harbor bridge will be open to traffic before the first snow falls in December",
        "The harbor bridge will open to traffic before the first snow in December",
        "The harbor bridge will be open to traffic",
        "before the first snow falls in December",
        "before the first heavy snow fell in December",
    ],
]
SPEAKERS = ["Mara Okafor", "Tobias Lindqvist", "Ines Brennan"]
ROLES = ["the county treasurer", "a spokeswoman for the water board", "the harbor master"]
# Numeric claims about one event in one story: figures that overlap or do not.
ARRESTS = [12, 14, 40, 300]

paragraph = st.one_of(
    st.tuples(
        st.just("quote"),
        st.integers(0, len(STATEMENTS) - 1),
        st.integers(0, 4),
        st.integers(0, len(SPEAKERS) - 1),
    ),
    st.tuples(st.just("figure"), st.sampled_from(ARRESTS)),
)
step = st.one_of(
    st.tuples(st.just("ingest"), st.lists(paragraph, min_size=1, max_size=3)),
    st.tuples(st.just("review"), st.integers(0, 50), st.sampled_from(list(ReviewStatus))),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("match")),
    # Corrections by a person (issue 13): each re-syncs the flags of the clusters it touches.
    st.tuples(st.just("reassign"), st.integers(0, 50), st.integers(0, 10)),
    st.tuples(st.just("merge"), st.integers(0, 10), st.integers(0, 10)),
    st.tuples(st.just("split"), st.integers(0, 10), st.integers(0, 10)),
)

_files = itertools.count()


def article(paragraphs: list[tuple], number: int) -> str:
    # Numbered by step, not by a process-wide counter: the same steps must make the
    # same documents (ids, and so which one "delete n" picks) whatever ran before.
    out = [f"RIVERTON — Harbor Street residents met on Tuesday (report {number})."]
    for p in paragraphs:
        if p[0] == "quote":
            _, s, w, who = p
            out.append(f"“{STATEMENTS[s][w]},” said {SPEAKERS[who]}, {ROLES[who]}.")
        else:
            out.append(
                f"Police said {p[1]} people were arrested at the Harbor Street protest "
                "in Riverton on Tuesday."
            )
    return "\n\n".join(out) + "\n"


def _nth(store: Store, row: type, n: int) -> str | None:
    with store.session() as s:
        ids = s.exec(select(row.id).order_by(col(row.id))).all()
    return ids[n % len(ids)] if ids else None


def run_steps(store: Store, folder: Path, steps: list[tuple]) -> None:
    for i, st_ in enumerate(steps):
        if st_[0] == "ingest":
            path = folder / f"a{i}.txt"
            path.write_text(article(st_[1], i), encoding="utf-8")
            report = ingest(store, [path])
            assert not report.problems, report.problems
        elif st_[0] == "review":
            qid = _nth(store, QuoteRow, st_[1])
            if qid is not None:
                with store.session() as s:
                    review(s, qid, st_[2], note=f"step {i}", by="Ana Reviewer")
        elif st_[0] == "delete":
            did = _nth(store, DocumentRow, st_[1])
            if did is not None:
                with store.session() as s:
                    delete_document(s, did, "property test", by="Ana Reviewer")
        elif st_[0] in ("reassign", "merge", "split"):
            correct(store, st_)
        else:
            with store.session() as s:
                rebuild(s)
                s.commit()
        with store.session() as s:
            found = verify(s)
        assert found.ok, (steps[: i + 1], found.problems[:5])


def correct(store: Store, step_: tuple) -> None:
    """A reassignment, merge or split picked by numbers (nothing when there is no pick)."""
    with store.session() as s:
        speakers = s.exec(select(SpeakerRow.id).order_by(col(SpeakerRow.id))).all()
        if not speakers:
            return
        kind, n, m = step_
        if kind == "reassign":
            qid = _nth(store, QuoteRow, n)
            if qid is not None:
                reassign_speaker(s, qid, str(speakers[m % len(speakers)]), by="Ana Reviewer")
        elif kind == "merge":
            a, b = speakers[n % len(speakers)], speakers[m % len(speakers)]
            if a != b:
                merge_speakers(s, a, b, by="Ana Reviewer")
        else:
            sid = speakers[n % len(speakers)]
            aliases = s.exec(
                select(AliasRow.alias).where(AliasRow.speaker_id == sid).order_by(col(AliasRow.id))
            ).all()
            if aliases:
                split_speaker(s, sid, aliases[m % len(aliases)], by="Ana Reviewer")


FLAG_MOVES: list[tuple] = [
    ("ingest", [("quote", 0, 2, 0)]),  # cluster A: the first half
    ("ingest", [("quote", 0, 3, 0)]),  # cluster B: the second half ...
    ("ingest", [("quote", 0, 3, 0)]),  # ... twice, so it stays the canonical wording
    ("ingest", [("quote", 0, 4, 0)]),  # misquote of it by the same speaker: flag in B
    # The whole sentence (slightly off) joins A and B: B merges into A, same flag.
    ("ingest", [("quote", 0, 0, 0)]),
    ("review", 3, ReviewStatus.disputed),
    ("delete", 1),
    ("match",),
]
# The misquote flag's speaker moves: a quote given to another speaker, two speakers made
# one and split again, then a rebuild.
CORRECTIONS: list[tuple] = [
    ("ingest", [("quote", 0, 3, 0), ("quote", 1, 0, 1)]),
    ("ingest", [("quote", 0, 3, 0), ("quote", 1, 0, 2)]),
    ("ingest", [("quote", 0, 4, 0)]),
    ("reassign", 2, 2),
    ("merge", 1, 0),
    ("split", 1, 0),
    ("match",),
]

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SETTINGS
@example(steps=FLAG_MOVES)
@example(steps=CORRECTIONS)
@given(steps=st.lists(step, min_size=1, max_size=7))
def test_honest_sqlite_store_always_verifies(steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "p.db"))
        try:
            run_steps(store, Path(tmp), steps)
        finally:
            store.dispose()


@pytest.mark.postgres
@SETTINGS
@example(steps=FLAG_MOVES)
@example(steps=CORRECTIONS)
@given(steps=st.lists(step, min_size=1, max_size=7))
def test_honest_postgresql_store_always_verifies(pg_server, steps: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    url = pg_server.create_database(f"life{next(_files)}")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(url)
        try:
            run_steps(store, Path(tmp), steps)
        finally:
            store.dispose()


def test_a_flag_moving_into_a_merged_cluster_verifies(tmp_path: Path) -> None:
    """Issue 11: the flag of a cluster merged into an older one was logged cleared yet stored."""
    from provenance.conflicts import list_conflicts

    store = open_store(str(tmp_path / "f.db"))
    run_steps(store, tmp_path, FLAG_MOVES)
    with store.session() as s:
        flags = list_conflicts(s)
    store.dispose()
    assert [f.kind for f in flags] == ["misquote"]
