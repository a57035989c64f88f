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


def _without_contraction(word: str) -> str:
    """``word`` without a trailing contraction or possessive ("He’s" → "He", "I'm" → "I")."""
    if "’" in word or "'" in word:  # most tokens have no apostrophe: skip the suffix scan
        for suffix in CONTRACTIONS:
            if word.endswith(suffix):
                return word[: -len(suffix)]
    return word


def is_name_token(tok: Token) -> bool:
    if not tok.is_cap or not tok.is_word:
        return False
    # Stop words are listed capitalised ("This"); an all-caps acronym ("IT") is not one.
    # A contraction goes with them: "I'm", "He’d", "They’re" are no names.
    return _without_contraction(tok.text) not in load().name_stopwords


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
    base = _without_contraction(tok.lower)
    return base if base in load().pronouns else None


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
