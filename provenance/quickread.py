"""``provenance quotes`` read with the stdlib's sqlite3: no sqlalchemy to import.

Importing sqlalchemy and sqlmodel alone takes about as long as the whole start-up
budget of ``provenance quotes --speaker X`` (issue 15: ≤ 0.3 s). When the database
is a SQLite file already at :data:`~provenance.dbfile.SCHEMA_VERSION`,
:func:`open_reader` opens it read-only (``mode=ro``: this path never writes, so it
never creates or migrates anything) and its :class:`Reader` answers as
:func:`provenance.store.list_quotes` and :func:`~provenance.store.count_quotes` do:
the same records in the same order, the same count, the same
:class:`~provenance.errors.NotFoundError` and suggestions. Anything else —
PostgreSQL, a missing file, an older or newer schema, a file sqlite3 cannot open
read-only — gives None, and the caller goes through the store as before.

The SQL below repeats statements that store.py, people.py and appearances.py write
with SQLAlchemy (they are the queries; there is no sharing them without
sqlalchemy), and only the SQL: the rows go to the functions the store uses
(:func:`~provenance.models.stored_quote`, :func:`~provenance.names.speakers_meant`,
:mod:`provenance.authority`, :func:`~provenance.appearances.rank`). Each statement
names the function it stands for; ``tests/test_quickread.py`` checks that both paths
agree on the bundled samples.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from provenance.appearances import Standing, rank, with_standing
from provenance.authority import (
    PERSON_COLUMNS,
    Person,
    authority_keys,
    match_authority,
    stands_for,
    stored_person,
    with_authority,
)
from provenance.dbfile import SCHEMA_VERSION, SQLITE_BUSY_TIMEOUT_MS, resolve_url, sqlite_path
from provenance.errors import StoreError
from provenance.models import QUOTE_COLUMNS, Quote, id_range, stored_quote
from provenance.names import fold, names_by_speaker, speakers_meant

DOCUMENT_INGESTED = "document.ingested"
""":data:`provenance.audit.DOCUMENT_INGESTED`, repeated: audit imports sqlalchemy (a
test checks they agree)."""

TABLES = frozenset(
    {
        "meta",
        "quotes",
        "documents",
        "speakers",
        "aliases",
        "reviews",
        "people",
        "cluster_members",
        "audit_log",
    }
)
"""The tables a :class:`Reader` reads; a file without one of them goes to the store
(which creates missing tables)."""


def open_reader(db: str | None = None) -> Reader | None:
    """A read-only reader of the SQLite file ``db`` (or ``$PROVENANCE_DB``, or the
    default file) when it exists at the current schema version, else None."""
    path = sqlite_path(resolve_url(db))
    if path is None or path == ":memory:" or not Path(path).is_file():
        return None
    if sqlite3.sqlite_version_info < (3, 38):  # json_each built in (and NULLS FIRST, 3.30)
        return None
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    con = None
    try:
        # isolation_level=None: sqlite3 opens no transaction of its own; the BEGIN
        # gives every statement of this reader one snapshot, as a session's would.
        con = sqlite3.connect(
            uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        con.execute("BEGIN")
        names = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        # migrations.current_version, for the one answer that lets this path read.
        found = (
            con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if names >= TABLES
            else None
        )
    except sqlite3.Error:
        # A WAL file's readers need its -shm: read-only, sqlite3 may not be able to make
        # one (a read-only folder). The store copes, or says why it cannot.
        if con is not None:
            con.close()
        return None
    if found is None or str(found[0]).strip() != str(SCHEMA_VERSION):
        con.close()
        return None
    return Reader(con)


def _date(value: str | None) -> date | None:
    """A ``documents.published`` value as sqlite3 gives it (SQLAlchemy stores ISO text)."""
    return date.fromisoformat(value) if value is not None else None


def _ids(values: Iterable[Any]) -> str:
    """A list as one JSON parameter, for ``IN (SELECT value FROM json_each(?))``: any
    number of ids in one placeholder (SQLAlchemy binds one placeholder per id)."""
    return json.dumps(list(values))


class Reader:
    """``list_quotes`` and ``count_quotes`` over one read-only sqlite3 connection.

    A sqlite3 error (a damaged file, a lock held past the busy timeout) is a
    :class:`StoreError` naming it, as the store's "database:" errors are.
    """

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con
        self._keys: dict[str, Person] | None = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()  # the read transaction ends with it

    def _rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        try:
            return self._con.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"database: {exc}") from exc

    # ---- speakers: store.find_speakers --------------------------------------

    def _authority_keys(self) -> dict[str, Person]:
        if self._keys is None:
            # people.list_people
            columns = ", ".join(PERSON_COLUMNS)
            rows = self._rows(f"SELECT {columns} FROM people ORDER BY name, id")
            self._keys = authority_keys(stored_person(r) for r in rows)
        return self._keys

    def _authority(self, speaker_ids: Iterable[int] | None = None) -> dict[int, Person]:
        """people.authority_for: speaker id -> its authority entry."""
        keys = self._authority_keys()
        ids = None if speaker_ids is None else sorted(set(speaker_ids))
        if not keys or ids == []:
            return {}
        params = () if ids is None else (_ids(ids),)

        def only(column: str) -> str:
            return "" if ids is None else f" AND {column} IN (SELECT value FROM json_each(?))"

        names = self._rows(
            "SELECT id, name FROM speakers WHERE kind = 'person'" + only("id"), params
        )
        aliases = self._rows(
            "SELECT speaker_id, alias FROM aliases WHERE is_name = 1" + only("speaker_id"), params
        )
        return match_authority(keys, [(sid, name) for sid, name in names], aliases)

    def _speaker_names(self) -> dict[int, set[str]]:
        # store.speaker_names
        return names_by_speaker(
            self._rows("SELECT id, name FROM speakers"),
            self._rows("SELECT speaker_id, alias FROM aliases"),
        )

    def find_speakers(self, query: str) -> list[int]:
        """:func:`provenance.store.find_speakers`: the ids a name query means."""
        exact = self._rows(
            "SELECT DISTINCT speaker_id FROM aliases WHERE key = ? ORDER BY speaker_id",
            (fold(query),),
        )
        known = stands_for(self._authority_keys(), query, self._authority)
        return speakers_meant(query, [sid for (sid,) in exact], known, self._speaker_names)

    # ---- quotes: store.list_quotes, count_quotes ------------------------------

    def _filters(
        self, speaker: str | None, document: str | None, kind: str | None, include_nonspeech: bool
    ) -> tuple[str, list[Any]]:
        """store._quote_filters: a WHERE clause on ``quotes AS q`` and its parameters."""
        where: list[str] = []
        params: list[Any] = []
        if speaker is not None:
            where.append("q.speaker_id IN (SELECT value FROM json_each(?))")
            params.append(_ids(self.find_speakers(speaker)))
        if document is not None:
            # store.id_prefix: LIKE as SQLAlchemy's startswith(autoescape=True) writes it,
            # and the range an index can serve when the prefix is an id's.
            escaped = document.replace("/", "//").replace("%", "/%").replace("_", "/_")
            where.append("q.document_id LIKE ? || '%' ESCAPE '/'")
            params.append(escaped)
            bounds = id_range(document)
            if bounds is not None:
                where.append("q.document_id >= ? AND q.document_id < ?")
                params.extend(bounds)
        if kind is not None:
            where.append("q.kind = ?")
            params.append(kind)
        elif not include_nonspeech and speaker is None:
            where.append("q.kind != 'nonspeech'")
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def list_quotes(
        self,
        speaker: str | None = None,
        document: str | None = None,
        kind: str | None = None,
        include_nonspeech: bool = False,
        limit: int | None = None,
    ) -> list[Quote]:
        """:func:`provenance.store.list_quotes`, read with sqlite3."""
        where, params = self._filters(speaker, document, kind, include_nonspeech)
        columns = ", ".join(f'q."{c}"' for c in QUOTE_COLUMNS)
        sql = (
            f"SELECT {columns}, s.name, d.source, d.path, d.published, r.status"
            " FROM quotes AS q"
            " LEFT JOIN speakers AS s ON q.speaker_id = s.id"
            " JOIN documents AS d ON q.document_id = d.id"
            " LEFT JOIN reviews AS r ON r.quote_id = q.id"
            f"{where}"
            ' ORDER BY d.published ASC NULLS FIRST, q.document_id, q.start, q."end"'
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        n = len(QUOTE_COLUMNS)
        quotes = [
            stored_quote(r[:n], r[n], r[n + 1], r[n + 2], _date(r[n + 3]), r[n + 4])
            for r in self._rows(sql, params)
        ]
        found = self._authority(q.speaker_id for q in quotes if q.speaker_id is not None)
        quotes = with_authority(quotes, found)
        return with_standing(quotes, self._standings([q.id for q in quotes]))

    def count_quotes(
        self,
        speaker: str | None = None,
        document: str | None = None,
        kind: str | None = None,
        include_nonspeech: bool = False,
    ) -> int:
        """:func:`provenance.store.count_quotes`, read with sqlite3."""
        where, params = self._filters(speaker, document, kind, include_nonspeech)
        return int(self._rows(f"SELECT count(*) FROM quotes AS q{where}", params)[0][0])

    # ---- clusters: appearances.standings ------------------------------------

    def _standings(self, quote_ids: list[str]) -> dict[str, Standing]:
        ids = list(dict.fromkeys(quote_ids))
        cluster_of: dict[str, int] = dict(
            self._rows(
                "SELECT quote_id, cluster_id FROM cluster_members"
                " WHERE quote_id IN (SELECT value FROM json_each(?))",
                (_ids(ids),),
            )
        )
        members = [
            (cid, qid, start, did, _date(published), source, path)
            for cid, qid, start, did, published, source, path in self._rows(
                "SELECT m.cluster_id, q.id, q.start, d.id, d.published, d.source, d.path"
                " FROM cluster_members AS m"
                " JOIN quotes AS q ON q.id = m.quote_id"
                " JOIN documents AS d ON d.id = q.document_id"
                " WHERE m.cluster_id IN (SELECT value FROM json_each(?))",
                (_ids(sorted(set(cluster_of.values()))),),
            )
        ]
        # appearances.ingest_order
        seqs = {
            subject.removeprefix("document:"): seq
            for subject, seq in self._rows(
                "SELECT subject, min(seq) FROM audit_log"
                " WHERE subject IN (SELECT 'document:' || value FROM json_each(?))"
                " AND action = ? GROUP BY subject",
                (_ids(dict.fromkeys(m[3] for m in members)), DOCUMENT_INGESTED),
            )
        }
        return rank(ids, cluster_of, members, seqs)
