"""Quantified claims: "Police said eight people were arrested" as (8, people, arrest).

Works on the document text, sentence by sentence, so it finds quantities the
quote extractor does not report (a bare "Eight people were arrested." has no
speech cue). Each claim keeps the whole sentence as its span and the number
phrase as a second span; both satisfy ``text[start:end] == span text``.

Hedges become ranges ("about 300" is 270–330, "at least 8" is 8–∞), number
words are parsed ("two thousand", "Fourteen", "a third"), and each quantity gets
a counted-noun class, an event and the days and places its sentence names, so
that :mod:`provenance.conflicts` only compares like with like.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import NamedTuple

from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from provenance.errors import NotFoundError, public
from provenance.extract.segment import paragraphs, sentences
from provenance.lexicon import _rows, load, word_class
from provenance.models import Claim
from provenance.people import authority_for
from provenance.store import find_speakers
from provenance.tables import (
    LOOKUP_CHUNK,
    ClaimRow,
    ClaimValues,
    DocumentRow,
    QuoteRow,
    SpeakerRow,
    insert_rows,
)

_WORD = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[^\W\d_]+(?:[’'-][^\W\d_]+)*|[^\w\s]"
)
_CLAUSE_END = frozenset(",;:.!?—–()")
NOUN_WINDOW = 4  # words from the number to its counted noun ("2,000 National Guard troops")
EVENT_WINDOW = 12  # words after the noun searched for the event trigger
BEFORE_WINDOW = 8  # words before the number searched when nothing follows
SPEAKER_MAX_WORDS = 7


class Word(NamedTuple):
    """A word: offsets in its document, its text, and that lower-cased (read many
    times per word by the quantity scan, so computed once)."""

    start: int
    end: int
    text: str
    low: str


@dataclass(frozen=True)
class NumberWords:
    units: dict[str, tuple[str, float, float]]
    hedges: dict[str, tuple[float, float]]
    nouns: dict[str, str]
    events: dict[str, str]
    occasions: dict[str, str]
    max_phrase: int = 3
    firsts: frozenset[str] = frozenset()  # first words of every phrase above


@cache
def lexicon() -> NumberWords:
    """The number, hedge, noun, event and occasion word lists from ``data/lexicons``."""
    units = {r[0]: (r[1], float(r[2]), float(r[3])) for r in _rows("numbers.tsv")}
    hedges = {r[0]: (float(r[1]), float(r[2])) for r in _rows("hedges.tsv")}
    nouns = {r[0]: r[1] for r in _rows("counted_nouns.tsv")}
    events = {r[0]: r[1] for r in _rows("events.tsv")}
    occasions = {r[0]: r[1] for r in _rows("occasions.tsv")}
    phrases = (*hedges, *nouns, *events, *occasions)
    longest = max(len(p.split()) for p in phrases)
    return NumberWords(
        units,
        hedges,
        nouns,
        events,
        occasions,
        longest,
        frozenset(p.split()[0] for p in phrases if p.split()),
    )


@dataclass(slots=True)
class Quantity:
    """A parsed number phrase: ``low``–``high`` (``high`` is ``inf`` when unbounded)."""

    start: int
    end: int
    low: float
    high: float
    unit: str = "count"  # count | fraction
    hedge: str | None = None
    next_index: int = 0


@dataclass(slots=True)
class Found:
    """One quantity claim inside one sentence (offsets are document characters)."""

    sentence: tuple[int, int]
    quantity: Quantity
    noun: str
    noun_class: str
    event: str | None
    days: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    speaker: str | None = None


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    end = len(text) if end is None else end
    return [
        Word(m.start(), m.end(), w, w.lower())
        for m in _WORD.finditer(text, start, end)
        for w in (m.group(),)
    ]


def _phrase(
    ws: list[Word], i: int, table: dict[str, str] | dict[str, tuple[float, float]], longest: int
) -> tuple[str, int] | None:
    """Longest phrase of ``table`` starting at word ``i``: (phrase, words used)."""
    if i >= len(ws) or ws[i].low not in lexicon().firsts:
        return None  # most words start no phrase: skip joining the longer windows
    for n in range(min(longest, len(ws) - i), 0, -1):
        phrase = " ".join(w.low for w in ws[i : i + n])
        if phrase in table:
            return phrase, n
    return None


def parse_number(ws: list[Word], i: int) -> Quantity | None:
    """The quantity starting at word ``i`` ("about 300", "two thousand", "a third"), or None."""
    lex = lexicon()
    w = ws[i].low
    if not (w[:1].isdigit() or w in lex.firsts or w in lex.units or w in ("a", "an") or "-" in w):
        return None  # what no quantity starts with (most words): the checks below agree
    hedge = _phrase(ws, i, lex.hedges, lex.max_phrase)
    j = i + hedge[1] if hedge else i
    if (
        j < len(ws)
        and ws[j].low in ("a", "an")
        and j + 1 < len(ws)
        and ws[j + 1].low in lex.units
        and lex.units[ws[j + 1].low][0] != "vague"
    ):
        j += 1  # "a third", "a dozen", "a hundred"
    low = high = None
    unit = "count"
    total_lo = total_hi = 0.0
    k = j
    while k < len(ws):
        w = ws[k].low
        if re.fullmatch(r"\d[\d,]*(?:\.\d+)?", w) and low is None and total_lo == 0:
            if k > 0 and lex.occasions.get(ws[k - 1].low) == "street":
                return None  # "Route 9"
            if (
                k + 1 < len(ws)
                and ws[k + 1].low in ("a", "p")
                and k + 2 < len(ws)
                and ws[k + 2].low == "."
            ):
                return None  # "8 p.m."
            low = high = float(w.replace(",", ""))
        elif w in lex.units or ("-" in w and all(p in lex.units for p in w.split("-"))):
            parts = w.split("-")
            for p in parts:
                kind, lo, hi = lex.units[p]
                if kind == "scale":
                    base_lo, base_hi = (
                        (low, high) if low is not None and high is not None else (1.0, 1.0)
                    )
                    low, high = base_lo * lo, base_hi * hi
                    if lo >= 1000:
                        total_lo, total_hi, low, high = total_lo + low, total_hi + high, None, None
                elif kind == "fraction":
                    low, high = (low or 1.0) * lo, (high or 1.0) * hi
                    unit = "fraction"
                else:
                    low, high = (low or 0.0) + lo, (high or 0.0) + hi
        elif (
            w == "and"
            and (low is not None or total_lo)
            and k + 1 < len(ws)
            and ws[k + 1].low in lex.units
        ):
            pass  # "two hundred and fifty"
        else:
            break
        k += 1
    if k == j:
        return None
    lo_v, hi_v = total_lo + (low or 0.0), total_hi + (high or 0.0)
    if hedge:
        f_lo, f_hi = lex.hedges[hedge[0]]
        lo_v, hi_v = lo_v * f_lo, hi_v * f_hi
    return Quantity(ws[i].start, ws[k - 1].end, lo_v, hi_v, unit, hedge[0] if hedge else None, k)


def _noun_after(ws: list[Word], k: int) -> tuple[str, str, int] | None:
    """(noun phrase, class, index after it) of the counted noun near word ``k``."""
    lex = lexicon()
    if k < len(ws) and ws[k].low == "of":  # "dozens of firefighters", "3,000 of the 9,000"
        k += 1
        if k < len(ws) and ws[k].low in ("the", "them", "its", "their"):
            k += 1
        inner = parse_number(ws, k)
        if inner is not None:
            k = inner.next_index
    for n in range(k, min(k + NOUN_WINDOW, len(ws))):
        hit = _phrase(ws, n, lex.nouns, lex.max_phrase)
        if hit:
            return hit[0], lex.nouns[hit[0]], n + hit[1]
        # Only modifiers ("National Guard", "east Riverton") sit between number and noun.
        if (
            ws[n].text in _CLAUSE_END
            or ws[n].low in word_class("claim_function")
            or parse_number(ws, n) is not None
        ):
            return None
    return None


def _event(ws: list[Word], q_first: int, after: int, partitive: bool) -> str | None:
    """The event trigger of a quantity: after its noun in the clause, else just before it."""
    lex = lexicon()
    auxiliary = {"were", "was", "are", "is", "been", "had", "have"}
    seen_aux = not partitive  # "3,000 of the 9,000 residents ordered out ... were allowed"
    for n in range(after, min(after + EVENT_WINDOW, len(ws))):
        if ws[n].text in _CLAUSE_END:
            break
        if ws[n].low in auxiliary:
            seen_aux = True
        hit = _phrase(ws, n, lex.events, lex.max_phrase)
        if hit and seen_aux:
            return lex.events[hit[0]]
    for n in range(q_first - 1, max(q_first - BEFORE_WINDOW, 0) - 1, -1):
        if ws[n].text in _CLAUSE_END:
            break
        hit = _phrase(ws, n, lex.events, lex.max_phrase)
        if hit:
            return lex.events[hit[0]]
    return None


def occasion(ws: list[Word]) -> tuple[list[str], list[str]]:
    """(weekdays, places) a sentence names; street names keep the word before the suffix."""
    lex = lexicon()
    days: set[str] = set()
    places: set[str] = set()
    for n, w in enumerate(ws):
        if w.low not in lex.firsts:
            continue  # starts no phrase (_phrase would say so, one call later)
        hit = _phrase(ws, n, lex.occasions, lex.max_phrase)
        if not hit:
            continue
        kind = lex.occasions[hit[0]]
        if kind == "day" and w.text[:1].isupper():
            days.add(hit[0])
        elif kind == "place":
            places.add(hit[0])
        elif kind == "street" and w.text[:1].isupper():
            if n > 0 and ws[n - 1].text[:1].isupper():
                places.add(f"{ws[n - 1].low} {w.low}")
            elif n + 1 < len(ws) and ws[n + 1].text[:1].isdigit():
                places.add(f"{w.low} {ws[n + 1].low}")
    return sorted(days), sorted(places)


@cache
def _credit_cues() -> frozenset[str]:
    # A bare lemma ("state", "report") is as often a noun as a verb; inflected forms are not.
    return frozenset(
        f for f, c in load().cue_forms.items() if c.frame in ("speech", "written") and f != c.lemma
    )


def attributed_body(ws: list[Word]) -> str | None:
    """Who a sentence credits: "X said ..." first, "..., X said." last, "according to X"."""
    cues = _credit_cues()
    text = [w.low for w in ws]
    for n in range(len(ws) - 1):
        if text[n] == "according" and text[n + 1] == "to":
            body = []
            for w in ws[n + 2 :]:
                if w.text in _CLAUSE_END:
                    break
                body.append(w.text)
            return " ".join(body) or None
    for n, low in enumerate(text[: SPEAKER_MAX_WORDS + 1]):
        if low in cues and n > 0 and all(x.text not in _CLAUSE_END for x in ws[:n]):
            return " ".join(x.text for x in ws[:n])
    tail = [
        n
        for n, low in enumerate(text[:-1])
        if low in cues and ws[n + 1].text in _CLAUSE_END and n >= len(ws) - SPEAKER_MAX_WORDS - 2
    ]
    if tail:
        n = tail[-1]
        commas = [m for m in range(n) if ws[m].text == ","]
        if commas and n - commas[-1] - 1 <= SPEAKER_MAX_WORDS:
            return " ".join(x.text for x in ws[commas[-1] + 1 : n]) or None
    return None


@dataclass(frozen=True)
class _Screen:
    """Word sets that tell, from a sentence's lower-cased words alone, that it holds no
    claim or names no occasion, so its :class:`Word` list is never built."""

    nouns: frozenset[str]  # first words of counted nouns: a claim needs one
    units: frozenset[str]  # number words: a quantity needs one, or a digit
    occasions: frozenset[str]  # first words of occasion phrases


@cache
def _screen() -> _Screen:
    lex = lexicon()
    return _Screen(
        frozenset(p.split()[0] for p in lex.nouns if p.split()),
        frozenset(lex.units),
        frozenset(p.split()[0] for p in lex.occasions if p.split()),
    )


def _may_hold_claim(lows: list[str], screen: _Screen) -> bool:
    """False when no quantity with a counted noun can start in a sentence of these words.

    ``parse_number`` consumes at least one digit word, number word or hyphenated number
    words, and ``_noun_after`` needs a word that starts a counted noun.
    """
    if screen.nouns.isdisjoint(lows):
        return False
    units = screen.units
    return any(
        w[:1].isdigit() or w in units or ("-" in w and all(p in units for p in w.split("-")))
        for w in lows
    )


class _Occasions:
    """The days and places of each sentence, worked out only for sentences with a claim.

    A sentence naming no day and no place inherits its predecessor's, so a sentence's
    occasion is that of the latest sentence up to it that names one. Sentences are
    :meth:`seen` in order; :meth:`of` the latest one walks back over the sentences
    that may name one (their :class:`Word` lists built then) to the last answer given.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.maybe: list[tuple[int, int]] = []  # since the last answer, in order
        self.last: tuple[list[str], list[str]] = ([], [])

    def seen(self, span: tuple[int, int], lows: list[str], screen: _Screen) -> None:
        if not screen.occasions.isdisjoint(lows):
            self.maybe.append(span)  # occasion() needs one of these words to find anything

    def of(self, span: tuple[int, int], ws: list[Word]) -> tuple[list[str], list[str]]:
        """The occasion of the latest sentence seen, ``span``, whose words are ``ws``."""
        while self.maybe:
            at = self.maybe.pop()
            own = occasion(ws if at == span else words(self.text, *at))
            days, places = own
            if days or places:
                self.last = own
                break
        self.maybe.clear()
        return self.last


def find_quantities(text: str) -> list[Found]:
    """Every quantity with a counted noun in ``text``, sentence by sentence.

    The same as scanning every word of every sentence, but a sentence's words are
    built only when its lower-cased words (see :class:`_Screen`) show that it may hold a
    claim, or when a claim inherits the occasion it may name.
    """
    out: list[Found] = []
    lex = lexicon()
    screen = _screen()
    starts = lex.firsts | lex.units.keys() | {"a", "an"}
    occasions = _Occasions(text)
    find_words = _WORD.findall
    for p_start, p_end in paragraphs(text):
        for s_start, s_end in sentences(text, p_start, p_end):
            lows = list(map(str.lower, find_words(text, s_start, s_end)))
            occasions.seen((s_start, s_end), lows, screen)
            if not _may_hold_claim(lows, screen):
                continue
            ws = words(text, s_start, s_end)
            days_places: tuple[list[str], list[str]] | None = None
            speaker = None
            n = 0
            while n < len(ws):
                w = ws[n].low
                if not (w[:1].isdigit() or "-" in w or w in starts):
                    n += 1  # parse_number's own first check, without the call
                    continue
                q = parse_number(ws, n)
                if q is None:
                    n += 1
                    continue
                noun = _noun_after(ws, q.next_index)
                if noun is not None:
                    partitive = (
                        q.next_index < len(ws)
                        and ws[q.next_index].low == "of"
                        and re.match(r"\d|[a-z]", ws[min(q.next_index + 2, len(ws) - 1)].low)
                    )
                    event = _event(ws, n, noun[2], bool(partitive) and noun[2] > q.next_index + 3)
                    if speaker is None:
                        speaker = attributed_body(ws) or ""
                    if days_places is None:
                        days_places = occasions.of((s_start, s_end), ws)
                    written = text[ws[q.next_index].start : ws[noun[2] - 1].end]
                    out.append(
                        Found(
                            (s_start, s_end),
                            q,
                            written,
                            noun[1],
                            event,
                            days_places[0],
                            days_places[1],
                            speaker or None,
                        )
                    )
                n = max(q.next_index, n + 1)
    return out


def claim_id(document: str, start: int, end: int) -> str:
    return hashlib.sha256(f"claim:{document}:{start}:{end}".encode()).hexdigest()[:32]


FIND_BATCH = 20
"""Documents per task when their quantities are found in a process pool."""
PARALLEL_MIN_DOCUMENTS = 200
"""Fewer documents to find quantities in are not worth starting a process pool."""


def find_batch(texts: list[str]) -> list[list[Found]]:
    """:func:`find_quantities` over several texts; what pool workers run."""
    return [find_quantities(t) for t in texts]


@contextmanager
def finding_pool(workers: int, documents: int) -> Iterator[Executor | None]:
    """A process pool for :func:`store_claims_of` to find quantities in, or None (find
    them in this process) for one worker or under :data:`PARALLEL_MIN_DOCUMENTS`."""
    if workers <= 1 or documents < PARALLEL_MIN_DOCUMENTS:
        yield None
        return
    from provenance.ingest import local_pool  # ingest imports this module

    with local_pool(workers) as pool:
        yield pool


def _find_all(texts: list[str], executor: Executor | None) -> list[list[Found]]:
    if executor is None:
        return find_batch(texts)
    futures = [
        executor.submit(find_batch, texts[lo : lo + FIND_BATCH])
        for lo in range(0, len(texts), FIND_BATCH)
    ]
    return [f for fut in futures for f in fut.result()]


def store_claims_of(
    session: Session,
    document_ids: Sequence[str],
    found: Mapping[str, Sequence[Found]] | None = None,
    executor: Executor | None = None,
) -> dict[str, tuple[int, list[ClaimRow | ClaimValues]]]:
    """Find and store the quantity claims of stored documents, with the reads done in a
    few statements; returns document id -> (how many, the rows stored).

    ``found``: :func:`find_quantities` of documents' texts where the caller has it
    (ingest finds them in its extraction workers); the others are found here, in
    ``executor`` when given (:func:`finding_pool`).
    The speaker of a claim is the extractor's speaker when one of its quotes covers
    the number, else the body the sentence credits ("police", "county officials").
    Per document, the count is of claims added, the rows are every claim it
    now has (added and stored before) in the order ``audit.log_claims`` lists
    them, so the caller logs them without reading them back.
    """
    ids = list(dict.fromkeys(document_ids))
    texts: dict[str, str] = {}
    # Per document in the order one look-up of that document gives (the index on
    # document_id, then insertion order): the first covering quote names the speaker.
    # Only quotes with a speaker can name one: (start, end, speaker id, mention name).
    quotes: dict[str, list[tuple[int, int, int, str | None]]] = {d: [] for d in ids}
    stored: dict[str, list[ClaimRow | ClaimValues]] = {d: [] for d in ids}
    for lo in range(0, len(ids), LOOKUP_CHUNK):
        part = ids[lo : lo + LOOKUP_CHUNK]
        texts.update(
            (i, t)
            for i, t in session.exec(
                select(DocumentRow.id, DocumentRow.text).where(col(DocumentRow.id).in_(part))
            )
        )
        for doc_id, start, end, speaker_id, mention in session.execute(
            sa_select(
                col(QuoteRow.document_id),
                col(QuoteRow.start),
                col(QuoteRow.end),
                col(QuoteRow.speaker_id),
                col(QuoteRow.mention_name),
            ).where(col(QuoteRow.document_id).in_(part), col(QuoteRow.kind) != "nonspeech")
        ):
            if speaker_id is not None:
                quotes[doc_id].append((start, end, speaker_id, mention))
        for c in session.exec(select(ClaimRow).where(col(ClaimRow.document_id).in_(part))):
            stored[c.document_id].append(c)
    known = found or {}
    todo = [d for d in ids if d in texts and d not in known]
    fresh = dict(zip(todo, _find_all([texts[d] for d in todo], executor), strict=True))
    # Speaker names of the covering quotes, read together.
    names: dict[int, str] = {}
    wanted = sorted({r[2] for rs in quotes.values() for r in rs})
    for lo in range(0, len(wanted), LOOKUP_CHUNK):
        names.update(
            (i, n)
            for i, n in session.exec(
                select(SpeakerRow.id, SpeakerRow.name).where(
                    col(SpeakerRow.id).in_(wanted[lo : lo + LOOKUP_CHUNK])
                )
            )
            if i is not None
        )
    out: dict[str, tuple[int, list[ClaimRow | ClaimValues]]] = {}
    added: list[ClaimValues] = []
    for document_id in ids:
        text = texts.get(document_id)
        if text is None:
            continue
        # A claim's id holds its document, so the document's stored claims are all it
        # can collide with.
        rows = stored[document_id]
        seen = {c.id for c in rows}
        n = 0
        for f in fresh[document_id] if document_id in fresh else known[document_id]:
            q = f.quantity
            cover = next(
                (r for r in quotes[document_id] if r[0] <= q.start and q.end <= r[1]), None
            )
            speaker, speaker_id = f.speaker, None
            if cover is not None:
                speaker_id = cover[2]
                name = names.get(speaker_id)
                speaker = name if name is not None else cover[3]
            cid = claim_id(document_id, q.start, q.end)
            if cid in seen:
                continue
            seen.add(cid)
            row = ClaimValues(
                id=cid,
                document_id=document_id,
                start=f.sentence[0],
                end=f.sentence[1],
                text=text[f.sentence[0] : f.sentence[1]],
                quantity_start=q.start,
                quantity_end=q.end,
                quantity_text=text[q.start : q.end],
                low=q.low,
                high=None if math.isinf(q.high) else q.high,
                unit=q.unit,
                noun=f.noun,
                noun_class=f.noun_class,
                event=f.event,
                days=json.dumps(f.days),
                places=json.dumps(f.places),
                speaker=speaker,
                speaker_id=speaker_id,
            )
            added.append(row)
            rows.append(row)
            n += 1
        rows.sort(key=lambda c: (c.start, c.quantity_start, c.id))
        out[document_id] = n, rows
    session.flush()  # what the session holds goes in first, as when claims were ORM rows
    insert_rows(session.connection(), ClaimRow.__table__, [c.columns() for c in added])  # type: ignore[attr-defined]
    return out


def list_claims(
    session: Session, speaker_ids: list[int] | None = None, speaker_query: str | None = None
) -> list[Claim]:
    """Indirect-speech quotes and quantity claims, in document order.

    ``speaker_ids`` keeps claims by those stored speakers; ``speaker_query`` also
    keeps claims credited to a body whose name contains it ("police").
    """
    docs = {d.id: d for d in session.exec(select(DocumentRow))}
    names = dict(session.exec(select(SpeakerRow.id, SpeakerRow.name)).all())
    found: list[tuple[Claim, int | None]] = []
    for r in session.exec(select(QuoteRow).where(QuoteRow.kind == "indirect")):
        name = names.get(r.speaker_id) if r.speaker_id else r.mention_name
        found.append(
            (
                Claim(
                    id=r.id,
                    kind="indirect",
                    document=r.document_id,
                    start=r.start,
                    end=r.end,
                    text=r.text,
                    speaker=name,
                ),
                r.speaker_id,
            )
        )
    for c in session.exec(select(ClaimRow)):
        found.append(
            (
                Claim(
                    id=c.id,
                    kind="quantity",
                    document=c.document_id,
                    start=c.start,
                    end=c.end,
                    text=c.text,
                    # The speaker's name now (a correction may have moved the claim).
                    speaker=names.get(c.speaker_id, c.speaker) if c.speaker_id else c.speaker,
                    quantity=c.quantity_text,
                    low=c.low,
                    high=c.high,
                    unit=c.unit,
                    noun=c.noun,
                    noun_class=c.noun_class,
                    event=c.event,
                ),
                c.speaker_id,
            )
        )
    known = authority_for(session, {sid for _, sid in found if sid is not None})
    keep = []
    for claim, sid in found:
        claim.speaker_id = sid
        if sid is not None and sid in known:
            claim.speaker, claim.speaker_identifier = known[sid].name, known[sid].identifier
        if speaker_ids is not None or speaker_query is not None:
            by_id = speaker_ids is not None and sid in speaker_ids
            by_body = bool(
                speaker_query
                and claim.speaker
                and speaker_query.casefold() in claim.speaker.casefold()
            )
            if not (by_id or by_body):
                continue
        d = docs.get(claim.document)
        if d is not None:
            claim.source, claim.path, claim.published = d.source, d.path, d.published
        keep.append(claim)
    keep.sort(key=lambda c: (c.published or date.max, c.document, c.start))
    return keep


@public
def claims_for(session: Session, speaker: str | None = None) -> list[Claim]:
    """:func:`list_claims` for a person (any spelling) or a body such as "police"."""
    if speaker is None:
        return list_claims(session)
    try:
        ids: list[int] | None = find_speakers(session, speaker)
    except NotFoundError:
        ids = None
    found = list_claims(session, ids if ids is not None else [], speaker)
    if not found and ids is None:
        raise NotFoundError(f"no claims by {speaker!r}")
    return found
