"""Where a reported clause starts and ends: the words after a cue that are its content.

A cue's complement (``data/lexicons/cues.tsv``) decides what may start it
(:func:`clause_after`: "that", a subject and a finite verb, an addressee then a clause,
or the rest of the clause); the clause ends at the sentence end, a semicolon, a
participle cue after a comma, a second statement of the speaker, a closing attribution
(", the Tribune reported.") or, for a cue in an adverbial clause, that clause's comma
(:func:`ends_at_comma`). :func:`adverbial_tail` tells a tail that only says when, where
or to whom from an object, and :func:`inverted_after_comma` a "…, said X, <appositive>."
inversion. Used by :mod:`provenance.extract.reported`.
"""

from __future__ import annotations

from provenance.extract.common_nouns import generic_np_before
from provenance.extract.cues import CueHit, Doc, cue_at
from provenance.extract.mentions import np_after, np_before
from provenance.extract.segment import Token
from provenance.lexicon import PARTICLES, load, word_class
from provenance.models import SpeakerKind

MAX_TAIL_TOKENS = 8  # tokens after a sentence-final cue ("…, she said in a statement Friday.")
MAX_THAT_DISTANCE = 9  # tokens between a cue and its "that" ("said in a statement Friday that")
CLOSING_MARKS = frozenset({"”", '"', "''", "»"})
CLOSING_SPEAKER_TOKENS = 6  # "…, the Chicago Sun-Times reported.": the source's tokens


def adverbial_tail(toks: list[Token], lo: int, hi: int, takes_np: bool = False) -> bool:
    """Whether ``toks[lo:hi]`` after a cue is empty or only says when, where or to whom.

    "…, she said on Friday." / "…, he told CNN." qualify; "…, she acknowledged
    their battle." does not (an object, so the cue is not reporting the clause), nor,
    after a cue whose content is a noun phrase (``takes_np``: "endorsed", "praised"),
    a name: "…, the senator, Ana Voss, had endorsed Clinton." reports an endorsement.
    """
    while hi > lo and not toks[hi - 1].is_word:
        hi -= 1  # the sentence's final punctuation and closing marks
    if hi - lo > MAX_TAIL_TOKENS:
        return False
    if lo >= hi:
        return True
    first = toks[lo]
    lex = load()
    return (
        # "…, he’s sought to protect breaks": after "sought", "wanted", "to" is the content
        (
            first.lower in word_class("preposition_after_cue")
            and not (takes_np and first.lower == "to")
        )
        or first.lower in lex.words("time")
        or (first.is_cap and not takes_np)
        or (
            first.lower in ("reporters", "them", "him", "her", "us")
            # "…, X called her to get together again.": an infinitive, not an addressee
            and not any(t.lower == "to" for t in toks[lo + 1 : hi])
        )
        or first.text in ",("
    )


def clause_like(doc: Doc, k: int, hi: int, strict: bool) -> bool:
    """Whether ``tokens[k:hi]`` reads as a reported clause (subject and verb)."""
    lex = load()
    toks = doc.tokens
    if k >= hi or (doc.quoted[k] and doc.quote_at(toks[k].start) is None):
        return False
    first = toks[k].lower
    if first == "about" and k + 1 < hi and toks[k + 1].text[:1].isdigit():
        return True  # "said about 20 people …": a number, not a topic
    if first in word_class("preposition_after_cue") or not (
        toks[k].is_word or toks[k].text in "“\"‘'"
    ):
        return False
    if first in lex.words("finite"):
        return False  # "everything Trump says is a lie": the cue sits in a relative clause
    if (first in lex.pronouns and first not in ("it",)) or first in ("i", "we", "you", "there"):
        return True
    for j in range(k + 1, min(hi, k + 10)):
        if toks[j].text in ",;:" and strict:
            return False
        if _verb_at(toks, j):
            return True
    return not strict


def _verb_at(toks: list[Token], j: int) -> bool:
    """Whether ``toks[j]`` reads as a clause's verb: a finite form, or an -ed form not
    capitalised and not after a determiner ("the retired general")."""
    low = toks[j].lower
    return low in load().words("finite") or (
        low.endswith("ed")
        and len(low) > 4
        and not toks[j].is_cap
        and toks[j - 1].lower not in word_class("determiner")
    )


def inverted_after_comma(doc: Doc, hit: CueHit, lo: int, hi: int) -> bool:
    """Whether a finite cue right after a comma is followed by its speaker's name and then
    only an appositive or a short tail ("… catch Clinton, said Steve Elmendorf, a
    strategist."): the speaker is that name, not the phrase before the comma; not "Mr.
    Smith, a lawyer, said Jones was wrong" (a verb follows the name)."""
    toks = doc.tokens
    if (
        hit.first <= lo
        or hit.first != hit.index  # "…, has endorsed Sen. Ted Cruz": no inversion
        or toks[hit.first - 1].text != ","
        or toks[hit.index].lower.endswith("ing")
        or hit.cue.frame not in ("speech", "written")
        or hit.cue.complement in ("np", "object", "of")  # "…, endorsed Cruz", "told Cruz"
    ):
        return False
    m = np_after(doc.text, toks, hit.index + 1)
    if m is None or not m.name or m.pronoun or m.kind is not SpeakerKind.person:
        return False
    k = doc.tok_index(m.end)
    return k >= hi or not toks[k].is_word or adverbial_tail(toks, k, hi)


def ends_at_comma(toks: list[Token], lo: int, b: int, k: int, comma: int) -> bool:
    """Whether a cue's clause starting at ``toks[k]`` ends at the comma ``toks[comma]``:
    its subject follows an adverbial opener at ``toks[b]`` that is concessive ("While
    he’s said he’ll fight on, Sanders must …") or opens the sentence ("When Sanders
    accused her of being reliant on banks, she said …"), or a verb comes before the
    comma, so the clause is whole there ("…, when he asked supporters to run, 21,000
    said …"); not "after he told the paper that despite the hype, he …", where the comma
    falls inside what was told."""
    opener = toks[b].lower
    if opener not in load().words("adverbial_opener"):
        return False
    lead = word_class("before_opener")
    if opener in word_class("concessive") or all(
        not t.is_word or t.lower in lead for t in toks[lo:b]
    ):
        return True
    return any(
        (toks[j].lower == "to" and j + 1 < comma and toks[j + 1].is_word)  # "asked X to run, …"
        or ("-" not in toks[j].lower and _verb_at(toks, j))  # not "the self-described …"
        for j in range(k, comma)
    )


def clause_after(doc: Doc, hit: CueHit, hi: int) -> int | None:
    """Token index where the reported clause after a cue starts, or None."""
    lex = load()
    toks = doc.tokens
    k = hit.index + 1
    comp = hit.cue.complement
    if k >= hi or comp == "none" or comp in PARTICLES:
        return None
    # "said that", "said Tuesday that", "said in a statement that", "pointed out that".
    for j in range(k, min(hi, k + MAX_THAT_DISTANCE)):
        low = toks[j].lower
        if doc.quoted[j] or toks[j].text in ";:" or (toks[j].text == "," and j > k):
            break
        if (
            low == "that"
            and j + 1 < hi
            and (toks[j + 1].is_word or toks[j + 1].text == ",")
            and toks[j + 1].lower not in lex.words("finite")
        ):
            return j  # "noted that, like him, …" too
        if low in lex.words("finite") or (low in lex.cue_forms and j > k):
            break
    if comp == "of":
        for j in range(k, min(hi, k + 6)):
            if toks[j].lower == "of":
                return j + 1 if j + 1 < hi else None
        return None
    while k < hi and (
        (toks[k].lower in lex.words("time") and toks[k].lower not in ("at", "in", "on", "during"))
        or toks[k].text == ","
    ):
        k += 1  # "said Tuesday he would", "said, however, …"
    if (
        k > hit.index + 1
        and toks[k - 1].text == ","
        and k < hi
        and toks[k].lower in lex.words("conjunction")
    ):
        return None  # "feelings in many Asian states, and it has …": a new clause, not content
    if comp == "np" or (hit.cue.frame == "describe" and hit.cue.lemma != "call"):
        # "cited derogatory comments", "wants to triple …", "called for new rules"
        if k < hi and toks[k].lower == "to" and hit.cue.lemma not in lex.words("takes_infinitive"):
            return None  # "a star likened to …": a participle, not a speaker's act
        if (
            k < hi
            and (toks[k].is_word or toks[k].text in "“\"‘'")
            and toks[k].lower not in ("by", "as", "with", "from", "in", "on", "at")
        ):
            return k
        return None
    if comp == "object":
        # "told reporters he …", "warned Democrats the bill …": skip the addressee.
        start = k
        m = np_after(doc.text, toks, k)
        if m is None and k < hi and toks[k].lower in word_class("object_pronoun"):
            k += 1
        elif m is not None:
            k = doc.tok_index(m.end)
        elif k < hi and toks[k].lower in word_class("determiner"):
            # "told his advisers to …": a common-noun addressee of a few words.
            j = k + 1
            while (
                j < min(hi, k + 4)
                and toks[j].is_word
                and toks[j].lower != "to"
                and toks[j].lower not in lex.words("finite")
            ):
                j += 1
            k = j
        if k > start and k < hi and toks[k].lower == "to":
            return start  # "urged Republicans to join …": addressee and infinitive
        return k if clause_like(doc, k, hi, strict=True) else None
    if (
        hit.cue.frame == "cognition"
        and toks[k].lower.endswith("ly")
        and not clause_like(doc, k, hi, strict=True)
    ):
        return None  # "supporters think warmly back to 2008": how they think, not what
    return k if clause_like(doc, k, hi, strict=comp != "clause") else None


def clause_end(doc: Doc, k: int, hi: int, end: int, stops: list[int], phrase: bool = False) -> int:
    """Where a reported clause starting at token ``k`` ends: the sentence end, a
    semicolon, the comma before a participle cue (", arguing that …"), or "and"/"but"
    before a new verb of the speaker ("… and has since left"). A noun-phrase
    content also ends at its first comma. ``stops`` is :func:`clause_stops` for
    the kind of content (one lookup, not a scan to the sentence end per cue)."""
    j = stops[k + 1] if k + 1 < len(stops) else len(doc.tokens)
    if j >= hi or doc.tokens[j].start >= end:
        return end
    stop = _stop_at(doc, j, hi, phrase)
    return end if stop is None else stop  # None: its test needed a token past the sentence


def _stop_at(doc: Doc, j: int, hi: int, phrase: bool = False) -> int | None:
    """The offset where a clause ends if token ``j`` ends it, else None."""
    toks = doc.tokens
    if toks[j].text in CLOSING_MARKS and j > 0 and toks[j - 1].text == ",":
        # "… by fostering “growth and investment,” Ben Carson said Monday.": the
        # quotation's comma opens the closing attribution
        return toks[j].end if _closing_attribution(doc, j) else None
    if doc.quoted[j]:
        return None
    if toks[j].text == ";" or (phrase and toks[j].text in ",—–―"):
        return toks[j].start
    if (
        toks[j].lower in ("and", "but")
        and j + 1 < hi
        and toks[j + 1].lower in word_class("finite")
        and toks[j + 1].lower not in ("is", "are", "was", "were")
    ):
        return toks[j - 1].start if toks[j - 1].text == "," else toks[j].start
    if (
        toks[j].text == ","
        and j + 1 < hi
        and toks[j + 1].lower.endswith("ing")
        and cue_at(toks, j + 1) is not None
    ):
        return toks[j].start
    if toks[j].lower in ("and", "but") and j + 1 < hi and cue_at(toks, j + 1) is not None:
        # "… too early, but noted that …": a second statement of the same speaker.
        return toks[j - 1].start if toks[j - 1].text == "," else toks[j].start
    if toks[j].text == "," and _closing_attribution(doc, j):
        return toks[j].start
    return None


def _closing_attribution(doc: Doc, j: int) -> bool:
    """Whether the comma at ``tokens[j]`` opens the attribution that closes its
    sentence ("organizers added 160 guards, the Tribune reported."): the clause inside
    ends there; the words before the comma are the closing source's claim."""
    toks = doc.tokens
    n = len(toks)
    forms = load().cue_forms
    for c in range(j + 2, min(n, j + 2 + CLOSING_SPEAKER_TOKENS)):
        if toks[c].lower not in forms or doc.quoted[c]:
            continue
        hit = cue_at(toks, c)
        if hit is None or hit.cue.frame not in ("speech", "written"):
            return False
        m = np_before(doc.text, toks, hit.first) or generic_np_before(doc.text, toks, hit.first)
        if m is None or m.start != toks[j + 1].start or m.pronoun:
            return False
        e = hit.index + 1
        while e < n and toks[e].text not in ".!?":
            if e - hit.index > MAX_TAIL_TOKENS or toks[e].lower in ("to", "that"):
                return False  # "…, Bill Clinton called her to get together again."
            e += 1
        return e < n and adverbial_tail(toks, hit.index + 1, e)
    return False


def clause_stops(doc: Doc, phrase: bool) -> list[int]:
    """For each token index, the first token at or after it that ends a clause."""
    n = len(doc.tokens)
    out = [n] * (n + 1)
    for j in range(n - 1, -1, -1):
        # Stops are judged with the document as the bound; clause_end re-checks
        # the sentence bound, and a stop's tests only look one token ahead.
        out[j] = j if _stop_at(doc, j, n, phrase) is not None else out[j + 1]
    return out
