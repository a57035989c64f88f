"""Cue verbs and their speakers: the shared indexes and rules of extraction.

:class:`Doc` holds one document's tokens, sentences, paragraphs and
quotations; :func:`cue_at` decides whether a token is a reporting verb used as
a verb (with the frames of ``data/lexicons/cues.tsv``), and :func:`subject`
finds the speaker phrase before it ("X, a doctor, said", "X, who said",
"many lawmakers say"). All offsets are characters into the document text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

from provenance.extract.mentions import (
    Mention,
    generic_np_after,
    generic_np_before,
    np_after,
    np_before,
)
from provenance.extract.segment import Quotation, Token, paragraphs, quotations, sentences, tokenize
from provenance.lexicon import Cue, load, word_class
from provenance.models import Span, SpeakerKind

CALL_FOR = Cue("call for", "speech", "np")  # "called for new rules", "called on X to …"


@dataclass(frozen=True, slots=True)
class CueHit:
    index: int  # token index of the (last) cue word
    first: int  # token index where the cue phrase starts
    cue: Cue

    def span(self, text: str, tokens: list[Token]) -> Span:
        return Span.of(text, tokens[self.first].start, tokens[self.index].end)


def cue_at(tokens: list[Token], i: int, headline: bool = False) -> CueHit | None:
    """A cue verb at ``tokens[i]`` used as a verb (not "the state", "a report").

    In a title-case ``headline`` ("Obama Says Museum Will …") a capitalised cue
    form is a verb; elsewhere it is taken for a name ("Bill Said").
    """
    lex = load()
    tok = tokens[i]
    cue = lex.cue_forms.get(tok.lower)
    if cue is None or not tok.is_word:
        return None
    prev = tokens[i - 1].lower if i > 0 else ""
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    if cue.complement == "back" and nxt != "back":
        return None  # "shot back" is a retort; "shot" alone is not speech
    infinitive = prev == "to" and tok.lower == cue.lemma  # "went on to say"
    if prev in lex.words("noun_before") and not infinitive:
        return None
    if prev in lex.words("noun_modifier") and (
        tok.lower == cue.lemma or tok.lower in lex.words("noun_cue")
    ):
        return None  # "police reports", "state claims"; "police said" is a verb
    if nxt == "of" and cue.complement != "of" and not tok.lower.endswith(("ed", "id", "ys")):
        return None  # "the claims of fraud"; "said of the plan" is a verb
    if tok.lower in lex.words("noun_cue") and nxt in lex.words("finite"):
        return None  # "health worries have dogged her": a plural noun before its verb
    if cue.complement == "of" and nxt == "of":
        return None  # "people accused of fraud": a participle, not X accusing Y
    if (
        tok.lower in lex.words("noun_cue")
        and i > 1
        and not tokens[i - 1].is_cap
        and nxt != "that"
        and (
            tokens[i - 2].lower in lex.words("noun_before")
            or tokens[i - 2].lower in lex.words("quantifier")
        )
        and tokens[i - 1].is_word
        and tokens[i - 1].lower not in lex.speaker_nouns
        and tokens[i - 1].lower not in lex.titles
    ):
        return None  # "his latest tweets", "the early reports": a plural noun
    if tok.is_cap and i > 0 and tokens[i - 1].text not in "“‘\"'" and not headline:
        return None  # a capitalised cue form mid-sentence is a name ("Bill Said")
    if (
        i > 0
        and tokens[i - 1].text.endswith(("’s", "'s", "s’"))
        and tokens[i - 1].is_word
        and nxt != "that"
    ):
        return None  # after a possessive: a noun ("Trump’s plans"), unless "…’s claim that"
    if (
        tok.lower == cue.lemma
        and prev not in lex.words("base_form_before")
        and nxt != "that"
        and not (i > 0 and plural_subject(tokens[i - 1]) and cue.lemma != "state")
        and not (
            cue.lemma == "say"
            and i > 0
            and tokens[i - 1].is_word
            and prev not in lex.words("noun_before")
        )
        and not (
            i > 0
            and tokens[i - 1].is_cap
            and any(t.lower == "and" for t in tokens[max(0, i - 5) : i - 1])
        )
    ):
        return None  # a bare base form is mostly a noun ("state elected leaders")
    k = i - 1
    adverbs = lex.words("between_subject_cue") - lex.words("passive") - lex.words("finite")
    while k >= 0 and (tokens[k].lower.endswith("ly") or tokens[k].lower in adverbs):
        k -= 1
    progressive = tok.lower.endswith("ing")
    if k >= 0 and tokens[k].lower in lex.words("passive") and not progressive:
        return None  # "she has been told": the subject is not the speaker
    first = i
    if (
        k >= 0
        and k == i - 1
        and (
            tokens[k].lower in ("has", "have", "had")
            or (progressive and tokens[k].lower in lex.words("passive"))
        )
    ):
        first = k  # "has said", "is demanding": PolNeAR cues include the auxiliary
    if cue.lemma == "call" and nxt in ("for", "on"):
        return CueHit(i + 1, first, CALL_FOR)  # "called for new rules", "called on X to"
    if cue.complement == "back":
        return CueHit(i + 1, first, cue)
    return CueHit(i, first, cue)


def plural_subject(tok: Token) -> bool:
    """True for a word that can be a plural subject before a bare verb ("lawmakers say")."""
    low = tok.lower
    return tok.is_word and (
        (low.endswith("s") and not low.endswith("ss") and len(low) > 3)
        or low in ("police", "people")
        or tok.text.isupper()
    )


ASIDE_TOKENS = 16  # how far back before a cue an aside's opening comma is looked for
PLACE_WORDS = 3  # capitalised words between two commas of a place ("Portsmouth, N.H.,")


def _before_adverbial_aside(
    text: str, tokens: list[Token], close: int, floor: int
) -> Mention | None:
    """The named speaker before an adverbial aside that ends at the comma ``close``:
    "X, speaking at a rally in Dayton, Ohio, said". The aside opens with a preposition
    or a participle after its comma and may hold a place's commas, no others."""
    adverbial = load().words("preposition_after_cue")
    end = close  # the comma closing the part looked at
    for k in range(close - 1, max(floor, close + 1 - ASIDE_TOKENS), -1):
        if tokens[k].text != ",":
            continue
        after = tokens[k + 1]
        if after.lower in adverbial or (after.lower.endswith("ing") and not after.is_cap):
            found = np_before(text, tokens, k)
            if found is not None and found.start >= tokens[floor].start and found.name:
                return found
            return None
        if not (0 < end - k - 1 <= PLACE_WORDS and all(t.is_cap for t in tokens[k + 1 : end])):
            return None
        end = k
    return None


def subject(text: str, tokens: list[Token], cue_index: int, floor: int) -> Mention | None:
    """The speaker phrase before a cue, skipping auxiliaries and one appositive."""
    lex = load()
    between = lex.words("between_subject_cue")
    j = cue_index
    time = lex.words("time")
    while j - 1 >= floor and (
        tokens[j - 1].lower in between
        or tokens[j - 1].lower.endswith("ly")
        or tokens[j - 1].lower in time
    ):  # "X, who on Thursday called"
        j -= 1
    if j - 1 >= floor and tokens[j - 1].lower in lex.words("relative"):
        # "Mr. X, who said …": the speaker is the phrase before ", who".
        j -= 1
        rel = tokens[j]
        if j - 1 >= floor and tokens[j - 1].text == ",":
            j -= 1
        found = np_before(text, tokens, j)
        if found is None or found.start < tokens[floor].start:
            return None
        if found.kind is SpeakerKind.person and not found.name:
            return found  # "a retired general, who said": the phrase is all there is
        # The mention is the relative pronoun itself (as "he" is); it names the phrase
        # before it, which is who the speaker resolves to.
        return replace(found, start=rel.start, end=rel.end, text=rel.text)
    if j - 1 >= floor and tokens[j - 1].text == ",":
        found = _before_adverbial_aside(text, tokens, j - 1, floor)
        if found is not None:
            return found
    if j - 1 >= floor and tokens[j - 1].text in ",)":
        # "X, a doctor, said" / "X (R-Ohio) said": the aside ends here; the
        # speaker ends where the aside starts.
        close = tokens[j - 1].text
        opener = "," if close == "," else "("
        for k in range(j - 2, max(floor - 1, j - ASIDE_TOKENS), -1):
            if tokens[k].text == opener:
                found = np_before(text, tokens, k)
                if found is not None and found.start < tokens[floor].start:
                    found = None
                # "The head of the port, Ana Ruiz, argues": the aside is the name.
                aside = np_before(text, tokens, j - 1) if close == "," else None
                named = (
                    aside is not None
                    and aside.start > tokens[k].start
                    and aside.kind is SpeakerKind.person
                    and bool(aside.name)
                )
                if named and (
                    found is None or found.kind is not SpeakerKind.person or not found.name
                ):
                    return aside
                return found
        return None
    found = np_before(text, tokens, j)
    if found is None:
        found = generic_np_before(text, tokens, j)
    if found is not None and found.start < tokens[floor].start:
        return None
    return found


class Doc:
    """Per-document indexes shared by the rules."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.starts = [t.start for t in self.tokens]
        self.paras = paragraphs(text)
        self.para_starts = [p[0] for p in self.paras]
        self.sents = [s for p in self.paras for s in sentences(text, *p)]
        self.sent_starts = [s[0] for s in self.sents]
        self.quotes = quotations(text)
        self.quote_opens = [q.open for q in self.quotes]
        # Tokens of a title-case first line (a headline), where "Says" is a verb.
        self.headline_tokens = self._headline()
        # Whether each token lies inside a quotation (marks included).
        self.quoted = [False] * len(self.tokens)
        for q in self.quotes:
            for i in range(self.tok_index(q.open), self.tok_index(q.close)):
                self.quoted[i] = True
        # Token indexes of cue verbs outside quotations, for nearest-cue lookups
        # (a scan back per quotation was quadratic in long sentences).
        forms = load().cue_forms
        self.cue_indexes = [
            i
            for i, t in enumerate(self.tokens)
            if not self.quoted[i]
            and t.lower in forms
            and cue_at(self.tokens, i, i < self.headline_tokens)
        ]
        self.according: dict[tuple[int, int], tuple[Span, Mention] | None] = {}

    def _headline(self) -> int:
        """Number of tokens in the first paragraph when it is a title-case headline."""
        if not self.paras:
            return 0
        end = self.tok_index(self.paras[0][1])
        words = [t for t in self.tokens[:end] if t.is_word and len(t.text) > 3]
        if not words or len(words) > 20 or sum(t.is_cap for t in words) < 0.7 * len(words):
            return 0
        return end

    def tok_index(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos``."""
        return bisect_right(self.starts, pos - 1)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect_right(self.sent_starts, pos) - 1)
        return self.sents[i] if self.sents else (0, len(self.text))

    def para_of(self, pos: int) -> int:
        return bisect_right(self.para_starts, pos) - 1

    def quote_at(self, pos: int) -> Quotation | None:
        i = bisect_right(self.quote_opens, pos) - 1
        if i >= 0 and self.quotes[i].open <= pos < self.quotes[i].close:
            return self.quotes[i]
        return None


def left_cue(doc: Doc, lo: int, hi: int) -> CueHit | None:
    """The cue nearest to the left of token index ``hi`` (exclusive), not inside a quote."""
    k = bisect_right(doc.cue_indexes, hi - 1) - 1
    if k >= 0 and doc.cue_indexes[k] >= lo:
        i = doc.cue_indexes[k]
        return cue_at(doc.tokens, i, i < doc.headline_tokens)
    return None


def according_to(doc: Doc, lo: int, hi: int) -> tuple[Span, Mention] | None:
    """ "according to X" in tokens ``[lo, hi)``: its cue span and X."""
    # Asked once per quotation of a sentence: remembered, not rescanned.
    if (lo, hi) not in doc.according:
        doc.according[(lo, hi)] = _according_to(doc, lo, hi)
    return doc.according[(lo, hi)]


def _according_to(doc: Doc, lo: int, hi: int) -> tuple[Span, Mention] | None:
    toks = doc.tokens
    phrases = load().source_after  # multiword_cues.tsv: "according to", ...
    end = min(hi, len(toks))
    for i in range(lo, end - 1):
        for words in phrases.get(toks[i].lower, ()):
            n = len(words)
            if (
                i + n > end
                or doc.quoted[i]
                or any(toks[i + k].lower != w for k, w in enumerate(words))
            ):
                continue
            m = np_after(doc.text, toks, i + n) or generic_np_after(doc.text, toks, i + n, hi)
            if m:
                return Span.of(doc.text, toks[i].start, toks[i + n - 1].end), m
    return None


def main_subject(doc: Doc, lo: int, hi: int) -> Mention | None:
    """The subject of a sentence's main clause, before token ``hi``.

    For a participle cue after a comma ("X attacked Y, saying …"): a leading
    adverbial ("During the speech, …") is skipped; the subject is the phrase
    before the first lower-case word that is not a function word.
    """
    lex = load()
    toks = doc.tokens
    k = lo
    opens_adjunct = word_class("preposition_after_cue") | {"after", "while", "when", "at"}
    if k < hi and toks[k].lower in opens_adjunct:
        while k < hi and toks[k].text != ",":
            k += 1
        k += 1
    for j in range(k + 1, hi):
        tok = toks[j]
        if doc.quoted[j]:
            continue  # "“Our hearts …,” O’Brien said.": the words quoted are no subject
        if (
            tok.text[:1].isalpha()
            and not tok.is_cap
            and tok.lower not in word_class("determiner")
            and tok.lower not in lex.speaker_nouns
            and tok.lower not in lex.titles
            and not (toks[j - 1].text == "," and tok.lower in lex.words("relative"))
        ):
            # "Gloria Pettway, 67, lives …": subject() steps over the aside.
            m = (
                subject(doc.text, toks, j, k)
                if toks[j - 1].text == ","
                else np_before(doc.text, toks, j)
            )
            return m if m is not None and m.start >= toks[k].start else None
    return None


def previous_person(doc: Doc, pos: int, pronoun: bool = False) -> Mention | None:
    """The named person who is the subject of the sentence before offset ``pos``.

    "Gloria Pettway, 67, lives nearby. “…,” she said.": news introduces a speaker
    as a sentence subject and then quotes them with a pronoun. Only a sentence
    in the same paragraph counts, and only a name (not "the mayor"); with
    ``pronoun``, only a he/she subject, also across a paragraph break ("She said ….
    ¶ “…,” she said.").
    """
    i = bisect_right(doc.sent_starts, pos) - 1
    if i < 1 or (not pronoun and doc.para_of(doc.sents[i - 1][0]) != doc.para_of(pos)):
        return None  # a pronoun subject carries over a paragraph break
    start, end = doc.sents[i - 1]
    lo, hi = doc.tok_index(start), doc.tok_index(end)
    m = np_after(doc.text, doc.tokens, lo) if lo < hi and doc.tokens[lo].is_cap else None
    if m is None:
        m = main_subject(doc, lo, hi)
    if pronoun:
        return m if m is not None and m.pronoun in ("he", "she") else None
    if m is None or m.kind is not SpeakerKind.person or not m.name or m.pronoun:
        return None
    return m


def sentence_body(text: str, start: int, end: int) -> int:
    """``end`` moved left over final punctuation and spaces outside quotation marks."""
    while end > start and text[end - 1] in ".!?;: \r\n\t":
        end -= 1
    return end


def trim(text: str, start: int, end: int) -> Span:
    """``text[start:end]`` without the spaces and separators at its edges.

    A leading colon or dash ("saying: ‘…’") introduces the content, it is not part of it.
    """
    while start < end and text[start] in " ,:;—–":
        start += 1
    while end > start and text[end - 1] in " ,":
        end -= 1
    return Span.of(text, start, end)
