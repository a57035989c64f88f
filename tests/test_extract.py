"""Tests for provenance.extract: the seed gold, then table-driven rule families.

Every sentence in the tables was written for these tests (none is copied from a
corpus). Each row says what one rule family must (or must not) produce.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.extract import extract
from provenance.models import Attribution

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED_GOLD = SHARED / "eval" / "seeds.quotes.gold.jsonl"
SEED_CORPUS = SHARED / "corpus"


def _fold_tokens(name: str) -> set[str]:
    """Lower-case, accent-free word tokens of a name ("Barragán" -> {"barragan"})."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return {w for w in "".join(c if c.isalnum() else " " for c in plain).split() if len(w) > 1}


def _seed_rows() -> list[dict[str, object]]:
    if not SEED_GOLD.is_file() or not SEED_CORPUS.is_dir():
        pytest.skip(f"seed gold not present at {SHARED} (shared folder outside the repository)")
    return [
        json.loads(line)
        for line in SEED_GOLD.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _read(name: str) -> str:
    with (SEED_CORPUS / name).open(encoding="utf-8", newline="") as fh:
        return fh.read()


def _assert_invariant(text: str, atts: list[Attribution]) -> None:
    for a in atts:
        for span in a.spans():
            assert text[span.start : span.end] == span.text, (a.rule, span)


def test_seed_gold_is_extracted_exactly() -> None:
    rows = _seed_rows()
    texts: dict[str, str] = {}
    results: dict[str, list[Attribution]] = {}
    for row in rows:
        name = str(row["doc"])
        if name not in results:
            texts[name] = _read(name)
            results[name] = extract(texts[name])
            _assert_invariant(texts[name], results[name])
        same = [
            a
            for a in results[name]
            if (a.content.start, a.content.end) == (row["start"], row["end"])
        ]
        assert same, f"{name}[{row['start']}:{row['end']}] {row['text']!r} not extracted"
        att = same[0]
        if row["speaker"] is None:
            assert att.kind == "nonspeech", (row["text"], att.kind, att.rule)
            assert att.speaker is None and att.speaker_name is None, row["text"]
        else:
            assert att.kind != "nonspeech", (row["text"], att.rule)
            assert att.speaker_name is not None, (row["text"], att.rule)
            shared = _fold_tokens(att.speaker_name) & _fold_tokens(str(row["speaker"]))
            assert shared, (row["text"], att.speaker_name, row["speaker"])


def test_seed_speaker_names_are_as_spelled_in_the_text() -> None:
    rows = _seed_rows()
    names = {}
    for row in rows:
        if row["speaker"] is None:
            continue
        text = _read(str(row["doc"]))
        att = next(
            a
            for a in extract(text)
            if (a.content.start, a.content.end) == (row["start"], row["end"])
        )
        names[str(row["speaker"])] = att.speaker_name
    # The articles spell "Newson" and "Barragan"; Trump is never given a first name there.
    assert names.get("Donald Trump") == "Trump"
    assert names.get("Gavin Newsom") == "Gavin Newson"
    assert names.get("Nanette Barragán") == "Nanette Barragan"


def _find(text: str, content: str) -> Attribution:
    """The attribution whose content is exactly ``content`` (the test fails if none)."""
    atts = extract(text)
    _assert_invariant(text, atts)
    hits = [a for a in atts if a.content.text == content]
    assert hits, f"{content!r} not extracted; got {[(a.kind, a.content.text) for a in atts]}"
    return hits[0]


# (text, content, kind, speaker mention, speaker name, cue)
DIRECT = [
    (
        "“We will rebuild the pier by June,” Mayor Ada Lindqvist said.",
        "We will rebuild the pier by June,",
        "direct",
        "Mayor Ada Lindqvist",
        "Ada Lindqvist",
        "said",
    ),
    (
        "“The water is safe to drink,” said the county health officer.",
        "The water is safe to drink,",
        "direct",
        "the county health officer",
        None,
        "said",
    ),
    (
        "Councilman Raúl Ortega said: “Nobody told us about the closure.”",
        "Nobody told us about the closure.",
        "direct",
        "Councilman Raúl Ortega",
        "Raúl Ortega",
        "said",
    ),
    (
        "“It was the least costly option,” Ms. Brandt of the Riverside Trust said on Monday.",
        "It was the least costly option,",
        "direct",
        "Ms. Brandt of the Riverside Trust",
        None,
        "said",
    ),
    (
        "“The budget is balanced,” Sen. Mara Quist (D-Ore.) said Friday.",
        "The budget is balanced,",
        "direct",
        "Sen. Mara Quist",
        "Mara Quist",
        "said",
    ),
    (
        "“We have no plans to sell,” Ivo Brandt, the chief executive of a mid-sized regional "
        "shipping company based in Hamburg, said in an interview.",
        "We have no plans to sell,",
        "direct",
        "Ivo Brandt",
        "Ivo Brandt",
        "said",
    ),
    (
        "“Nobody listens to us anymore.” ― Dana Whitfield",
        "Nobody listens to us anymore.",
        "direct",
        "Dana Whitfield",
        "Dana Whitfield",
        "―",
    ),
    (
        "''The numbers simply do not add up,'' said Paul Renner, an economist.",
        "The numbers simply do not add up,",
        "direct",
        "Paul Renner",
        "Paul Renner",
        "said",
    ),
]


@pytest.mark.parametrize(("text", "content", "kind", "mention", "name", "cue"), DIRECT)
def test_direct_quotes(
    text: str, content: str, kind: str, mention: str, name: str | None, cue: str
) -> None:
    att = _find(text, content)
    assert att.kind == kind
    assert att.speaker is not None and att.speaker.text.endswith(mention.split()[-1])
    if name:
        assert att.speaker_name == name
    assert att.cue is not None and att.cue.text == cue


# Mixed quotes: the fragment is a record with exact offsets, and the clause around
# it is a second (indirect) record with the same cue and speaker.
MIXED = [
    (
        "The governor described the raid as an ‘outrageous abuse of power’ on Sunday.",
        "outrageous abuse of power",
        "the raid as an ‘outrageous abuse of power’ on Sunday",
        "described",
    ),
    (
        "Lena Ortiz said the bridge plan was “far too late” for local shops.",
        "far too late",
        "the bridge plan was “far too late” for local shops",
        "said",
    ),
    (
        "The union accused the board of “stalling on purpose” during the talks.",
        "stalling on purpose",
        "the board of “stalling on purpose” during the talks",
        "accused",
    ),
]


@pytest.mark.parametrize(("text", "fragment", "clause", "cue"), MIXED)
def test_mixed_quotes_keep_fragment_and_clause(
    text: str, fragment: str, clause: str, cue: str
) -> None:
    frag = _find(text, fragment)
    assert frag.kind == "mixed"
    assert text[frag.content.start - 1] in "‘“" and text[frag.content.end] in "’”"
    whole = _find(text, clause)
    assert whole.kind == "indirect" and whole.rule == "clause-with-quote"
    assert frag.cue == whole.cue and frag.cue is not None and frag.cue.text == cue
    assert frag.speaker == whole.speaker


# (text, content, speaker name token, cue)
INDIRECT = [
    (
        "Mayor Lena Ortiz said the bridge would reopen in May.",
        "the bridge would reopen in May",
        "Ortiz",
        "said",
    ),
    (
        "The bank said Tuesday that it had closed 40 branches.",
        "that it had closed 40 branches",
        "bank",
        "said",
    ),
    (
        "Senator Hal Brody said in a statement that the vote was rushed.",
        "that the vote was rushed",
        "Brody",
        "said",
    ),
    (
        "The ferry will not run this weekend, the harbor authority said.",
        "The ferry will not run this weekend",
        "authority",
        "said",
    ),
    (
        "Prices rose sharply last year, said Ines Falk, a grocer in Bremen.",
        "Prices rose sharply last year",
        "Falk",
        "said",
    ),
    (
        "Coach Tomas Reyes told reporters the team would play on Sunday.",
        "the team would play on Sunday",
        "Reyes",
        "told",
    ),
    (
        "The council accused the mayor of hiding the audit.",
        "hiding the audit",
        "council",
        "accused",
    ),
    (
        "According to the county emergency office, three roads remain closed.",
        "three roads remain closed",
        "county",
        "According to",
    ),
    (
        "Three roads remain closed, according to state police.",
        "Three roads remain closed",
        "police",
        "according to",
    ),
    (
        "Many farmers say the new rules will cost them their land.",
        "the new rules will cost them their land",
        "farmers",
        "say",
    ),
    (
        "Dr. Noor Aziz, a pediatrician, said the clinic needs more nurses.",
        "the clinic needs more nurses",
        "Aziz",
        "said",
    ),
    (
        "The senator praised the deal and said it would create jobs in the valley.",
        "it would create jobs in the valley",
        "senator",
        "said",
    ),
    (
        "Rita Vance opposed the plan, arguing that it would raise rents.",
        "that it would raise rents",
        "Vance",
        "arguing",
    ),
    (
        "Senator Ruth Amell urged Republicans to back the flood bill.",
        "Republicans to back the flood bill",
        "Amell",
        "urged",
    ),
    (
        "The coach told his players to stay home on Sunday.",
        "his players to stay home on Sunday",
        "coach",
        "told",
    ),
    (
        "Dr. Eva Lund noted that, unlike last year, the harvest came early.",
        "that, unlike last year, the harvest came early",
        "Lund",
        "noted",
    ),
    (
        "The head of the port authority, Lars Vik, argues the fees are too low.",
        "the fees are too low",
        "Lars Vik",
        "argues",
    ),
    (
        "Republicans said the vote was rushed through the committee.",
        "the vote was rushed through the committee",
        "Republicans",
        "said",
    ),
    (
        "Mayor Ana Rios is demanding that the state repay the city.",
        "that the state repay the city",
        "Rios",
        "is demanding",
    ),
    (
        "She was told by county officials that the water was safe.",
        "that the water was safe",
        "officials",
        "was told by",
    ),
    (
        "The registration problem was first reported by The Harbor Times.",
        "The registration problem",
        "Harbor Times",
        "was first reported by",
    ),
    (
        "Officials have called for an independent review of the contract.",
        "an independent review of the contract",
        "officials",
        "have called for",
    ),
]


@pytest.mark.parametrize(("text", "content", "speaker", "cue"), INDIRECT)
def test_indirect_speech(text: str, content: str, speaker: str, cue: str) -> None:
    att = _find(text, content)
    assert att.kind == "indirect"
    assert att.speaker_name is not None and speaker.lower() in att.speaker_name.lower()
    assert att.cue is not None and att.cue.text == cue


# Whose cue a participle (", saying") or an infinitive ("went on to say") is: the subject
# of the clause it hangs on, not a place, an object or an aside before its comma, and
# not the sentence's first subject when the cue sits in a later clause (patterns read in
# the PolNeAR train archive, each rewritten here in words of our own).
# (text, content, speaker mention text; None: no record of that content at all)
CLAUSE_SUBJECTS = [
    (
        "Governor Lena Marsh of Ohio, who trails Mr. Hale in most polls, kept to the budget "
        "at first but slowly turned on Mr. Hale, eventually saying he would ruin the party.",
        "he would ruin the party",
        "Governor Lena Marsh of Ohio",
    ),
    (
        "The forum was so dull that Mr. Hale was prompted to say, “So far, this has been "
        "the politest evening of my life.”",
        "So far, this has been the politest evening of my life.",
        "Mr. Hale",
    ),
    (
        "As the ministers met in Lisbon, Hale was 300 miles away in Porto, Portugal, "
        "promising to cut the port fees by half.",
        "to cut the port fees by half",
        "Hale",
    ),
    (
        "The budget will be the main issue this fall, Dana Whitfield said, adding that the "
        "council had waited too long.",
        "that the council had waited too long",
        "Dana Whitfield",
    ),
    (
        "But the other speaker at the forum, former Interior Secretary Dana Whitfield, drew "
        "a contrast, saying that the dam had saved the valley.",
        "that the dam had saved the valley",
        "Interior Secretary Dana Whitfield",
    ),
    (
        "Mr. Hale went on to say that the harbor deal had been signed in secret.",
        "that the harbor deal had been signed in secret",
        "Mr. Hale",
    ),
    (
        "The agency quoted Omar Haddad, a fisherman from the island, as saying that the "
        "boats had left before dawn.",
        "that the boats had left before dawn",
        "Omar Haddad",
    ),
    ("Mr. Hale failed to note that the fees had doubled.", "that the fees had doubled", None),
    (
        "It is hard to say whether the council will approve the plan.",
        "whether the council will approve the plan",
        None,
    ),
    (
        "Mr. Hale declined to say whether he would sign the harbor deal.",
        "whether he would sign the harbor deal",
        None,
    ),
    (
        "Most of the panel refused to say the words “harbor tax” at the hearing.",
        "harbor tax",
        None,
    ),
]


# A participle after a document its subject wrote, filed or aired is the subject's
# (PolNeAR train, rewritten: "wrote a letter … asking", "released a new radio ad calling",
# "published an article stating"); an ad or an article on its own says what it says.
CLAUSE_SUBJECTS += [
    (
        "Mayor Ruth Abbott wrote a letter to the governor asking the state to audit the port.",
        "the state to audit the port",
        "Mayor Ruth Abbott",
    ),
    (
        "After the storm, Senator Paul Brandt released a new radio ad calling the levee "
        "plan “dangerous.”",
        "dangerous.",
        "Senator Paul Brandt",
    ),
    (
        "The tenants' union filed a lawsuit alleging that the landlord broke the law.",
        "that the landlord broke the law",
        "The tenants' union",
    ),
    (
        "Forbes published an article stating that the deal was illegal.",
        "that the deal was illegal",
        "Forbes",
    ),
    (
        "The ad claims “the mayor is the only one you can trust.”",
        "the mayor is the only one you can trust.",
        "The ad",
    ),
    (
        "“We are all uncertain this year,” Dana Whitfield wrote in a statement to the Ledger "
        "explaining why she is running, “but most residents agree.”",
        "but most residents agree.",
        "Dana Whitfield",
    ),
    (
        "Dana Whitfield said in a statement explaining her vote that the budget was too small.",
        "that the budget was too small",
        "Dana Whitfield",
    ),
]


@pytest.mark.parametrize(("text", "content", "mention"), CLAUSE_SUBJECTS)
def test_participle_and_infinitive_cues_take_their_clause_subject(
    text: str, content: str, mention: str | None
) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    found = [a for a in atts if a.content.text == content and a.kind != "nonspeech"]
    if mention is None:
        assert all(a.speaker is None for a in found), [(a.rule, a.speaker) for a in found]
        return
    assert found, [(a.rule, a.content.text) for a in atts]
    assert found[0].speaker is not None and found[0].speaker.text == mention, found[0]


# Quotations attributed after the closing mark, patterns read in the PolNeAR train
# archive and rewritten: a party or place before a title ("said Democratic pollster X"),
# a military title, "went on" as a cue, and a question whose attribution sentence goes on
# ("“…?” X said, as if …"). (text, content, speaker name or None for no speaker)
AFTER_THE_QUOTE = [
    (
        "“The numbers are hard to dispute,” said Democratic pollster Stan Grenfell.",
        "The numbers are hard to dispute,",
        "Stan Grenfell",
    ),
    (
        "“We expect a long summer,” said Republican strategist Ana Navas.",
        "We expect a long summer,",
        "Ana Navas",
    ),
    (
        "“This is a time of cooperation,” Rear Admiral Lin Hao told reporters.",
        "This is a time of cooperation,",
        "Lin Hao",
    ),
    (
        "“We ought to start the program again this morning,” he went on.",
        "We ought to start the program again this morning,",
        "he",
    ),
    (
        "“It happens to everybody, right?” Hale went on, as if he had not heard her.",
        "It happens to everybody, right?",
        "Hale",
    ),
    (
        "“Who would have believed it a year ago?” Hale said, looking out at the crowd.",
        "Who would have believed it a year ago?",
        "Hale",
    ),
    (
        # The strike's "went on" is no cue; the driver's "put it" is.
        "The strike went on, “with no end in sight,” as one driver put it.",
        "with no end in sight,",
        "One driver",
    ),
    (
        "The strike went on, “with no end in sight,” the union's newsletter reported.",
        "with no end in sight,",
        "The union's newsletter",
    ),
    (
        "Governor Ruiz said that once the Senate goes on recess, “I will campaign wherever I "
        "can be useful.”",
        "I will campaign wherever I can be useful.",
        "Ruiz",
    ),
    (
        "Ivo Brandt told the radio station, “We have suffered the same fate as the dock "
        "workers.” He added, “So the port should have been the first to help.”",
        "We have suffered the same fate as the dock workers.",
        "Ivo Brandt",
    ),
    (
        "On Monday, Vik wrote, “The council passes a bill that could close the pier.” This "
        "sort of comment, the station said, broke its rules.",
        "The council passes a bill that could close the pier.",
        "Vik",
    ),
]


# (PolNeAR train + dev, rewritten) After a quotation, an -ing cue is a participle whose
# object is no speaker ("“…,” blaming Michael Bloomberg" is not Bloomberg's), and a name
# with a verb after it is a clause's subject ("citing “…,” said the mayor could win"):
# the quotation is the speaker's before it, or no one's.
AFTER_THE_QUOTE += [
    (
        "Mayor Ana Ruiz called the ruling “a disgrace for the whole county,” blaming Judge "
        "Tom Hale.",
        "a disgrace for the whole county,",
        "Ana Ruiz",
    ),
    (
        "The senator said that was a “gross distortion of the record,” describing the panel "
        "as biased.",
        "gross distortion of the record,",
        "The senator",
    ),
    (
        "Her aide, citing “the strength of the ground game in the north,” said the mayor "
        "could win the county.",
        "the strength of the ground game in the north,",
        None,
    ),
]

AFTER_THE_QUOTE += [
    (
        "“The first defense is the community,” said former secretary of state Dana Whitfield.",
        "The first defense is the community,",
        "Dana Whitfield",
    ),
    (
        "“This is our effort to reach the elders,” said Harbor Unity Fund president Mara Quist.",
        "This is our effort to reach the elders,",
        "Mara Quist",
    ),
    (
        "“We will carry this state,” said Democratic presidential candidate Tom Okafor.",
        "We will carry this state,",
        "Tom Okafor",
    ),
    (
        "“Why would you cozy up to him?” Vik said about the mayor’s effort to hide the deal.",
        "Why would you cozy up to him?",
        "Vik",
    ),
]


AFTER_THE_QUOTE += [
    (
        "“What sport is he talking about? Is he profiling?” reacted Hale.",
        "What sport is he talking about? Is he profiling?",
        "Hale",
    ),
    (
        "“Many analysts told her no, and she set out to prove them wrong,” remembered Ivo "
        "Brandt, a former spokesman.",
        "Many analysts told her no, and she set out to prove them wrong,",
        "Ivo Brandt",
    ),
    # the Post's spaced mark after a nested quotation
    (
        "\"You have to shake hands and say, 'Well done,' \" said Rep. Mara Quist.",
        "You have to shake hands and say, 'Well done,'",
        "Mara Quist",
    ),
    # the Times' doubled apostrophes around a nested quotation: three close both
    (
        "''I remember the night it ran on 'Harbor Watch,''' said Tom Okafor, an aide.",
        "I remember the night it ran on 'Harbor Watch,'",
        "Tom Okafor",
    ),
]


# The left edge of a speaker phrase, patterns read in the PolNeAR train archive and
# rewritten: "that" before a plural, a number or a name opens the clause ("noted that
# experts say"), a subordinator is no part of the phrase ("While environmentalists
# said"); a demonstrative before a singular stays ("That official said").
# (text, content, speaker mention)
SUBJECT_EDGES = [
    (
        "The aide noted that experts say that the port lost money last year.",
        "that the port lost money last year",
        "experts",
    ),
    (
        "Emails from that week showed that county officials knew the levee was failing.",
        "the levee was failing",
        "county officials",
    ),
    (
        "A poll released Monday found that 61 percent of residents said the mayor should resign.",
        "the mayor should resign",
        "61 percent of residents",
    ),
    (
        "While neighborhood groups said the plan was rushed, the mayor praised it.",
        "the plan was rushed",
        "neighborhood groups",
    ),
    ("That official said the plan was weak.", "the plan was weak", "That official"),
]


# (PolNeAR train, rewritten) An adverb between the speaker and the cue is no speaker
# ("has always maintained"); "a third" takes a plural verb like "many" does.
SUBJECT_EDGES += [
    (
        "The senator has always maintained that the vote was fair.",
        "that the vote was fair",
        "The senator",
    ),
    (
        "Candidates have sometimes found ways to earn money on the road.",
        "ways to earn money on the road",
        "Candidates",
    ),
    ("Nearly a third say they do not know who to back.", "they do not know who to back", "a third"),
    ("A majority say the plan is too costly.", "the plan is too costly", "A majority"),
    # (PolNeAR train, rewritten) The object of an -ing participle is not the speaker: the
    # phrase the participle modifies is ("House Republicans supporting the bill have said").
    (
        "Farmers opposing the new levy have said they will keep protesting.",
        "they will keep protesting",
        "Farmers",
    ),
    (
        "A woman holding a sign said she had waited for hours.",
        "she had waited for hours",
        "A woman",
    ),
    # (PolNeAR train + dev, rewritten) A restrictive "who" clause between the subject and
    # the cue holds no speaker: "executives who have worked with X say" is not X's.
    (
        "Several delegates who met with Senator Ada Ruiz on Monday said she would not concede.",
        "she would not concede",
        "Several delegates",
    ),
    (
        "Two aides who talked to the Associated Press said the plan was dead.",
        "the plan was dead",
        "Two aides",
    ),
    # A quantity of people opens with no determiner; "that" before it opens the clause.
    (
        "Early returns were showing that about half said they want a new mayor.",
        "they want a new mayor",
        "about half",
    ),
    ("Only 7 percent said they were undecided.", "they were undecided", "Only 7 percent"),
    # (PolNeAR train + dev, rewritten) A message is a document its sender put out.
    (
        "Her campaign sent out a text message to supporters saying the count was close.",
        "the count was close",
        "Her campaign",
    ),
    # An adjective in -ing is no participle: "leading", "rolling".
    (
        "The bank's leading economist said rates would rise.",
        "rates would rise",
        "The bank's leading economist",
    ),
    # A belief with its clause is kept, and so is a report "saying" something.
    (
        "The ranchers believe the new fence protects the herd.",
        "the new fence protects the herd",
        "The ranchers",
    ),
    ("The treasurer felt that the audit was unfair.", "that the audit was unfair", "The treasurer"),
    (
        "The mayor released a statement saying the bridge would reopen in May.",
        "the bridge would reopen in May",
        "The mayor",
    ),
]


def test_a_fronted_besides_is_no_speaker() -> None:
    """A fronted "Besides …" is a preposition, not a plural speaker (PolNeAR train)."""
    text = "Besides attacking the governor, the mayor said the plan would cost too much."
    atts = extract(text)
    _assert_invariant(text, atts)
    assert [(a.speaker.text if a.speaker else None, a.content.text) for a in atts] == [
        ("the mayor", "the plan would cost too much")
    ]


# (PolNeAR train, rewritten) An unnamed source joined to what it knows ("familiar with",
# "close to", "briefed on") is the speaker, never the words after the link; a possessive
# name determines the phrase it opens ("Trump's longtime spokesman"); after "and", a
# capitalised name starts its own phrase ("copied on the questions and Gates said").
SUBJECT_EDGES += [
    (
        "A person familiar with the talks said the deal was close.",
        "the deal was close",
        "A person familiar with the talks",
    ),
    (
        "People close to the vice president said he would not run again.",
        "he would not run again",
        "People close to the vice president",
    ),
    (
        "A person familiar with the planning for the meeting says the talks will focus "
        "on the budget.",
        "the talks will focus on the budget",
        "A person familiar with the planning for the meeting",
    ),
    (
        "Officials close to the governor have said the plan is dead.",
        "the plan is dead",
        "Officials close to the governor",
    ),
    (
        "The mayor, close to tears, said the city would rebuild.",
        "the city would rebuild",
        "The mayor",
    ),
    (
        "Mayor Hale's longtime spokesman said the plan was fair.",
        "the plan was fair",
        "Mayor Hale's longtime spokesman",
    ),
    (
        "He was copied on the auditor's questions and Vance said he spoke to the board.",
        "he spoke to the board",
        "Vance",
    ),
    (
        "Her advisers and allies said the race was far from over.",
        "the race was far from over",
        "Her advisers and allies",
    ),
]


# (PolNeAR train, rewritten) In a chain of asides before a cue, a name after "in", "of",
# "for" or "by" is a place or an agent, not the subject: the speaker stands before the
# chain ("Sen. X, facing a challenge in Iowa, a swing state, said" was given to Iowa).
SUBJECT_EDGES += [
    (
        "Sen. Ana Voss, facing a spirited Democratic challenge in Ohio, a swing state, "
        "said she would welcome the help.",
        "she would welcome the help",
        "Sen. Ana Voss",
    ),
    (
        "The project website, run by Tom Hale, an associate professor at the state "
        "university, said the turnout estimate is based on ballots counted.",
        "the turnout estimate is based on ballots counted",
        "The project website",
    ),
]
AFTER_THE_QUOTE += [
    # "after" opens a clause: the name after it is the subject of "had said"
    (
        "The debate began after Mr. Hale, asked about the strike, had said, “We will "
        "settle it this week.”",
        "We will settle it this week.",
        "Hale",
    ),
    # "for Sen. X (D-Ohio), one of the plan's authors, called it": not X's words but those
    # of the name opening the sentence; "it" after the cue is its object
    (
        "Ana Ruiz, a lawyer who once worked for Sen. Tom Hale (D-Ohio), one of the plan’s "
        "authors, called it “a real step forward for the county.”",
        "a real step forward for the county.",
        "Ana Ruiz",
    ),
]


# (PolNeAR train, rewritten) After a cue, "while", "when", "since", "after", "before" …
# open when or how it was said, not what (13 such records on train + dev, none right).
ADVERBIAL_AFTER_CUE = [
    "“She still has the friends she had in grade school,” Tom Hale has said while "
    "stumping for his wife.",
    "That was what Ana Ruiz said when she resigned from the network in 2014.",
    "Some voters complained when they did not see her name on the ballot.",
]


@pytest.mark.parametrize("text", ADVERBIAL_AFTER_CUE)
def test_an_adverbial_clause_after_a_cue_is_not_what_was_said(text: str) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    opened = [a.content.text for a in atts if a.content.text.split()[0] in ("while", "when")]
    assert opened == []


# (PolNeAR train + dev, rewritten) A full name opening the sentence, then one long aside
# (a relative clause, a title and an employer) before the cue: 39 records gained their
# named speaker; only at the sentence's start and only a full name.
LONG_ASIDES = [
    (
        "Tomas Ferrer, a security consultant who has helped investigate several of the "
        "breaches uncovered to date, said he saw no evidence that the state was behind "
        "the attack.",
        "Tomas Ferrer",
    ),
    (
        "Ana Ruiz, a close friend of Mrs. Hale's who was her chief of staff at city hall for "
        "many years, said, “Even as mayor, it was always 'Who does she think she is?'”",
        "Ana Ruiz",
    ),
]


@pytest.mark.parametrize(("text", "name"), LONG_ASIDES)
def test_a_name_opening_the_sentence_before_a_long_aside(text: str, name: str | None) -> None:
    atts = [a for a in extract(text) if a.kind != "nonspeech"]
    _assert_invariant(text, atts)
    assert atts and {a.speaker_name for a in atts} == {name}


def test_and_said_after_a_bare_ing_form_does_not_share_its_subject() -> None:
    """(PolNeAR, rewritten) "senators vented about Hale vowing to fight on and said …":
    the finite "said" is not Hale's; after a comma's participle it still is the subject's."""
    vented = (
        "In a meeting on Tuesday, some senators vented about Hale vowing to fight on and "
        "said that they had lost their patience with him."
    )
    assert [a.speaker_name for a in extract(vented) if a.content.text.startswith("that")] == []
    attacked = (
        "Ana Ruiz attacked the plan, saying it was far too costly, and reminded the council "
        "that the city had no money left."
    )
    (reminded,) = [a for a in extract(attacked) if a.content.text.startswith("that the city")]
    assert reminded.speaker_name == "Ana Ruiz"


# (PolNeAR train + dev, rewritten) Where and when a cue was said, then the quotation: one
# record, no clause of the phrase and the quote (30 such dropped); "proclaimed" is a cue.
WHERE_THEN_QUOTE = [
    (
        "Hale said at a press conference, “I did not send any classified material to anyone.”",
        "Hale",
    ),
    (
        "Hale emphatically proclaimed at a press conference, “I did not send any classified "
        "material to anyone.”",
        "Hale",
    ),
    (
        "Ana Ruiz said last month on Twitter, “The plant will stay open as long as I am mayor.”",
        "Ana Ruiz",
    ),
]


@pytest.mark.parametrize(("text", "mention"), WHERE_THEN_QUOTE)
def test_where_it_was_said_then_the_quotation_is_one_record(text: str, mention: str) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    assert [(a.kind, a.speaker.text if a.speaker else None) for a in atts] == [("direct", mention)]


def test_too_close_to_call_is_no_source() -> None:
    assert extract("The race remained too close to call on Tuesday night.") == []


# (PolNeAR train, rewritten) "…, X, endorsed Clinton.": after a cue whose content is a
# noun phrase, a name is its object, so the clause before the comma is not what X said.
NP_CUE_OBJECTS = [
    (
        "The vote was close, but the state’s senior senator, Ana Voss, had already "
        "endorsed Clinton.",
        None,
    ),
    (
        "In debate after debate, and town hall after town hall, Mr. Hale questioned "
        "Ms. Ortiz's tactics.",
        "Ms. Ortiz's tactics",
    ),
    (
        "At a rally that night in Dover, Ms. Ortiz praised Governor Lee Park.",
        "Governor Lee Park",
    ),
]


@pytest.mark.parametrize(("text", "content"), NP_CUE_OBJECTS)
def test_a_name_after_a_noun_phrase_cue_is_its_object(text: str, content: str | None) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    assert [a.content.text for a in atts] == ([content] if content else []), [
        (a.rule, a.content.text) for a in atts
    ]


# (PolNeAR train + dev, rewritten) A quotation inside a reported clause whose subject
# stands before an earlier, coordinated verb is the clause's speaker's, with its cue
# (rule quote-in-clause), not a quotation of no one's.
QUOTES_IN_CLAUSES = [
    (
        "The mayor praised the plan and called it “a real step forward for the whole city.”",
        "a real step forward for the whole city.",
        "The mayor",
        "called",
    ),
    (
        "Ruiz has attacked the council and posted on Twitter that if the levy passed “every "
        "family on the east side would pay twice.”",
        "every family on the east side would pay twice.",
        "Ruiz",
        "posted",
    ),
]


@pytest.mark.parametrize(("text", "quote", "mention", "cue"), QUOTES_IN_CLAUSES)
def test_a_quotation_inside_a_reported_clause_is_its_speakers(
    text: str, quote: str, mention: str, cue: str
) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    found = [a for a in atts if a.content.text == quote]
    assert len(found) == 1, [(a.rule, a.content.text) for a in atts]
    q = found[0]
    assert q.kind in ("direct", "mixed") and q.speaker is not None, q
    assert (q.speaker.text, q.cue.text if q.cue else None) == (mention, cue)


def test_a_short_quotation_inside_a_clause_stays_the_writers() -> None:
    text = "The mayor praised the plan and said the “reform” would help."
    short = [a for a in extract(text) if a.content.text == "reform"]
    assert [a.kind for a in short] == ["nonspeech"]


@pytest.mark.parametrize(("text", "content", "mention"), SUBJECT_EDGES)
def test_a_speaker_phrase_starts_after_the_word_that_opens_its_clause(
    text: str, content: str, mention: str
) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    found = [a for a in atts if a.content.text == content]
    assert found, [(a.rule, a.content.text) for a in atts]
    assert found[0].speaker is not None and found[0].speaker.text == mention, found[0]


# After the closing mark (PolNeAR train, rewritten): a participle's "that" opens what
# was said, never the speaker ("“…,” adding that the council …"); an auxiliary may stand
# before the cue after a comma ("she has said", "will say"), not after a full stop or
# before a participle it cannot take; "put it" and "elaborated" are cues.
MESS = "Mayor Ana Ruiz said the budget was “a mess,” adding that the council “never read it.”"
AFTER_THE_QUOTE += [
    (MESS, "a mess,", "Ana Ruiz"),
    (MESS, "never read it.", "Ana Ruiz"),
    (
        "“We have had enough of those promises,” she has said.",
        "We have had enough of those promises,",
        "she",
    ),
    ("“We need more,” Ana Ruiz has long said.", "We need more,", "Ana Ruiz"),
    (
        "“Nobody is ready for this job on the first day,” the outgoing mayor will say.",
        "Nobody is ready for this job on the first day,",
        "the outgoing mayor",
    ),
    (
        "The mayor called the fees “a tax on the poor.” The council has quietly approved the fees.",
        "a tax on the poor.",
        "The mayor",
    ),
    (
        "He is citing the “many delays” Lena Ortiz had explaining the budget.",
        "many delays",
        "He",
    ),
    (
        "As one farmer put it, “We are tired of waiting for the county.”",
        "We are tired of waiting for the county.",
        "One farmer",
    ),
    (
        "“As far as I can tell,” she elaborated, “nobody on the board read the plan.”",
        "nobody on the board read the plan.",
        "she",
    ),
]


# (PolNeAR train, rewritten) ", who added" after a name and its title is the named
# person's; an object before an infinitive cue ("led her to declare") is the one who
# declared, so the sentence's subject is not the speaker (none is given).
AFTER_THE_QUOTE += [
    (
        "“We are gearing up,” said Ana Reyes, the chamber's chief strategist, who added "
        "that the group will focus on local races.",
        "that the group will focus on local races",
        "Ana Reyes",
    ),
    (
        "Mr. Hale won the primary with ease, while Ana Ruiz dealt a severe blow to Tom "
        "Okafor with a strong win that led her to declare that the nomination was "
        "“in sight.”",
        "in sight.",
        None,
    ),
]


def test_put_it_is_a_cue_only_with_its_particle() -> None:
    assert extract("He put it on the table and left.") == []
    assert extract("She put the files in a box.") == []


@pytest.mark.parametrize(("text", "content", "name"), AFTER_THE_QUOTE)
def test_speaker_after_the_quotation(text: str, content: str, name: str | None) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    found = [a for a in atts if a.content.text == content]
    assert found, [(a.rule, a.content.text) for a in atts]
    got = found[0].speaker_name or (found[0].speaker.text if found[0].speaker else None)
    assert got == name, (found[0].rule, got)


def test_a_long_anonymous_source_keeps_its_words() -> None:
    text = "“The files were moved,” said a former U.S. law enforcement official."
    att = _find(text, "The files were moved,")
    assert att.speaker is not None and att.speaker.text == "a former U.S. law enforcement official"


def test_an_intention_after_a_quotation_does_not_attribute_it() -> None:
    text = (
        "Mayor Ruiz urged officials to release the videos “without delay.” Ruiz plans to "
        "visit the town on Sunday, according to an aide."
    )
    atts = [a for a in extract(text) if a.content.text.startswith("without delay")]
    assert all(a.cue is None or a.cue.text != "plans" for a in atts), atts


def test_a_cue_before_its_own_clause_keeps_it() -> None:
    text = "“It is my wheelhouse.” He said, twice, that he would go back to work on Wednesday."
    atts = extract(text)
    assert any(
        a.kind == "indirect" and "he would go back to work" in a.content.text for a in atts
    ), [(a.rule, a.content.text) for a in atts]


# Sentences with a cue word that report nobody's words: nothing indirect is extracted.
NOT_CLAIMS = [
    "The governor declared a state of emergency on Friday.",
    "The state elected leaders in a special vote.",
    "His latest tweets drew thousands of replies.",
    "Trump’s plans to cut taxes were debated in the Senate.",
    "She has been told to prepare for the worst.",
    "In a statement last week, the company acknowledged the delay.",
    "Bill Said is a carpenter from Ohio.",
    "At one point, a woman asked Trump about the wall.",
    "Police reports describe the scene as chaotic.",
    "The officer fired at the car and shot the driver.",
    "Quill was fired by the board in May.",
    "The town erupted after a teenager who was fatally shot by a deputy was buried.",
]


# (PolNeAR train, rewritten) Cue forms that are no speech: an adjective after "the most"
# or "the least", a noun after "a" and an adjective, a gerund after "without" (nothing
# was said).
NOT_CLAIMS += [
    "The most telling sign the mayor has seen is that nobody came.",
    "They are the least favored candidates in the state this year.",
    "The mayor spoke for an hour, repeating a false claim that the budget had doubled.",
    "The board is preparing an additional report that could touch on the mayor's emails.",
    "I could not find a way to praise the plan without saying that it would fail.",
]

# (PolNeAR train + dev, rewritten) A participle of "call", "dub", "label" right before a
# quotation, after a common noun, gives a name, not words said: "a group called “…”".
NOT_CLAIMS += [
    "The plane flew a banner linked to a group called “We The People Foundation.”",
    "She was in a film called “The Long Road Home.”",
]

# (PolNeAR train + dev, rewritten) A belief verb's -ing form right after a noun is that
# noun's modifier ("donors seeking favours"), not a belief reported; a participle of
# "call" after "a <noun>" before "the <Name>" names it; how someone thinks ("think
# fondly back") or feels ("felt cornered by the vote") is no claim either.
NOT_CLAIMS += [
    "The memo lists several groups planning rallies outside the courthouse.",
    "Taxis gave free rides to residents seeking to leave the flooded district.",
    "The county withdrew notices seeking the arrest of three former clerks.",
    "Her brother joined a movement called the Northern Farmers' League.",
    "The farmers think fondly back to the old days.",
    "The mayor felt cornered by the council's vote.",
    "When the budget passed, the treasurer felt free to resign.",
]


def test_a_hopeful_is_a_role_before_a_name() -> None:
    # (PolNeAR train, rewritten) "Republican presidential hopeful Sen. X" named "Presidential".
    text = (
        "In line with most voters, Republican Presidential hopeful Sen. Ana Voss was critical "
        "of the ruling, telling reporters: “The ruling today is typical of this court.”"
    )
    quote = [a for a in extract(text) if a.content.text.startswith("The ruling today")]
    assert [a.speaker_name for a in quote] == ["Ana Voss"]


def test_the_object_of_an_opening_preposition_is_no_speaker() -> None:
    text = "In a Facebook message posted Friday, Ruiz said she had doubts about the levy."
    speakers = {a.speaker.text for a in extract(text) if a.speaker is not None}
    assert "Ruiz" in speakers and not any("message" in s for s in speakers), speakers


@pytest.mark.parametrize("text", NOT_CLAIMS)
def test_cue_words_that_are_not_attributions(text: str) -> None:
    atts = [a for a in extract(text) if a.kind != "nonspeech"]
    assert atts == [], [(a.rule, a.content.text) for a in atts]


# Cues that report no statement of the person named: a question put to them, a lead
# held, a refusal to comment (data/lexicons/no_statement.tsv, grammar.tsv question_*).
# ``absent`` is a speaker no record may be credited to; ``asker`` (if any) keeps the
# question as theirs.
NO_STATEMENT = [
    (
        "In a radio interview on Monday, Governor Ray Delmont was asked what he thought "
        "the council could do to win back angry farmers.",
        "Delmont",
        None,
    ),
    (
        "The host asked Senator Mara Quill if she believed the bridge contract had been "
        "rigged by donors.",
        "Quill",
        "The host",
    ),
    (
        "Though Quill maintains a large pledged delegate lead over Delmont, a narrower win "
        "in her home county would raise doubts.",
        "Quill",
        None,
    ),
    ("Quill maintained a narrow edge in the polls all summer.", "Quill", None),
    (
        "“The budget is a mess,” said a longtime aide to Delmont, who declined to be "
        "identified and is not part of the campaign.",
        "Delmont",
        None,
    ),
    ("A spokeswoman for Quill declined to comment on the lawsuit.", "Quill", None),
    ("Delmont declined to comment on whether the deal would survive the vote.", "Delmont", None),
    ("Delmont refused to be named in the report on the hearing.", "Delmont", None),
    (
        "Delmont refused to say that the county should sell the bridge to a private firm.",
        "Delmont",
        None,
    ),
]


@pytest.mark.parametrize(("text", "absent", "asker"), NO_STATEMENT)
def test_cues_that_report_no_statement(text: str, absent: str, asker: str | None) -> None:
    atts = [a for a in extract(text) if a.kind != "nonspeech"]
    _assert_invariant(text, atts)
    assert not any(a.speaker_name and absent in a.speaker_name for a in atts), [
        (a.speaker_name, a.content.text) for a in atts
    ]
    if asker is not None:
        assert any(a.speaker_name == asker for a in atts), [(a.speaker_name) for a in atts]


# A quotation after "X interjected:"/"X retorted," is X's, not the earlier speaker's.
@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        (
            "Quill said the plan was sound, to which Mayor Omar Delmont interjected: "
            "“That is simply false.”",
            "That is simply false.",
            "Omar Delmont",
        ),
        (
            "“We cut waste,” Delmont said. Quill retorted, “They cut the libraries.”",
            "They cut the libraries.",
            "Quill",
        ),
        (
            "Quill interjected by attacking Delmont over the casino deal.\n"
            "“Dana wants to look tough tonight,” Delmont shot back.",
            "Dana wants to look tough tonight,",
            "Delmont",
        ),
        (
            "When Quill hinted at a lawsuit, Delmont fired back: “If they sue us, they will lose.”",
            "If they sue us, they will lose.",
            "Delmont",
        ),
    ],
)
def test_quotation_after_a_retort_is_the_retorters(text: str, content: str, speaker: str) -> None:
    att = _find(text, content)
    assert att.speaker_name == speaker


@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        (
            "Quill maintained that the contract had been awarded fairly.",
            "that the contract had been awarded fairly",
            "Quill",
        ),
        (
            "Delmont declined to rule out a run for the Senate next year.",
            "to rule out a run for the Senate next year",
            "Delmont",
        ),
        (
            "Delmont said what the council needs is a new budget office.",
            "what the council needs is a new budget office",
            "Delmont",
        ),
    ],
)
def test_near_misses_of_no_statement_still_extract(text: str, content: str, speaker: str) -> None:
    att = _find(text, content)
    assert att.speaker_name is not None and speaker in att.speaker_name


# Speakers found outside the quote's own sentence.
def test_speaker_from_colon_lead_in_paragraph() -> None:
    text = (
        "A nurse in Leeds described the night shift:\n"
        "“We had four patients for every bed and nobody to call for help.”"
    )
    att = _find(text, "We had four patients for every bed and nobody to call for help.")
    assert att.kind == "direct" and att.speaker_name is not None
    assert "nurse" in att.speaker_name.lower()


def test_continuation_shares_speaker_and_cue_in_paragraph() -> None:
    text = "“The rent doubled,” Ana Ruiz said. “We could not stay, so we left the city.”"
    first = _find(text, "The rent doubled,")
    second = _find(text, "We could not stay, so we left the city.")
    assert second.speaker_name == first.speaker_name == "Ana Ruiz"
    assert second.cue == first.cue


RUIZ_LEAD = (
    "Mayor Ana Ruiz said the new budget was balanced. “We have done our part and more,” "
    "she said.\n\n"
)


def test_continuation_needs_a_quotation_that_opens_its_sentence() -> None:
    """A quotation with words before it in its sentence has its own lead-in ("Pressed
    on the delay, the mother of three replied, “…”"): when no rule reads that lead-in,
    the speaker stays unknown rather than passing to the previous quotation's (PolNeAR
    train: 32 wrong speakers fewer, 10 right ones lost)."""
    alone = RUIZ_LEAD + "“Nobody on the council has asked for more than that, and nobody will.”"
    att = _find(alone, "Nobody on the council has asked for more than that, and nobody will.")
    assert (att.rule, att.speaker_name) == ("continuation", "Ana Ruiz")
    led = RUIZ_LEAD + (
        "Pressed on the delay, the mother of three replied, “It is meant to help every "
        "family that waited for the bus last winter.”"
    )
    att = _find(led, "It is meant to help every family that waited for the bus last winter.")
    assert att.speaker is None and att.rule == "no-speaker"


def test_pronoun_speaker_resolves_to_named_person() -> None:
    text = (
        "Governor Maria Solis visited the shelter on Monday.\n\n"
        "“These families deserve better,” she said."
    )
    att = _find(text, "These families deserve better,")
    assert att.speaker is not None and att.speaker.text == "she"
    assert att.speaker_name == "Maria Solis"


def test_quote_across_paragraphs_with_reopened_marks() -> None:
    text = (
        "“We asked for a crossing guard three times,” said Pia Lund, a parent.\n"
        "“Each time the district said there was no money for one.\n"
        "“Now we are paying for it ourselves.”"
    )
    att = _find(
        text,
        "Each time the district said there was no money for one.\n"
        "“Now we are paying for it ourselves.",
    )
    assert att.kind == "direct" and att.speaker_name == "Pia Lund"


# Unbalanced marks cost at most their paragraph; later quotes are still found.
def test_unbalanced_quote_is_local() -> None:
    text = (
        "He called the plan “a disaster and walked out.\n\n"
        "“We will appeal the ruling,” said Olga Berg."
    )
    att = _find(text, "We will appeal the ruling,")
    assert att.speaker_name == "Olga Berg"
    stray = [a for a in extract(text) if a.content.start < text.index("\n")]
    assert all(a.content.end <= text.index("\n") for a in stray)


# Doubled marks are one mark (segment.py): the quotation ends at its own closing marks,
# so the attribution after them is found. Each row's previous paragraph has another
# speaker, whom a quotation swallowing its attribution used to take.
# (text of the last paragraph, content, speaker mention, cue)
DOUBLED_MARKS = [
    (
        "““Zsa afye bfqosrja qywy,”,” said Kivol Volruki.",
        "Zsa afye bfqosrja qywy,",
        "Kivol Volruki",
        "said",
    ),
    ("““Nobody asked us”,” said Tomas Very.", "Nobody asked us", "Tomas Very", "said"),
    (
        '""We will rebuild the bridge,"" Mayor Ada Lind said.',
        "We will rebuild the bridge,",
        "Mayor Ada Lind",
        "said",
    ),
    ("“The budget is final,”” said Nora Vik.", "The budget is final,", "Nora Vik", "said"),
    (
        '“"We never agreed to that,”" said Mara Linde.',
        "We never agreed to that,",
        "Mara Linde",
        "said",
    ),
    ("‘‘The vote is Tuesday,’’ the clerk said.", "The vote is Tuesday,", "the clerk", "said"),
    (
        "“He told me ‘never again,’ and left,” said Eva Holm.",
        "He told me ‘never again,’ and left,",
        "Eva Holm",
        "said",
    ),
    (
        "\"He told me 'never again,' and left,\" said Eva Holm.",
        "He told me 'never again,' and left,",
        "Eva Holm",
        "said",
    ),
]


@pytest.mark.parametrize(("text", "content", "mention", "cue"), DOUBLED_MARKS)
def test_doubled_marks_keep_the_attribution_outside(
    text: str, content: str, mention: str, cue: str
) -> None:
    whole = "“We start on Monday,” said Piet Olsen.\n\n" + text
    att = _find(whole, content)
    assert att.kind == "direct"
    assert att.speaker is not None and att.speaker.text == mention
    assert att.cue is not None and att.cue.text == cue
    assert att.cue.start > att.content.end  # this paragraph's cue, outside the quotation


# No speaker anywhere near: null, not a guess.
NONSPEECH = [
    ("Protesters held signs reading “No More Cuts” outside the hall.", "No More Cuts"),
    ("The so-called “reform” left most families worse off.", "reform"),
    # (PolNeAR train, rewritten) a show's name after "told" and a network's possessive
    (
        "“The port is a mess,” the senator told ABC's “Good Morning America.” “We will fix it.”",
        "Good Morning America.",
    ),
    ("The mayor told “Fox and Friends” that she would win.", "Fox and Friends"),
]


@pytest.mark.parametrize(("text", "content"), NONSPEECH)
def test_scare_quotes_and_signs_have_no_speaker(text: str, content: str) -> None:
    att = _find(text, content)
    assert att.kind == "nonspeech"
    assert att.speaker is None and att.speaker_name is None and att.cue is None


def test_output_is_in_document_order() -> None:
    text = (
        "Officials said the road would reopen. “It is safe now,” said Tom Hale. "
        "Residents say the repairs took too long."
    )
    starts = [a.content.start for a in extract(text)]
    assert starts == sorted(starts) and len(starts) >= 3


def test_cli_extract_jsonl_records(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from provenance.cli import app

    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    one = "“The dam is safe,” said Fire Chief Olu Bello. Residents say they were not told."
    two = "Protesters carried signs reading “Save the Pier” on Sunday."
    (folder / "a.txt").write_text(one, encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(two, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(folder), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and all(r["document"].endswith("a.txt") for r in rows)  # nonspeech left out
    keys = {"document", "kind", "content", "speaker", "speaker_name", "cue"}
    assert all(keys <= set(r) for r in rows)
    starts = [r["content"]["start"] for r in rows]
    assert starts == sorted(starts)
    for r in rows:
        for field in ("content", "speaker", "cue"):
            span = r[field]
            if span is not None:
                assert one[span["start"] : span["end"]] == span["text"]
    direct = next(r for r in rows if r["kind"] == "direct")
    assert direct["content"]["text"] == "The dam is safe,"  # outer marks excluded
    assert direct["speaker_name"] == "Olu Bello" and direct["cue"]["text"] == "said"
    with_all = CliRunner().invoke(app, ["extract", str(folder), "--all", "-f", "json"])
    assert with_all.exit_code == 0
    kinds = {(Path(r["document"]).name, r["kind"]) for r in json.loads(with_all.output)}
    assert ("b.txt", "nonspeech") in kinds


def test_cli_extract_bad_file_goes_on(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from provenance.cli import app

    good = tmp_path / "good.txt"
    good.write_text("“We are ready,” said Nia Park.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 broken \x81 bytes")
    result = CliRunner().invoke(app, ["extract", str(bad), str(good)])
    assert result.exit_code == 1
    assert "bad.txt" in result.output and "Traceback" not in result.output
    assert "Nia Park" in result.output


def test_seed_gold_scores_one_in_evaluate() -> None:
    _seed_rows()  # skips when ../shared is absent
    from provenance.evaluate import evaluate_jsonl_gold

    report = evaluate_jsonl_gold(SEED_GOLD, SEED_CORPUS, extract)
    assert report.gold == 7 and report.matched == 7
    assert (report.precision, report.recall, report.quote_f1) == (1.0, 1.0, 1.0)
    assert (report.speaker_accuracy, report.cue_accuracy) == (1.0, 1.0)


# Colon attributions: a paragraph opening with a speaker label.
COLON = [
    (
        "HALE: We will not raise the toll this year, and that is final.",
        "We will not raise the toll this year, and that is final.",
        "direct",
        "HALE",
    ),
    (
        "Ortiz: City to Rebuild the Old Pier by Spring",
        "City to Rebuild the Old Pier by Spring",
        "indirect",
        "Ortiz",
    ),
]


@pytest.mark.parametrize(("text", "content", "kind", "speaker"), COLON)
def test_speaker_colon(text: str, content: str, kind: str, speaker: str) -> None:
    att = _find(text, content)
    assert att.kind == kind and att.rule == "speaker-colon"
    assert att.speaker is not None and att.speaker.text == speaker
    assert att.cue is not None and att.cue.text == ":"


@pytest.mark.parametrize(
    "text",
    [
        "UPDATE: The road reopened at noon today.",
        "Photo: the pier after the storm last week",
        "The Latest: Ortiz wins the mayoral primary in Riverton",
    ],
)
def test_colon_labels_that_are_not_speakers(text: str) -> None:
    assert [a for a in extract(text) if a.kind != "nonspeech"] == []


def test_speaker_colon_with_quoted_fragment() -> None:
    text = "Ortiz: City must ‘stop the delays’ on the pier"
    frag = _find(text, "stop the delays")
    assert frag.kind == "mixed" and frag.speaker_name == "Ortiz"
    assert frag.cue is not None and frag.cue.text == ":"


def test_title_case_headline_cue() -> None:
    text = (
        "Mayor Ortiz Says City Will Rebuild the ‘Crumbling’ Pier by Spring\n\n"
        "The city council met on Tuesday."
    )
    frag = _find(text, "Crumbling")
    assert frag.kind == "mixed" and frag.speaker_name == "Ortiz"
    assert frag.cue is not None and frag.cue.text == "Says"
    # Outside a headline a capitalised cue form mid-sentence is a name, not a verb.
    assert [a for a in extract("We met Bill Says at the pier.") if a.kind != "nonspeech"] == []


@pytest.mark.parametrize(
    ("text", "content", "name"),
    [
        (
            "“Why would we wait?” Ana Ruiz said. The vote is on Monday.",
            "Why would we wait?",
            "Ana Ruiz",
        ),
        (
            "Nell Park paused, then went on to say, “We are not giving up on this town.”",
            "We are not giving up on this town.",
            "Nell Park",
        ),
    ],
)
def test_speaker_in_short_next_sentence_or_main_clause(text: str, content: str, name: str) -> None:
    att = _find(text, content)
    assert att.kind == "direct" and att.speaker_name == name


def test_quote_paragraph_after_indirect_speech_takes_its_speaker() -> None:
    text = (
        "Editor Jonas Lund said the paper would change course after the complaints.\n\n"
        "“We owe our readers a clearer account of how we check every story.”"
    )
    att = _find(text, "We owe our readers a clearer account of how we check every story.")
    assert att.rule == "previous-paragraph-speaker"
    assert att.speaker_name == "Jonas Lund"


# The fictional demo corpus (docs/sample-corpus.md): (file[:line], content starts with,
# a word of the speaker's name, or None for non-speech).
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SAMPLE_CASES = [
    ("01_riverton_ledger.txt", "We will not rest until every family is home,", "Ramírez"),
    ("01_riverton_ledger.txt", "This is the most dangerous fire", "Bell"),
    ("01_riverton_ledger.txt", "The air quality readings are improving", "Whitfield"),
    ("01_riverton_ledger.txt", "Riverton’s tap water is safe to drink.", "Ortiz"),
    ("01_riverton_ledger.txt", "We are going to be here until the last hot spot", "Bell"),
    ("01_riverton_ledger.txt", "Nobody knocked on my door.", "Pettway"),
    ("01_riverton_ledger.txt", "the cause of the fire had not been determined", "O’Brien"),
    ("01_riverton_ledger.txt", "about 300 families were moved", "office"),
    ("01_riverton_ledger.txt", "controlled burn", None),
    ("02_valley_courier.md", "We will not rest until every family is home.", "Ramires"),
    ("02_valley_courier.md", "My kids keep asking when we can go home", "Caldwell"),
    ("02_valley_courier.md", "does not bring anyone home sooner.", "Ortiz"),
    ("02_valley_courier.md", "The air quality readings are improving", "Ortiz"),
    ("03_kxrv_news.html", "If it's safe, they can prove it,", "Ferreira"),
    ("04_state_wire.jsonl:1", "the emergency declaration would also let", "Ramírez"),
    ("04_state_wire.jsonl:2", "passed every inspection required by its permit", "O'Brien"),
    ("04_state_wire.jsonl:2", "Safer Storage Now,", None),
    ("05_eastside_herald.txt", "Officers used pepper spray", "Maddox"),
    ("05_eastside_herald.txt", "eight people were arrested", "Police"),
    ("05_eastside_herald.txt", "What happened on Main Street tonight", "Maddox"),
    ("05_eastside_herald.txt", "I came down here because", "Delacroix"),
    ("05_eastside_herald.txt", "For three days we have been told", "Reyes"),
    ("05_eastside_herald.txt", "the most dangerous fire this department", "Bell"),
    ("05_eastside_herald.txt", "NOT OUR AIR", None),
    ("05_eastside_herald.txt", "WHAT WAS IN THE BUILDING?", None),
    ("06_capitol_dispatch.txt", "that his department had done what the law allowed", "Lin"),
    ("06_capitol_dispatch.txt", "the bill should also cover warehouses", "Hale"),
    ("06_capitol_dispatch.txt", "I will sign it the day it reaches my desk,", "Ramírez"),
    ("06_capitol_dispatch.txt", "Our inspectors did their jobs.", "Lin"),
    ("06_capitol_dispatch.txt", "Safer Storage Now,", None),
    ("06_capitol_dispatch.txt", "passed every inspection required by its permit", "O’Brien"),
]


def _sample_texts() -> dict[str, str]:
    from provenance.documents import read_paths

    texts = {}
    for item in read_paths([SAMPLES]):
        assert not isinstance(item, Exception), item
        texts[Path(str(item.path)).name + (f":{item.line}" if item.line else "")] = item.text
    return texts


@pytest.mark.parametrize(("name", "content", "speaker"), SAMPLE_CASES)
def test_sample_corpus_cases(name: str, content: str, speaker: str | None) -> None:
    text = _sample_texts()[name]
    atts = extract(text)
    _assert_invariant(text, atts)
    hits = [a for a in atts if a.content.text.startswith(content)]
    assert hits, f"{content!r} not extracted from {name}"
    att = hits[0]
    if speaker is None:
        assert att.kind == "nonspeech" and att.speaker_name is None
    else:
        assert att.kind != "nonspeech" and att.speaker_name is not None
        assert speaker.lower() in att.speaker_name.lower(), (att.speaker_name, att.rule)


_PIECES = [
    "“",
    "”",
    "‘",
    "’",
    '"',
    "'",
    "''",
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    ",",
    ".",
    ":",
    "—",
    "said",
    "she",
    "He",
    "Mayor Ana Ruiz",
    "told reporters",
    "that",
    "according to",
    "the plan",
    "was",
    "It’s",
    "workers’",
    "Officials",
    "(D-Ore.)",
    "―",
    "PENCE:",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60))
def test_any_text_keeps_the_span_invariant(pieces: list[str]) -> None:
    # Unbalanced and stray marks anywhere: extraction never fails and never
    # reports a span that is not exactly the text at its offsets.
    text = "".join(pieces)
    atts = extract(text)
    _assert_invariant(text, atts)
    starts = [a.content.start for a in atts]
    assert starts == sorted(starts)
    for a in atts:
        assert a.kind != "nonspeech" or a.speaker is None


@pytest.mark.parametrize(
    "sentence",
    [
        "The mayor described the plan as ‘a disgrace’ saying: ‘This is a betrayal of the city’ "
        "and demanding a recount.",
        "Ortiz said: the shelters will stay open through Sunday night.",
        "The chief added – as crews packed up – that the site was safe.",
    ],
)
def test_content_never_starts_or_ends_with_a_separator(sentence: str) -> None:
    for a in extract(sentence):
        assert a.content.text == a.content.text.strip(" ,:;—–"), a
        assert a.content.holds_in(sentence)


# Patterns read on PolNeAR train+dev while checking the cross-source update (stop 22), in
# sentences of our own; the extraction and speaker stages were not changed in that stop.
_TWEET = "“Is the mayor going to resign? He should resign in disgrace!”"


def test_a_quote_before_a_subject_with_an_appositive_is_one_record() -> None:
    """The words between the quote and the name are its speaker's title, not a clause
    around the quote (PolNeAR: 7 such clause records, "“…,” his wife, X, wrote")."""
    from provenance.extract import extract

    records = extract(f"{_TWEET} the Republican candidate, Tobias Moreau, tweeted Sunday.")
    assert [(r.kind, r.speaker_name) for r in records] == [("direct", "Tobias Moreau")]


def test_a_quote_before_a_name_with_an_appositive_has_that_speaker() -> None:
    """The short sentence after a quotation that ends its own sentence attributes it,
    an appositive and a day after the cue included."""
    from provenance.extract import extract

    records = extract(f"{_TWEET} Tobias Moreau, the Republican candidate, tweeted Sunday.")
    assert [(r.kind, r.speaker_name) for r in records] == [("direct", "Tobias Moreau")]


def test_a_quote_then_a_title_and_name_is_no_clause() -> None:
    from provenance.extract import extract

    text = "“We need him because work is very hard to find here,” his wife, Ana Lazar, wrote."
    records = extract(text)
    assert [(r.kind, r.speaker_name) for r in records] == [("direct", "Ana Lazar")]


# (PolNeAR, rewritten) A role named without a name as a clause's subject ("the Ohio
# senator is sticking …") is the one person of the text holding that role, so a "he"
# after it is that person, not the last man named. Only as a subject, and only with
# capitalised words the text ties to the person: an object ("believed the judge was"),
# a predicate ("become the next president") or "the Republican nominee" for the
# Democratic one leave the pronoun where it was.
OKAFOR = (
    "Senator Tom Okafor of Ohio spoke after Governor Ben Walsh left the stage. "
    "Instead, {description} is sticking to his campaign message.\n\n"
    "“We have come a long way in the last ten months,” he told cheering supporters "
    "in Akron on Monday morning."
)
DESCRIBED_ROLES = [
    (OKAFOR.format(description="the Ohio senator"), "Tom Okafor"),
    (OKAFOR.format(description="the senator"), "Tom Okafor"),
    (OKAFOR.format(description="the Texas senator"), "Ben Walsh"),
    (
        "Governor Ben Walsh spoke after Senator Tom Okafor left. Walsh said he believed "
        "the senator was wrong.\n\n“We will not back down,” he told supporters.",
        "Ben Walsh",
    ),
    (
        "Democratic nominee Dana Whitfield toured the plant. Governor Ben Walsh spoke "
        "next. The Republican nominee also praised the workers.\n\n“This plant is "
        "our future,” he said.",
        "Ben Walsh",
    ),
]


@pytest.mark.parametrize(("text", "name"), DESCRIBED_ROLES)
def test_he_after_a_described_role_is_the_one_holding_it(text: str, name: str) -> None:
    from provenance.extract import extract

    (record,) = [a for a in extract(text) if a.kind == "direct"]
    assert record.speaker_name == name


# Patterns from a cross-source flag on real news (PolNeAR train: one statement in three
# outlets, two of them given wrong speakers, so its misquote flag named "Her plan").
# Sentences written for this test; (kind, speaker) of every record.
SPEAKER_PATTERNS = [
    # A sentence opening with a group noun ("Coal miners") is not a person "Coal" whom
    # the next sentence's "she" refers to.
    (
        "Senator Ann Warren toured a mine in Kentucky. Coal miners are still angry about "
        "remarks Warren made last spring. When she was asked about tariffs, she offered "
        "this answer: “We will close every one of those plants within a decade.”",
        [("direct", "Ann Warren")],
    ),
    # What stands between a cue and a colon is no reported clause: one record, not a
    # second "indirect" one made of "up this answer for which she later apologized".
    (
        "Ann Warren was asked about tariffs. She offered up this answer, for which she "
        "later apologized: “We will close every one of those plants within a decade.”",
        [("direct", "Ann Warren")],
    ),
    # ... but a reported clause before a colon is one ("said she has …: “…”").
    (
        "Ann Warren said she has what the job needs most: “Patience, and then more patience.”",
        [("indirect", "Ann Warren"), ("direct", "Ann Warren")],
    ),
    # An aside that holds a comma of its own ("in Dayton, Ohio") between the speaker
    # and the cue; a clause after the quote ("while trying to explain her budget")
    # holds no cue of the quotation's.
    (
        "Ann Warren, speaking at a rally in Dayton, Ohio, said she was “ready to shut "
        "down every plant in the state,” while trying to explain her budget.",
        [("indirect", "Ann Warren"), ("direct", "Ann Warren")],
    ),
    (
        "Ann Warren, during a town hall meeting in Columbus, Ohio, said she was “going to "
        "put a lot of those plants out of business,” while trying to explain her plan.",
        [("indirect", "Ann Warren"), ("direct", "Ann Warren")],
    ),
    # Near misses that must keep working: one aside, and a cue right after the quote.
    (
        "The mayor, in a statement on Tuesday, said the city “will not back down.”",
        [("indirect", "The mayor"), ("direct", "The mayor")],
    ),
    (
        "“We will not back down,” said Ann Warren while touring the plant.",
        [("direct", "Ann Warren")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SPEAKER_PATTERNS)
def test_speaker_patterns_from_a_real_news_flag(
    text: str, expected: list[tuple[str, str | None]]
) -> None:
    from provenance.extract import extract

    assert [(r.kind, r.speaker_name) for r in extract(text)] == expected


def test_a_subordinator_followed_by_an_aside_keeps_the_quotes_cue() -> None:
    # "when" ends the search for a quotation's cue, but not "when, she said,".
    from provenance.extract import extract

    text = "Ann Warren missed the “quiet old times” when, she said, nobody shouted at rallies."
    quoted = [r for r in extract(text) if r.kind != "indirect"]
    assert [(r.kind, r.cue and r.cue.text, r.speaker_name) for r in quoted] == [
        ("mixed", "said", "Ann Warren")
    ]


def test_so_called_without_its_hyphen_is_no_cue() -> None:
    text = "The second measure, the so called “Harbor Plan” seeks to change the charter."
    atts = extract(text)
    _assert_invariant(text, atts)
    assert atts and all(a.speaker is None for a in atts), [(a.rule, a.speaker) for a in atts]


@pytest.mark.parametrize(
    "text",
    ["mayor told the", "“We are done,” said the", "“Fine,” added a", "The mayor told the"],
)
def test_a_text_cut_short_after_a_cue_and_a_determiner(text: str) -> None:
    """Found by the property tests: a determiner as the last token after a cue was read
    past the end of the tokens; and a determiner alone names no speaker."""
    atts = extract(text)
    _assert_invariant(text, atts)
    assert all(a.speaker is None for a in atts), [(a.rule, a.speaker) for a in atts]


# (PolNeAR train + dev, rewritten) A pronoun with its contraction is the mention of the
# pronoun ("She’s saying" is "She"); a number with thousands separators is one token, so
# a phrase that ends at a comma does not cut it ("hiring 12,000 teachers").
SUBJECT_EDGES += [
    (
        "The mayor left the hall early. She’s saying the vote was rigged.",
        "the vote was rigged",
        "She",
    ),
    ("The aides met again. They're claiming the count was wrong.", "the count was wrong", "They"),
    (
        "The governor has proposed hiring 12,000 teachers over five years.",
        "hiring 12,000 teachers over five years",
        "The governor",
    ),
]


# (PolNeAR train + dev, rewritten) A cue in a leading "while" clause reports up to the
# clause's comma: the main clause after it is the writer's ("While he’s said he will
# fight on, Sanders must decide …"); after "sought"/"wanted", "to" opens the content, not
# a closing tail ("…, he’s sought to protect breaks" gives no clause before the comma).
SUBJECT_EDGES += [
    (
        "While the coach has said he will stay on, the owners must decide what to pay him.",
        "he will stay on",
        "the coach",
    ),
    # a trailing "when" clause whose own clause is whole before the comma ends there; an
    # appositive inside the "that" clause before its verb does not end it
    (
        "Since May, when she asked her supporters to run for office, at least 900 said they would.",
        "her supporters to run for office",
        "she",
    ),
    (
        "The governor stretched the truth in the debate, when she claimed that the"
        " self-styled Harbor League, or HL, has used her rival in its ads.",
        "that the self-styled Harbor League, or HL, has used her rival in its ads",
        "she",
    ),
    # a trailing "after" clause: its comma is inside what was told
    (
        "Roffman drew the owner's ire after he told the paper that despite the hype, he"
        " didn't think the casino would last.",
        "that despite the hype, he didn't think the casino would last",
        "he",
    ),
    (
        "And while the mayor has railed against the loopholes in the code, she has sought to"
        " protect breaks for builders, her donors.",
        "to protect breaks for builders",
        "she",
    ),
]

# (PolNeAR train + dev, rewritten) Cue words that report nothing here: a plural noun
# before ", and" ("in many Asian states, and it …"), a cue inside a leading adverbial
# clause ("After X testified, …": the main clause is not X's words), a number heading
# the phrase before a cue form ("gives her 1,280 pledged delegates").
NOT_CLAIMS += [
    # "called" after "a"/"an" and a noun that is no person, before a capitalised name
    "They paid the money to a company called Harbor Analytics, which builds voter profiles.",
    "A newly formed super PAC called Future 45 ran its first ads in Iowa.",
    "Chinese money has stirred mixed feelings in many Asian states, and it has bought ports.",
    "After the senator testified, the committee turned its attention to her aides.",
    "The latest count gives her 1,280 pledged delegates and 469 super delegates.",
]

# (PolNeAR train + dev, rewritten) Words that are no record's content: a closing
# attribution inside another clause (", the Tribune reported."); the clause before a
# comma when the cue is a phrase ("calling for" takes "for" with it, so what follows is
# its object, not a tail) or an infinitive follows ("called her to meet again").
NOT_THE_CONTENT = [
    (
        "In Chicago, organizers added 160 guards along the route, the Tribune reported.",
        "160 guards along the route, the Tribune reported",
    ),
    (
        "Since her essay in May, she has moved left, criticizing the pipeline and calling"
        " for limits on drilling in the Arctic.",
        "Since her essay in May",
    ),
    (
        "On Sunday, she disclosed for the first time that after the trial, the coach called"
        " her to meet again.",
        "On Sunday, she disclosed for the first time that after the trial",
    ),
]


@pytest.mark.parametrize(("text", "content"), NOT_THE_CONTENT)
def test_words_that_are_no_records_content(text: str, content: str) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    assert content not in [a.content.text for a in atts], [(a.rule, a.content.text) for a in atts]


def test_a_capitalised_infinitive_marker_is_no_speaker() -> None:
    text = "To believe the state must run the schools, “you have to be very cynical,” he said."
    atts = extract(text)
    _assert_invariant(text, atts)
    assert atts and all(a.speaker is None or a.speaker.text != "To" for a in atts), [
        (a.rule, a.speaker) for a in atts
    ]
    assert all(a.speaker_name != "To" for a in atts)


# (PolNeAR train + dev, rewritten) A phrase that is a preposition's object is not the
# speaker: the subject is the whole phrase when its head names people ("leaders on the
# ground", "critics in both parties", "63 percent of voters", "a spokesman for the
# buyer"), the name before it ("the mayor in her first speech" is an adverbial), or the
# phrase before an auxiliary ("allies have in the past said"); a pronoun inside the
# words before a cue makes them a clause ("it means admitting", "a sentence I never
# thought"), not a speaker phrase.
SUBJECT_EDGES += [
    # a person after "a" still speaks through "called"
    (
        "A spokesman for the company called Trump a liar on Tuesday.",
        "Trump a liar on Tuesday",
        "A spokesman for the company",
    ),
    (
        "But several party leaders on the ground told reporters that the mayor has shown a"
        " keen interest in the race.",
        "that the mayor has shown a keen interest in the race",
        "several party leaders on the ground",
    ),
    (
        "Her close friends and allies have in the past said she was staying quiet.",
        "she was staying quiet",
        "Her close friends and allies",
    ),
    (
        "And critics in both parties quickly said the plan was a mistake.",
        "the plan was a mistake",
        "critics in both parties",
    ),
    (
        "A spokesman for the buyer said the deal would close in June.",
        "the deal would close in June",
        "A spokesman for the buyer",
    ),
]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I'm old enough to remember the mayor declaring a “moral war” on the port.", "I'm"),
        (
            "On a political level, it means admitting that the senator speaks for millions.",
            "it means",
        ),
        (
            "The result is a sentence I never thought I would write: the mayor was right.",
            "a sentence I",
        ),
        ("Its view of the world suggests that the rates will rise this year.", "the world"),
    ],
)
def test_words_that_are_no_speaker_phrase(text: str, phrase: str) -> None:
    atts = extract(text)
    _assert_invariant(text, atts)
    assert all(a.speaker is None or a.speaker.text != phrase for a in atts), [
        (a.rule, a.speaker) for a in atts
    ]


# (PolNeAR train + dev, rewritten) "…, said X, <appositive>." names X however long the
# appositive; a comma before a cue with an auxiliary, or before a cue whose object is a
# name ("has endorsed", "told"), is no inversion, nor is a name followed by its verb.
SUBJECT_EDGES += [
    (
        "Prices will keep rising through the winter, said Dana Ortiz, an economist at the state"
        " university in Riverton who studies energy markets.",
        "Prices will keep rising through the winter",
        "Dana Ortiz",
    ),
    (
        "Lena Park, the activist who founded the institute in 1979, has endorsed Sen. Hal Brody"
        " for governor.",
        "Sen. Hal Brody for governor",
        "Lena Park",
    ),
    (
        "Mr. Smith, a lawyer, said Jones was wrong about the vote.",
        "Jones was wrong about the vote",
        "Mr. Smith",
    ),
]

# (PolNeAR train, rewritten) a plural cue form after "which" with no comma before it, or
# after "more" and an adjective, is a noun
NOT_THE_CONTENT += [
    (
        "The host then asked the senator which states specifically he could win.",
        "specifically he could win",
    ),
]
NOT_CLAIMS += [
    "The meeting – coming after more ambiguous remarks a few weeks ago – could pave the way"
    " for a deal.",
]

# (PolNeAR train + dev, rewritten) a quotation's own comma may open the closing
# attribution: the clause before ends with the quotation
SUBJECT_EDGES += [
    (
        "The mayor plans to rebuild the port by fostering “growth and investment,” Ben Ruiz said"
        " Monday.",
        "to rebuild the port by fostering “growth and investment,”",
        "The mayor",
    ),
]


# (PolNeAR train + dev, rewritten) A quotation with no cue of its own, after a sentence in
# its paragraph where a named person speaks, is that person's, not the previous
# quotation's speaker ("Dianne Bystrom agreed. “…”"); a sentence led by no named person
# leaves the continuation as it was. "X of <Place>" names X, not the place.
LEAD_IN = [
    (
        "“The others have failed to compete there,” said Craig Robles, an editor.\n\n"
        "Iowa State University's Dana Byrd agreed. “Mainstream Republicans are running out"
        " of time to find someone.”",
        "Mainstream Republicans are running out of time to find someone.",
        "Dana Byrd",
    ),
    (
        "“We need to act,” Sanders said.\n\nClinton touted her record as a sponsor of the"
        " bill. “We need to find ways to support workers.”",
        "We need to find ways to support workers.",
        "Clinton",
    ),
    (
        "“We need to act,” Sanders said.\n\nThe senator has said so for years. “And we will"
        " keep saying it to anyone who listens.”",
        "And we will keep saying it to anyone who listens.",
        "Sanders",
    ),
    (
        "“Everything you said is true, and so is what I said,” the judge exclaimed.",
        "Everything you said is true, and so is what I said,",
        "the judge",
    ),
    (
        "House Speaker Paul D. Ryan of Wisconsin lamented the “disheartened” state of the"
        " race today.",
        "disheartened",
        "Paul D. Ryan",
    ),
]


# (PolNeAR train + dev, rewritten) the owner of a possessive before a noun cue is the
# speaker, named without the possessive ("Rubio's claim that …" is Rubio's)
LEAD_IN += [
    (
        "The site seized on Ana Ruiz’s claim that there were “thousands of shootings” in the city.",
        "thousands of shootings",
        "Ana Ruiz",
    ),
]


@pytest.mark.parametrize(("text", "content", "speaker"), LEAD_IN)
def test_the_person_speaking_before_a_quotation(text: str, content: str, speaker: str) -> None:
    att = _find(text, content)
    assert att.speaker_name == speaker, (att.rule, att.speaker)


# a document put out with a particle cue ("shot back a statement calling …") is its
# speaker's, as one issued is
SUBJECT_EDGES += [
    (
        "The mayor shot back a statement calling the plan a disaster.",
        "the plan a disaster",
        "The mayor",
    ),
]
