"""What ``provenance verify`` reports, and the audit log replayed.

:class:`Mismatch` is one thing that differs. :class:`ChainChecker` is fed the log's
entries in order: it re-derives each entry's hash from its canonical JSON, checks
``prev_hash`` and ``seq``, and folds what the entries say into what the store should
hold (documents, speakers and aliases, merges, reviews, cluster memberships, flags,
people), which :mod:`provenance.verify_documents` and :mod:`provenance.verify_state`
compare with the tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from provenance import audit
from provenance.names import canonical_name, fold


class Mismatch(BaseModel):
    check: str = Field(description="chain, document, span or record")
    record: str = Field(description="<kind>:<id> of what is wrong, e.g. quote:<id>, log:<seq>")
    detail: str
    table: str | None = Field(default=None, description="the table holding the stored value")
    column: str | None = Field(default=None, description="the column that differs, if one")


class VerifyReport(BaseModel):
    entries: int = 0
    documents: int = 0
    spans: int = 0
    records: int = 0
    head_seq: int = 0
    head_hash: str = audit.GENESIS
    problems: list[Mismatch] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def short_text(text: str | None, n: int = 40) -> str:
    if text is None:
        return "nothing"
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def shown(v: object) -> str:
    return short_text(v, 20) if isinstance(v, str) else repr(v)


@dataclass
class LoggedSpeaker:
    """A speaker as its log entries build it (what ``store._speaker_for`` wrote)."""

    seq: int
    name: str
    kind: str
    names: set[str]  # every name the log gave it (the name check of entries without aliases)
    titles: list[str] | None  # None: an entry from before titles were logged
    affiliation: str | None
    aliases: dict[str, list[Any]] | None  # alias -> [count, is_name]; None: not logged
    affiliation_logged: bool = True

    def rename(self) -> None:
        counts = {a: c for a, (c, is_name) in (self.aliases or {}).items() if is_name}
        if counts:
            self.name = canonical_name(counts)


@dataclass
class LoggedMerge:
    speaker_id: int
    alias: str
    document: str
    score: float
    evidence: str | None
    seq: int


class ChainChecker:
    """Feeds entries in order; remembers what the log says the store should hold."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev = audit.GENESIS
        self.count = 0
        self.documents: dict[str, int] = {}  # live document id -> seq of its ingest
        self.speakers: dict[int, LoggedSpeaker] = {}
        self.merges: dict[int, LoggedMerge] = {}  # by seq: stored merges are in log order
        self.reviews: dict[str, tuple[str, int, str, str, str]] = {}
        # quote id -> (status, seq, ts, note, reviewer)
        self.reassigned: dict[str, int | None] = {}
        # claim id -> (speaker id, seq) set by a person's speaker merge or split
        self.claim_speakers: dict[str, tuple[int, int]] = {}
        self.members: dict[str, tuple[int, int]] = {}  # quote id -> (cluster, seq)
        self.flags: dict[str, tuple[dict[str, Any], int]] = {}  # flag id -> (payload, seq)
        self.people: dict[int, tuple[dict[str, Any], int]] = {}  # person id -> (payload, seq)

    def feed(self, body: dict[str, Any]) -> Iterator[Mismatch]:
        seq = body.get("seq")
        where = f"log:{seq}"
        self.count += 1
        if seq != self.expected_seq:
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                column="seq",
                detail=(
                    f"expected entry {self.expected_seq} next; entries "
                    f"{self.expected_seq}..{seq - 1 if isinstance(seq, int) else '?'} are missing"
                    if isinstance(seq, int) and seq > self.expected_seq
                    else f"expected entry {self.expected_seq} next, found seq {seq!r}"
                ),
            )
        if body.get("prev_hash") != self.prev:
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                column="prev_hash",
                detail=(
                    f"prev_hash {str(body.get('prev_hash'))[:16]}… is not the hash of the entry "
                    f"before it ({self.prev[:16]}…)"
                ),
            )
        try:
            derived = audit.entry_hash(body)
        except (RecursionError, ValueError, TypeError) as exc:
            derived = f"unhashable ({type(exc).__name__})"
        if derived != body.get("hash"):
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                detail=(
                    f"stored hash {str(body.get('hash'))[:16]}… but the entry re-derives to "
                    f"{derived[:16]}…: the entry was edited"
                ),
            )
        self.prev = str(body.get("hash"))
        self.expected_seq = (seq if isinstance(seq, int) and seq > 0 else self.expected_seq) + 1
        try:
            self._fold(body)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # Only a forged entry (whose hash then fails above) has payloads of other shapes.
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                column="payload",
                detail=f"payload is not what a {body.get('action')!r} entry holds "
                f"({type(exc).__name__})",
            )

    def _fold(self, body: dict[str, Any]) -> None:
        action, subj, p = body.get("action"), str(body.get("subject", "")), body.get("payload")
        if not isinstance(p, dict):
            return
        kind, _, ident = subj.partition(":")
        seq: int = body["seq"] if isinstance(body.get("seq"), int) else 0
        if action == audit.DOCUMENT_INGESTED:
            self.documents[ident] = seq
        elif action == audit.DOCUMENT_DELETED:
            self.documents.pop(ident, None)
            for q in p.get("quotes", []):
                self.reviews.pop(q, None)
                self.members.pop(q, None)
            for key in [k for k, m in self.merges.items() if m.document == ident]:
                del self.merges[key]
        elif action == audit.SPEAKER_CREATED and ident.isdigit():
            self._created(int(ident), p, seq)
        elif action == audit.SPEAKER_MERGED and ident.isdigit():
            self._merged(int(ident), p, seq)
        elif action == audit.REVIEW and kind == "quote":
            actor = str(body.get("actor", ""))
            self.reviews[ident] = (
                str(p.get("status")),
                seq,
                str(body.get("ts")),
                str(p.get("note", "")),
                actor.removeprefix("person:"),
            )
        elif action == audit.CLUSTER_ASSIGNED and kind == "quote":
            cluster = p.get("cluster")
            if isinstance(cluster, int):
                self.members[ident] = (cluster, seq)
            else:
                self.members.pop(ident, None)
        elif action == audit.CLUSTER_RESET:
            self.members.clear()
        elif action in (audit.FLAG_RAISED, audit.FLAG_UPDATED) and kind == "conflict":
            self.flags[ident] = (p, seq)
        elif action == audit.FLAG_CLEARED and kind == "conflict":
            self.flags.pop(ident, None)
        elif action == audit.PERSON_IMPORTED and kind == "person" and ident.isdigit():
            self.people[int(ident)] = (p, seq)
        elif action == audit.SPEAKER_JOINED and ident.isdigit():
            self._joined(int(ident), p, seq)
        elif action == audit.SPEAKER_SPLIT and ident.isdigit():
            self._split(int(ident), p, seq)
        elif action == audit.SPEAKER_REASSIGNED and kind == "quote":
            sid = p.get("speaker_id")
            self.reassigned[ident] = sid if isinstance(sid, int) else None

    def _created(self, sid: int, p: dict[str, Any], seq: int) -> None:
        name = str(p.get("name"))
        aliases: dict[str, list[Any]] | None = None
        if "alias_counts" in p:  # adopted: the aliases as they were stored
            aliases = {str(a): [int(c), bool(n)] for a, (c, n) in p["alias_counts"].items()}
        elif "aliases" in p:
            aliases = {str(a): [1, a == name] for a in p["aliases"]}
        sp = self.speakers[sid] = LoggedSpeaker(
            seq=seq,
            name=name,
            kind=str(p.get("kind")),
            names={name},
            titles=list(p["titles"]) if "titles" in p else None,
            affiliation=p.get("affiliation"),
            aliases=aliases,
            affiliation_logged="affiliation" in p,
        )
        if sp.kind == "person" and "alias_counts" not in p:
            sp.rename()

    def _moved(self, sid: int, p: dict[str, Any], seq: int) -> None:
        """The quotes and claims a person's merge or split gave to speaker ``sid``."""
        for q in p["quotes"]:
            self.reassigned[str(q)] = sid
        for c in p["claims"]:
            self.claim_speakers[str(c)] = (sid, seq)

    def _joined(self, sid: int, p: dict[str, Any], seq: int) -> None:
        """``speakers merge``: what ``corrections.merge_speakers`` stored."""
        other = int(p["from"])
        self._moved(sid, p, seq)
        for m in self.merges.values():
            if m.speaker_id == other:
                m.speaker_id = sid
        a, b = self.speakers.get(sid), self.speakers.pop(other, None)
        if a is None or b is None:
            return  # a speaker the log never created: reported with speakers
        a.names |= b.names
        if a.aliases is not None and b.aliases is not None:
            for alias, (count, is_name) in b.aliases.items():
                held = a.aliases.setdefault(alias, [0, False])
                held[0] += count
                held[1] = held[1] or is_name
        else:
            a.aliases = None
        if a.titles is not None and b.titles is not None:
            a.titles += [t for t in b.titles if t not in a.titles]
        else:
            a.titles = None
        a.affiliation = a.affiliation or b.affiliation
        a.affiliation_logged = a.affiliation_logged and b.affiliation_logged

    def _split(self, sid: int, p: dict[str, Any], seq: int) -> None:
        """``speakers split``: what ``corrections.split_speaker`` stored."""
        other, key, name = int(p["from"]), str(p["key"]), str(p["name"])
        self._moved(sid, p, seq)
        for m in self.merges.values():
            if m.speaker_id == other and fold(m.alias) == key:
                m.speaker_id = sid
        old = self.speakers.get(other)
        aliases: dict[str, list[Any]] | None = None
        if old is not None and old.aliases is not None:
            aliases = {a: old.aliases.pop(a) for a in p["aliases"] if a in old.aliases}
        self.speakers[sid] = LoggedSpeaker(
            seq=seq,
            name=name,
            kind=str(p["kind"]),
            names={name, *map(str, p["aliases"])},
            titles=[],
            affiliation=None,
            aliases=aliases,
        )
        if old is not None and old.kind == "person":
            old.rename()

    def _merged(self, sid: int, p: dict[str, Any], seq: int) -> None:
        alias = str(p.get("alias", ""))
        score = p.get("score", 0)
        self.merges[seq] = LoggedMerge(
            sid,
            alias,
            str(p.get("document", "")),
            float(score) if isinstance(score, int | float) else -1.0,
            p.get("evidence"),
            seq,
        )
        sp = self.speakers.get(sid)
        if sp is None:
            return  # a merge into a speaker the log never created: reported with speakers
        sp.names.add(alias)
        if "aliases" in p and sp.aliases is not None:
            for a in p["aliases"]:
                held = sp.aliases.get(a)
                if held:
                    held[0] += 1
                    held[1] = held[1] or a == alias
                else:
                    sp.aliases[a] = [1, a == alias]
        else:
            sp.aliases = None
        if "titles" in p and sp.titles is not None:
            sp.titles += [t for t in p["titles"] if t not in sp.titles]
        else:
            sp.titles = None
        if "affiliation" in p:
            sp.affiliation = sp.affiliation or p["affiliation"]
        else:
            sp.affiliation_logged = False
        if p.get("kind") == "person":
            sp.rename()


def differs(
    record: str, table: str, expected: dict[str, Any], actual: dict[str, Any], seq: int | str
) -> Iterator[Mismatch]:
    """One mismatch per column whose stored value is not the logged one.

    Columns the log entry does not carry (entries written before they were
    logged) are not compared; an edit cannot remove them from a hashed entry.
    """
    for column, value in actual.items():
        if column not in expected:
            continue
        want = expected[column]
        if (list(want) if isinstance(want, tuple) else want) != value:
            yield Mismatch(
                check="record",
                record=record,
                table=table,
                column=column,
                detail=(f"{column} is {shown(value)}; log entry {seq} says {shown(want)}"),
            )
