"""Corrections to speakers by a person: merge two speakers, split one by an alias.

Each is one audit entry made by ``person:<reviewer>`` listing every quote and
claim it moves, which ``verify`` replays to re-derive the speakers, aliases,
merges, quotes and claims it changed. The flags of the clusters holding a moved
quote (or a quote of a renamed speaker) are re-derived in the same transaction
(:func:`provenance.crosscheck.resync_quotes`), each change a ``flag.*`` entry with
reason ``correction``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from provenance import audit
from provenance.crosscheck import resync_quotes
from provenance.errors import NotFoundError, ProvenanceError, public
from provenance.names import canonical_name, fold
from provenance.store import find_speakers
from provenance.tables import AliasRow, ClaimRow, MergeRow, QuoteRow, SpeakerRow

CORRECTION = "correction"
"""The ``reason`` of the flag entries a correction causes."""


class SpeakersMerged(BaseModel):
    speaker_id: int = Field(description="the speaker kept")
    speaker: str
    merged_id: int = Field(description="the speaker removed; its quotes and aliases moved")
    quotes: int
    claims: int
    seq: int = Field(description="audit log entry")
    flags_raised: int = Field(default=0, description="flags the correction raised")
    flags_cleared: int = Field(default=0, description="flags the correction cleared")
    flags_updated: int = Field(
        default=0, description="flags whose records the correction changed (a speaker's name)"
    )


class SpeakerSplit(BaseModel):
    speaker_id: int = Field(description="the new speaker")
    speaker: str
    from_id: int
    from_name: str = Field(description="the old speaker's name after the split")
    aliases: list[str]
    quotes: int
    claims: int
    seq: int = Field(description="audit log entry")
    flags_raised: int = Field(default=0, description="flags the correction raised")
    flags_cleared: int = Field(default=0, description="flags the correction cleared")
    flags_updated: int = Field(
        default=0, description="flags whose records the correction changed (a speaker's name)"
    )


def _reviewer(by: str) -> str:
    if not by.strip():
        raise ProvenanceError("a correction needs a reviewer name (--by)")
    return audit.person_actor(by.strip())


def _one(session: Session, speaker: int | str) -> SpeakerRow:
    if isinstance(speaker, str) and not speaker.strip().isdigit():
        ids = find_speakers(session, speaker.strip())
        if len(ids) != 1:
            raise NotFoundError(f"{speaker!r} means {len(ids)} speakers: give the id")
        speaker = ids[0]
    row = session.get(SpeakerRow, int(speaker))
    if row is None:
        raise NotFoundError(f"no speaker with id {speaker}")
    return row


@public
def merge_speakers(
    session: Session, into: int | str, other: int | str, note: str = "", by: str = ""
) -> SpeakersMerged:
    """Make ``other`` one speaker with ``into`` (ids, or names meaning one speaker) and commit.

    ``other``'s quotes, claims, aliases (counts added) and merges go to ``into``,
    its titles are appended and its affiliation fills an empty one; ``into`` keeps
    its name; ``other`` is deleted. One ``speaker.joined`` entry on ``into``.
    """
    actor = _reviewer(by)
    audit.lock_writers(session)
    a, b = _one(session, into), _one(session, other)
    assert a.id is not None and b.id is not None
    if a.id == b.id:
        raise ProvenanceError(f"speaker {a.id} cannot be merged into itself")
    quotes = list(
        session.exec(
            select(QuoteRow.id).where(QuoteRow.speaker_id == b.id).order_by(col(QuoteRow.id))
        )
    )
    claims = list(
        session.exec(
            select(ClaimRow.id).where(ClaimRow.speaker_id == b.id).order_by(col(ClaimRow.id))
        )
    )
    entry = audit.record(
        session,
        audit.SPEAKER_JOINED,
        audit.subject("speaker", a.id),
        {"from": b.id, "quotes": quotes, "claims": claims, "note": note},
        actor=actor,
    )
    session.execute(
        update(QuoteRow).where(col(QuoteRow.speaker_id) == b.id).values(speaker_id=a.id)
    )
    session.execute(
        update(ClaimRow).where(col(ClaimRow.speaker_id) == b.id).values(speaker_id=a.id)
    )
    session.execute(
        update(MergeRow).where(col(MergeRow.speaker_id) == b.id).values(speaker_id=a.id)
    )
    held = {r.alias: r for r in session.exec(select(AliasRow).where(AliasRow.speaker_id == a.id))}
    for r in session.exec(
        select(AliasRow).where(AliasRow.speaker_id == b.id).order_by(col(AliasRow.id))
    ).all():
        mine = held.get(r.alias)
        if mine is not None:
            mine.count += r.count
            mine.is_name = mine.is_name or r.is_name
            session.add(mine)
            session.delete(r)
        else:
            r.speaker_id = a.id
            session.add(r)
    titles = json.loads(a.titles)
    a.titles = json.dumps(titles + [t for t in json.loads(b.titles) if t not in titles])
    a.affiliation = a.affiliation or b.affiliation
    session.add(a)
    session.flush()
    session.execute(delete(SpeakerRow).where(col(SpeakerRow.id) == b.id))
    flags = resync_quotes(session, quotes, CORRECTION)
    out = SpeakersMerged(
        speaker_id=a.id,
        speaker=a.name,
        merged_id=b.id,
        quotes=len(quotes),
        claims=len(claims),
        seq=entry.seq,
        flags_raised=flags.raised,
        flags_cleared=flags.cleared,
        flags_updated=flags.updated,
    )
    session.commit()
    return out


def _mention_key(*names: str | None) -> set[str]:
    return {fold(n) for n in names if n}


@public
def split_speaker(
    session: Session, speaker: int | str, alias: str, note: str = "", by: str = ""
) -> SpeakerSplit:
    """Move the quotes of ``speaker`` whose mention is ``alias`` to a new speaker; commits.

    Matching is folded (accents, case, apostrophes off): the speaker's aliases with
    that key, its quotes whose resolved mention name or speaker mention has it, its
    claims whose speaker has it and its merges of that alias all move. The new
    speaker is named by the moved alias, of the old one's kind; the old speaker's
    name is re-chosen from its remaining names. One ``speaker.split`` entry on the
    new speaker.
    """
    actor = _reviewer(by)
    key = fold(alias)
    audit.lock_writers(session)
    old = _one(session, speaker)
    assert old.id is not None
    moved = list(
        session.exec(
            select(AliasRow)
            .where(AliasRow.speaker_id == old.id, AliasRow.key == key)
            .order_by(col(AliasRow.id))
        ).all()
    )
    if not moved or not key:
        raise NotFoundError(f"speaker {old.id} ({old.name}) has no alias {alias!r}")
    quotes = [
        q
        for q, m, t in session.exec(
            select(QuoteRow.id, QuoteRow.mention_name, QuoteRow.speaker_text)
            .where(QuoteRow.speaker_id == old.id)
            .order_by(col(QuoteRow.id))
        )
        if key in _mention_key(m, t)
    ]
    claims = [
        c
        for c, s in session.exec(
            select(ClaimRow.id, ClaimRow.speaker)
            .where(ClaimRow.speaker_id == old.id)
            .order_by(col(ClaimRow.id))
        )
        if key in _mention_key(s)
    ]
    merges = [
        m
        for m in session.exec(select(MergeRow).where(MergeRow.speaker_id == old.id))
        if fold(m.alias) == key
    ]
    name = max(moved, key=lambda r: (r.is_name, r.count)).alias
    new_id = (session.exec(select(func.max(SpeakerRow.id))).one() or 0) + 1
    entry = audit.record(
        session,
        audit.SPEAKER_SPLIT,
        audit.subject("speaker", new_id),
        {
            "from": old.id,
            "name": name,
            "kind": old.kind,
            "key": key,
            "aliases": [r.alias for r in moved],
            "quotes": quotes,
            "claims": claims,
            "note": note,
        },
        actor=actor,
    )
    session.add(
        SpeakerRow(
            id=new_id,
            name=name,
            kind=old.kind,
            titles="[]",
            affiliation=None,
            created_at=datetime.now(UTC),
        )
    )
    session.flush()
    for r in moved:
        r.speaker_id = new_id
        session.add(r)
    for m in merges:
        m.speaker_id = new_id
        session.add(m)
    if quotes:
        session.execute(
            update(QuoteRow).where(col(QuoteRow.id).in_(quotes)).values(speaker_id=new_id)
        )
    if claims:
        session.execute(
            update(ClaimRow).where(col(ClaimRow.id).in_(claims)).values(speaker_id=new_id)
        )
    session.flush()
    if old.kind == "person":  # as verify re-chooses it (and ingest after a merge)
        counts = {
            r.alias: r.count
            for r in session.exec(
                select(AliasRow).where(AliasRow.speaker_id == old.id, col(AliasRow.is_name))
            )
        }
        if counts:
            old.name = canonical_name(counts)
            session.add(old)
    session.flush()
    # The old speaker's name may have changed too: every cluster of either speaker.
    both = list(
        session.exec(
            select(QuoteRow.id)
            .where(col(QuoteRow.speaker_id).in_([old.id, new_id]))
            .order_by(col(QuoteRow.id))
        )
    )
    flags = resync_quotes(session, both, CORRECTION)
    out = SpeakerSplit(
        speaker_id=new_id,
        speaker=name,
        from_id=old.id,
        from_name=old.name,
        aliases=[r.alias for r in moved],
        quotes=len(quotes),
        claims=len(claims),
        seq=entry.seq,
        flags_raised=flags.raised,
        flags_cleared=flags.cleared,
        flags_updated=flags.updated,
    )
    session.commit()
    return out
