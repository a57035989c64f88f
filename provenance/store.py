"""Storage: owns the engine; every other function takes a session.

SQLite (a file path, default ``provenance.db``) or any SQLAlchemy URL such as
``postgresql+psycopg://user@host/db``. Nothing connects at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, create_engine, select

from provenance import audit
from provenance.errors import NotFoundError, StoreError
from provenance.models import (
    Attribution,
    Document,
    DocumentIn,
    Merge,
    Quote,
    ResolvedSpeaker,
    Span,
    Speaker,
    SpeakerKind,
    Stats,
    quote_id,
)
from provenance.speakers import (
    Known,
    SpeakerIndex,
    canonical_name,
    fold,
    query_matches,
    suggestions,
)
from provenance.tables import (
    SCHEMA_VERSION,
    AliasRow,
    DocumentRow,
    MergeRow,
    MetaRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)

DEFAULT_DB = "provenance.db"
ENV_VAR = "PROVENANCE_DB"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, ``$PROVENANCE_DB`` or the default file."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside a writer; busy_timeout waits out other writers.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


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
                raise StoreError(f"cannot open database {self.url!r}: {exc}") from exc
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            self._engine = engine
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def init(self) -> Store:
        """Create tables if needed and check the schema version."""
        try:
            SQLModel.metadata.create_all(self.engine)
            with Session(self.engine) as s:
                row = s.get(MetaRow, "schema_version")
                if row is None:
                    s.add(MetaRow(key="schema_version", value=str(SCHEMA_VERSION)))
                    s.commit()
                elif int(row.value) > SCHEMA_VERSION:
                    raise StoreError(
                        f"database schema {row.value} is newer than this provenance "
                        f"({SCHEMA_VERSION}); upgrade provenance"
                    )
        except OperationalError as exc:
            raise StoreError(f"cannot use database {self.url!r}: {exc.orig}") from exc
        return self

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s:
            yield s

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def open_store(db: str | None = None) -> Store:
    """The store at ``db`` (path or URL), schema created if missing."""
    return Store(resolve_url(db)).init()


def _now() -> datetime:
    return datetime.now(UTC)


# ---- writing --------------------------------------------------------------


def load_speaker_index(session: Session) -> SpeakerIndex:
    """Every stored speaker with its aliases, for cross-document matching."""
    known: dict[int, Known] = {}
    for row in session.exec(select(SpeakerRow)):
        assert row.id is not None
        known[row.id] = Known(row.id, row.name, SpeakerKind(row.kind))
    for alias in session.exec(select(AliasRow)):
        if alias.speaker_id in known:
            known[alias.speaker_id].aliases.add(alias.key)
    return SpeakerIndex(list(known.values()))


def has_document(session: Session, doc_id: str) -> bool:
    return session.get(DocumentRow, doc_id) is not None


def _speaker_for(session: Session, index: SpeakerIndex, r: ResolvedSpeaker,
                 doc_id: str, pending: list[Known]) -> tuple[int, bool]:
    """Id of the stored speaker for ``r`` (created if new); True when created."""
    match = index.match(r)
    if match is None:
        row = SpeakerRow(name=r.name, kind=r.kind.value, titles=json.dumps(r.titles),
                         affiliation=r.affiliation, created_at=_now())
        session.add(row)
        session.flush()
        assert row.id is not None
        speaker_id, created = row.id, True
        pending.append(Known(row.id, r.name, r.kind))
        audit.log_speaker_created(session, row, doc_id)
    else:
        speaker_id, created = match.speaker_id, False
        session.add(MergeRow(speaker_id=speaker_id, alias=r.name, document_id=doc_id,
                             score=match.score, evidence=match.evidence, created_at=_now()))
        audit.log_speaker_merged(session, speaker_id, r.name, doc_id, match.score, match.evidence)
        stored = session.get(SpeakerRow, speaker_id)
        assert stored is not None
        titles = json.loads(stored.titles)
        stored.titles = json.dumps(titles + [t for t in r.titles if t not in titles])
        stored.affiliation = stored.affiliation or r.affiliation
    names = {r.name} | {m for m in r.mentions if len(m) > 3 and m[:1].isupper()}
    for alias in sorted(names):
        existing = session.exec(select(AliasRow).where(
            AliasRow.speaker_id == speaker_id, AliasRow.alias == alias)).first()
        if existing:
            existing.count += 1
            existing.is_name = existing.is_name or alias == r.name
        else:
            session.add(AliasRow(speaker_id=speaker_id, alias=alias, key=fold(alias),
                                 is_name=alias == r.name))
            session.info.setdefault("merged", []).append((speaker_id, alias))
    session.flush()
    if r.kind is SpeakerKind.person:
        counts = {a.alias: a.count for a in session.exec(select(AliasRow).where(
            AliasRow.speaker_id == speaker_id, col(AliasRow.is_name)))}
        person = session.get(SpeakerRow, speaker_id)
        assert person is not None
        person.name = canonical_name(counts) if counts else person.name
    return speaker_id, created


def write_document(session: Session, doc: DocumentIn, attributions: list[Attribution],
                   index: SpeakerIndex, extractor_version: str) -> tuple[int, int]:
    """Add one document with its quotes and speakers; the caller commits.

    Returns (quotes written, speakers created). The in-memory ``index`` learns
    new speakers only after the caller's commit succeeds (see :func:`commit_index`).
    """
    doc_id = doc.id
    doc_row = DocumentRow(id=doc_id, text=doc.text, path=doc.path, url=doc.url,
                          source=doc.source, title=doc.title, published=doc.published,
                          ingested_at=_now(), size=len(doc.text))
    session.add(doc_row)
    session.flush()
    audit.log_document(session, doc_row)
    pending: list[Known] = []
    by_name: dict[tuple[str, str], int] = {}
    created = 0
    for att in attributions:
        speaker_id = None
        if att.resolved is not None and att.kind != "nonspeech":
            key = (att.resolved.kind.value, fold(att.resolved.name))
            if key not in by_name:
                by_name[key], new = _speaker_for(session, index, att.resolved, doc_id, pending)
                created += new
            speaker_id = by_name[key]
        sp, cue = att.speaker, att.cue
        session.add(QuoteRow(
            id=quote_id(doc_id, att.content.start, att.content.end), document_id=doc_id,
            kind=att.kind, start=att.content.start, end=att.content.end, text=att.content.text,
            speaker_start=sp.start if sp else None, speaker_end=sp.end if sp else None,
            speaker_text=sp.text if sp else None, cue_start=cue.start if cue else None,
            cue_end=cue.end if cue else None, cue_text=cue.text if cue else None,
            speaker_id=speaker_id, mention_name=att.speaker_name, confidence=att.confidence,
            rule=att.rule, extractor_version=extractor_version))
    audit.log_extraction(session, doc_id, extractor_version)
    session.info.setdefault("pending_speakers", []).extend(pending)
    return len(attributions), created


def commit_index(session: Session, index: SpeakerIndex) -> None:
    """Commit, then let the index learn the speakers that commit created."""
    session.commit()
    for known in session.info.pop("pending_speakers", []):
        index.add(known)
    # Aliases of matched speakers: re-read the few that changed is cheaper than guessing.
    for merge in session.info.pop("merged", []):
        index.add_alias(*merge)


# ---- reading --------------------------------------------------------------


def _quote(row: QuoteRow, speaker: str | None, doc: DocumentRow | None,
           status: str | None = None) -> Quote:
    def span(s: int | None, e: int | None, t: str | None) -> Span | None:
        return Span(start=s, end=e, text=t) if s is not None and e is not None and t is not None \
            else None

    return Quote(
        id=row.id, document=row.document_id, kind=row.kind,
        content=Span(start=row.start, end=row.end, text=row.text),
        speaker_mention=span(row.speaker_start, row.speaker_end, row.speaker_text),
        cue=span(row.cue_start, row.cue_end, row.cue_text), speaker_id=row.speaker_id,
        speaker=speaker, confidence=row.confidence, rule=row.rule,
        extractor_version=row.extractor_version,
        source=doc.source if doc else None, path=doc.path if doc else None,
        published=doc.published if doc else None,
        review_status=status or "unreviewed",
    )


def speaker_names(session: Session) -> dict[int, set[str]]:
    """Speaker id -> its canonical name and every alias (original spellings)."""
    names: dict[int, set[str]] = {}
    for sid, name in session.exec(select(SpeakerRow.id, SpeakerRow.name)):
        names.setdefault(sid, set()).add(name)  # type: ignore[arg-type]
    for sid, alias in session.exec(select(AliasRow.speaker_id, AliasRow.alias)):
        names.setdefault(sid, set()).add(alias)
    return names


def find_speakers(session: Session, query: str) -> list[int]:
    """Ids of the speakers a name query means; :class:`NotFoundError` with suggestions if none."""
    names = speaker_names(session)
    hits = query_matches(query, names)
    if not hits:
        raise NotFoundError(f"no speaker matches {query!r}", suggestions(query, names))
    return hits


def list_quotes(session: Session, speaker: str | None = None, document: str | None = None,
                kind: str | None = None, include_nonspeech: bool = False,
                limit: int | None = None) -> list[Quote]:
    """Stored quotes in document order, filtered by speaker query, document id prefix, kind.

    Each carries its current review status (``unreviewed`` until someone reviews it).
    """
    stmt = select(QuoteRow, SpeakerRow.name, DocumentRow, ReviewRow.status).join(
        SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True).join(
        DocumentRow, col(QuoteRow.document_id) == DocumentRow.id).join(
        ReviewRow, col(ReviewRow.quote_id) == QuoteRow.id, isouter=True)
    if speaker is not None:
        stmt = stmt.where(col(QuoteRow.speaker_id).in_(find_speakers(session, speaker)))
    if document is not None:
        stmt = stmt.where(col(QuoteRow.document_id).startswith(document))
    if kind is not None:
        stmt = stmt.where(QuoteRow.kind == kind)
    elif not include_nonspeech and speaker is None:
        stmt = stmt.where(QuoteRow.kind != "nonspeech")
    stmt = stmt.order_by(col(DocumentRow.published), col(QuoteRow.document_id),
                         col(QuoteRow.start))
    if limit:
        stmt = stmt.limit(limit)
    return [_quote(q, name, d, status) for q, name, d, status in session.exec(stmt)]


def list_speakers(session: Session) -> list[Speaker]:
    counts = dict(session.exec(select(QuoteRow.speaker_id, func.count()).group_by(
        col(QuoteRow.speaker_id))).all())
    names = speaker_names(session)
    out = []
    for row in session.exec(select(SpeakerRow).order_by(SpeakerRow.name)):
        assert row.id is not None
        out.append(Speaker(id=row.id, name=row.name, kind=SpeakerKind(row.kind),
                           titles=json.loads(row.titles), affiliation=row.affiliation,
                           aliases=sorted(names.get(row.id, set()) - {row.name}),
                           quotes=counts.get(row.id, 0)))
    return out


def list_merges(session: Session, speaker: str | None = None) -> list[Merge]:
    """Cross-document speaker merges with their score (0–100) and evidence, for review."""
    stmt = select(MergeRow, SpeakerRow.name).join(
        SpeakerRow, col(MergeRow.speaker_id) == SpeakerRow.id)
    if speaker is not None:
        stmt = stmt.where(col(MergeRow.speaker_id).in_(find_speakers(session, speaker)))
    stmt = stmt.order_by(col(MergeRow.speaker_id), col(MergeRow.id))
    return [Merge(speaker_id=m.speaker_id, speaker=name, alias=m.alias, document=m.document_id,
                  score=m.score, evidence=m.evidence) for m, name in session.exec(stmt)]


def get_quote(session: Session, quote_id_prefix: str) -> tuple[Quote, str]:
    """A quote by id (or unique prefix) and its document's text."""
    rows = session.exec(select(QuoteRow).where(
        col(QuoteRow.id).startswith(quote_id_prefix)).limit(2)).all()
    if len(rows) != 1:
        what = "no quote" if not rows else "more than one quote"
        raise NotFoundError(f"{what} with id {quote_id_prefix!r}")
    row = rows[0]
    doc = session.get(DocumentRow, row.document_id)
    assert doc is not None
    speaker = session.get(SpeakerRow, row.speaker_id) if row.speaker_id else None
    review = session.get(ReviewRow, row.id)
    return _quote(row, speaker.name if speaker else None, doc,
                  review.status if review else None), doc.text


def get_document(session: Session, doc_id_prefix: str) -> Document:
    rows = session.exec(select(DocumentRow).where(
        col(DocumentRow.id).startswith(doc_id_prefix)).limit(2)).all()
    if len(rows) != 1:
        raise NotFoundError(f"no unique document with id {doc_id_prefix!r}")
    d = rows[0]
    return Document(id=d.id, path=d.path, url=d.url, source=d.source, title=d.title,
                    published=d.published, ingested_at=d.ingested_at, size=d.size)


def stats(session: Session) -> Stats:
    by_kind = dict(session.exec(select(QuoteRow.kind, func.count()).group_by(QuoteRow.kind)).all())
    return Stats(
        documents=session.exec(select(func.count()).select_from(DocumentRow)).one(),
        quotes=sum(v for k, v in by_kind.items() if k != "nonspeech"),
        speakers=session.exec(select(func.count()).select_from(SpeakerRow)).one(),
        nonspeech=by_kind.get("nonspeech", 0),
        by_kind=by_kind,
    )
