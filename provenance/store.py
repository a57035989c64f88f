"""Storage: owns the engine; every other function takes a session.

SQLite (a file path, default ``provenance.db``) or any SQLAlchemy URL such as
``postgresql+psycopg://user@host/db``. Nothing connects at import time.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, event, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, col, create_engine, select

from provenance import audit
from provenance.appearances import standings, with_standing
from provenance.authority import with_authority
from provenance.batch import (
    CachedAlias,
    CachedSpeaker,
    IndexChanges,
    RowCache,
    StoreRows,
    WriteBatch,
    flush,
)
from provenance.dbfile import SQLITE_BUSY_TIMEOUT_MS, resolve_url, sqlite_path
from provenance.errors import NotFoundError, StoreError, public, redact
from provenance.lexicon import load
from provenance.migrations import migrate
from provenance.models import (
    QUOTE_COLUMNS,
    Attribution,
    Document,
    DocumentIn,
    Merge,
    Quote,
    ResolvedSpeaker,
    Speaker,
    SpeakerKind,
    Stats,
    id_range,
    quote_id,
    stored_quote,
)
from provenance.names import (
    canonical_name,
    fold,
    name_parts,
    names_by_speaker,
    place_key,
    speakers_meant,
    title_gender,
    title_keys,
)
from provenance.people import Person, authority_for, speakers_for
from provenance.speaker_index import Known, SpeakerIndex, pronoun_forms
from provenance.tables import (
    AliasRow,
    DocumentRow,
    MergeRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)

INIT_ATTEMPTS = 6  # opening a store: tries when a lock is met (backoff: up to ~6 s in all)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # busy_timeout waits out other writers, and first: switching a new file to WAL (which
    # lets readers run beside a writer) takes a lock too, and without the timeout a second
    # process opening the file that moment failed at once ("database is locked").
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB of page cache, not SQLite's 2 MiB: the blocking-key index takes its
    # inserts in random key order, and a small cache rereads its pages (a third of
    # the time of writing keys in a cross-source update of news). 64 MiB was no
    # faster on 40,000 quotes and held 90 MB more (the sorter of a rebuild's index
    # build uses as much again).
    cur.execute("PRAGMA cache_size=-32768")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """BEGIN IMMEDIATE for write sessions (:meth:`Store.write_session`).

    A deferred transaction that reads and then writes cannot wait for another
    writer: SQLite fails it at once with "database is locked" (the busy
    timeout does not apply to a lock upgrade). Taking the write lock first
    makes concurrent writers queue on the busy timeout instead. Other sessions
    keep the sqlite3 module's own behaviour (a transaction opens at the first
    write), which :func:`provenance.audit.lock_for_append` relies on.
    """
    if conn.get_execution_options().get("sqlite_immediate", False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_TRANSIENT_WORDS = (
    "locked",
    "busy",
    "deadlock",
    "could not serialize",
    "serialization",
    "connection",
    "timeout",
    "timed out",
    "terminating",
    "server closed",
)
"""Words of a database error that another try may not meet (a lock held, a dropped link)."""


def backoff(attempt: int) -> None:
    """Wait before try ``attempt`` + 2 after a :func:`transient` failure: 0.05–0.2 s,
    doubling, at random so that two processes that collided do not collide again."""
    time.sleep(random.uniform(0.05, 0.2) * 2**attempt)


def transient(exc: BaseException) -> bool:
    """Whether another try could succeed: a lock, a serialisation failure or a lost
    connection. Constraint violations, bad values and bugs fail the same way each time."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    message = str(getattr(exc, "orig", None) or exc).lower()
    return any(word in message for word in _TRANSIENT_WORDS)


class Store:
    """A database: the engine and the schema. Open sessions with :meth:`session`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                engine = create_engine(self.url)
            except (SQLAlchemyError, ImportError, ValueError) as exc:
                raise StoreError(
                    f"cannot open database {redact(self.url)!r}: {redact(str(exc))}"
                ) from exc
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            self._engine = engine
        return self._engine

    def files(self) -> list[Path]:
        """The files the database lives in (SQLite: the file, its journal, WAL and shared
        memory), for commands that write files to refuse; none for a server database."""
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return []
        main = Path(url.database)
        return [main, *(main.with_name(main.name + end) for end in ("-wal", "-shm", "-journal"))]

    def init(self) -> Store:
        """Create tables, or migrate an older schema (:mod:`provenance.migrations`).

        A lock met here is tried again (:data:`INIT_ATTEMPTS` times): two processes
        opening one new SQLite file at once can meet "database is locked" while the
        other switches it to WAL or creates its tables, before any busy timeout applies.
        """
        for attempt in range(INIT_ATTEMPTS):
            try:
                migrate(self.engine)
                return self
            except OperationalError as exc:
                if attempt + 1 < INIT_ATTEMPTS and transient(exc):
                    backoff(attempt)
                    continue
                raise StoreError(
                    f"cannot use database {redact(self.url)!r}: {redact(str(exc.orig))}"
                ) from exc
        return self

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s:
            yield s

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session whose transactions take the SQLite write lock up front.

        Use it for read-then-write work such as ingest, so that two processes
        writing the same SQLite file wait for each other instead of failing.
        On other databases it is an ordinary session.
        """
        engine = self.engine.execution_options(sqlite_immediate=True)
        # No autoflush: write_document keeps its rows back and writes them per
        # transaction (see provenance.batch), so flushing before every read would only cost.
        with Session(engine, expire_on_commit=False, autoflush=False) as s:
            yield s

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


@public
def open_store(db: str | None = None) -> Store:
    """The store at ``db`` (path or URL), schema created if missing."""
    return Store(resolve_url(db)).init()


def open_existing_store(db: str | None = None) -> Store:
    """:func:`open_store` for readers: a SQLite file that does not exist is an error, not created.

    Raises :class:`StoreError` naming the missing file.
    """
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and path != ":memory:" and not Path(path).exists():
        raise StoreError(f"no database at {path} (ingest articles first, or pass --db)")
    return Store(url).init()


def _now() -> datetime:
    return datetime.now(UTC)


# ---- writing --------------------------------------------------------------


def load_speaker_index(session: Session) -> SpeakerIndex:
    """Every stored speaker with its aliases, for cross-document matching."""
    known: dict[int, Known] = {}
    flush(session)  # plain rows below: no ORM hook writes what is kept back
    conn = session.connection()  # plain rows: read whole at the start of every ingest
    speakers, aliases = SpeakerRow.__table__, AliasRow.__table__  # type: ignore[attr-defined]
    kinds = {k.value: k for k in SpeakerKind}
    for sid, name, kind, titles, affiliation in conn.execute(
        sa_select(
            speakers.c.id,
            speakers.c.name,
            speakers.c.kind,
            speakers.c.titles,
            speakers.c.affiliation,
        ).order_by(speakers.c.id)
    ):
        known[sid] = Known(
            sid,
            name,
            kinds[kind],
            titles=title_keys(json.loads(titles)),
            gender=title_gender(json.loads(titles)),
            affiliation=place_key(affiliation) if affiliation else None,
        )
    for sid, key in conn.execute(sa_select(aliases.c.speaker_id, aliases.c.key)):
        if sid in known:
            known[sid].aliases.add(key)
    # What "he" and "she" said of each speaker: the store keeps it in its quotes only.
    forms = pronoun_forms()
    quotes = QuoteRow.__table__  # type: ignore[attr-defined]
    for sid, text in conn.execute(
        sa_select(quotes.c.speaker_id, quotes.c.speaker_text).where(
            quotes.c.speaker_text.in_(sorted(forms)), quotes.c.speaker_id.is_not(None)
        )
    ):
        if sid in known:
            known[sid].heard(forms[text])
    index = SpeakerIndex(list(known.values()))
    merges = MergeRow.__table__  # type: ignore[attr-defined]
    for sid, n in conn.execute(
        sa_select(merges.c.speaker_id, func.count()).group_by(merges.c.speaker_id)
    ):
        index.count(sid, n)
    return index


def has_document(session: Session, doc_id: str) -> bool:
    return session.get(DocumentRow, doc_id) is not None


def _new_speaker_id(session: Session, changes: StoreRows) -> int:
    """An id for a speaker this transaction is creating.

    Chosen here rather than by an insert per speaker (a statement, and a round trip
    to a server, for every new speaker) so that new speakers go in with the
    transaction's other rows. The first one reads the largest id; the writer holds
    the write lock from its first statement (SQLite's BEGIN IMMEDIATE, the ingest
    advisory lock on PostgreSQL), so nobody else creates speakers until it commits,
    and the ids are the ones the database would have given.
    """
    if changes.next_speaker is None:
        t = SpeakerRow.__table__  # type: ignore[attr-defined]
        changes.next_speaker = (
            session.connection().execute(sa_select(func.max(t.c.id))).scalar() or 0
        ) + 1
    speaker_id = changes.next_speaker
    changes.next_speaker += 1
    return speaker_id


def _speaker_row(session: Session, rows: RowCache, speaker_id: int) -> CachedSpeaker:
    row = rows.speakers.get(speaker_id)
    if row is None:
        t = SpeakerRow.__table__  # type: ignore[attr-defined]
        name, titles, affiliation = (
            session.connection()
            .execute(sa_select(t.c.name, t.c.titles, t.c.affiliation).where(t.c.id == speaker_id))
            .one()
        )
        row = rows.speakers[speaker_id] = CachedSpeaker(name, titles, affiliation)
    return row


def _alias_rows(session: Session, rows: RowCache, speaker_id: int) -> dict[str, CachedAlias]:
    aliases = rows.aliases.get(speaker_id)
    if aliases is None:
        t = AliasRow.__table__  # type: ignore[attr-defined]
        aliases = {
            alias: CachedAlias(speaker_id, alias, key, count, is_name, alias_id)
            for alias_id, alias, key, count, is_name in session.connection().execute(
                sa_select(t.c.id, t.c.alias, t.c.key, t.c.count, t.c.is_name)
                .where(t.c.speaker_id == speaker_id)
                .order_by(t.c.id)
            )
        }
        rows.aliases[speaker_id] = aliases
    return aliases


def _speaker_for(
    session: Session, index: SpeakerIndex, r: ResolvedSpeaker, doc_id: str, pending: list[Known]
) -> tuple[int, bool]:
    """Id of the stored speaker for ``r`` (created if new); True when created."""
    batch = WriteBatch.of(session)
    rows, changes = batch.row_cache(session), batch.rows
    match = index.match(r)
    # The aliases this mention adds; logged, so that verify re-derives the aliases table.
    names = {r.name} | {
        m
        for m in r.mentions
        if len(m) > 3 and m[:1].isupper() and (r.kind is not SpeakerKind.person or _fits(m, r))
    }
    if match is None:
        titles_json = json.dumps(r.titles)
        speaker_id, created = _new_speaker_id(session, changes), True
        values: dict[str, Any] = dict(
            id=speaker_id,
            name=r.name,
            kind=r.kind.value,
            titles=titles_json,
            affiliation=r.affiliation,
            created_at=_now(),
        )
        changes.new_speakers.append(values)
        row = CachedSpeaker(r.name, titles_json, r.affiliation)
        rows.speakers[speaker_id], rows.aliases[speaker_id] = row, {}
        pending.append(
            Known(
                speaker_id,
                r.name,
                r.kind,
                titles=title_keys(r.titles),
                gender=title_gender(r.titles),
                affiliation=place_key(r.affiliation) if r.affiliation else None,
            )
        )
        audit.log_speaker_created(session, SimpleNamespace(**values), doc_id, aliases=sorted(names))
    else:
        speaker_id, created = match.speaker_id, False
        changes.merges.append(
            dict(
                speaker_id=speaker_id,
                alias=r.name,
                document_id=doc_id,
                score=match.score,
                evidence=match.evidence,
                created_at=_now(),
            )
        )
        audit.log_speaker_merged(
            session,
            speaker_id,
            r.name,
            doc_id,
            match.score,
            match.evidence,
            kind=r.kind.value,
            titles=r.titles,
            affiliation=r.affiliation,
            aliases=sorted(names),
        )
        batch.learned.matched.append(speaker_id)
        stored = _speaker_row(session, rows, speaker_id)
        titles = json.loads(stored.titles)
        new_titles = json.dumps(titles + [t for t in r.titles if t not in titles])
        affiliation = stored.affiliation or r.affiliation
        if (new_titles, affiliation) != (stored.titles, stored.affiliation):
            if new_titles != stored.titles:
                batch.learned.retitled.append((speaker_id, new_titles))
            if affiliation != stored.affiliation and affiliation:
                batch.learned.affiliated.append((speaker_id, affiliation))
            stored.titles, stored.affiliation = new_titles, affiliation
            changes.speakers[speaker_id] = stored
    aliases = _alias_rows(session, rows, speaker_id)
    for alias in sorted(names):
        existing = aliases.get(alias)
        if existing:
            existing.count += 1
            existing.is_name = existing.is_name or alias == r.name
            if existing not in changes.new_aliases:
                changes.aliases[id(existing)] = existing
        else:
            aliases[alias] = CachedAlias(speaker_id, alias, fold(alias), 1, alias == r.name)
            changes.new_aliases.append(aliases[alias])
            batch.learned.aliases.append((speaker_id, alias))
    if r.kind is SpeakerKind.person:
        counts = {a.alias: a.count for a in aliases.values() if a.is_name}
        person = _speaker_row(session, rows, speaker_id)
        name = canonical_name(counts) if counts else person.name
        if name != person.name:
            person.name = name
            changes.speakers[speaker_id] = person
        batch.learned.renamed.append((speaker_id, person.name))
    return speaker_id, created


def _fits(mention: str, r: ResolvedSpeaker) -> bool:
    """Whether a mention phrase may become an alias of the person ``r``: it ends with
    their surname and its title does not say the other gender ("Mrs. Clinton" is no
    alias of Bill Clinton)."""
    if name_parts(mention)[1] != name_parts(r.name)[1]:
        return False
    titles = load().titles
    said = {titles.get(w.lower(), "-") for w in mention.split()} - {"-"}
    return r.gender == "-" or not said or said == {r.gender}


def write_document(
    session: Session,
    doc: DocumentIn,
    attributions: list[Attribution],
    index: SpeakerIndex,
    extractor_version: str,
) -> tuple[int, int]:
    """Add one document with its quotes and speakers; the caller commits.

    Returns (quotes written, speakers created). The in-memory ``index`` learns
    new speakers only after the caller's commit succeeds (see :func:`commit_index`).
    """
    doc_id = doc.id
    # Documents and quotes go in as plain rows, kept back and inserted with the
    # transaction's other changes (see provenance.batch): ORM objects, and one
    # statement per document, cost more than the SQL itself.
    batch = WriteBatch.of(session)
    changes = batch.rows
    values: dict[str, Any] = dict(
        id=doc_id,
        text=doc.text,
        path=doc.path,
        url=doc.url,
        source=doc.source,
        title=doc.title,
        published=doc.published,
        ingested_at=_now(),
        size=len(doc.text),
    )
    changes.documents.append(values)
    audit.log_document(session, SimpleNamespace(**values))
    pending: list[Known] = []
    # Two people of one name and different genders ("Mrs. Abedini" and "Mr. Abedini",
    # their first names never given) are two entities of the document: two speakers.
    by_name: dict[tuple[str, str, str], int] = {}
    created = 0
    quotes = []
    for att in attributions:
        speaker_id = None
        if att.resolved is not None and att.kind != "nonspeech":
            key = (att.resolved.kind.value, fold(att.resolved.name), att.resolved.gender)
            if key not in by_name:
                by_name[key], new = _speaker_for(session, index, att.resolved, doc_id, pending)
                created += new
            speaker_id = by_name[key]
        sp, cue = att.speaker, att.cue
        quotes.append(
            dict(
                id=quote_id(doc_id, att.content.start, att.content.end),
                document_id=doc_id,
                kind=att.kind,
                start=att.content.start,
                end=att.content.end,
                text=att.content.text,
                speaker_start=sp.start if sp else None,
                speaker_end=sp.end if sp else None,
                speaker_text=sp.text if sp else None,
                cue_start=cue.start if cue else None,
                cue_end=cue.end if cue else None,
                cue_text=cue.text if cue else None,
                speaker_id=speaker_id,
                mention_name=att.speaker_name,
                confidence=att.confidence,
                rule=att.rule,
                extractor_version=extractor_version,
            )
        )
    changes.quotes.extend(quotes)
    # The new document's quotes are exactly these: no need to read them back.
    audit.log_extraction(session, doc_id, extractor_version, audit.SOFTWARE_ACTOR, quotes)
    batch.learned.speakers.extend(pending)
    forms = pronoun_forms()
    for q in quotes:
        sid, mention = q["speaker_id"], q["speaker_text"]
        if isinstance(sid, int) and isinstance(mention, str) and mention in forms:
            batch.learned.said.append((sid, forms[mention]))
    return len(attributions), created


def commit_index(session: Session, index: SpeakerIndex) -> None:
    """Commit, then let the index learn the speakers that commit created."""
    session.commit()
    learn_index(session, index)


def learn_index(session: Session, index: SpeakerIndex) -> None:
    """Teach ``index`` the speakers, aliases and names written in ``session`` so far.

    Call it after a commit, or before one if a rollback reloads the index.
    """
    batch = WriteBatch.peek(session)
    if batch is None:
        return
    learned, batch.learned = batch.learned, IndexChanges()
    for known in learned.speakers:
        index.add(known)
    for speaker_id, alias in learned.aliases:
        index.add_alias(speaker_id, alias)
    for speaker_id in learned.matched:
        index.count(speaker_id)
    for speaker_id, titles in learned.retitled:
        index.retitle(speaker_id, json.loads(titles))
    for speaker_id, affiliation in learned.affiliated:
        index.by_id[speaker_id].affiliation = place_key(affiliation)
    for speaker_id, gender in learned.said:
        index.hear(speaker_id, gender)
    # Keep names as stored, so the index matches what a fresh load_speaker_index
    # would give: an interrupted and resumed ingest then decides as an unbroken one.
    for speaker_id, name in learned.renamed:
        index.rename(speaker_id, name)


# ---- reading --------------------------------------------------------------


def id_prefix(column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix``, in a form the primary-key index can serve.

    ``LIKE 'abc%'`` alone scans the table on SQLite (its LIKE ignores case) and on
    PostgreSQL outside the C locale; a range ``abc <= id < abd`` does not. Ids are
    lower-case hex, so the upper bound is the prefix with its last digit bumped.
    """
    condition = column.startswith(prefix, autoescape=True)
    bounds = id_range(prefix)
    if bounds is not None:
        condition = and_(column >= bounds[0], column < bounds[1], condition)
    return condition


def _quote(
    row: QuoteRow, speaker: str | None, doc: DocumentRow | None, status: str | None = None
) -> Quote:
    return stored_quote(
        [getattr(row, c) for c in QUOTE_COLUMNS],
        speaker,
        doc.source if doc else None,
        doc.path if doc else None,
        doc.published if doc else None,
        status,
    )


def speaker_names(session: Session) -> dict[int, set[str]]:
    """Speaker id -> its canonical name and every alias (original spellings)."""
    flush(session)  # plain rows below: no ORM hook writes what is kept back
    conn = session.connection()  # plain rows: a store may hold tens of thousands of names
    speakers, aliases = SpeakerRow.__table__, AliasRow.__table__  # type: ignore[attr-defined]
    return names_by_speaker(
        ((sid, name) for sid, name in conn.execute(sa_select(speakers.c.id, speakers.c.name))),
        (
            (sid, alias)
            for sid, alias in conn.execute(sa_select(aliases.c.speaker_id, aliases.c.alias))
        ),
    )


@public
def find_speakers(session: Session, query: str) -> list[int]:
    """Ids of the speakers a name query means; :class:`NotFoundError` with suggestions if none."""
    # Exact (folded) names and aliases first, straight from the index on aliases.key:
    # the same answer query_matches gives for them, without loading every name.
    exact = session.exec(
        select(AliasRow.speaker_id)
        .where(AliasRow.key == fold(query))
        .distinct()
        .order_by(col(AliasRow.speaker_id))
    ).all()
    # A name or alias of the authority file means every speaker it stands for.
    known = speakers_for(session, query)
    return speakers_meant(query, list(exact), known, lambda: speaker_names(session))


def _quote_filters(
    session: Session,
    stmt: Any,
    speaker: str | None,
    document: str | None,
    kind: str | None,
    include_nonspeech: bool,
) -> Any:
    if speaker is not None:
        stmt = stmt.where(col(QuoteRow.speaker_id).in_(find_speakers(session, speaker)))
    if document is not None:
        stmt = stmt.where(id_prefix(col(QuoteRow.document_id), document))
    if kind is not None:
        stmt = stmt.where(QuoteRow.kind == kind)
    elif not include_nonspeech and speaker is None:
        stmt = stmt.where(QuoteRow.kind != "nonspeech")
    return stmt


@public
def list_quotes(
    session: Session,
    speaker: str | None = None,
    document: str | None = None,
    kind: str | None = None,
    include_nonspeech: bool = False,
    limit: int | None = None,
) -> list[Quote]:
    """Stored quotes in document order, filtered by speaker query, document id prefix, kind.

    Each carries its current review status (``unreviewed`` until someone reviews it).
    """
    stmt = (
        select(QuoteRow, SpeakerRow.name, DocumentRow, ReviewRow.status)
        .join(SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True)
        .join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id)
        .join(ReviewRow, col(ReviewRow.quote_id) == QuoteRow.id, isouter=True)
    )
    stmt = _quote_filters(session, stmt, speaker, document, kind, include_nonspeech)
    # NULLS FIRST spelled out: SQLite and PostgreSQL disagree on the default.
    stmt = stmt.order_by(
        col(DocumentRow.published).asc().nulls_first(),
        col(QuoteRow.document_id),
        col(QuoteRow.start),
        col(QuoteRow.end),
    )
    if limit:
        stmt = stmt.limit(limit)
    quotes = [_quote(q, name, d, status) for q, name, d, status in session.exec(stmt)]
    return _with_standing(session, _with_authority(session, quotes))


def _with_authority(session: Session, quotes: list[Quote]) -> list[Quote]:
    """Speakers the authority file knows under its name and identifier."""
    ids = {q.speaker_id for q in quotes if q.speaker_id is not None}
    return with_authority(quotes, authority_for(session, ids))


def _with_standing(session: Session, quotes: list[Quote]) -> list[Quote]:
    """Each quote with its cluster, whether it is the first report, how many outlets carry it."""
    return with_standing(quotes, standings(session, [q.id for q in quotes]))


def count_quotes(
    session: Session,
    speaker: str | None = None,
    document: str | None = None,
    kind: str | None = None,
    include_nonspeech: bool = False,
) -> int:
    """How many quotes :func:`list_quotes` would return without a limit."""
    stmt = _quote_filters(
        session,
        select(func.count()).select_from(QuoteRow),
        speaker,
        document,
        kind,
        include_nonspeech,
    )
    return int(session.exec(stmt).one())


def speaker_record(
    row: SpeakerRow, person: Person | None, spellings: set[str], quotes: int
) -> Speaker:
    """A stored speaker as a record: the authority file's name and identifier when
    ``person`` (its :class:`Person`, or None) has it — the stored name then stays an
    alias — and ``spellings`` (its aliases) other than the name shown."""
    assert row.id is not None
    name = person.name if person is not None else row.name
    return Speaker(
        id=row.id,
        name=name,
        kind=SpeakerKind(row.kind),
        titles=json.loads(row.titles),
        affiliation=row.affiliation,
        aliases=sorted(spellings - {name}),
        quotes=quotes,
        identifier=person.identifier if person is not None else None,
    )


@public
def list_speakers(session: Session) -> list[Speaker]:
    counts = dict(
        session.exec(
            select(QuoteRow.speaker_id, func.count()).group_by(col(QuoteRow.speaker_id))
        ).all()
    )
    names = speaker_names(session)
    known = authority_for(session)
    out = []
    for row in session.exec(select(SpeakerRow)):
        assert row.id is not None
        out.append(
            speaker_record(row, known.get(row.id), names.get(row.id, set()), counts.get(row.id, 0))
        )
    # Ordered in Python (code points): database collations differ (PostgreSQL's
    # en_US sorts case- and accent-insensitively, SQLite compares bytes).
    return sorted(out, key=lambda sp: (sp.name, sp.id))


@public
def list_merges(session: Session, speaker: str | None = None) -> list[Merge]:
    """Cross-document speaker merges with their score (0–100) and evidence, for review."""
    stmt = select(MergeRow, SpeakerRow.name).join(
        SpeakerRow, col(MergeRow.speaker_id) == SpeakerRow.id
    )
    if speaker is not None:
        stmt = stmt.where(col(MergeRow.speaker_id).in_(find_speakers(session, speaker)))
    stmt = stmt.order_by(col(MergeRow.speaker_id), col(MergeRow.id))
    return [
        Merge(
            speaker_id=m.speaker_id,
            speaker=name,
            alias=m.alias,
            document=m.document_id,
            score=m.score,
            evidence=m.evidence,
        )
        for m, name in session.exec(stmt)
    ]


@public
def get_quote(session: Session, quote_id_prefix: str) -> tuple[Quote, str]:
    """A quote by id (or unique prefix) and its document's text."""
    rows = session.exec(
        select(QuoteRow).where(id_prefix(col(QuoteRow.id), quote_id_prefix)).limit(2)
    ).all()
    if len(rows) != 1:
        what = "no quote" if not rows else "more than one quote"
        raise NotFoundError(f"{what} with id {quote_id_prefix!r}")
    row = rows[0]
    doc = session.get(DocumentRow, row.document_id)
    assert doc is not None
    speaker = session.get(SpeakerRow, row.speaker_id) if row.speaker_id else None
    review = session.get(ReviewRow, row.id)
    quote = _quote(row, speaker.name if speaker else None, doc, review.status if review else None)
    return _with_standing(session, _with_authority(session, [quote]))[0], doc.text


@public
def get_document(session: Session, doc_id_prefix: str) -> Document:
    rows = session.exec(
        select(DocumentRow).where(id_prefix(col(DocumentRow.id), doc_id_prefix)).limit(2)
    ).all()
    if len(rows) != 1:
        raise NotFoundError(f"no unique document with id {doc_id_prefix!r}")
    d = rows[0]
    return Document(
        id=d.id,
        path=d.path,
        url=d.url,
        source=d.source,
        title=d.title,
        published=d.published,
        ingested_at=d.ingested_at,
        size=d.size,
    )


@public
def stats(session: Session) -> Stats:
    by_kind = dict(session.exec(select(QuoteRow.kind, func.count()).group_by(QuoteRow.kind)).all())
    return Stats(
        documents=session.exec(select(func.count()).select_from(DocumentRow)).one(),
        quotes=sum(v for k, v in by_kind.items() if k != "nonspeech"),
        speakers=session.exec(select(func.count()).select_from(SpeakerRow)).one(),
        nonspeech=by_kind.get("nonspeech", 0),
        by_kind=by_kind,
    )
