"""Text segmentation for extraction: tokens, paragraphs, sentences, quotations.

Everything here works on character offsets into the original text and never
rewrites it. Quotation pairing is local: an unbalanced mark costs at most the
paragraph it sits in, never the document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from provenance.lexicon import load

_TOKEN = re.compile(
    r"[^\W_]+(?:[’'][^\W_]+)*(?:[-‑.][^\W_]+(?:[’'][^\W_]+)*)*(?:(?<=s)[’'](?![^\W_]))?\.?"
    r"|[“”‘’\"'«»„]|[^\w\s]",
)
_PARA = re.compile(r"[^\n]+")
_SENT_END = re.compile(r"[.!?]+[”’\"')\]]*(?=\s+[“‘\"'(\[]?[A-Z0-9])|[.!?]+[”’\"')\]]*$")

OPEN_DOUBLE = "“«„"
CLOSE_DOUBLE = "”»"
MAX_PARAGRAPHS = 6  # a quotation may run over at most this many paragraphs


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum()


@dataclass(frozen=True, slots=True)
class Quotation:
    """A quotation: marks at ``open`` and ``close - 1``; content ``[start, end)``."""

    open: int
    close: int  # one past the closing mark (== end when unclosed)
    start: int
    end: int
    closed: bool
    double: bool


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word and punctuation tokens in ``text[start:end]`` with absolute offsets.

    Hyphenated words (so-called) stay one token; a possessive apostrophe after
    a plural (workers’) stays with its word.
    """
    end = len(text) if end is None else end
    out = []
    for m in _TOKEN.finditer(text, start, end):
        tok = m.group()
        s, e = m.start(), m.end()
        # A trailing period belongs to the word only for abbreviations and initials.
        if tok.endswith(".") and len(tok) > 1:
            low = tok.lower()
            if not (low in load().abbreviations or re.fullmatch(r"(?:[A-Za-z]\.)+", tok)):
                out.append(Token(s, e - 1, tok[:-1]))
                out.append(Token(e - 1, e, "."))
                continue
        out.append(Token(s, e, tok))
    return out


def paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-empty line; a paragraph is a line of text."""
    return [(m.start(), m.end()) for m in _PARA.finditer(text) if m.group().strip()]


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence boundaries inside one paragraph ``text[start:end]``."""
    abbreviations = load().abbreviations
    out = []
    s = start
    while s < end and text[s].isspace():
        s += 1
    for m in _SENT_END.finditer(text, s, end):
        # "Mr." or "J." before the period is not a sentence end.
        word = _word_before(text, s, m.start() + 1)
        if word and m.group().startswith(".") and len(m.group().rstrip("”’\"')]")) == 1:
            w = word.lower().lstrip("“‘\"'(")
            if w in abbreviations or re.fullmatch(r"(?:[a-z]\.)+", w):
                continue
        e = m.end()
        if e > s:
            out.append((s, e))
        s = e
        while s < end and text[s].isspace():
            s += 1
    if s < end and text[s:end].strip():
        out.append((s, end))
    return out


MAX_WORD = 64  # longer "words" are never abbreviations; bounds the look-back


def _word_before(text: str, start: int, end: int) -> str:
    """The run of non-space characters ending at ``end`` (not before ``start``).

    Looks back at most :data:`MAX_WORD` characters, so finding sentence ends stays
    linear however many abbreviations a sentence holds.
    """
    k = end
    floor = max(start, end - MAX_WORD)
    while k > floor and not text[k - 1].isspace():
        k -= 1
    return text[k:end]


def _is_apostrophe(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isalnum() and after.isalnum():
        return True  # it’s, O’Brien
    # ’90s, ’em
    return (not before.isalnum()) and after.isdigit()


def _kind_of_mark(text: str, i: int) -> str | None:
    """``open``, ``close``, ``maybe_close`` (plural possessive or close) or None."""
    ch = text[i]
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch in OPEN_DOUBLE or ch == "‘":
        return "open"
    if ch in CLOSE_DOUBLE:
        return "close"
    if ch in "’'":
        if _is_apostrophe(text, i):
            return None
        if before in "sSzZ" and not after.isalnum():
            return "maybe_close"
    opens_after = before.isspace() or before in "([{—–-:/" or i == 0
    if opens_after and not after.isspace():
        return "open"
    if not before.isspace() and (after.isspace() or not after.isalnum()):
        return "close"
    return None


def _scan(text: str, double: bool, paras: list[tuple[int, int]]) -> list[Quotation]:
    marks = "\"“”«»„" if double else "'‘’"
    para_starts = [p[0] for p in paras]
    events = [(i, k) for i, ch in enumerate(text) if ch in marks and (k := _kind_of_mark(text, i))]
    out: list[Quotation] = []
    open_at: int | None = None

    def para_of(pos: int) -> int:
        return bisect_right(para_starts, pos) - 1

    def close_unbalanced(at: int) -> None:
        # An unclosed quotation ends at its paragraph's end, never later.
        p = para_of(at)
        pend = paras[p][1] if p >= 0 else len(text)
        out.append(Quotation(at, pend, at + 1, pend, False, double))

    closes_later = _closes_later(events, para_of)
    idx = 0
    while idx < len(events):
        pos, kind = events[idx]
        if open_at is not None and para_of(pos) != para_of(open_at):
            # Crossing paragraphs: continue only if the next mark in a later
            # paragraph closes, or re-opens at a paragraph start (the two
            # newspaper conventions for multi-paragraph quotes).
            p = para_of(pos)
            starts_para = text[paras[p][0] : pos].strip() == ""
            too_far = p - para_of(open_at) > MAX_PARAGRAPHS
            if too_far or not (kind in ("close", "maybe_close") or (kind == "open" and starts_para)):
                close_unbalanced(open_at)
                open_at = None
                continue
            if kind == "open":
                idx += 1
                continue
        if kind == "open":
            if open_at is not None:
                close_unbalanced(open_at)
            open_at = pos
        elif open_at is not None:
            if kind == "maybe_close" and closes_later[idx]:
                idx += 1
                continue
            out.append(Quotation(open_at, pos + 1, open_at + 1, pos, True, double))
            open_at = None
        idx += 1
    if open_at is not None:
        close_unbalanced(open_at)
    return out


def _closes_later(events: list[tuple[int, str]], para_of: Callable[[int], int]) -> list[bool]:
    """For each mark: does a plain closing mark follow in its paragraph before any open?

    One backward pass; asking each mark separately was quadratic in a paragraph
    full of possessive apostrophes.
    """
    out = [False] * len(events)
    next_kind, next_para = "", -1  # the nearest open or close after the current mark
    for idx in range(len(events) - 1, -1, -1):
        pos, kind = events[idx]
        para = para_of(pos)
        out[idx] = next_kind == "close" and next_para == para
        if kind in ("open", "close"):
            next_kind, next_para = kind, para
    return out


def quotations(text: str) -> list[Quotation]:
    """All quotations in document order; a quotation nested in another is dropped."""
    paras = paragraphs(text)
    found = sorted(_scan(text, True, paras) + _scan(text, False, paras), key=lambda q: q.open)
    out: list[Quotation] = []
    for q in found:
        if out and q.open < out[-1].close:
            if q.close <= out[-1].close:
                continue  # nested inside the previous one
            if not out[-1].closed:
                out[-1] = q  # an unclosed stray loses to a real quotation
            continue
        if q.end > q.start and text[q.start : q.end].strip():
            out.append(q)
    return out
