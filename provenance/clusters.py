"""Quote clusters: one statement as reported by many documents.

Quotes are compared after :func:`normalize` (case, accents, straight vs curly
marks, punctuation and ellipses off). No stage compares all pairs: candidates
come from blocking keys — the exact normalized text, each quote's rarest
tokens, MinHash LSH bands (datasketch) and the speaker — and are re-scored with
rapidfuzz ``process.cdist``. A pair joins one cluster when

* ``same``: ``fuzz.ratio`` ≥ :data:`SAME` (0–100 scale);
* ``fragment``: the shorter has ≥ :data:`FRAGMENT_MIN_WORDS` words and
  ``fuzz.partial_ratio`` ≥ :data:`FRAGMENT` (a partial quote of the longer);
* ``variant``: both have the same speaker and the ratio is ≥ :data:`VARIANT`
  (the material for misquote flags). Two statements by one speaker that share a
  long opening ("We are going to be here until …") can pass this; see the tests.

What can seed a cluster (:func:`matchable`): a quote of at least
:data:`MIN_WORDS` words that is not the name of a show, book, event or
organisation in quote marks (``data/lexicons/flag_words.tsv``). Shorter quotes,
scare quotes and titles stay stored records but are never clustered, so they can
neither seed a cluster nor carry a flag.

No transitive drift: a quote joins a cluster only when it relates to the
cluster's canonical wording, or is a fragment of the member it matched (a part
of a longer quote) in exactly one cluster. A quote that merely *contains* a
member, without matching the canonical wording, is another statement that
shares a phrase: it starts its own cluster. Clusters are merged only when the
new quote matches each one's canonical wording.

Clusters live in tables (``clusters``, ``cluster_members``, ``match_keys``) so a
new document only looks up its own quotes' keys: :func:`add_quotes`. Every
membership change is a ``cluster.assigned`` audit entry in the same transaction.

This module assigns quotes to clusters; its parts are :mod:`provenance.relations`
(normalizing, the relation tests, :func:`~provenance.relations.joins`),
:mod:`provenance.blocking` (the keys), :mod:`provenance.candidates` (what a batch
reads of the store) and :mod:`provenance.cluster_members` (members, canonical
wording, refresh, listing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from itertools import islice
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    update,
)
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from provenance import audit, scoring
from provenance.blocking import WrittenKeys, batch_keys, key_indexes_off
from provenance.candidates import Batch, Carry, NewQuote
from provenance.relations import (
    MATCHED_KINDS,
    PHRASE_WORDS,
    is_statement,
    joins,
    matchable_norm,
    relation_hits,
    stock_phrase,
)
from provenance.tables import (
    ClusterMemberRow,
    ClusterRow,
    MatchKeyRow,
    QuoteRow,
)

KEY_INSERT_CHUNK = 5_000


def _cluster_inserter(session: Session) -> Callable[[str, str], int]:
    """A function inserting one cluster row (canonical quote id, text) and returning its id.

    A new cluster's id is needed at once (its audit entry names it). Through the
    ORM or a Core statement each insert costs ~0.4 ms of SQLAlchemy work, most of
    the time of a store's cross-source update on news; on SQLite the same
    statement goes through the transaction's own DBAPI cursor (``lastrowid``),
    with the value conversions SQLAlchemy would apply.
    """
    table = ClusterRow.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        stmt = insert(table)

        def add(quote_id: str, text_: str) -> int:
            created = session.execute(
                stmt,
                {"canonical_quote_id": quote_id, "text": text_, "updated_at": datetime.now(UTC)},
            )
            return int(created.inserted_primary_key[0])  # type: ignore[attr-defined]

        return add
    to_db = table.c.updated_at.type.bind_processor(conn.dialect) or (lambda v: v)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    sql = "INSERT INTO clusters (canonical_quote_id, text, updated_at) VALUES (?, ?, ?)"

    def add_sqlite(quote_id: str, text_: str) -> int:
        cursor.execute(sql, (quote_id, text_, to_db(datetime.now(UTC))))
        return int(cursor.lastrowid)

    return add_sqlite


class Added(NamedTuple):
    """What :func:`add_quotes` changed."""

    changed: set[int]
    """Clusters changed, merged-away ids included: their flags need a refresh."""
    lone: set[int]
    """Of ``changed``, the clusters the call started that hold only the quote that
    started them. Each is stored as :func:`refresh_clusters` would leave it (that quote
    canonical, its membership "same" at 100) and one quote has nothing to conflict with."""


def add_quotes(
    session: Session,
    quote_ids: Sequence[str],
    workers: int = 1,
    digests: Mapping[str, bytes] | None = None,
) -> Added:
    """Index new quotes and join them to clusters; returns the clusters changed.

    ``workers``: processes to score candidates in (:mod:`provenance.scoring`).
    ``digests``: band digests of quote texts computed already (:func:`band_digests`).

    Clusters a new quote bridges are merged into the oldest one; the caller
    refreshes the changed clusters and their flags (:class:`Added`).
    The cost per quote does not grow with the database: candidates come only
    through indexed blocking keys (a token counts only while it is in at most
    :data:`MAX_DF` quotes, a speaker group is cut at :data:`MAX_BLOCK`), each
    read once per call (:class:`Batch`), and the keys are written together.
    """
    rows = _quotes_to_match(session, quote_ids)
    new_cluster = _cluster_inserter(session)
    touched: set[int] = set()
    # A batch is the unit of postings and candidates held in memory; a later batch
    # reads the earlier ones' keys from the store (or from WrittenKeys) and knows their
    # quotes and memberships (Carry), which is what the earlier quotes of one batch
    # give (see Batch), so results do not depend on ADD_BATCH.
    first = session.execute(sa_select(col(MatchKeyRow.id)).limit(1)).first() is None
    # Into an empty key table (a first ingest, a rebuild) every key stored from then on
    # is this call's: held in memory, read from there, written without indexes.
    written = WrittenKeys() if first else None
    carry = Carry(session)
    with key_indexes_off(session) if first and rows else nullcontext():
        for lo in range(0, len(rows), ADD_BATCH):
            touched |= _add_batch(
                session, rows[lo : lo + ADD_BATCH], workers, new_cluster, digests, written, carry
            )
    # A merged-away cluster's members moved out of members_of: it is not lone.
    lone = {c for c in carry.founded if len(carry.members_of.get(c, ())) == 1}
    return Added(touched, lone)


ONE_STATEMENT_MAX = 30_000
"""Quote ids read to match in one statement (under the 32,766 parameters SQLite allows
where it was built with its old default; 250,000 since 3.32)."""


MATCH_READ_CHUNK = 5_000
"""Quote ids per statement beyond :data:`ONE_STATEMENT_MAX`."""


WHOLE_TABLE_SHARE = 4
"""Beyond :data:`ONE_STATEMENT_MAX` ids, the table is read whole when the ids are at least
a 1/this share of the stored quotes (a rebuild of a million quotes passes a million)."""


def _quotes_to_match(session: Session, quote_ids: Sequence[str]) -> list[NewQuote]:
    """The matched kinds among ``quote_ids`` (only what matching reads, not whole rows: a
    rebuild reads every stored quote), in the order they are assigned in.

    Up to :data:`ONE_STATEMENT_MAX` ids, one statement, in the order the database gives
    it (as it always was). Beyond, a chunk at a time, in the order SQLite gave the one
    statement for large lists, through its kind index: kind, then storage order
    (``rowid``); PostgreSQL has no storage order to rely on: kind, then the order of
    ``quote_ids``. The order depending on the query plan is a known wart: a rebuild of a
    small store assigns in another order than a large one (see the README).
    """
    ids = list(quote_ids)
    if len(ids) <= ONE_STATEMENT_MAX:
        return [
            NewQuote(*r)
            for r in session.execute(
                sa_select(col(QuoteRow.id), col(QuoteRow.text), col(QuoteRow.speaker_id)).where(
                    col(QuoteRow.id).in_(ids), col(QuoteRow.kind).in_(MATCHED_KINDS)
                )
            )
        ]
    session.flush()  # rows held back (provenance.batch) are stored first: Core reads below
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    stored: Any = literal_column("quotes.rowid") if sqlite else literal_column("0")
    found: list[tuple[str, int, NewQuote]] = []
    columns = (col(QuoteRow.id), col(QuoteRow.text), col(QuoteRow.speaker_id), col(QuoteRow.kind))
    matched = col(QuoteRow.kind).in_(MATCHED_KINDS)
    stored_quotes = conn.execute(sa_select(func.count()).select_from(QuoteRow)).scalar() or 0
    whole = len(ids) * WHOLE_TABLE_SHARE >= stored_quotes
    if whole:
        # Most of the store (a rebuild lists every quote): one pass over the table, not a
        # look-up per id, each a random read of the table (a million quotes: minutes).
        wanted = set(ids)
        found.extend(
            (kind, at, NewQuote(q, t, sp))
            for q, t, sp, kind, at in conn.execute(sa_select(*columns, stored).where(matched))
            if q in wanted
        )
    for lo in range(0, 0 if whole else len(ids), MATCH_READ_CHUNK):
        found.extend(
            (kind, at, NewQuote(q, t, sp))
            for q, t, sp, kind, at in conn.execute(
                sa_select(*columns, stored).where(
                    col(QuoteRow.id).in_(ids[lo : lo + MATCH_READ_CHUNK]), matched
                )
            ).all()
        )
    if not sqlite:
        position = {q: i for i, q in enumerate(ids)}
        found = [(kind, position[r.id], r) for kind, _, r in found]
    found.sort(key=lambda f: (f[0], f[1]))
    return [r for _, _, r in found]


ADD_BATCH = 20_000
"""Quotes matched per :class:`Batch`: ~20 KB each in memory (keys, candidates)."""


def _add_batch(
    session: Session,
    rows: Sequence[NewQuote],
    workers: int,
    new_cluster: Callable[[str, str], int],
    digests: Mapping[str, bytes] | None,
    written: WrittenKeys | None,
    carry: Carry,
) -> set[int]:
    touched: set[int] = set()
    batch = Batch(session, rows, written, carry)
    published = batch.published
    # The batch's own quotes at once: a rebuild's candidates are nearly all among them.
    published.read([r.id for r in rows])
    keyed = batch_keys([r.text for r in rows], digests)
    ok = [bool(n) and matchable_norm(r.text, n) for r, (n, _) in zip(rows, keyed, strict=True)]
    looked = [(r, k) for r, (_, k), y in zip(rows, keyed, ok, strict=True) if y]
    batch.prefetch([r for r, _ in looked], [k for _, k in looked])
    # Every quote's text is known before any is scored: the scoring workers inherit them.
    for row, (norm, _) in zip(rows, keyed, strict=True):
        batch.know(row.id, norm, row.speaker_id)
    todo = [(row, norm, keys) for row, (norm, keys), y in zip(rows, keyed, ok, strict=True) if y]
    # Quotes not matchable are kept as records, never clustered: a fragment, scare
    # quote or title. The others' candidates and relations come scored (see
    # provenance.scoring), in order.
    with scoring.scoring_pool(batch.norm_at, workers, len(todo)) as pool:
        for (row, norm, found), scored in scoring.pipelined(
            _found_windows(batch, todo), pool, workers, batch.norm_at
        ):
            touched |= _assign(session, batch, new_cluster, row, norm, found, scored)
    # In the order they joined (a cluster's members are read in insertion order),
    # each in the cluster it ended in after this call's merges.
    _insert_many(
        session,
        ClusterMemberRow.__table__,  # type: ignore[attr-defined]
        ("quote_id", "cluster_id", "score", "relation"),
        ((q, batch.cluster_of[q], 100.0, "same") for q in batch.added),
    )
    _insert_many(
        session,
        MatchKeyRow.__table__,  # type: ignore[attr-defined]
        ("quote_id", "key"),
        ((q, k) for q, keys in batch.new_keys for k in keys),
    )
    if batch.gone:
        clusters_table = ClusterRow.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            delete(clusters_table).where(clusters_table.c.id == bindparam("gone")),
            [{"gone": c} for c in batch.gone],
        )
    if written is not None:
        written.add(batch.new_keys)
    session.flush()
    return touched


def _found_windows(
    batch: Batch, todo: list[tuple[NewQuote, str, list[str]]]
) -> Iterator[tuple[list[tuple[NewQuote, str, np.ndarray]], list[scoring.Task]]]:
    """The candidates of ``todo``'s quotes, in windows of :data:`scoring.WINDOW`, each
    quote indexed and pending (:meth:`Batch.pend`) as its candidates are found: what
    the quotes after it see, whatever cluster it will be assigned."""
    for lo in range(0, len(todo), scoring.WINDOW):
        items, tasks = [], []
        for row, norm, keys in todo[lo : lo + scoring.WINDOW]:
            found = batch.candidate_numbers(row, keys)
            batch.indexed(row.id, keys)
            batch.pend(row.id)
            same = (
                batch.speaker_at[found] == row.speaker_id
                if row.speaker_id is not None
                else np.zeros(len(found), dtype=bool)
            )
            items.append((row, norm, found))
            tasks.append(scoring.task(norm, found, same, batch.norm_at))
        yield items, tasks


_MEMBER_IDS = sa_select(ClusterMemberRow.__table__.c.quote_id).where(  # type: ignore[attr-defined]
    ClusterMemberRow.__table__.c.cluster_id == bindparam("cluster")  # type: ignore[attr-defined]
)
"""The ids of a cluster's stored members (built once: a statement costs ~0.1 ms to build)."""


def _assign(
    session: Session,
    batch: Batch,
    new_cluster: Callable[[str, str], int],
    row: NewQuote,
    norm: str,
    found: np.ndarray,
    scored: list[scoring.Hit],
) -> set[int]:
    """Join ``row`` to the cluster(s) its related candidates allow, or start one;
    returns the clusters changed. ``scored``: ``relation_hits`` of ``found``."""
    published = batch.published
    # cluster id -> (score 0–100, relation, quote) of the best match in it
    best: dict[int, tuple[float, str, str]] = {}
    via: dict[int, str] = {}  # cluster id -> "canon", "inside" or "variant" (see joins)
    if len(found):
        numbers = found.tolist()
        # Only related candidates count below: the others would be skipped anyway.
        hits = [(batch.entry(numbers[i]), rel, score) for i, rel, score in scored]
        if not batch.in_order:
            # Hits are taken in quote id order (the first way into a cluster is kept);
            # sorting the few hits, not the many candidates, costs least.
            hits.sort(key=lambda h: h[0][0])
        canon = batch.canonical_of({c[3] for c, _, _ in hits})
        published.read([c[0] for c, _, _ in hits])
        # A short phrase ("jobs, jobs, jobs", "I'm still here") from two people is a
        # stock phrase, not one statement; a memo or a crowd may be quoted in part.
        statement = is_statement(row.text)
        kinds = (
            {}
            if statement or row.speaker_id is None
            else batch.kinds({row.speaker_id} | {c[2] for c, _, _ in hits if c[2] is not None})
        )
        if len(norm.split()) < PHRASE_WORDS and (
            row.speaker_id is None or kinds.get(row.speaker_id) == "person"
        ):
            # A person's three words ("do the right thing", "happy to see") are a
            # phrase anyone says; a memo quoted in part ("an imminent hazard") is not.
            hits = []
        # A variant of a member of its own document: the document reports two
        # utterances (a talking point said twice in one debate), not one.
        own = published.document.get(row.id)
        barred = {
            c[3] for c, rel, _ in hits if rel == "variant" and published.document.get(c[0]) == own
        }
        # Once per cluster, not per member met (they share one canonical wording),
        # in one relation_hits: a quote meets members of several clusters.
        to_canon: dict[int, tuple[str | None, float]] = {}
        if hits:
            cs = [c for c in canon if c not in barred]
            to_canon = {c: (None, 0.0) for c in cs}
            # A canonical quote among the candidates is scored already; the others now.
            rest = [c for c in cs if not batch.scored_canon(c, canon[c], found, scored, to_canon)]
            for i, c_rel, c_score in relation_hits(
                norm,
                [canon[c][0] for c in rest],
                [row.speaker_id is not None and row.speaker_id == canon[c][1] for c in rest],
            ):
                to_canon[rest[i]] = c_rel, c_score
        for (c_id, c_norm, c_speaker, cluster_id), rel, score in hits:
            if cluster_id in barred:
                continue
            if stock_phrase(norm, statement, row.speaker_id, c_speaker, kinds):
                continue
            how = joins(
                norm,
                row.speaker_id,
                rel,
                c_norm,
                canon.get(cluster_id),
                published.days(row.id, c_id),
                to_canon.get(cluster_id),
            )
            if how is None:
                continue
            if how == "canon" or cluster_id not in via:
                via[cluster_id] = how
            held = best.get(cluster_id)
            if held is None or (score, c_id) > (held[0], held[2]):
                best[cluster_id] = (score, rel, c_id)
    # Clusters merge only through a quote matching each one's canonical wording; a
    # phrase inside members of several clusters ("commander in chief") joins none.
    joined = {c for c, how in via.items() if how == "canon"}
    if not joined and len(via) == 1:
        joined = set(via)
    if joined:
        target = min(joined)
        for other in sorted(joined - {target}):
            # This batch's own members are written at its end (batch.added); the
            # stored ones move with one UPDATE. Entries go in quote id order.
            ours = batch.members_of.get(other, set())
            if other in batch.founded:
                # Started by this call: every member is one it placed, so it knows them
                # all; those of an earlier batch are stored.
                stored: Sequence[str] = [q for q in ours if q not in batch.added]
            else:
                # A Core read: no autoflush, nothing the session holds changes it.
                stored = (
                    session.connection().execute(_MEMBER_IDS, {"cluster": other}).scalars().all()
                )
            moved = set(stored) | {q for q in ours if q in batch.added}
            for quote_id in sorted(moved):
                audit.log_cluster_assigned(session, quote_id, target, other, "merged")
            if stored:
                session.execute(
                    update(ClusterMemberRow)
                    .where(col(ClusterMemberRow.cluster_id) == other)
                    .values(cluster_id=target)
                )
            # Deleted at the batch's end, in one statement: nothing reads a merged-away
            # cluster's row (its members and canonical wording are known here).
            batch.gone.append(other)
            batch.merged(other, target)
        score, rel, matched = best[target]
        audit.log_cluster_assigned(
            session, row.id, target, None, "joined", rel, round(score, 1), matched
        )
    else:
        # A Core insert gives the id without flushing the whole session for it.
        target = new_cluster(row.id, row.text)
        batch.canon[target] = norm, row.speaker_id
        batch.canon_quote[target] = row.id
        batch.founded.add(target)
        audit.log_cluster_assigned(session, row.id, target, None, "new")
    batch.added[row.id] = None
    batch.place(row.id, target)
    return joined | {target}


def _insert_many(
    session: Session, table: Table, names: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values of the columns ``names``, plain strings and numbers) in
    chunks of :data:`KEY_INSERT_CHUNK`, made as they are written.

    A store of 12,000 quotes writes ~400,000 blocking keys; on SQLite they go
    through the transaction's DBAPI cursor, which spares SQLAlchemy's
    per-row parameter processing (a third of the insert's time); the values need
    no conversion.
    """
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    cursor = conn.connection.driver_connection.cursor() if sqlite else None  # type: ignore[union-attr]
    it = iter(rows)
    while part := list(islice(it, KEY_INSERT_CHUNK)):
        if cursor is not None:
            cursor.executemany(sql, part)
        else:
            session.execute(insert(table), [dict(zip(names, r, strict=True)) for r in part])


def forget_quotes(session: Session, quote_ids: Sequence[str]) -> set[int]:
    """Remove quotes from the blocking keys and their clusters; returns clusters changed.

    A cluster left empty is deleted.
    """
    ids = list(quote_ids)
    gone = session.exec(
        select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id)
        .where(col(ClusterMemberRow.quote_id).in_(ids))
        .order_by(col(ClusterMemberRow.quote_id))
    ).all()
    for quote_id, cluster_id in gone:
        audit.log_cluster_assigned(session, quote_id, None, cluster_id, "forgotten")
    touched = {cluster_id for _, cluster_id in gone}
    session.exec(delete(MatchKeyRow).where(col(MatchKeyRow.quote_id).in_(ids)))
    session.exec(delete(ClusterMemberRow).where(col(ClusterMemberRow.quote_id).in_(ids)))
    session.flush()
    for cluster_id in touched:
        if (
            session.exec(
                select(ClusterMemberRow.quote_id)
                .where(ClusterMemberRow.cluster_id == cluster_id)
                .limit(1)
            ).first()
            is None
        ):
            session.exec(delete(ClusterRow).where(col(ClusterRow.id) == cluster_id))
    return touched


def clear(session: Session) -> None:
    """Forget every cluster and blocking key (before a rebuild); one ``cluster.reset`` entry."""
    clusters = session.exec(select(func.count()).select_from(ClusterRow)).one()
    members_ = session.exec(select(func.count()).select_from(ClusterMemberRow)).one()
    audit.record(
        session,
        audit.CLUSTER_RESET,
        audit.subject("cluster", "*"),
        {"clusters": clusters, "members": members_},
    )
    for table in (MatchKeyRow, ClusterMemberRow, ClusterRow):
        session.exec(delete(table))
