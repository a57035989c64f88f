"""The write batch: what one session's write transaction keeps back, and writes together.

A writer (ingest, the cross-source update) would otherwise spend most of its time
on one statement and one ORM object per row. Instead :class:`WriteBatch`, one per
session (:meth:`WriteBatch.of`), keeps:

- ``rows``: documents, quotes, new speakers, alias and speaker changes and merges
  (:class:`StoreRows`), inserted as one executemany per table;
- ``cache``: speaker and alias rows read or written, kept across commits
  (:class:`RowCache`), dropped on rollback;
- ``learned``: what the in-memory speaker index learns once the transaction commits
  (:class:`IndexChanges`, taken by :func:`provenance.store.learn_index`);
- ``audit_head`` / ``audit_entries``: the log's last ``(seq, hash)`` this transaction
  wrote (it holds the log's lock, so the head moves only by its own appends) and,
  with ``hold_audit`` set, the entries computed but not yet inserted.

Session hooks write what is kept back — store rows, then log entries — before a
commit, an ORM flush or any ORM query, so a reader in the same transaction sees it;
a rollback drops it. ``hold_audit`` is for writers that use no savepoints: an entry
kept back inside a savepoint that rolls back would survive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, event, text
from sqlmodel import Session

from provenance.tables import (
    AliasRow,
    AuditRow,
    DocumentRow,
    MergeRow,
    QuoteRow,
    SpeakerRow,
    insert_rows,
)

if TYPE_CHECKING:
    from provenance.speaker_index import Known

MAX_CACHED_SPEAKERS = 50_000  # beyond this the cache starts over: memory stays bounded


@dataclass
class CachedSpeaker:
    """The columns of a stored speaker that writing changes (``titles``: JSON text)."""

    name: str
    titles: str
    affiliation: str | None


@dataclass(eq=False)
class CachedAlias:
    """An alias row; ``id`` is None for rows this session inserted (found by speaker and alias)."""

    speaker_id: int
    alias: str
    key: str
    count: int
    is_name: bool
    id: int | None = None


@dataclass
class StoreRows:
    """Rows of the current transaction not yet written (see :meth:`WriteBatch.flush`)."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    new_speakers: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    new_aliases: list[CachedAlias] = field(default_factory=list)
    aliases: dict[int, CachedAlias] = field(default_factory=dict)  # by id(): changed stored ones
    speakers: dict[int, CachedSpeaker] = field(default_factory=dict)  # by speaker id

    # Next free speaker id; read under the write lock, so valid until the transaction ends.
    next_speaker: int | None = None

    def _kept(self) -> tuple[list[Any] | dict[int, Any], ...]:
        return (
            self.documents,
            self.new_speakers,
            self.quotes,
            self.merges,
            self.new_aliases,
            self.aliases,
            self.speakers,
        )

    def empty(self) -> bool:
        return not any(self._kept())

    def clear(self) -> None:
        for kept in self._kept():
            kept.clear()


@dataclass
class RowCache:
    """Speakers and aliases a writing session has touched, kept across its commits.

    Ingest writes many documents through one session; re-reading the same
    speakers and aliases for every document was most of the cost of storing,
    and so was the ORM's bookkeeping for them: these are plain records.
    """

    speakers: dict[int, CachedSpeaker] = field(default_factory=dict)
    aliases: dict[int, dict[str, CachedAlias]] = field(default_factory=dict)


@dataclass
class IndexChanges:
    """What the speaker index learns after the commit: new speakers, new aliases of stored
    ones, matched speakers (counts), changed titles, affiliations and canonical names, and
    the genders of the pronouns new quotes were reported with."""

    speakers: list[Known] = field(default_factory=list)
    aliases: list[tuple[int, str]] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)
    retitled: list[tuple[int, str]] = field(default_factory=list)
    affiliated: list[tuple[int, str]] = field(default_factory=list)
    said: list[tuple[int, str]] = field(default_factory=list)  # (speaker, pronoun gender)
    renamed: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class WriteBatch:
    """Everything a session's writes keep back; see the module docstring."""

    rows: StoreRows = field(default_factory=StoreRows)
    cache: RowCache | None = None
    learned: IndexChanges = field(default_factory=IndexChanges)
    hold_audit: bool = False
    audit_head: tuple[int, str] | None = None
    audit_entries: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def peek(session: Session) -> WriteBatch | None:
        """The session's batch, or None when it has not written through one."""
        batch: WriteBatch | None = session.info.get(WriteBatch)
        return batch

    @staticmethod
    def of(session: Session) -> WriteBatch:
        """The session's batch, created (and its hooks installed) on first use."""
        batch = WriteBatch.peek(session)
        if batch is None:
            if not event.contains(session, "before_commit", _flush):
                for name, fn in _LISTENERS:
                    event.listen(session, name, fn)
            batch = session.info[WriteBatch] = WriteBatch()
        return batch

    @staticmethod
    def discard(session: Session) -> None:
        """Forget the session's batch (after a rollback, before reloading the index)."""
        session.info.pop(WriteBatch, None)

    def row_cache(self, session: Session) -> RowCache:
        """The cache of speaker and alias rows, started over when it grows too large."""
        if self.cache is None or len(self.cache.speakers) > MAX_CACHED_SPEAKERS:
            self.flush_rows(session)  # the changes must not leave with the records
            self.cache = RowCache()
        return self.cache

    def pending(self) -> bool:
        return not self.rows.empty() or bool(self.audit_entries)

    def flush(self, session: Session) -> None:
        """Write the kept-back store rows, then the kept-back log entries (in ``seq`` order)."""
        self.flush_rows(session)
        if self.audit_entries:
            entries, self.audit_entries = self.audit_entries, []
            insert_rows(session.connection(), AuditRow.__table__, entries)  # type: ignore[attr-defined]

    def flush_rows(self, session: Session) -> None:
        """Write the documents, quotes, speaker, alias and merge changes kept back."""
        pending = self.rows
        if pending.empty():
            return
        conn = session.connection()
        speakers: Any = SpeakerRow.__table__  # type: ignore[attr-defined]
        aliases: Any = AliasRow.__table__  # type: ignore[attr-defined]
        merges: Any = MergeRow.__table__  # type: ignore[attr-defined]
        # Documents and speakers first, then what refers to them.
        if pending.documents:
            conn.execute(DocumentRow.__table__.insert(), pending.documents)  # type: ignore[attr-defined]
        if pending.new_speakers:
            conn.execute(speakers.insert(), pending.new_speakers)
            if conn.dialect.name == "postgresql":
                # The ids were chosen by the writer (store._new_speaker_id): the sequence
                # must not hand them out again.
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('speakers', 'id'), "
                        "(SELECT max(id) FROM speakers))"
                    )
                )
        if pending.quotes:
            insert_rows(conn, QuoteRow.__table__, pending.quotes)  # type: ignore[attr-defined]
        if pending.new_aliases:
            conn.execute(
                aliases.insert(),
                [
                    {
                        "speaker_id": a.speaker_id,
                        "alias": a.alias,
                        "key": a.key,
                        "count": a.count,
                        "is_name": a.is_name,
                    }
                    for a in pending.new_aliases
                ],
            )
        by_id = [a for a in pending.aliases.values() if a.id is not None]
        if by_id:
            conn.execute(
                aliases.update()
                .where(aliases.c.id == bindparam("a_id"))
                .values(count=bindparam("a_count"), is_name=bindparam("a_is_name")),
                [{"a_id": a.id, "a_count": a.count, "a_is_name": a.is_name} for a in by_id],
            )
        by_name = [a for a in pending.aliases.values() if a.id is None]
        if by_name:
            conn.execute(
                aliases.update()
                .where(
                    aliases.c.speaker_id == bindparam("a_speaker"),
                    aliases.c.alias == bindparam("a_alias"),
                )
                .values(count=bindparam("a_count"), is_name=bindparam("a_is_name")),
                [
                    {
                        "a_speaker": a.speaker_id,
                        "a_alias": a.alias,
                        "a_count": a.count,
                        "a_is_name": a.is_name,
                    }
                    for a in by_name
                ],
            )
        if pending.speakers:
            conn.execute(
                speakers.update()
                .where(speakers.c.id == bindparam("s_id"))
                .values(
                    name=bindparam("s_name"),
                    titles=bindparam("s_titles"),
                    affiliation=bindparam("s_affiliation"),
                ),
                [
                    {
                        "s_id": sid,
                        "s_name": sp.name,
                        "s_titles": sp.titles,
                        "s_affiliation": sp.affiliation,
                    }
                    for sid, sp in pending.speakers.items()
                ],
            )
        if pending.merges:
            conn.execute(merges.insert(), pending.merges)
        pending.clear()  # the same object: writers may hold it while a query writes it


def flush(session: Session) -> None:
    """Write whatever the session's batch keeps back (nothing when it has none)."""
    batch = WriteBatch.peek(session)
    if batch is not None:
        batch.flush(session)


def _flush(session: Session, *_args: Any) -> None:
    flush(session)


def _before_orm_execute(state: Any) -> None:
    # Whatever the ORM reads in this transaction sees the changes kept back so far.
    batch = WriteBatch.peek(state.session)
    if state.is_select and batch is not None and batch.pending():
        batch.flush(state.session)


def _after_rollback(session: Session) -> None:
    batch = WriteBatch.peek(session)
    if batch is not None:
        batch.rows = StoreRows()
        batch.cache = None  # the records may hold what the rollback undid


def _after_commit(session: Session) -> None:
    batch = WriteBatch.peek(session)
    if batch is not None:
        batch.rows.next_speaker = None  # another writer may take the next ids now


def _after_transaction_end(session: Session, transaction: Any) -> None:
    batch = WriteBatch.peek(session)
    if batch is None:
        return
    if transaction.parent is None:  # the root transaction ended: commit wrote them, or rollback
        batch.audit_head, batch.audit_entries = None, []
    elif transaction.nested:  # a savepoint that rolled back may take entries with it
        batch.audit_head = None
    # Else a flush's own subtransaction ended: nothing moved but by our appends.


_LISTENERS = (
    ("before_flush", _flush),
    ("before_commit", _flush),
    ("do_orm_execute", _before_orm_execute),
    ("after_rollback", _after_rollback),
    ("after_commit", _after_commit),
    ("after_transaction_end", _after_transaction_end),
)
