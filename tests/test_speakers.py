"""Speaker identity across documents and forgiving lookup."""

from __future__ import annotations

import pytest

from provenance.models import ResolvedSpeaker, SpeakerKind
from provenance.speakers import Known, SpeakerIndex, canonical_name, fold, query_matches

P = SpeakerKind.person


@pytest.mark.parametrize(
    ("raw", "key"),
    [("Barragán", "barragan"), ("O’Brien", "obrien"), ("O'Brian", "obrian"),
     ("Los Angeles’ mayor", "los angeles mayor"), ("  GAVIN   Newsom ", "gavin newsom")],
)
def test_fold(raw: str, key: str) -> None:
    assert fold(raw) == key


def _index(*names: str, kind: SpeakerKind = P) -> SpeakerIndex:
    return SpeakerIndex([Known(i + 1, n, kind) for i, n in enumerate(names)])


@pytest.mark.parametrize(
    ("stored", "mention", "expected"),
    [
        (["Gavin Newson"], "Gavin Newsom", 1),  # misspelt surname, same first name
        (["Gavin Newsom"], "Newson", 1),  # surname only, fuzzy
        (["Nanette Barragan"], "Nanette Barragán", 1),  # accent
        (["Patrick O’Brien"], "Patrick O'Brian", 1),  # apostrophe style and a letter
        (["Donald Trump"], "Trump", 1),
        (["Karen Bass"], "Bass", 1),
        (["Karen Bass"], "Tom Bass", None),  # same surname, another first name
        (["Hillary Clinton", "Bill Clinton"], "Clinton", None),  # ambiguous: not merged blindly
        (["Hillary Clinton", "Bill Clinton"], "Bill Clinton", 2),
        (["Karen Bass"], "Karen Bush", None),
        (["Mark Li"], "Mark Lu", None),  # short surnames must match exactly
    ],
)
def test_person_matching(stored: list[str], mention: str, expected: int | None) -> None:
    got = _index(*stored).match(ResolvedSpeaker(name=mention, kind=P))
    assert (got.speaker_id if got else None) == expected
    if got:
        assert 0 <= got.score <= 100 and got.evidence


def test_anonymous_speakers_never_merge_across_documents() -> None:
    idx = _index("A worker in Los Angeles", kind=SpeakerKind.anonymous)
    assert idx.match(ResolvedSpeaker(name="A worker in Los Angeles",
                                     kind=SpeakerKind.anonymous)) is None


def test_organizations_match_by_name_only() -> None:
    idx = _index("Riverton Police Department", kind=SpeakerKind.organization)
    r = ResolvedSpeaker(name="riverton police department", kind=SpeakerKind.organization)
    assert idx.match(r) is not None
    assert idx.match(ResolvedSpeaker(name="Harlow Police Department",
                                     kind=SpeakerKind.organization)) is None


def test_canonical_name_prefers_the_most_used_full_name() -> None:
    assert canonical_name({"Newson": 5, "Gavin Newson": 1, "Gavin Newsom": 3}) == "Gavin Newsom"
    assert canonical_name({"Trump": 2}) == "Trump"


NAMES = {
    1: {"Gavin Newson", "Newson"},
    2: {"Nanette Barragan"},
    3: {"White House memo"},
    4: {"A worker in Los Angeles"},
    5: {"Karen Bass", "Los Angeles’ mayor Karen Bass"},
}


@pytest.mark.parametrize(
    ("query", "ids"),
    [("Newsom", [1]), ("newson", [1]), ("Gavin Newsom", [1]), ("Barragán", [2]),
     ("barragan", [2]), ("White House", [3]), ("worker", [4]), ("Bass", [5]),
     ("mayor", [5]), ("Obama", [])],
)
def test_query_matches(query: str, ids: list[int]) -> None:
    assert sorted(query_matches(query, NAMES)) == ids


def test_two_people_sharing_a_surname_in_one_document_stay_apart() -> None:
    from provenance.extract import extract

    text = ("Riverton Mayor Karen Bass said the shelters were full. Her brother, Tom Bass, "
            "a firefighter, disagreed.\n\n“We have room for everyone,” Tom Bass said.\n\n"
            "“We do not,” Karen Bass said.")
    names = [a.speaker_name for a in extract(text) if a.kind == "direct"]
    assert names == ["Tom Bass", "Karen Bass"]


@pytest.mark.parametrize(("query", "ids"), [("Gov. Newsom", [1]), ("Mayor Bass", [5]),
                                            ("governor", [])])
def test_query_titles_are_ignored_unless_alone(query: str, ids: list[int]) -> None:
    assert sorted(query_matches(query, NAMES)) == ids
