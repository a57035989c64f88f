"""Speaker mentions: the noun phrase next to a cue, parsed into name, titles, kind.

A rule-based chunker over tokens (no model): it walks outward from a cue and
keeps names, titles, possessive affiliations ("California’s governor") and the
speaker nouns of ``data/lexicons/speaker_nouns.tsv`` ("a White House memo",
"police", "a worker in Los Angeles").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

from provenance.extract.segment import Token
from provenance.lexicon import load, word_class
from provenance.models import SpeakerKind

APOSTROPHES = ("’s", "'s", "s’", "s'")
CONTRACTIONS = ("’s", "'s", "’ll", "'ll", "’d", "'d", "’re", "'re", "’ve", "'ve", "’m", "'m")
MAX_MODIFIERS = 4


@dataclass
class Mention:
    """A parsed speaker mention; ``start``/``end`` are character offsets."""

    start: int
    end: int
    text: str
    kind: SpeakerKind
    name: str | None  # the proper name, or the whole phrase for unnamed speakers
    titles: list[str] = field(default_factory=list)
    affiliation: str | None = None
    pronoun: str | None = None
    gender: str = "-"  # m, f, n or - (unknown)

    @property
    def surname(self) -> str | None:
        if self.kind is not SpeakerKind.person or not self.name:
            return None
        particles = word_class("name_particle")
        parts = [p for p in self.name.split() if p.lower().rstrip(".") not in particles]
        return parts[-1] if parts else None


def _title_at(tokens: list[Token], i: int) -> int:
    """Length in tokens of the longest title ending at ``tokens[i]`` (0 if none)."""
    lex = load()
    if tokens[i].lower not in lex.title_ends:
        return 0
    for n in range(min(lex.max_title_words, i + 1), 0, -1):
        phrase = " ".join(t.lower for t in tokens[i - n + 1 : i + 1])
        if phrase in lex.titles:
            return n
    return 0


@cache
def _title_starts() -> frozenset[str]:
    """First words of the titles: most tokens start none, and are ruled out at once."""
    return frozenset(t.split()[0] for t in load().titles)


def _title_from(tokens: list[Token], i: int) -> int:
    """Length in tokens of the longest title starting at ``tokens[i]`` (0 if none)."""
    if tokens[i].lower not in _title_starts():
        return 0
    titles = load().titles
    for n in range(min(load().max_title_words, len(tokens) - i), 0, -1):
        if " ".join(t.lower for t in tokens[i : i + n]) in titles:
            return n
    return 0


AFFILIATION_WORDS = 4  # capitalised words of an affiliation before a title ("American Unity Fund")


def _title_ahead(tokens: list[Token], i: int) -> bool:
    """Whether a title or speaker noun starts at ``tokens[i]`` or after at most
    :data:`AFFILIATION_WORDS` capitalised words."""
    lex = load()
    for k in range(i, min(len(tokens), i + AFFILIATION_WORDS + 1)):
        if _title_from(tokens, k) or tokens[k].lower in lex.speaker_nouns:
            return True
        if not (
            (tokens[k].is_cap and tokens[k].is_word)
            or tokens[k].lower in word_class("title_modifier")
        ):
            return False
    return False


def is_name_token(tok: Token) -> bool:
    if not tok.is_cap or not tok.is_word:
        return False
    # Stop words are listed capitalised ("This"); an all-caps acronym ("IT") is not one.
    # A contraction goes with them: "I'm", "He’d", "They’re" are no names.
    base = tok.text
    if "’" in base or "'" in base:  # most tokens have no apostrophe: skip the suffix scan
        for suffix in CONTRACTIONS:
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
    return base not in load().name_stopwords


def _verbish(tok: Token) -> bool:
    """A capitalised verb opening a name run: "Endorsed Trump", "Stated Stone".

    A cue verb or a headline verb (``headline_verb``) that is no first name; a
    surname in -ed ("Husted") is neither.
    """
    lex = load()
    low = tok.lower
    if low in lex.first_names:
        return False
    return low in lex.cue_forms or low in lex.words("headline_verb")


def trim_name(toks: list[Token]) -> list[Token]:
    """The tokens of a name run that make a person's name.

    A leading verb goes ("Endorsed Trump" -> "Trump"), so do words before a known
    first name ("Billionaire Donald Trump" -> "Donald Trump"); a run of four name
    words or more is a headline, not a name ("Trump Addresses Munich Attack"): empty.
    """
    firsts = load().first_names
    while toks and _verbish(toks[0]):
        toks = toks[1:]  # "Asked" alone is no name at all
    for k, tok in enumerate(toks[:-1]):
        if k > 0 and tok.lower in firsts and toks[k - 1].lower not in firsts:
            toks = toks[k:]
            break
    particles = word_class("name_particle")
    while (
        len(toks) > 1
        and _verbish(toks[-1])
        and toks[-1].lower.endswith(("s", "ed"))
        and not toks[-1].lower.endswith("ss")
    ):
        toks = toks[:-1]  # "Putin Remarks"; "the New York Post" keeps its name
    core = [t for t in toks if t.lower not in particles and len(t.text.rstrip(".")) > 1]
    if len(core) >= 4 and core[0].lower not in firsts:
        return []
    return toks


def _joins(toks: list[Token], k: int) -> bool:
    """``toks[k]`` joins a head noun to what qualifies it: a connector ("a worker in
    Los Angeles"), or "to" after a speaker noun ("aides to Clinton")."""
    low = toks[k].lower
    if low in word_class("connector"):
        return True
    return low == "to" and k > 0 and toks[k - 1].lower in load().speaker_nouns


def _is_possessive(tok: Token) -> bool:
    return tok.text.endswith(APOSTROPHES) and tok.is_cap


def _plural(word: str) -> bool:
    """A plural noun by its ending ("officials", not "press" or "bus")."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3


def _pronoun_of(tok: Token) -> str | None:
    """The pronoun ``tok`` is or opens ("he", "He’s", "they’re"), lower-cased; else None."""
    pronouns = load().pronouns
    if tok.lower in pronouns:
        return tok.lower
    for suffix in CONTRACTIONS:
        if tok.lower.endswith(suffix) and tok.lower[: -len(suffix)] in pronouns:
            return tok.lower[: -len(suffix)]
    return None


def np_before(text: str, tokens: list[Token], i: int) -> Mention | None:
    """The speaker noun phrase ending just before ``tokens[i]`` (None if there is none)."""
    lex = load()
    j = i - 1
    if j < 0:
        return None
    if tokens[j].text == ")":
        # "Rep. Jane Roe (D-Ohio) said": the name ends before the aside.
        k = j - 1
        while k > max(0, j - 8) and tokens[k].text not in "()":
            k -= 1
        if k > 0 and tokens[k].text == "(":
            j = k - 1
    pronoun = _pronoun_of(tokens[j])
    if pronoun is not None:
        tok = tokens[j]
        gender = lex.pronouns[pronoun][0]
        kind = SpeakerKind.organization if pronoun in ("it", "they") else SpeakerKind.person
        # "He’s also praising": the contraction is the auxiliary, the mention the pronoun.
        end = tok.start + len(pronoun)
        return Mention(
            tok.start, end, text[tok.start : end], kind, None, pronoun=pronoun, gender=gender
        )
    k = j
    saw_head = False
    while k >= 0:
        tok = tokens[k]
        n_title = _title_at(tokens, k)
        if n_title:
            k -= n_title
            saw_head = True
            continue
        if is_name_token(tok) or (tok.lower in word_class("name_particle") and saw_head):
            k -= 1
            saw_head = True
            continue
        if tok.lower in lex.speaker_nouns:
            k -= 1
            saw_head = True
            continue
        if (
            _joins(tokens, k)
            and saw_head
            and k > 0
            and (
                tokens[k - 1].lower in lex.speaker_nouns
                or _title_at(tokens, k - 1)
                or is_name_token(tokens[k - 1])
            )
        ):
            k -= 1
            continue
        if (
            tok.lower in ("the", "a")
            and saw_head
            and k > 1
            and _joins(tokens, k - 1)
            and (tokens[k - 2].lower in lex.speaker_nouns or _title_at(tokens, k - 2))
        ):
            k -= 2  # "organizers with the Riverton Clean Air Coalition", "aides to the governor"
            continue
        break
    if not saw_head:
        return None
    # Lower-case modifiers count only when a determiner starts the phrase.
    first = k + 1
    for m in range(k, max(-1, k - MAX_MODIFIERS - 1), -1):
        if tokens[m].lower in word_class("determiner"):
            # "… said that President Obama called …", "noted that experts say",
            # "showed that 65 percent of voters": "that" before a name, a number or a
            # plural head is a conjunction, not a determiner of the speaker phrase.
            conjunction = tokens[m].lower in ("that", "this") and (
                tokens[m + 1].is_cap or tokens[m + 1].text[:1].isdigit() or _plural(tokens[j].lower)
            )
            first = m + 1 if conjunction else m
            break
        if tokens[m].text.endswith(("’s", "'s")) and is_name_token(tokens[m]):
            # "Trump's eldest daughter", "Hillary Clinton's top aide": a possessive name
            # is the phrase's determiner; it takes its whole name with it.
            first = m
            while first > 0 and is_name_token(tokens[first - 1]):
                first -= 1
            break
        if not tokens[m].is_word or tokens[m].is_cap:
            break
        low, prev = tokens[m].lower, tokens[m - 1].lower if m > 0 else ""
        if low in lex.words("subordinator") or low in lex.words("question_word"):
            break  # "promised that if voters supported him": the phrase starts after "if"
        if low in lex.words("conjunction") and tokens[m + 1].is_cap:
            break  # "copied on the AP's questions and Gates said": Gates; not "her
            # advisers and allies", "current and former employees" (one phrase)
        if (
            (low in lex.cue_forms and lex.cue_forms[low].lemma != low)  # "state" is a noun
            or low in lex.words("finite")
            or (
                low.endswith("ed")
                and prev not in word_class("determiner")
                and not prev.endswith("ly")
            )
        ):
            break  # a verb ends the modifiers: "the agency quoted Omar Haddad" is Haddad;
            # "the retired general", "the newly elected mayor" keep theirs
    while first <= j and tokens[first].lower in word_class("connector"):
        first += 1
    return parse_mention(text, tokens[first : j + 1])


def np_after(text: str, tokens: list[Token], i: int) -> Mention | None:
    """The speaker noun phrase starting at ``tokens[i]`` (inverted "said the mayor")."""
    lex = load()
    if i >= len(tokens):
        return None
    if tokens[i].lower in lex.pronouns:
        tok = tokens[i]
        gender = lex.pronouns[tok.lower][0]
        return Mention(
            tok.start, tok.end, tok.text, SpeakerKind.person, None, pronoun=tok.lower, gender=gender
        )
    if tokens[i].lower in word_class("clause_opener"):
        return None  # "…,” adding that it’s why Trump …": a clause follows, not a speaker
    k = i
    if tokens[k].lower in word_class("determiner"):
        k += 1
    if (
        k < len(tokens)
        and tokens[k].lower in word_class("title_modifier")
        and _title_ahead(tokens, k)
    ):
        k += 1  # "said former secretary of state Hillary Clinton"; not "a former U.S. law …"
    last = -1
    while k < len(tokens):
        tok = tokens[k]
        n_title = _title_from(tokens, k)
        if n_title > 1:
            last = k + n_title - 1  # "secretary of state": one title, "of" and all
            k += n_title
            continue
        if (
            is_name_token(tok)
            or tok.lower in lex.speaker_nouns
            or tok.lower in lex.titles
            or _is_possessive(tok)
        ):
            last = k
            k += 1
            continue
        if (
            tok.lower in word_class("connector")
            and last == k - 1
            and k + 1 < len(tokens)
            and (is_name_token(tokens[k + 1]) or tokens[k + 1].lower in ("the", "a"))
        ):
            k += 1
            continue
        if tok.lower in ("the", "a") and k > i and tokens[k - 1].lower in word_class("connector"):
            k += 1
            continue
        if tok.lower in word_class("title_modifier") and _title_ahead(tokens, k + 1):
            k += 1  # "Democratic presidential candidate Bernie Sanders"
            continue
        if (
            tok.is_cap
            and tok.is_word
            and (last < 0 or last == k - 1)
            and (k == i or "\n" not in text[tokens[k - 1].end : tok.start])
            and (k == i or not tokens[k - 1].text.endswith(".") or _title_at(tokens, k - 1))
            and _title_ahead(tokens, k + 1)
        ):
            # "said Democratic pollster Stan Greenberg", "said American Unity Fund president
            # X": an affiliation word that never is a name ("Democratic" is a name
            # stopword), with only capitalised words between it and a title.
            k += 1
            continue
        break
    if last < 0:
        return None
    return parse_mention(text, tokens[i : last + 1])


def parse_mention(text: str, toks: list[Token]) -> Mention | None:
    """Name, titles, affiliation and kind of a noun phrase given as tokens."""
    lex = load()
    if not toks:
        return None
    start, end = toks[0].start, toks[-1].end
    phrase = text[start:end]
    # "a worker in Los Angeles", "a spokesman for the campaign": the head comes
    # before the first connector; what follows only qualifies it.
    for c in range(1, len(toks) - 1):
        if _joins(toks, c) and not _title_at(toks, c + 1) and not _title_at(toks, c):
            head = toks[c - 1]
            kind_word = lex.speaker_nouns.get(head.lower)
            if kind_word is None and head.lower in lex.titles:
                kind_word = "anonymous"
            # A speaker noun opening the phrase is capitalised by the sentence, not a
            # name: "Aides to Clinton say", "Officials in Riverton said".
            if kind_word is not None and (not is_name_token(head) or c == 1):
                kind = SpeakerKind(kind_word)
                name = phrase
                if kind is not SpeakerKind.anonymous and toks[0].lower in word_class("determiner"):
                    name = text[toks[1].start : end]
                elif kind is SpeakerKind.anonymous:
                    name = phrase[:1].upper() + phrase[1:]
                head_title = [head.text] if head.lower in lex.titles else []
                return Mention(start, end, phrase, kind, name, head_title)
            break
    # "Senator Bernie Sanders of Vermont", "Gov. Terry E. Branstad of Iowa": a person
    # named before "of"/"from" and a place; the place is an affiliation, not the name.
    for c in range(2, len(toks) - 1):
        if toks[c].lower in ("of", "from") and is_name_token(toks[c - 1]) and toks[c + 1].is_cap:
            person = parse_mention(text, toks[:c])
            if (
                person is not None
                and person.kind is SpeakerKind.person
                and person.name
                and (person.titles or len(person.name.split()) >= 2)
            ):
                place = text[toks[c + 1].start : end]
                return replace(person, end=end, text=phrase, affiliation=place)
            break
    # The name is the trailing run of capitalised tokens after the last title.
    titles: list[str] = []
    affiliation: str | None = None
    gender = "-"
    name_toks: list[Token] = []
    idx = len(toks) - 1
    particles = word_class("name_particle")
    while (
        idx >= 0
        and (is_name_token(toks[idx]) or toks[idx].lower in particles)
        and not _title_at(toks, idx)
        and not _is_possessive(toks[idx])
    ):
        name_toks.insert(0, toks[idx])
        idx -= 1
    rest = toks[: idx + 1]
    name_toks = trim_name(name_toks)
    r = len(rest) - 1
    while r >= 0:
        n = _title_at(rest, r)
        if n:
            title = " ".join(t.text for t in rest[r - n + 1 : r + 1])
            titles.insert(0, title)
            g = lex.titles[title.lower()]
            gender = g if g != "-" else gender
            r -= n
            continue
        break
    before = rest[: r + 1]
    poss = [t for t in before if _is_possessive(t)]
    if poss:
        p = before.index(poss[-1])
        words = [t.text for t in before[: p + 1] if t.is_cap]
        affiliation = " ".join(words).removesuffix("’s").removesuffix("'s").rstrip("’'") or None
    elif (
        titles
        and before
        and all(t.is_cap for t in before if t.lower not in word_class("determiner"))
    ):
        affiliation = (
            " ".join(t.text for t in before if t.lower not in word_class("determiner")) or None
        )
    last_word = toks[-1].lower
    if name_toks and not (toks[0].lower == "the" and not titles):
        name = " ".join(t.text for t in name_toks)
        kind = SpeakerKind.person
        if any(t.lower in lex.speaker_nouns for t in name_toks):
            kind = SpeakerKind.organization
        return Mention(start, end, phrase, kind, name, titles, affiliation, gender=gender)
    if name_toks:  # "the New York Post"
        name = " ".join(t.text for t in name_toks)
        return Mention(start, end, phrase, SpeakerKind.organization, name, titles, affiliation)
    noun_kind = lex.speaker_nouns.get(last_word)
    if titles and noun_kind is None:
        # "the governor": a person known only by a title; coreference may name them.
        return Mention(
            start, end, phrase, SpeakerKind.person, None, titles, affiliation, gender=gender
        )
    if noun_kind is None:
        # A lower-case noun phrase that heads no speaker noun: a thing, not a source.
        if not any(t.lower in lex.speaker_nouns for t in toks):
            return None
        noun_kind = next(lex.speaker_nouns[t.lower] for t in toks if t.lower in lex.speaker_nouns)
    kind = SpeakerKind(noun_kind)
    name = phrase
    if kind is not SpeakerKind.anonymous and toks[0].lower in word_class("determiner"):
        name = text[toks[1].start : end] if len(toks) > 1 else phrase
    elif kind is SpeakerKind.anonymous:
        name = phrase[:1].upper() + phrase[1:]
    return Mention(start, end, phrase, kind, name, titles, affiliation, gender=gender)


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
    opens_clause = k - 1 >= 0 and plural and tokens[k - 1].lower in word_class("clause_opener")
    if (
        k - 1 >= 0
        and not opens_clause
        and (
            tokens[k - 1].lower in word_class("determiner")
            or tokens[k - 1].lower in lex.words("quantifier")
        )
    ):
        first = k - 1
    if first == k and not plural:
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
