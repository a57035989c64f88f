"""An authority file of people a newsroom supplies: canonical names and identifiers.

``provenance people import people.csv`` stores one ``people`` row per line (an
entry ``person.imported`` each). Stored speakers are left as extraction made
them, so ``verify`` still re-derives them from the log; the authority is applied
when they are read: a person whose name or a resolved-name alias folds (accents,
case, apostrophes, a possessive off: :func:`~provenance.authority.name_key`) to an
authority name or alias is shown under the authority's name and identifier.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from provenance import audit
from provenance.authority import (
    PERSON_COLUMNS,
    Person,
    authority_keys,
    match_authority,
    stands_for,
    stored_person,
)
from provenance.errors import InputError, public
from provenance.names import fold
from provenance.tables import AliasRow, PersonRow, SpeakerRow

COLUMNS = ("name", "aliases", "identifier", "gender", "title")
GENDERS = ("", "male", "female", "other")


class ImportReport(BaseModel):
    """What ``people import`` did; ``errors`` are one line each (file:line: reason)."""

    path: str
    imported: int = Field(default=0, description="new authority entries")
    updated: int = Field(default=0, description="entries replaced by a line with their name")
    errors: list[str] = Field(default_factory=list)


def person_payload(row: PersonRow | dict[str, Any]) -> dict[str, Any]:
    """What the ``person.imported`` entry fixes about a stored row (compared by ``verify``)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {
        "name": get("name"),
        "aliases": get("aliases"),
        "identifier": get("identifier"),
        "gender": get("gender"),
        "title": get("title"),
    }


def _parse(values: list[str], path: str, n: int) -> dict[str, Any]:
    if len(values) > len(COLUMNS):
        raise InputError(
            path,
            f"{len(values)} columns; expected at most {len(COLUMNS)} ({', '.join(COLUMNS)})",
            n,
        )
    cells = [v.strip() for v in values] + [""] * (len(COLUMNS) - len(values))
    name, aliases, identifier, gender, title = cells
    if not name:
        raise InputError(path, "no name in the first column", n)
    gender = gender.lower()
    if gender not in GENDERS:
        raise InputError(path, f"gender {gender!r} is not one of male, female, other", n)
    names = [a.strip() for a in aliases.split(";") if a.strip()]
    if identifier and (any(c.isspace() for c in identifier) or len(identifier) > 200):
        raise InputError(path, f"identifier {identifier[:40]!r} has spaces or is too long", n)
    return {
        "name": name,
        "aliases": json.dumps(sorted(set(names) - {name})),
        "identifier": identifier or None,
        "gender": gender or None,
        "title": title or None,
    }


def _rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            yield from enumerate(csv.reader(f), 1)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None


@public
def import_people(session: Session, path: Path, by: str = "") -> ImportReport:
    """Store the people of a CSV file (name, aliases ``;``-separated, identifier, gender,
    title; a header line starting with ``name`` is skipped) and commit.

    A line whose folded name is already an entry's name replaces that entry. A bad
    line is reported in ``errors`` and the others are imported.
    """
    report = ImportReport(path=str(path))
    actor = audit.person_actor(by.strip()) if by.strip() else audit.SOFTWARE_ACTOR
    parsed: list[dict[str, Any]] = []
    for n, values in _rows(path):
        if not any(v.strip() for v in values) or values[0].lstrip().startswith("#"):
            continue
        if n == 1 and values[0].strip().lower() == "name":
            continue
        try:
            parsed.append(_parse(values, str(path), n))
        except InputError as exc:
            report.errors.append(str(exc))
    audit.lock_writers(session)
    existing = {fold(r.name): r for r in session.exec(select(PersonRow))}
    for entry in parsed:
        row = existing.get(fold(entry["name"]))
        if row is None:
            row = PersonRow(**entry, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            existing[fold(row.name)] = row
            report.imported += 1
        else:
            for key, value in entry.items():
                setattr(row, key, value)
            session.add(row)
            report.updated += 1
        audit.record(
            session,
            audit.PERSON_IMPORTED,
            audit.subject("person", row.id),
            {**person_payload(row), "file": path.name},
            actor=actor,
        )
    session.commit()
    return report


@public
def list_people(session: Session) -> list[Person]:
    """Every authority entry, by name."""
    return [
        stored_person(getattr(r, c) for c in PERSON_COLUMNS)
        for r in session.exec(select(PersonRow).order_by(col(PersonRow.name), col(PersonRow.id)))
    ]


def _keys(session: Session) -> dict[str, Person]:
    return authority_keys(list_people(session))


def authority_for(session: Session, speaker_ids: Iterable[int] | None = None) -> dict[int, Person]:
    """Speaker id -> the authority entry its name (first) or resolved-name aliases match.

    Mention phrases ("he", "a spokesman") are not names and match nothing. A speaker
    whose aliases match two entries and whose name matches neither gets none.
    ``speaker_ids``: only these (None: every speaker).
    """
    keys = _keys(session)
    if not keys:
        return {}
    ids = None if speaker_ids is None else sorted(set(speaker_ids))
    if ids == []:
        return {}
    conn = session.connection()
    speakers, aliases = SpeakerRow.__table__, AliasRow.__table__  # type: ignore[attr-defined]
    by_name = sa_select(speakers.c.id, speakers.c.name).where(speakers.c.kind == "person")
    by_alias = sa_select(aliases.c.speaker_id, aliases.c.alias).where(aliases.c.is_name)
    if ids is not None:
        by_name = by_name.where(speakers.c.id.in_(ids))
        by_alias = by_alias.where(aliases.c.speaker_id.in_(ids))
    names = [(sid, name) for sid, name in conn.execute(by_name)]
    return match_authority(keys, names, ((sid, alias) for sid, alias in conn.execute(by_alias)))


def speakers_for(session: Session, query: str) -> list[int]:
    """Speakers the authority entry a query names stands for ([] when it names none)."""
    return stands_for(_keys(session), query, lambda: authority_for(session))
