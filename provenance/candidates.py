"""What one batch of :func:`provenance.clusters.add_quotes` reads: candidates and their clusters.

:class:`Batch` fetches, for a batch of new quotes (:class:`NewQuote`), the stored
quotes that share a blocking key (:mod:`provenance.blocking`) or a speaker, with
their texts, speakers, clusters and canonical wordings, in bulk, and numbers them so
candidate sets are numpy arrays. A speaker group or an LSH band larger than
:data:`MAX_BLOCK` is cut. :class:`Carry` keeps what the next batch of the same call
can reuse; :class:`_Published` the documents and dates the one-occasion rule reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import numpy as np
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from provenance.blocking import MAX_DF, WrittenKeys, count_sql, rarest, sorted_unique
from provenance.relations import MATCHED_KINDS, normalize
from provenance.tables import (
    LOOKUP_CHUNK,
    ClusterMemberRow,
    ClusterRow,
    DocumentRow,
    MatchKeyRow,
    QuoteRow,
    SpeakerRow,
    chunks,
)

MAX_BLOCK = 2000  # quotes of one speaker group, or of one LSH band, a quote is compared with


COUNT_CHUNK = 200  # token counts per statement (SQLite allows 500 UNION ALL terms)


class Carry:
    """What one :func:`add_quotes` call knows of the quotes and clusters it met, kept from
    batch to batch: a quote's text, speaker, document and date, a speaker's group and
    kind, a cluster's canonical wording do not change during a call, and a quote's
    cluster changes only by the call's own placements and merges, which go through here.

    A rebuild's later batches meet the earlier ones' quotes again and again (a speaker's
    quotes, an LSH band): read and normalized once per call, not once per batch, or a
    million quotes are read ~50 times over. ~1 KB a quote.
    """

    def __init__(self, session: Session) -> None:
        # quote id -> (normalized text, speaker id) and its cluster (None: none yet)
        self.known: dict[str, tuple[str, int | None]] = {}
        self.cluster_of: dict[str, int | None] = {}
        self.members_of: dict[int, set[str]] = defaultdict(set)
        # cluster id -> (normalized canonical text, its speaker id): what a joiner must match
        self.canon: dict[int, tuple[str, int | None]] = {}
        self.canon_quote: dict[int, str] = {}  # cluster id -> its canonical quote's id
        self.founded: set[int] = set()  # clusters this call started
        self.speaker_kind: dict[int, str] = {}
        self.speakers: dict[int, list[str]] = {}  # speaker id -> its group (speaker_group)
        self.published = _Published(session)


class Batch:
    """What one :func:`add_quotes` call knows: stored keys it looked up, and its own quotes.

    Every stored blocking key, token count, speaker group and candidate quote is
    read from the database at most once per call, through the key index; the
    keys of the call's own quotes are kept here and written at the end. A quote
    therefore sees exactly what it would see if each earlier quote had been
    written before it was looked at.
    """

    def __init__(
        self,
        session: Session,
        rows: Sequence[NewQuote],
        written: WrittenKeys | None = None,
        carry: Carry | None = None,
    ) -> None:
        self.session = session
        self.written = written
        carry = carry if carry is not None else Carry(session)
        self.postings: dict[str, list[str]] = {}  # stored key -> quote ids
        self.counts: dict[str, int] = {}  # stored token key -> quotes, capped at MAX_DF + 1
        # What does not change during the call is the call's (see Carry), read once
        # for all its batches.
        self.speakers = carry.speakers
        self.known = carry.known
        self.cluster_of = carry.cluster_of
        self.cluster_of.update((r.id, None) for r in rows)
        self.members_of = carry.members_of
        self.canon = carry.canon
        self.canon_quote = carry.canon_quote
        self.founded = carry.founded
        self.speaker_kind = carry.speaker_kind
        self.published = carry.published
        # The quotes this batch has met (its own, and the stored ones it read): numbered
        # by index().
        self.met: set[str] = {r.id for r in rows}
        # This call's quotes with their keys, in the order they were indexed: written at
        # the end (the lists are the caller's; nothing is copied per key).
        self.new_keys: list[tuple[str, list[str]]] = []
        self.added: dict[str, None] = {}  # this call's quotes placed in a cluster, in order
        self.gone: list[int] = []  # clusters merged away, their rows deleted at the end
        # Every quote the call may meet, numbered in id order once prefetch() has read
        # them (index()): candidates are then numpy arrays of these numbers, their
        # clusters and speakers looked up by array indexing, not quote by quote.
        self.rank: dict[str, int] = {}
        self.ids: list[str] = []
        self.norm_at: list[str] = []
        self.speaker_at = np.zeros(0, dtype=np.int64)  # NO_SPEAKER: none
        self.cluster_at = np.zeros(0, dtype=np.int64)  # NO_CLUSTER: none (yet)
        self.numbered = False  # index() has run: keep the arrays current
        self.in_order = True  # numbers follow id order (no quote met after index())
        self.posting_at: dict[str, np.ndarray] = {}  # stored key -> numbers
        self.group_at: dict[int, np.ndarray] = {}  # speaker id -> numbers of stored quotes
        self.fresh_at: dict[str, list[int]] = defaultdict(list)  # this call's key -> numbers

    def kinds(self, speaker_ids: set[int]) -> dict[int, str]:
        """Speaker id -> kind (person, organization, document, anonymous), read once."""
        todo = sorted(i for i in speaker_ids if i not in self.speaker_kind)
        for lo in range(0, len(todo), LOOKUP_CHUNK):
            rows = self.session.exec(
                select(SpeakerRow.id, SpeakerRow.kind).where(
                    col(SpeakerRow.id).in_(todo[lo : lo + LOOKUP_CHUNK])
                )
            ).all()
            self.speaker_kind.update((i, k) for i, k in rows if i is not None)
        return self.speaker_kind

    def canonical_of(self, cluster_ids: set[int]) -> dict[int, tuple[str, int | None]]:
        """(normalized canonical wording, speaker id) of each of ``cluster_ids``."""
        todo = sorted(c for c in cluster_ids if c not in self.canon)
        for part in chunks(todo):
            for c_id, c_text, speaker, c_quote in self.session.exec(
                select(
                    ClusterRow.id,
                    ClusterRow.text,
                    QuoteRow.speaker_id,
                    ClusterRow.canonical_quote_id,
                )
                .join(QuoteRow, col(QuoteRow.id) == ClusterRow.canonical_quote_id, isouter=True)
                .where(col(ClusterRow.id).in_(part))
            ):
                assert c_id is not None
                self.canon[c_id] = normalize(c_text), speaker
                self.canon_quote[c_id] = c_quote
        return {c: self.canon[c] for c in cluster_ids if c in self.canon}

    def rare(self, token_keys: list[str]) -> list[str]:
        """The :data:`RARE_TOKENS` keys held by fewest quotes (1 to :data:`MAX_DF`)."""
        counts, fresh = self.counts, self.fresh_at
        self._read_counts([k for k in token_keys if k not in counts])
        return rarest(token_keys, counts, {k: len(fresh[k]) for k in token_keys if k in fresh})

    def prefetch(self, rows: Sequence[NewQuote], keys: Sequence[list[str]]) -> None:
        """Read, in a few statements for the whole call, what :meth:`candidate_numbers`
        would otherwise read quote by quote.

        Stored keys do not change during a call (its own keys are written at the
        end), so the stored token counts and the postings of every key a quote will
        look up (its rarest tokens: known now, see below) are the same read now or
        later; the stored quotes they lead to are placed in their clusters now, and
        :meth:`merged` moves them as the call merges clusters, as a later read would
        have found them.
        """
        token_keys = sorted({k for ks in keys for k in ks if k.startswith("t:")})
        self._read_counts([k for k in token_keys if k not in self.counts])
        # Of a quote's tokens only the rarest are looked up (rare()): which they are
        # depends on the stored counts and on how many of the batch's quotes before it
        # hold each, both known now (the quotes are indexed in this order), so only
        # their postings are read: the others' (up to MAX_DF each) grow with the store.
        wanted_set: set[str] = set()
        before: dict[str, int] = defaultdict(int)  # this batch's quotes so far, per key
        for ks in keys:
            tokens_ = [k for k in ks if k.startswith("t:")]
            wanted_set.update(k for k in ks if not k.startswith("t:"))
            wanted_set.update(rarest(tokens_, self.counts, before))
            for k in tokens_:
                before[k] += 1
        wanted = sorted(wanted_set)
        todo = [k for k in wanted if k not in self.postings]
        self._read_postings(todo)
        speakers = sorted({r.speaker_id for r in rows if r.speaker_id is not None})
        self.speaker_groups(speakers)
        found = {q for k in wanted for q in self.postings[k]}
        for speaker in speakers:
            found.update(self.speakers[speaker])
        self.load(found)
        known, cluster_of = self.known, self.cluster_of
        self.kinds(
            set(speakers) | {s for q in self.met if q in known and (s := known[q][1]) is not None}
        )
        # The canonical wording of every stored cluster a candidate is in: no call
        # changes a stored cluster's text (refresh_clusters runs after), so read now.
        self.canonical_of({c for q in self.met if (c := cluster_of.get(q)) is not None})
        self.index()

    def index(self) -> None:
        """Number every quote met so far in id order (see :meth:`candidate_numbers`)."""
        self.ids = sorted(self.met)
        self.rank = {q: i for i, q in enumerate(self.ids)}
        self.norm_at = [self.known[q][0] if q in self.known else "" for q in self.ids]
        self.speaker_at = np.fromiter(
            (
                _speaker_number(self.known[q][1]) if q in self.known else NO_SPEAKER
                for q in self.ids
            ),
            dtype=np.int64,
            count=len(self.ids),
        )
        self.cluster_at = np.fromiter(
            (_cluster_number(self.cluster_of.get(q)) for q in self.ids),
            dtype=np.int64,
            count=len(self.ids),
        )
        self.in_order = self.numbered = True

    def number(self, quote_id: str) -> int:
        """The number of ``quote_id``; one met after :meth:`index` is appended."""
        n = self.rank.get(quote_id)
        if n is None:
            n = self.rank[quote_id] = len(self.ids)
            self.ids.append(quote_id)
            known = self.known.get(quote_id)
            self.norm_at.append(known[0] if known else "")
            if n >= len(self.cluster_at):
                # Room for as many again: appending one by one copies the arrays each time.
                more = max(16, len(self.cluster_at))
                self.speaker_at = np.concatenate(
                    (self.speaker_at, np.full(more, NO_SPEAKER, dtype=np.int64))
                )
                self.cluster_at = np.concatenate(
                    (self.cluster_at, np.full(more, NO_CLUSTER, dtype=np.int64))
                )
            self.speaker_at[n] = _speaker_number(known[1]) if known else NO_SPEAKER
            self.cluster_at[n] = _cluster_number(self.cluster_of.get(quote_id))
            self.in_order = False
        return n

    def know(self, quote_id: str, norm: str, speaker_id: int | None) -> None:
        self.known[quote_id] = norm, speaker_id
        if self.numbered:
            n = self.number(quote_id)
            self.norm_at[n] = norm
            self.speaker_at[n] = _speaker_number(speaker_id)

    def candidate_numbers(self, row: NewQuote, keys: list[str]) -> np.ndarray:
        """Numbers, in number order, of the quotes sharing a blocking key or the speaker
        with ``row`` that are in a cluster (``row`` itself excluded). Number order is
        quote id order while :attr:`in_order`; otherwise the caller sorts what it keeps."""
        looked_up = [k for k in keys if not k.startswith("t:")]
        looked_up += self.rare([k for k in keys if k.startswith("t:")])
        todo = [k for k in looked_up if k not in self.postings]
        self._read_postings(todo)
        self.load({q for k in todo for q in self.postings[k]})
        parts = []
        posting_at, fresh_at = self.posting_at, self.fresh_at
        for k in looked_up:
            stored = posting_at.get(k)
            if stored is None:
                held = self.postings[k]
                # Most keys of a first ingest or a rebuild have no stored quote.
                stored = posting_at[k] = (
                    np.fromiter((self.number(q) for q in held), dtype=np.int64) if held else _NONE
                )
            fresh = fresh_at.get(k)
            if k[0] == "b" and len(stored) + len(fresh or ()) > MAX_BLOCK:
                # An LSH band of quotes made of the same common words grows with the
                # store; like a speaker group it is cut at MAX_BLOCK, its first quotes kept.
                stored = stored[:MAX_BLOCK]
                fresh = fresh[: MAX_BLOCK - len(stored)] if fresh else fresh
            if len(stored):
                parts.append(stored)
            if fresh:
                parts.append(np.asarray(fresh, dtype=np.int64))
        if row.speaker_id is not None:
            group = self.group_at.get(row.speaker_id)
            if group is None:
                same = self.speaker_group(row.speaker_id)
                self.load(set(same))
                group = self.group_at[row.speaker_id] = np.fromiter(
                    (self.number(q) for q in same), dtype=np.int64
                )
            parts.append(group)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        found = sorted_unique(np.concatenate(parts))
        keep = self.cluster_at[found] != NO_CLUSTER
        own = self.rank.get(row.id)
        if own is not None:
            keep &= found != own
        return found[keep]

    def entry(self, n: int) -> tuple[str, str, int | None, int]:
        """(id, normalized text, speaker id, cluster id) of quote number ``n``."""
        q = self.ids[n]
        cluster = int(self.cluster_at[n])
        assert cluster != PENDING, "a candidate is assigned before the quotes that meet it"
        return q, self.norm_at[n], self.known[q][1], cluster

    def scored_canon(
        self,
        cluster_id: int,
        canon: tuple[str, int | None],
        found: np.ndarray,
        scored: list[tuple[int, str, float]],
        into: dict[int, tuple[str | None, float]],
    ) -> bool:
        """Put the relation of a quote to ``cluster_id``'s canonical wording ``canon`` into
        ``into`` when its canonical quote is one of the quote's candidates ``found``
        (``scored``: their ``relation_hits``), with that wording and speaker: the same
        pair, scored once. False when it is not (the caller scores it)."""
        n = self.rank.get(self.canon_quote.get(cluster_id, ""))
        if n is None or self.norm_at[n] != canon[0]:
            return False
        if self.speaker_at[n] != _speaker_number(canon[1]):
            return False
        at = int(np.searchsorted(found, n))
        if at >= len(found) or found[at] != n:
            return False
        for i, rel, score in scored:
            if i == at:
                into[cluster_id] = rel, score
                break
        return True

    def pend(self, quote_id: str) -> None:
        """Mark a quote whose candidates are found as one later quotes may meet: it is
        assigned a cluster (every matchable quote is) before any of them is."""
        self.cluster_at[self.number(quote_id)] = PENDING

    def speaker_groups(self, speaker_ids: list[int]) -> None:
        """:meth:`speaker_group` of many speakers: one statement per chunk of them.

        A group larger than :data:`MAX_BLOCK` is read again on its own, so the cut
        falls where :meth:`speaker_group` puts it.
        """
        todo = [s for s in speaker_ids if s not in self.speakers]
        groups: dict[int, list[str]] = defaultdict(list)
        conn = self.session.connection()  # Core: see load()
        for part in chunks(todo):
            for speaker_id, quote_id in conn.execute(
                sa_select(col(QuoteRow.speaker_id), col(QuoteRow.id)).where(
                    col(QuoteRow.speaker_id).in_(part), col(QuoteRow.kind).in_(MATCHED_KINDS)
                )
            ).all():
                assert speaker_id is not None
                groups[speaker_id].append(quote_id)
        for speaker_id in todo:
            if len(groups[speaker_id]) <= MAX_BLOCK:
                self.speakers[speaker_id] = groups[speaker_id]
            else:
                self.speaker_group(speaker_id)

    def speaker_group(self, speaker_id: int) -> list[str]:
        if speaker_id not in self.speakers:
            self.speakers[speaker_id] = list(
                self.session.exec(
                    select(QuoteRow.id)
                    .where(QuoteRow.speaker_id == speaker_id, col(QuoteRow.kind).in_(MATCHED_KINDS))
                    .limit(MAX_BLOCK)
                ).all()
            )
        return self.speakers[speaker_id]

    def load(self, ids: set[str]) -> None:
        """Read the text, speaker and cluster of those of ``ids`` not read yet."""
        if not self.numbered:
            self.met.update(ids)
        todo = sorted(q for q in ids if q not in self.known and q not in self.cluster_of)
        # Core reads, as for the postings: rows, not ORM results.
        conn = self.session.connection()
        # With each quote its document and date (what joins() compares), in the same read.
        of, document = self.published.of, self.published.document
        for part in chunks(todo):
            for q_id, q_text, speaker, cluster, doc, day in conn.execute(
                sa_select(
                    col(QuoteRow.id),
                    col(QuoteRow.text),
                    col(QuoteRow.speaker_id),
                    col(ClusterMemberRow.cluster_id),
                    col(DocumentRow.id),
                    col(DocumentRow.published),
                )
                .join(DocumentRow, col(DocumentRow.id) == col(QuoteRow.document_id))
                .join(ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id, isouter=True)
                .where(col(QuoteRow.id).in_(part))
            ).all():
                self.know(q_id, normalize(q_text), speaker)
                self.place(q_id, cluster)
                of[q_id], document[q_id] = day, doc

    def _from_written(self, keys: list[str], postings: bool = True) -> None:
        """Counts of the token keys among ``keys`` and, with ``postings``, the postings of
        every key (a token's only while it is held by at most :data:`MAX_DF`), from what
        this call wrote."""
        assert self.written is not None
        if not keys:  # the common case of a quote's look-ups: prefetch() read them
            return
        counts, where = self.written.find(keys)
        for k, n, at in zip(keys, counts.tolist(), where, strict=True):
            if k.startswith("t:"):
                self.counts[k] = min(n, MAX_DF + 1)  # as count_sql counts
                if not postings or n > MAX_DF:
                    continue  # a token held more often is never looked up
            self.postings[k] = self.written.postings(at) if n else []

    def _read_counts(self, token_keys: list[str]) -> None:
        """Stored quotes holding each of ``token_keys`` (none counted yet), up to MAX_DF + 1."""
        if self.written is not None:
            self._from_written(token_keys, postings=False)
            return
        for part in chunks(token_keys, COUNT_CHUNK):
            params = {f"k{i}": k for i, k in enumerate(part)}
            self.counts.update(
                (k, n) for k, n in self.session.execute(count_sql(len(part)), params).all()
            )

    def _read_postings(self, keys: list[str]) -> None:
        """Read the stored quotes of each of ``keys`` (none cached yet) into the cache."""
        if self.written is not None:
            self._from_written(keys)
            return
        for k in keys:
            self.postings[k] = []
        # A Core read (no ORM result processing), each chunk fetched whole (iterating a
        # result fetches row by row, ~2.5× slower): a batch of a large store reads millions
        # of postings. The keys are written by this module's cursor, never held by the session.
        conn = self.session.connection()
        for part in chunks(keys):
            for key, quote_id in conn.execute(
                select(MatchKeyRow.key, MatchKeyRow.quote_id).where(col(MatchKeyRow.key).in_(part))
            ).all():
                self.postings[key].append(quote_id)

    def place(self, quote_id: str, cluster: int | None) -> None:
        self.cluster_of[quote_id] = cluster
        if cluster is not None:
            self.members_of[cluster].add(quote_id)
        if self.numbered:
            self.cluster_at[self.number(quote_id)] = _cluster_number(cluster)

    def merged(self, other: int, target: int) -> None:
        for q in self.members_of.pop(other, set()):
            self.place(q, target)

    def indexed(self, quote_id: str, keys: list[str]) -> None:
        n = self.number(quote_id)
        for k in keys:
            self.fresh_at[k].append(n)
        self.new_keys.append((quote_id, keys))


_NONE = np.zeros(0, dtype=np.int64)  # shared, never written: concatenate copies


NO_SPEAKER = -1  # speaker ids count from 1


NO_CLUSTER = -1  # cluster ids count from 1


PENDING = -2  # candidates found, cluster not assigned yet (see Batch.pend)


def _speaker_number(speaker_id: int | None) -> int:
    return NO_SPEAKER if speaker_id is None else speaker_id


def _cluster_number(cluster_id: int | None) -> int:
    return NO_CLUSTER if cluster_id is None else cluster_id


class _Published:
    """Documents and their publication dates of quotes, for :func:`joins`, each read once
    per call."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.of: dict[str, date | None] = {}
        self.document: dict[str, str] = {}  # quote id -> document id

    def read(self, quote_ids: list[str]) -> None:
        of = self.of
        todo = sorted({q for q in quote_ids if q not in of})
        if not todo:
            return
        conn = self.session.connection()  # a Core read: rows, no ORM result processing
        for part in chunks(todo):
            for q, doc, day in conn.execute(
                sa_select(col(QuoteRow.id), col(DocumentRow.id), col(DocumentRow.published))
                .join(DocumentRow, col(DocumentRow.id) == col(QuoteRow.document_id))
                .where(col(QuoteRow.id).in_(part))
            ).all():
                of[q], self.document[q] = day, doc

    def days(self, a: str, b: str) -> int | None:
        da, db = self.of.get(a), self.of.get(b)
        return None if da is None or db is None else abs((da - db).days)


class NewQuote(NamedTuple):
    """What :func:`add_quotes` reads of a quote to match."""

    id: str
    text: str
    speaker_id: int | None
