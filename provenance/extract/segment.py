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
    # "10,000" is one token: a clause or phrase ending at a comma must not cut a number.
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![^\W_])"
    r"|[^\W_]+(?:[’'][^\W_]+)*(?:[-‑.][^\W_]+(?:[’'][^\W_]+)*)*(?:(?<=s)[’'](?![^\W_]))?\.?"
    r"|[“”‘’\"'«»„]|[^\w\s]",
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")
_PARA = re.compile(r"[^\n]+")
_SENT_END = re.compile(
    r"[.!?]+(?:''|[”’\"')\]])*(?=\s+(?:''|[“‘\"'(\[])?[A-Z0-9])|[.!?]+(?:''|[”’\"')\]])*$"
)

OPEN_DOUBLE = "“«„"
CLOSE_DOUBLE = "”»"
MAX_PARAGRAPHS = 6  # a quotation may run over at most this many paragraphs


@dataclass(slots=True)  # not frozen: a frozen __init__ costs a third of tokenizing
class Token:
    start: int
    end: int
    text: str
    lower: str
    is_cap: bool  # starts with an upper-case letter
    is_word: bool  # starts with a letter or digit


@dataclass(frozen=True, slots=True)
class Quotation:
    """A quotation: content ``[start, end)``, its marks ``[open, start)`` and ``[end, close)``
    (one mark each, or a doubled run such as ``““`` and ``”,”``)."""

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
    abbreviations = load().abbreviations
    number_abbreviations = load().number_abbreviations
    out = []
    for m in _TOKEN.finditer(text, start, end):
        tok = m.group()
        s, e = m.span()
        low = tok.lower()
        head = tok[0]
        # A trailing period belongs to the word only for abbreviations and initials.
        if (
            tok[-1] == "."
            and len(tok) > 1
            and not (
                low in abbreviations
                or _INITIALS.fullmatch(tok)
                or (low in number_abbreviations and text[e : e + 2].strip()[:1].isdigit())
            )
        ):
            out.append(Token(s, e - 1, tok[:-1], low[:-1], head.isupper(), head.isalnum()))
            out.append(Token(e - 1, e, ".", ".", False, False))
            continue
        out.append(Token(s, e, tok, low, head.isupper(), head.isalnum()))
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
            if (
                w in abbreviations
                or _INITIALS.fullmatch(w)
                or (
                    w in load().number_abbreviations
                    and text[m.end() : m.end() + 2].strip()[:1].isdigit()
                )
            ):
                continue
        e = m.end()
        if e > s:
            out.extend(_capped(text, s, e))
        s = e
        while s < end and text[s].isspace():
            s += 1
    if s < end and text[s:end].strip():
        out.extend(_capped(text, s, end))
    return out


MAX_SENTENCE = 1500
"""Characters: a longer "sentence" (text with no sentence end, a run-on list) is cut
into pieces at a space before this length. Everything extracted from a sentence
(a reported clause runs to its end) then stays this short, so a text without a full
stop costs linear time and output, not a copy of the rest of the text per cue. The
longest sentence in 400 PolNeAR training articles has 1,094 characters."""


def _capped(text: str, s: int, e: int) -> list[tuple[int, int]]:
    if e - s <= MAX_SENTENCE:
        return [(s, e)]
    pieces = []
    while e - s > MAX_SENTENCE:
        cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
        cut = cut if cut > s else s + MAX_SENTENCE
        pieces.append((s, cut))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if s < e:
        pieces.append((s, e))
    return pieces


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
    if ch == '"' and before.isspace() and after.isspace():
        # A mark set apart by spaces next to a nested quotation's mark (the Post's
        # style): "… say, 'Well done,' " said X closes; " 'Well … opens.
        b, a = i - 1, i + 1
        while b > 0 and text[b].isspace():
            b -= 1  # not text[:i].rstrip(): that copies the text before every mark
        while a < len(text) - 1 and text[a].isspace():
            a += 1
        prev = text[b] if b >= 0 else ""
        nxt = text[a] if a < len(text) else ""
        if prev in "'’":
            return "close"
        if nxt in "'‘":
            return "open"
    return None


# Three apostrophes are a double mark and a single one, in the order of nesting: a
# closing run (,''' said X) closes the inner quotation then the outer; an opening run
# before a word opens the outer then the inner.
# (The leading lookahead skips non-mark characters fast: alternatives with lookbehinds
# tried at every character cost 5 % of extraction.)
_DOUBLE_MARK = re.compile(r"(?=['\"“”«»„])(?:''(?='\w)|(?<=')''(?!')|(?<!')''(?!')|[\"“”«»„])")
_SINGLE_MARK = re.compile(
    r"(?=['‘’])(?:(?<!')['‘’](?!')|(?<!')'(?=''(?![\w']))|(?<=(?<!')'')'(?=\w))"
)
# Doubled marks are typos, but real copy has them ("““Yes,”,” she said", '""Yes,"" he
# said', "“Yes,”” she said"): a run of opening marks of one family with nothing between
# them opens once, and a closing mark followed by nothing but punctuation and another
# closing mark of its family closes once; otherwise the second mark of a pair opens an
# unclosed quotation that swallows the attribution after it. Marks of the other family
# are left alone, so “He told me ‘no,’” stays a quotation with a nested one.
_OPEN_RUN = {True: '"“„«', False: "‘"}
_CLOSE_RUN = {True: '"”»', False: "’"}
_RUN_PUNCT = ",.;:!?"
MAX_RUN_PUNCT = 2  # punctuation characters between two closing marks of one run


def _events(text: str, double: bool) -> list[tuple[int, str, int]]:
    """Positions, kinds and widths of quotation marks; two apostrophes ('') are one
    double mark, and a doubled mark (see :data:`_OPEN_RUN`) is one mark as wide as the
    run, so a quotation's content stays between the innermost marks."""
    out: list[tuple[int, str, int]] = []
    done = 0  # marks before this offset belong to a run already counted
    plain = 0  # opening marks before this offset were seen to be no run (scanned once)
    for m in (_DOUBLE_MARK if double else _SINGLE_MARK).finditer(text):
        i = m.start()
        if i < done:
            continue
        width = m.end() - i
        if m.group() == "''":
            before = text[i - 1] if i > 0 else " "
            after = text[i + 2] if i + 2 < len(text) else " "
            if before.isspace() or before in "([{—–-:/" or i == 0:
                kind: str | None = "open" if not after.isspace() else None
            else:
                kind = "close"
        else:
            kind = _kind_of_mark(text, i)
        if kind == "open" and i >= plain:
            run_end, plain = _open_run(text, i + width, double)
            width = run_end - i
        elif kind is not None and kind != "open":
            width = _close_run(text, i + width, double) - i
        if kind:
            out.append((i, kind, width))
            done = i + width
    return out


def _open_run(text: str, k: int, double: bool) -> tuple[int, int]:
    """End of a run of opening marks that starts before ``k`` (``k`` when there is none),
    and how far the marks were scanned. The run must be followed by a word, not a space
    ('"" ' is an empty quotation); a run that is not is not scanned again from each of
    its marks, which was quadratic in a long row of marks."""
    marks, j = _OPEN_RUN[double], k
    while j < len(text) and text[j] in marks:
        j += 1
    return (j if j < len(text) and not text[j].isspace() else k), j


def _close_run(text: str, k: int, double: bool) -> int:
    """End of a run of closing marks (with punctuation between) that starts before ``k``;
    ``k`` when the next mark is not a closing mark of the same family."""
    marks = _CLOSE_RUN[double]
    while True:
        j = k
        while j < len(text) and j - k < MAX_RUN_PUNCT and text[j] in _RUN_PUNCT:
            j += 1
        if (
            j < len(text)
            and text[j] in marks
            and _kind_of_mark(text, j) in ("close", "maybe_close")
        ):
            k = j + 1
        else:
            return k


def _scan(text: str, double: bool, paras: list[tuple[int, int]]) -> list[Quotation]:
    para_starts = [p[0] for p in paras]
    events = _events(text, double)
    out: list[Quotation] = []
    open_at: int | None = None
    open_width = 1

    def para_of(pos: int) -> int:
        return bisect_right(para_starts, pos) - 1

    def close_unbalanced(at: int) -> None:
        # An unclosed quotation ends at its paragraph's end, never later.
        p = para_of(at)
        pend = paras[p][1] if p >= 0 else len(text)
        out.append(Quotation(at, pend, min(at + open_width, pend), pend, False, double))

    closes_later = _closes_later(events, para_of)
    idx = 0
    while idx < len(events):
        pos, kind, width = events[idx]
        if open_at is not None and para_of(pos) != para_of(open_at):
            # Crossing paragraphs: continue only if the next mark in a later
            # paragraph closes, or re-opens at a paragraph start (the two
            # newspaper conventions for multi-paragraph quotes).
            p = para_of(pos)
            starts_para = text[paras[p][0] : pos].strip() == ""
            too_far = p - para_of(open_at) > MAX_PARAGRAPHS
            closes = kind in ("close", "maybe_close")
            if (
                too_far
                or not _opens_statement(text, open_at)
                or not (closes or (kind == "open" and starts_para))
            ):
                close_unbalanced(open_at)
                open_at = None
                continue
            if kind == "open":
                idx += 1
                continue
        if kind == "open":
            if open_at is not None:
                close_unbalanced(open_at)
            open_at, open_width = pos, width
        elif open_at is not None:
            if kind == "maybe_close" and closes_later[idx]:
                idx += 1
                continue
            # Spaces inside the marks (" 'Well done,' ") are not the content.
            start, end = open_at + open_width, pos
            while start < end and text[start] == " ":
                start += 1
            while end > start and text[end - 1] == " ":
                end -= 1
            out.append(Quotation(open_at, pos + width, start, end, True, double))
            open_at = None
        idx += 1
    if open_at is not None:
        close_unbalanced(open_at)
    return out


def _closes_later(events: list[tuple[int, str, int]], para_of: Callable[[int], int]) -> list[bool]:
    """For each mark: does a plain closing mark follow in its paragraph before any open?

    One backward pass; asking each mark separately was quadratic in a paragraph
    full of possessive apostrophes.
    """
    out = [False] * len(events)
    next_kind, next_para = "", -1  # the nearest open or close after the current mark
    for idx in range(len(events) - 1, -1, -1):
        pos, kind, _ = events[idx]
        para = para_of(pos)
        out[idx] = next_kind == "close" and next_para == para
        if kind in ("open", "close"):
            next_kind, next_para = kind, para
    return out


def _opens_statement(text: str, at: int) -> bool:
    """Whether a mark at ``at`` opens a whole statement (paragraph or sentence start, or
    after ``:`` or ``,``), the only kind of quotation that runs over paragraphs; a
    fragment opened mid-clause ("called the plan “a disaster") does not."""
    before = text[max(0, at - 3) : at].rstrip(" \u00a0")
    return not before or before[-1] in "\n:,.?!—―" or at == 0


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
