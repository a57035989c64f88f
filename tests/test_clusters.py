"""Tests for provenance.clusters: normalization, scoring, blocking, stored clusters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect
from sqlmodel import Session, select
from typer.testing import CliRunner

from provenance import crosscheck
from provenance.blocking import NUM_PERM, SCHEME, SEED, signatures, tokens
from provenance.cli import app
from provenance.cluster_members import _full_wordings, list_clusters
from provenance.crosscheck import rebuild
from provenance.ingest import ingest
from provenance.lexicon import data_dir
from provenance.relations import normalize, relation, relation_hits, relations_to
from provenance.store import Store, open_store
from provenance.tables import DocumentRow

if TYPE_CHECKING:
    from datasketch import MinHash


def minhash(toks: set[str]) -> MinHash:
    """The reference: datasketch's own MinHash of ``toks``, which signatures() must equal."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch([t.encode("utf-8") for t in sorted(toks)])
    return m


SAMPLES = data_dir() / "samples"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("“It’s over,” she said", '"it\'s over," she said'),
        ("We stay. We rebuild.", "we stay we rebuild"),
        ("Gracias, Señora Núñez…", "gracias senora nunez"),
        ("We stay ... we rebuild", "We stay… we rebuild"),
        ("‘a done deal’", "A DONE DEAL"),
    ],
)
def test_normalize_equal(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b", "same_speaker", "expected"),
    [
        (
            "The bridge will reopen before the first snow,",
            "“The bridge will reopen before the first snow.”",
            False,
            "same",
        ),
        (
            "The bridge will reopen before the first snow",
            "The bridge will reopen before the first snowfall",
            False,
            "same",
        ),
        (
            "reopen before the first snow",
            "I promise you the bridge will reopen before the first snow",
            False,
            "fragment",
        ),
        (
            "We will never close a single library in this county",
            "We will not close any library in this county",
            True,
            "variant",
        ),
        # The same drift from a different speaker is not the same statement.
        (
            "We will never close a single library in this county",
            "We will not close any library in this county",
            False,
            None,
        ),
        # Common opening words, different statements.
        (
            "We are going to stay here until the pumps are running",
            "We are going to stay here until someone explains the budget",
            True,
            None,
        ),
        # Two-word fragments are too short to mean anything.
        ("the bridge", "I promise you the bridge will reopen", False, None),
    ],
)
def test_relation(a: str, b: str, same_speaker: bool, expected: str | None) -> None:
    rel, score = relation(normalize(a), normalize(b), same_speaker)
    assert rel == expected
    assert 0 <= score <= 100


BRIDGE = (
    "The bridge will reopen before the first snow",
    "reopen before the first snow",
    "The bridge will reopen before the first snowfall",
    "Budget talks stalled again on Tuesday night",
    "the bridge will not reopen before the first snow",
)


def test_relation_hits_is_relation_on_every_pair() -> None:
    texts = [
        normalize(t)
        for t in (
            *BRIDGE,
            # A part scored on a window cut short at the end: 41 of its 45 characters
            # in common, partial_ratio 95.3 (once missed by relation_hits).
            "reopen the bridge reopen bridge bridge bridge",
            "the the the bridge bridge reopen bridge reopen bridge bridge bridge",
        )
    ]
    for same in (False, True):
        for a in texts:
            n = len(texts)
            hits = {i: (rel, score) for i, rel, score in relation_hits(a, texts, [same] * n)}
            for i, b in enumerate(texts):
                rel, score = relation(a, b, same)
                if rel is None:
                    assert i not in hits
                else:
                    assert hits[i] == (rel, score)
    assert 3 not in {i for i, _, _ in relation_hits(texts[0], texts, [True] * len(texts))}


_WORDS = st.sampled_from(
    ["the", "bridge", "will", "reopen", "before", "first", "snow", "not", "budget"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORDS, min_size=1, max_size=12), min_size=2, max_size=8),
    st.booleans(),
)
def test_relation_hits_is_relation_on_word_sequences(texts: list[list[str]], same: bool) -> None:
    """A few words in many orders: parts found word for word (scored 100 without
    partial_ratio), near parts, cuts and variants all score as relation() says."""
    norms = [" ".join(t) for t in texts]
    for a in norms:
        hits = {i: (rel, score) for i, rel, score in relation_hits(a, norms, [same] * len(norms))}
        expected = {
            i: (rel, score)
            for i, b in enumerate(norms)
            for rel, score in [relation(a, b, same)]
            if rel is not None
        }
        assert hits == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORDS, min_size=1, max_size=12), min_size=1, max_size=8),
    st.lists(_WORDS, min_size=1, max_size=12),
    st.booleans(),
)
def test_relations_to_is_relation_of_each_wording(
    texts: list[list[str]], best: list[str], same: bool
) -> None:
    """A cluster's wordings related to its canonical one in one call: every relation
    and score (including the score of an unrelated wording) as relation() gives it."""
    norms = [" ".join(t) for t in texts]
    canon = " ".join(best)
    assert relations_to(norms, canon, same) == [relation(n, canon, same) for n in norms]


def test_relations_to_on_sentences() -> None:
    canon = normalize(BRIDGE[0])
    norms = [normalize(t) for t in BRIDGE]
    got = relations_to(norms, canon, True)
    assert [rel for rel, _ in got] == ["same", "fragment", "same", None, "same"]
    assert got == [relation(n, canon, True) for n in norms]
    assert relations_to([], canon) == []


@settings(max_examples=300, deadline=None)
@given(st.sets(st.lists(_WORDS, min_size=1, max_size=6).map(" ".join), max_size=12))
def test_full_wordings_are_those_inside_no_other(wordings: set[str]) -> None:
    """canonical() picks among wordings no other one holds: one search per wording in
    the longer ones joined, the same set as testing every pair."""
    expected = {n for n in wordings if not any(n != o and n in o for o in wordings)}
    assert _full_wordings(wordings) == expected


def test_full_wordings_on_sentences() -> None:
    whole = normalize("We will not rest until every family is home")
    part = normalize("until every family is home")
    other = normalize("Every family deserves a straight answer")
    # "is home" ends one wording and "every" starts the next where they are joined:
    # a match across the join would wrongly make it a part.
    joined_trap = normalize("home every")
    assert _full_wordings([whole, part, other, joined_trap]) == {whole, other, joined_trap}


def test_signatures_are_datasketch_minhashes() -> None:
    sets = [
        tokens(normalize(t))
        for t in ("The bridge will reopen before the first snow", "Budget talks stalled again", "")
    ]
    sig = signatures(sets)
    for row, toks in zip(sig, sets, strict=True):
        assert np.array_equal(row, minhash(toks).hashvalues)


def _cluster_with(store: Store, words: str) -> list[dict[str, object]]:
    with store.session() as s:
        found = [c for c in list_clusters(s) if words in normalize(c.text)]
    assert len(found) == 1, words
    return [r.model_dump() for r in found[0].sources]


@pytest.mark.parametrize(
    ("words", "speaker", "documents"),
    [
        ("we will not rest until every family is home", "Alicia Ramírez", 4),
        ("most dangerous fire this department", "Marcus Bell", 3),
        ("our hearts go out to every family", "Patrick O’Brien", 2),
        ("passed every inspection required by its permit", "Patrick O’Brien", 2),
    ],
)
def test_corroboration(samples: Store, words: str, speaker: str, documents: int) -> None:
    refs = _cluster_with(samples, words)
    assert len({r["document"] for r in refs}) >= documents
    assert speaker in {r["speaker"] for r in refs}


def test_fragment_joins_its_full_quote(samples: Store) -> None:
    refs = _cluster_with(samples, "most dangerous fire this department")
    assert any(str(r["text"]).startswith("the most dangerous") for r in refs)


def test_memo_fragment(samples: Store) -> None:
    refs = _cluster_with(samples, "an imminent hazard to public health")
    assert {str(r["text"]).strip(".") for r in refs} >= {"an imminent hazard"}


def test_ortiz_fragment(samples: Store) -> None:
    refs = _cluster_with(samples, "does not bring anyone home sooner")
    assert len({r["document"] for r in refs}) >= 2


def test_decoys_stay_apart(samples: Store) -> None:
    with samples.session() as s:
        clusters = list_clusters(s)
    for c in clusters:
        words = {normalize(r.text) for r in c.sources}
        assert not any("last hot spot" in w for w in words) or not any(
            "tells us the truth" in w for w in words
        )
        assert not any("every family is home" in w for w in words) or not any(
            "hearts go out" in w for w in words
        )


def test_cluster_spans_hold(samples: Store) -> None:
    with samples.session() as s:
        docs = {d.id: d.text for d in s.exec(select(DocumentRow))}
        for c in list_clusters(s):
            for r in c.sources:
                assert docs[r.document][r.start : r.end] == r.text


def _partition(store: Store) -> set[frozenset[tuple[str, int]]]:
    with store.session() as s:
        return {frozenset((r.document, r.start) for r in c.sources) for c in list_clusters(s)}


def test_incremental_equals_rebuild(tmp_path: Path, samples: Store) -> None:
    """Ingesting one document at a time gives the clusters a full rebuild gives."""
    store = Store(f"sqlite:///{tmp_path / 'i.db'}").init()
    for path in sorted(SAMPLES.iterdir()):
        ingest(store, [path])
    incremental = _partition(store)
    with store.session() as s:
        rebuild(s)
        s.commit()
    assert _partition(store) == incremental
    assert incremental == _partition(samples)


def test_cli_matches_json(samples: Store) -> None:
    url = samples.url
    result = CliRunner().invoke(
        app, ["matches", "--db", url, "--min-sources", "3", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data and all(c["distinct_sources"] >= 3 for c in data)
    for c in data:
        assert c["text"]
        for src in c["sources"]:
            assert {"document", "start", "end", "text", "speaker"} <= src.keys()


def test_cli_matches_speaker(samples: Store) -> None:
    result = CliRunner().invoke(
        app, ["matches", "--db", samples.url, "--speaker", "Ramirez", "--format", "csv"]
    )
    assert result.exit_code == 0
    assert "every family is home" in result.output
    assert "dangerous fire" not in result.output


def test_cli_matches_unknown_speaker(samples: Store) -> None:
    result = CliRunner().invoke(app, ["matches", "--db", samples.url, "--speaker", "Zyx Qwv"])
    assert result.exit_code == 3
    assert "no speaker matches" in result.output


def test_ratios_from_lcs_are_rapidfuzz_ratio_bit_for_bit() -> None:
    """relation_hits derives fuzz.ratio from one LCS cdist instead of a second cdist."""
    import random

    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import LCSseq

    from provenance.relations import _ratios

    rng = random.Random(3)
    words = [
        "we",
        "will",
        "not",
        "accept",
        "a",
        "full",
        "audit",
        "of",
        "the",
        "budget",
        "before",
        "may",
        "and",
        "nobody",
        "told",
        "us",
    ]
    texts = ["", "a", "we"] + [
        " ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(300)
    ]
    common = process.cdist(texts, texts, scorer=LCSseq.similarity, dtype=np.int64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64)
    mine = _ratios(common, lengths[:, None] + lengths[None, :])
    theirs = process.cdist(texts, texts, scorer=fuzz.ratio, dtype=np.float64)
    assert np.array_equal(mine, theirs)


def test_lsh_bands_and_permutations_are_datasketch_s() -> None:
    """clusters computes them itself so a run does not import datasketch (and scipy)."""
    from datasketch import MinHash, MinHashLSH

    from provenance.blocking import (
        LSH_THRESHOLD,
        NUM_PERM,
        SCHEME,
        SEED,
        _lsh_params,
        _permutations,
    )

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert _lsh_params() == (lsh.b, lsh.r)
    theirs = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    assert np.array_equal(_permutations(), theirs)


def _memberships(db: str) -> set[frozenset[str]]:
    from sqlmodel import select as select_

    from provenance.store import open_store
    from provenance.tables import ClusterMemberRow

    store = open_store(db)
    try:
        with store.session() as s:
            groups: dict[int, set[str]] = {}
            for m in s.exec(select_(ClusterMemberRow)):
                groups.setdefault(m.cluster_id, set()).add(m.quote_id)
    finally:
        store.dispose()
    return {frozenset(g) for g in groups.values()}


def test_batch_size_does_not_change_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """add_quotes matches a long list in batches (memory); a batch reads the earlier
    ones' keys from the store, so any batch size gives the same clusters."""
    from provenance import clusters
    from provenance.store import open_store
    from tests.support import write_corpus

    folder = tmp_path / "corpus"
    write_corpus(folder, 60)
    found = []
    for size in (clusters.ADD_BATCH, 7):
        monkeypatch.setattr(clusters, "ADD_BATCH", size)
        db = str(tmp_path / f"b{size}.db")
        store = open_store(db)
        try:
            assert ingest(store, [folder]).failed == 0
        finally:
            store.dispose()
        found.append(_memberships(db))
    assert found[0] == found[1]
    assert any(len(g) > 1 for g in found[0])


def test_rebuild_in_small_batches_gives_the_same_clusters_and_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild's batches share what the call read (texts, clusters, canonical wordings)
    and follow its merges: with a batch of 7, a cluster made in one batch is joined and
    merged in later ones, and the result is the one batch's."""
    import shutil

    from provenance import clusters
    from provenance.conflicts import list_conflicts
    from provenance.store import open_store
    from tests.support import write_corpus

    folder = tmp_path / "corpus"
    write_corpus(folder, 60)
    built = str(tmp_path / "built.db")
    store = open_store(built)
    try:
        assert ingest(store, [folder], match=False).failed == 0
    finally:
        store.dispose()
    found, flags, merges = [], [], []
    for size in (clusters.ADD_BATCH, 7):
        monkeypatch.setattr(clusters, "ADD_BATCH", size)
        db = str(tmp_path / f"r{size}.db")
        shutil.copy(built, db)
        store = open_store(db)
        try:
            with store.session() as s:
                rebuild(s)
                s.commit()
                flags.append(sorted(c.id for c in list_conflicts(s)))
                merges.append(
                    s.connection()
                    .exec_driver_sql("select count(*) from audit_log where payload like '%merged%'")
                    .scalar()
                )
        finally:
            store.dispose()
        found.append(_memberships(db))
    assert found[0] == found[1]
    assert flags[0] == flags[1] and flags[0]
    assert merges[0] == merges[1] and merges[1] > 0, merges
    assert any(len(g) > 1 for g in found[0])


MERGE_THEN_NEW = [
    'Mayor Jane Ortiz said: "We will rebuild the old bridge and reopen the river port by '
    'next spring."',
    'Mayor Jane Ortiz said: "Harbor crews are going to work through the winter on every '
    'single pier."',
    'Mayor Jane Ortiz said: "We will rebuild the old bridge and reopen the river port by '
    'next spring. Harbor crews are going to work through the winter on every single pier."',
    'Governor Ray Pell said: "The state budget leaves nothing at all for the rural '
    'hospitals up north."',
    'Senator Ana Voss said: "Nobody on this committee has read the whole report yet."',
    'Coach Lee Hart said: "Our defense gave away far too many easy points tonight."',
    'Judge Omar Kline said: "The court will hear both motions again on Monday morning."',
    'Chief Dana Ruiz said: "Three officers were hurt while clearing the blocked road."',
]


def test_a_merged_away_cluster_id_is_not_reused_by_the_same_call(tmp_path: Path) -> None:
    """Within one update, a cluster merged away keeps its id to itself: the audit log
    never says "quote X left cluster N, merged" and then "quote Y started cluster N".
    SQLite hands the largest id out again once its row is gone (the second quote's
    cluster, merged away by the third quote that holds both, was the fourth's), so
    merged-away clusters' rows are deleted at the end of the batch."""
    import json

    from provenance.store import open_store

    folder = tmp_path / "corpus"
    folder.mkdir()
    for n, text in enumerate(MERGE_THEN_NEW):
        (folder / f"{n}.txt").write_text(text + "\n", encoding="utf-8")
    store = open_store(str(tmp_path / "m.db"))
    try:
        assert ingest(store, [folder]).failed == 0
        with store.session() as s:
            payloads = [
                json.loads(p)
                for (p,) in s.connection().exec_driver_sql(
                    "select payload from audit_log where action = 'cluster.assigned' order by seq"
                )
            ]
    finally:
        store.dispose()
    merged_away = {p["previous"] for p in payloads if p["reason"] == "merged"}
    after = [
        p["cluster"]
        for n, p in enumerate(payloads)
        if p["reason"] == "new" and any(m["reason"] == "merged" for m in payloads[:n])
    ]
    assert len(merged_away) == 1 and after, payloads  # a cluster started after the merge
    assert not merged_away & set(after), payloads


def _cluster_state(s: Session) -> tuple[list[tuple[object, ...]], ...]:
    """Clusters, memberships, flags and the audit log's length: what a refresh could change."""
    run = s.connection().exec_driver_sql
    return (
        run("select id, canonical_quote_id, text from clusters order by id").all(),
        run("select quote_id, cluster_id, relation, score from cluster_members order by 1").all(),
        run("select id, scope, score, explanation, records from conflicts order by id").all(),
        run("select count(*) from audit_log").all(),
    )


def test_lone_new_clusters_are_stored_as_a_refresh_leaves_them(tmp_path: Path) -> None:
    """A rebuild does not refresh the clusters it started that hold one quote (most of a
    large store's): refreshing every cluster and its flags afterwards changes nothing."""
    from provenance import clusters
    from provenance.models import UpdateReport
    from tests.support import write_corpus

    folder = tmp_path / "corpus"
    write_corpus(folder, 40)
    store = open_store(str(tmp_path / "r.db"))
    try:
        assert ingest(store, [folder], match=False).failed == 0
        with store.session() as s:
            rebuild(s)
            s.commit()
            before = _cluster_state(s)
            sizes: dict[int, int] = {}
            for _, cluster_id, _, _ in before[1]:
                sizes[int(cluster_id)] = sizes.get(int(cluster_id), 0) + 1
            assert 1 in sizes.values() and any(n > 1 for n in sizes.values()), sizes
            assert before[2], "no flags: the comparison would miss a flag a refresh changes"
            crosscheck._sync_clusters(s, set(sizes), UpdateReport())
            s.flush()
            assert _cluster_state(s) == before
            # add_quotes names exactly the one-member clusters it started as lone
            s.rollback()
            clusters.clear(s)
            ids = [q for q, _, _, _ in sorted(before[1])]
            added = clusters.add_quotes(s, [str(q) for q in ids])
            members = s.connection().exec_driver_sql(
                "select cluster_id, count(*) from cluster_members group by cluster_id"
            )
            assert added.lone == {int(c) for c, n in members if n == 1}
            assert added.lone < added.changed
            s.rollback()
    finally:
        store.dispose()


def test_a_lone_cluster_with_a_stale_flag_under_its_id_is_refreshed(tmp_path: Path) -> None:
    """Skipping lone clusters relies on a new cluster id carrying no flag; one that does
    (a deleted cluster's flag left behind) is refreshed, and the flag cleared."""
    from datetime import UTC, datetime

    from provenance.tables import ConflictRow

    store = open_store(str(tmp_path / "s.db"))
    try:
        with store.session() as s:
            s.add(
                ConflictRow(
                    id="stale",
                    kind="misquote",
                    scope="cluster:1",
                    score=90.0,
                    explanation="left behind",
                    records="[]",
                    raised_at=datetime.now(UTC),
                )
            )
            s.commit()
        doc = tmp_path / "one.txt"
        doc.write_text(
            "“The bridge will reopen to traffic before the end of the month,” "
            "said Dana Whitfield, the county engineer.\n",
            encoding="utf-8",
        )
        report = ingest(store, [doc])
        assert report.failed == 0
        with store.session() as s:
            run = s.connection().exec_driver_sql
            assert run("select id from clusters").scalars().all() == [1]
            assert run("select count(*) from conflicts").scalar() == 0
    finally:
        store.dispose()


def test_prefetch_reads_every_posting_a_quote_looks_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch reads, before any quote is matched, the postings of exactly the keys its
    quotes look up (a quote's rarest tokens counted with the batch's quotes before it):
    none is read quote by quote later, in a rebuild (keys from memory) or an update of a
    store (keys from the table)."""
    from provenance import candidates, clusters
    from provenance.store import open_store
    from tests.support import write_corpus

    late: list[int] = []
    read = candidates.Batch._read_postings

    def watched(self: candidates.Batch, keys: list[str]) -> None:
        if self.numbered and keys:
            late.append(len(keys))
        read(self, keys)

    monkeypatch.setattr(candidates.Batch, "_read_postings", watched)
    monkeypatch.setattr(clusters, "ADD_BATCH", 25)
    write_corpus(tmp_path / "a", 40)
    write_corpus(tmp_path / "b", 20, seed=11, start=40)
    store = open_store(str(tmp_path / "p.db"))
    try:
        assert ingest(store, [tmp_path / "a"]).failed == 0  # a first ingest: from memory
        assert ingest(store, [tmp_path / "b"]).failed == 0  # an update: from the table
        with store.session() as s:
            rebuild(s)
            s.commit()
    finally:
        store.dispose()
    assert late == []


def test_rebuild_keeps_both_key_indexes_and_a_failed_one_rolls_back(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first ingest and a rebuild write their keys without the quote-id index and build
    it after; if a rebuild
    fails half-way, the rollback restores the index with the clusters."""
    store = open_store(db_url)
    ingest(store, [SAMPLES], workers=1)

    def state() -> tuple[set[str], int]:
        with store.session() as s:
            names = {i["name"] for i in inspect(s.connection()).get_indexes("match_keys")}
            return names, len(list_clusters(s))

    before = state()
    assert {"ix_match_keys_key", "ix_match_keys_quote_id"} <= before[0]
    with store.session() as s:
        rebuild(s)
        s.commit()
    assert state() == before

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(crosscheck, "_sync_clusters", broken)
    with store.session() as s, pytest.raises(RuntimeError):
        rebuild(s)
    assert state() == before
    store.dispose()


def test_quotes_to_match_read_in_chunks_keep_the_order_and_the_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild passes every stored quote id: read a chunk at a time (SQLite caps the
    parameters of one statement), in the order one statement gave — kind, then storage
    order — so the clusters do not change."""
    from sqlmodel import col

    from provenance import clusters, crosscheck
    from provenance.store import open_store
    from provenance.tables import QuoteRow
    from tests.support import write_corpus

    folder = tmp_path / "corpus"
    write_corpus(folder, 40, seed=2)
    db = str(tmp_path / "c.db")
    store = open_store(db)
    try:
        assert ingest(store, [SAMPLES, folder], match=False).failed == 0
        with store.session() as s:
            ids = list(s.exec(select(QuoteRow.id).order_by(col(QuoteRow.start))).all())
            kinds = set(s.exec(select(QuoteRow.kind)).all())
            assert {"direct", "mixed"} <= kinds  # the order by kind is put to the test
            whole = clusters._quotes_to_match(s, ids)  # one statement
            monkeypatch.setattr(clusters, "ONE_STATEMENT_MAX", 0)
            monkeypatch.setattr(clusters, "MATCH_READ_CHUNK", 7)
            some = set(ids[::3])
            # chunks of 7 ids; the table read whole (the ids are most of it, or always)
            for share in (0, 4, 1000):
                monkeypatch.setattr(clusters, "WHOLE_TABLE_SHARE", share)
                assert clusters._quotes_to_match(s, ids) == whole
                assert clusters._quotes_to_match(s, sorted(some)) == [
                    r for r in whole if r.id in some
                ]
    finally:
        store.dispose()
    # One statement, as before: what SQLite gives is the order the rows are assigned in.
    import sqlite3

    with sqlite3.connect(db) as conn:
        marks = ",".join("?" * len(ids))
        one = [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM quotes WHERE id IN ({marks}) AND kind IN ('direct', 'mixed')",
                ids,
            )
        ]
    assert [r.id for r in whole] == one
    assert {r.id for r in whole} < set(ids)  # indirect and non-speech records stay out
    found = []
    for most in (clusters.ONE_STATEMENT_MAX, 0):  # one statement; chunks of 7
        monkeypatch.setattr(clusters, "ONE_STATEMENT_MAX", most)
        store = open_store(db)
        try:
            with store.write_session() as s:
                crosscheck.rebuild(s)
                s.commit()
        finally:
            store.dispose()
        found.append(_memberships(db))
    assert found[0] == found[1]
    assert any(len(g) > 1 for g in found[0])


@pytest.mark.parametrize(("cut", "kept"), [(5, 5), (8, 8), (20, 10)])
def test_an_lsh_band_is_cut_at_max_block_its_first_quotes_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: int, kept: int
) -> None:
    """A band shared by the quotes of the same common words grows with the store; like a
    speaker group, a quote meets only its first MAX_BLOCK quotes (stored ones first, then
    the call's own in the order they came); an exact or token key is not cut."""
    from provenance import candidates
    from provenance.candidates import Batch, NewQuote

    monkeypatch.setattr(candidates, "MAX_BLOCK", cut)
    store = open_store(str(tmp_path / "b.db"))
    try:
        with store.session() as s:
            batch = Batch(s, [])
            batch.index()
            ids = [f"q{i:02d}" for i in range(10)]
            for q in ids:
                batch.know(q, "we will rebuild this city", None)
                batch.place(q, 1)
            batch.postings["b3:band"] = ids[:6]  # stored
            batch.postings["x:exact"] = ids[:6]
            for q in ids[6:]:
                batch.indexed(q, ["b3:band", "x:exact"])  # this call's own, after
            row = NewQuote("zz", "we will rebuild this city", None)
            by_band = batch.candidate_numbers(row, ["b3:band"])
            assert [batch.ids[n] for n in by_band] == ids[:kept]
            by_exact = batch.candidate_numbers(row, ["x:exact"])
            assert [batch.ids[n] for n in by_exact] == ids
    finally:
        store.dispose()
