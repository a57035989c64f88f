"""Speaker phrases headed by a common noun: "the bank", "many lawmakers", "critics in both
parties", "a spokesman for the buyer" — the fallback when :mod:`provenance.extract.mentions`
finds no name, title or speaker noun. Their kind is anonymous; a phrase that is a
preposition's object is not the subject (:func:`generic_np_before` hands it to
``_before_preposition``).
"""

from __future__ import annotations

from provenance.extract.mentions import (
    MAX_MODIFIERS,
    Mention,
    is_name_token,
    np_before,
)
from provenance.extract.segment import Token
from provenance.lexicon import load, word_class
from provenance.models import SpeakerKind


def generic_np_before(text: str, tokens: list[Token], i: int) -> Mention | None:
    """A common-noun subject ending before ``tokens[i]``: "the bank", "many lawmakers".

    Used when :func:`np_before` finds no name, title or speaker noun. The phrase
    must start with a determiner or quantifier, or end in a plural (-s) noun, so
    that a stray word is not taken for a speaker. Its kind is anonymous.
    """
    lex = load()
    function = (
        lex.words("between_subject_cue")
        | lex.words("noun_before")
        | lex.words("finite")
        | lex.words("conjunction")
        | lex.words("subordinator")
        | lex.words("question_word")
    )
    j = i - 1
    if (
        j < 0
        or not tokens[j].is_word
        or tokens[j].lower in function
        or tokens[j].lower in lex.cue_forms
        or tokens[j].lower in lex.words("relative")
    ):
        return None
    if tokens[j].text[:1].isdigit():
        return None  # "gives her 1,280 pledged delegates": a number heads no speaker phrase
    k = j
    while (
        k - 1 >= 0
        and j - k < MAX_MODIFIERS
        and tokens[k - 1].is_word
        and tokens[k - 1].lower not in function
        and tokens[k - 1].lower not in word_class("determiner")
        and tokens[k - 1].lower not in lex.words("quantifier")
        and tokens[k - 1].lower not in lex.cue_forms
    ):
        k -= 1
    first = k
    head = tokens[j].lower
    # Any -s head here ("rabbis" too): _plural is narrower, for "that" before a head.
    plural = head.endswith("s") and not head.endswith("ss") and len(head) > 3
    # "noted that experts say": before a plural, "that" opens the clause (a determiner
    # would be "those"); it is the phrase's left edge, not a part of it.
    opens_clause = (
        k - 1 >= 0
        and tokens[k - 1].lower in word_class("clause_opener")
        and (
            plural
            # "showing that about half said": no determiner comes before "about"
            or tokens[k].lower in word_class("quantity_lead")
        )
    )
    if (
        k - 1 >= 0
        and not opens_clause
        and (
            tokens[k - 1].lower in word_class("determiner")
            or tokens[k - 1].lower in lex.words("quantifier")
        )
    ):
        first = k - 1
    # "About 9 percent said", "almost half said", "only 7 percent said": a quantity of
    # people, its lead no determiner
    quantity = (
        j > k
        and tokens[k].lower in word_class("quantity_lead")
        and (head in word_class("collective") or head in word_class("whole_group"))
    )
    if first == k and not plural and not quantity:
        return None
    if (
        first > 1
        and tokens[first - 1].lower in word_class("connector")
        # "seized on Trump’s claim that …": a possessive determines the cue noun; it is
        # the claimant, whatever the preposition before it
        and not tokens[j].text.endswith(("’s", "'s"))
    ):
        return _before_preposition(text, tokens, first - 1, j)
    if (
        head in lex.words("not_speaker")
        or head.endswith(("ing", "ed"))
        # "it means admitting …", "a sentence I never thought": a pronoun is a clause's
        # subject, so the words are a clause, not one phrase
        or any(
            t.lower in lex.pronouns or t.lower in word_class("speaking_person")
            for t in tokens[first : j + 1]
        )
        or any(t.lower in lex.words("not_speaker") for t in tokens[first:j])
    ):
        return None
    if (
        first == k
        and k > 0
        and tokens[k - 1].is_word
        and tokens[k - 1].lower not in function
        and not opens_clause
    ):
        return None  # no clear left edge
    start, end = tokens[first].start, tokens[j].end
    if tokens[j].text.endswith(("’s", "'s")):
        # "Trump’s claim that …", "an inspector general's report said": the owner speaks;
        # the mention ends before the possessive, a run of names is a person's name
        end -= 2
        phrase = text[start:end]
        if all(is_name_token(t) for t in tokens[first : j + 1]):
            return Mention(start, end, phrase, SpeakerKind.person, phrase)
    phrase = text[start:end]
    return Mention(start, end, phrase, SpeakerKind.anonymous, phrase[:1].upper() + phrase[1:])


def _before_preposition(text: str, tokens: list[Token], p: int, j: int) -> Mention | None:
    """The subject when the phrase before a cue (ending at ``tokens[j]``) is the object of
    the preposition ``tokens[p]``: "friends have in the past said" (an adverbial: the
    subject stands before the auxiliary), "Trump in his speech called" (a name before
    it), "critics in both parties said", "63 percent of Americans said" (a phrase of
    people before it: the subject is the whole), "polls show majorities of Americans
    say" (only the head noun, the words before it may hold a verb)."""
    lex = load()
    between = lex.words("between_subject_cue")
    q = p - 1
    if tokens[q].lower in between:
        while q >= 0 and tokens[q].lower in between:
            q -= 1
        return np_before(text, tokens, q + 1) or generic_np_before(text, tokens, q + 1)
    named = np_before(text, tokens, p)
    if named is not None and named.kind is SpeakerKind.person and named.name and not named.pronoun:
        return named
    head = tokens[q].lower
    if not (
        head in lex.speaker_nouns
        or head in lex.titles  # "the Republican nominee for the Nov. 8 election"
        or head in word_class("collective")
        or (head.endswith("s") and not head.endswith("ss") and len(head) > 3)
    ):
        return None  # "its view of the world", "the release of a video from the group"
    outer = generic_np_before(text, tokens, p) or named
    start = tokens[q].start
    if outer is None and q > 0 and tokens[q - 1].text[:1].isdigit():
        start = tokens[q - 1].start  # "37 percent of Americans"
    if outer is not None:
        x = q
        while x > 0 and tokens[x].start > outer.start:
            x -= 1  # a few modifiers back: the phrase is short
        words = tokens[x:q]
        lead = tokens[x].lower
        if not any(
            t.lower.endswith("ly") or t.lower in lex.cue_forms or t.lower in lex.words("finite")
            for t in words
        ) and lead not in ("that", "this"):
            start = outer.start
    end = tokens[j].end
    phrase = text[start:end]
    return Mention(start, end, phrase, SpeakerKind.anonymous, phrase[:1].upper() + phrase[1:])


def generic_np_after(text: str, tokens: list[Token], i: int, hi: int) -> Mention | None:
    """The words after "according to" up to a comma or the sentence end (at most 8).

    "according to federal statistics", "according to exit polls": a source
    that is neither a name nor a speaker noun. Its kind is document.
    """
    j = i
    while (
        j < min(hi, i + 8)
        and tokens[j].text not in ',;:.()"“”'
        and tokens[j].text != "—"
        and not (j > i and tokens[j].lower in word_class("agent_stop"))
    ):
        j += 1
    if j == i or (j < hi and j == i + 8 and tokens[j].text not in ",;:.)"):
        return None
    lone = tokens[i].lower
    if (
        j == i + 1
        and lone in word_class("determiner")
        and lone not in load().pronouns
        and lone not in word_class("object_pronoun")
        and lone not in load().words("quantifier")
    ):
        return None  # "“…,” said the" (a text cut short): an article names no one; "her",
        # "some" ("according to some") may
    start, end = tokens[i].start, tokens[j - 1].end
    phrase = text[start:end]
    return Mention(start, end, phrase, SpeakerKind.document, phrase[:1].upper() + phrase[1:])
