"""Matching speakers to the authority file, once its rows are read: no database here.

:mod:`provenance.people` reads the ``people``, ``speakers`` and ``aliases`` rows through
the store's session; :mod:`provenance.quickread` reads the same rows with sqlite3 (issue
15: start-up). Both hand them to these functions, so the two paths cannot disagree on
which speaker an entry stands for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, Field

from provenance.models import Quote
from provenance.names import POSSESSIVE, fold


def name_key(name: str) -> str:
    """The folded key a name is matched by: accents, case, apostrophes and a possessive
    off ("Trump’s" = "trump")."""
    return fold(POSSESSIVE.sub("", name))


class Person(BaseModel):
    """One authority entry."""

    id: int
    name: str
    aliases: list[str] = Field(default_factory=list)
    identifier: str | None = Field(default=None, description="e.g. a Wikidata QID (Q22686)")
    gender: str | None = Field(default=None, description="male, female or other")
    title: str | None = None


PERSON_COLUMNS = ("id", "name", "aliases", "identifier", "gender", "title")
"""The ``people`` columns a :class:`Person` is built from, in :func:`stored_person`'s order."""


def stored_person(values: Iterable[Any]) -> Person:
    """A ``people`` row's values (:data:`PERSON_COLUMNS`) as a record."""
    v = dict(zip(PERSON_COLUMNS, values, strict=True))
    return Person(**{**v, "aliases": json.loads(v["aliases"])})


def authority_keys(people: Iterable[Person]) -> dict[str, Person]:
    """Folded name or alias -> its entry; a key two entries claim means neither."""
    keys: dict[str, Person | None] = {}
    for p in people:
        for k in {name_key(n) for n in [p.name, *p.aliases]} - {""}:
            keys[k] = None if k in keys and keys[k] != p else p
    return {k: p for k, p in keys.items() if p is not None}


def match_authority(
    keys: dict[str, Person], names: list[tuple[int, str]], aliases: Iterable[tuple[int, str]]
) -> dict[int, Person]:
    """Speaker id -> the entry its name (first) or resolved-name aliases match.

    ``keys``: :func:`authority_keys`; ``names``: (id, name) of the *person* speakers
    asked about; ``aliases``: (speaker id, alias) of their resolved-name aliases. A
    speaker whose aliases match two entries and whose name matches neither gets none.
    """
    out: dict[int, Person] = {}
    for sid, name in names:
        p = keys.get(name_key(name))
        if p is not None:
            out[sid] = p
    persons = {sid for sid, _ in names}
    found: dict[int, set[int]] = {}
    for sid, alias in aliases:
        p = keys.get(name_key(alias))
        if p is not None and sid not in out and sid in persons:
            found.setdefault(sid, set()).add(p.id)
    people = {p.id: p for p in keys.values()}
    for sid, pids in found.items():
        if len(pids) == 1:
            out[sid] = people[next(iter(pids))]
    return out


def stands_for(
    keys: dict[str, Person], query: str, every: Callable[[], dict[int, Person]]
) -> list[int]:
    """Speakers the entry a query names stands for ([] when it names none); ``every``
    gives the match of every speaker, called only when the query names an entry."""
    p = keys.get(name_key(query))
    if p is None:
        return []
    return sorted(sid for sid, q in every().items() if q.id == p.id)


def with_authority(quotes: list[Quote], found: dict[int, Person]) -> list[Quote]:
    """``quotes``, their speakers ``found`` in the authority file shown under its name
    and identifier."""
    for q in quotes:
        p = found.get(q.speaker_id) if q.speaker_id is not None else None
        if p is not None:
            q.speaker, q.speaker_identifier = p.name, p.identifier
    return quotes
