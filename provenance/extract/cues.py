"""Cue verbs: the shared indexes and rules of extraction.

:class:`Doc` holds one document's tokens, sentences, paragraphs and
quotations; :func:`cue_at` decides whether a token is a reporting verb used as
a verb (with the frames of ``data/lexicons/cues.tsv``); :func:`refused_infinitive`
and :func:`words_match` read ``no_statement.tsv``. Whose cue it is lives in
:mod:`provenance.extract.subjects`. All offsets are characters into the document text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from provenance.extract.common_nouns import generic_np_after
from provenance.extract.mentions import Mention, is_name_token, np_after
from provenance.extract.segment import Quotation, Token, paragraphs, quotations, sentences, tokenize
from provenance.lexicon import PARTICLES, Cue, load
from provenance.models import Span

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
    if cue.complement in PARTICLES and nxt != cue.complement:
        return None  # "shot back" is a retort, "went on" goes on speaking; "shot" alone is not
    if cue.complement == "on" and not (
        i > 0
        and (prev in lex.pronouns or is_name_token(tokens[i - 1]))
        and (i + 2 >= len(tokens) or tokens[i + 2].text in ",.:;“‘\"'")
    ):
        return None  # "he went on, …", "Trump went on: …"; not "the war went on", not
        # "the Senate goes on recess", not "went on about …"
    infinitive = prev == "to" and tok.lower == cue.lemma  # "went on to say"
    if prev in lex.words("noun_before") and not infinitive:
        return None
    if prev in lex.words("degree") and i > 1 and tokens[i - 2].lower in lex.words("noun_before"):
        return None  # "the most telling moment", "the least favored": an adjective
    if (
        cue.frame == "describe"
        and tok.lower.endswith(("ed", "ing"))
        and i > 0
        and nxt in ("“", '"', "‘", "''")
        and tokens[i - 1].is_word
        and not tokens[i - 1].is_cap
        and prev not in lex.speaker_nouns
        and prev not in lex.titles
        and prev not in lex.pronouns
        and prev not in lex.words("object_pronoun")
    ):
        return None  # "a group called “We The People”", "a film called “…”": a name given
    if (
        cue.frame == "describe"
        and tok.lower.endswith("ed")
        and any(  # "a company called", "a newly formed super PAC called"
            tokens[m].lower in ("a", "an")
            # not "a spokesman for the company called X a liar": the spokesman speaks
            and all(t.is_word and t.lower not in lex.words("connector") for t in tokens[m:i])
            for m in range(i - 2, max(-1, i - 6), -1)
        )
        and tokens[i - 1].is_word
        and lex.speaker_nouns.get(prev) != "anonymous"  # "a spokesman called Trump a liar"
        and prev not in lex.titles
        and _name_at(tokens, i + 1)
    ):
        return None  # "a company called Harbor Analytics", "a PAC called Future 45": a name
    if prev in lex.words("gerund_negator") and tok.lower.endswith("ing"):
        return None  # "praised the plan without saying that …": nothing was said
    if (
        tok.lower == cue.lemma
        and i > 1
        and tokens[i - 2].lower in lex.words("indefinite")
        and tokens[i - 1].is_word
        and not tokens[i - 1].is_cap
        and tokens[i - 1].lower not in lex.words("share")
    ):
        return None  # "a false claim that …": after "a" and a word, a noun
    if prev in lex.words("noun_modifier") and (
        tok.lower == cue.lemma or tok.lower in lex.words("noun_cue")
    ):
        return None  # "police reports", "state claims"; "police said" is a verb
    if nxt == "of" and cue.complement != "of" and not tok.lower.endswith(("ed", "id", "ys")):
        return None  # "the claims of fraud"; "said of the plan" is a verb
    if (
        tok.lower in lex.words("noun_cue")
        and (prev in lex.words("question_word") or prev in lex.words("relative"))
        and (i < 2 or tokens[i - 2].text != ",")
        and nxt != "that"
    ):
        return None  # "asked Rubio which states he could win"; not "the law, which states"
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
            or tokens[i - 2].lower in lex.words("degree")  # "more ambiguous remarks"
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
        and tokens[i - 1].lower[:-2] not in lex.pronouns  # "she’s saying": "she is"
    ):
        return None  # after a possessive: a noun ("Trump’s plans"), unless "…’s claim that"
    if (
        tok.lower == cue.lemma
        and cue.complement not in PARTICLES  # "as one voter put it": the particle makes a verb
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
            tokens[k].lower in lex.words("perfect")
            or (progressive and tokens[k].lower in lex.words("passive"))
        )
    ):
        first = k  # "has said", "is demanding": PolNeAR cues include the auxiliary
    if cue.lemma == "call" and nxt in ("for", "on"):
        return CueHit(i + 1, first, CALL_FOR)  # "called for new rules", "called on X to"
    if cue.complement in PARTICLES:
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


def words_match(toks: list[Token], j: int, hi: int, pattern: tuple[str, ...]) -> bool:
    """Whether ``toks[j:hi]`` starts with ``pattern`` ("*": up to four words)."""
    if not pattern:
        return True
    if pattern[0] == "*":
        for skip in range(5):
            if skip and (j + skip > hi or not toks[j + skip - 1].is_word):
                return False
            if words_match(toks, j + skip, hi, pattern[1:]):
                return True
        return False
    return j < hi and toks[j].lower == pattern[0] and words_match(toks, j + 1, hi, pattern[1:])


def refused_infinitive(doc: Doc, to: int, hi: int) -> bool:
    """Whether the verb before the infinitive marker ``tokens[to]`` and the words from
    it report nothing ("declined to say", "refused to say"): ``no_statement.tsv``."""
    toks = doc.tokens
    cue = load().cue_forms.get(toks[to - 1].lower) if to > 0 else None
    patterns = load().no_statement.get(cue.lemma, ()) if cue is not None else ()
    return any(words_match(toks, to, hi, p) for p in patterns)


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


def _name_at(tokens: list[Token], j: int) -> bool:
    """Whether a capitalised word starts at ``tokens[j]``, after "the" or not ("a prize
    called the House to Home Prize")."""
    if j < len(tokens) and tokens[j].lower == "the":
        j += 1
    return j < len(tokens) and tokens[j].is_cap and tokens[j].is_word
