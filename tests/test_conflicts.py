"""Tests for provenance.conflicts: each flag raised where it should be, not on decoys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from provenance.audit import list_entries
from provenance.cli import app
from provenance.conflicts import list_conflicts, same_person, word_diff
from provenance.crosscheck import rebuild
from provenance.ingest import ingest
from provenance.lexicon import data_dir
from provenance.models import Conflict
from provenance.store import Store
from provenance.tables import DocumentRow


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("we will not rest", "we will rest", "we will [-not-] rest"),
        (
            "the bridge opens in May",
            "the bridge opens in June",
            "the bridge opens in [-May-] {+June+}",
        ),
        ("same words here", "same words here", "same words here"),
    ],
)
def test_word_diff(a: str, b: str, expected: str) -> None:
    assert word_diff(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Gavin Newsom", "Gavin Newson", True),
        ("Nanette Barragán", "Nanette Barragan", True),
        ("Patrick O’Brien", "Patrick O'Brian", True),
        ("Newsom", "Gavin Newsom", True),
        ("Dana Whitfield", "Lena Ortiz", False),
        ("Marcus Bell", "Marcus Hale", False),
        (None, "Lena Ortiz", False),
    ],
)
def test_same_person(a: str | None, b: str | None, same: bool) -> None:
    assert same_person(a, b) is same


def _store(tmp_path: Path, articles: list[str], day: str | None = "2026-03-14") -> Store:
    """Each article in its own file, dated ``day`` by a leading date line (None: undated)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(articles):
        dated = text if day is None else f"date {day}\n\n{text}"
        (folder / f"outlet{i}.txt").write_text(dated + "\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 't.db'}").init()
    report = ingest(store, [folder])
    assert report.ok and not report.problems
    return store


def _numeric(store: Store) -> list[Conflict]:
    with store.session() as s:
        return list_conflicts(s, "numeric")


# Two outlets, one sentence each: does a numeric conflict come out?
NUMERIC_CASES = [
    pytest.param(
        "Police said eight people were arrested at the stadium on Saturday.",
        "Fourteen people were arrested at the stadium on Saturday, police said.",
        True,
        id="eight-vs-fourteen",
    ),
    pytest.param(
        "The governor sent two thousand troops to the coast on Friday.",
        "The governor sent 4,000 troops to the coast on Friday.",
        True,
        id="words-vs-digits-conflict",
    ),
    pytest.param(
        "The governor sent two thousand troops to the coast on Friday.",
        "The governor sent 2,000 soldiers to the coast on Friday.",
        False,
        id="two-thousand-equals-2000",
    ),
    pytest.param(
        "About 300 families were moved to shelters, officials said.",
        "Nearly 320 families were staying in shelters, the county said.",
        False,
        id="hedged-compatible",
    ),
    pytest.param(
        "At least 8 people were arrested at the gate on Monday.",
        "Police said 11 people were arrested at the gate on Monday.",
        False,
        id="at-least-compatible",
    ),
    pytest.param(
        "More than 60 firefighters worked the blaze.",
        "Dozens of firefighters were on the scene.",
        False,
        id="vague-compatible",
    ),
    pytest.param(
        "Eight people were arrested downtown.",
        "Fourteen cars burned downtown.",
        False,
        id="decoy-different-noun",
    ),
    pytest.param(
        "Fourteen people were treated at the clinic on Saturday.",
        "Eight people were arrested at the clinic on Saturday.",
        False,
        id="decoy-different-event",
    ),
    pytest.param(
        "Eight people were arrested at the rally on Saturday.",
        "Fourteen people were arrested at the blockade on Monday.",
        False,
        id="decoy-different-occasion",
    ),
    pytest.param(
        "Eight people were arrested at the rally on Saturday.\n\n"
        "Fourteen people were arrested at the rally on Saturday.",
        "The weather was fine.",
        False,
        id="one-document-is-not-two-sources",
    ),
]


@pytest.mark.parametrize(("first", "second", "conflict"), NUMERIC_CASES)
def test_numeric(tmp_path: Path, first: str, second: str, conflict: bool) -> None:
    found = _numeric(_store(tmp_path, [first, second]))
    assert bool(found) is conflict
    for c in found:
        assert len(c.records) == 2
        assert 0 < c.score <= 100
        assert "do not overlap" in c.explanation


@pytest.fixture(scope="module")
def flags(samples: Store) -> list[Conflict]:
    with samples.session() as s:
        return list_conflicts(s)


def _texts(c: Conflict) -> list[str]:
    return [r.text for r in c.records]


def test_misquote(flags: list[Conflict]) -> None:
    (m,) = [c for c in flags if c.kind == "misquote"]
    assert m.records[0].text.startswith("We will rest only when")
    assert m.records[0].speaker == "Alicia Ramírez"
    assert len({r.document for r in m.records[1:]}) == 3
    assert all("not rest until" in r.text for r in m.records[1:])
    assert m.diff is not None and "[-not-]" in m.diff


def test_misattribution(flags: list[Conflict]) -> None:
    (m,) = [c for c in flags if c.kind == "misattribution"]
    assert {r.speaker for r in m.records} == {"Dana Whitfield", "Lena Ortiz"}
    assert all(r.text.startswith("The air quality readings") for r in m.records)


def test_numeric_guard(flags: list[Conflict]) -> None:
    guard = [c for c in flags if c.kind == "numeric" and "4,000" in " ".join(_texts(c))]
    others = {t for c in guard for t in _texts(c) if "4,000" not in t}
    assert len(guard) == 1
    assert len(guard[0].records) == 3
    assert any("2,000 National Guard" in t for t in others)
    assert any("two thousand National Guard" in t for t in others)


def test_numeric_arrests(flags: list[Conflict]) -> None:
    arrests = [
        c for c in flags if c.kind == "numeric" and "14 people were arrested" in " ".join(_texts(c))
    ]
    assert len(arrests) == 1
    assert len({r.document for r in arrests[0].records}) == 3  # two say eight, one says 14
    assert sum("eight" in r.text for r in arrests[0].records) == 3


@pytest.mark.parametrize(
    "decoy",
    [
        "11 people were arrested",  # Monday's blockade: another event
        "At least 8 people were arrested",  # compatible with 11
        "14 people were treated",  # same number, other event
        "about 300 families",  # hedged, compatible with nearly 320
        "About 200 people gathered",
        "about a third of residents",  # a share, not a count
        "More than 60 firefighters",
    ],
)
def test_numeric_decoys(flags: list[Conflict], decoy: str) -> None:
    for c in flags:
        if c.kind == "numeric":
            assert not any(decoy in t for t in _texts(c)), c.explanation


@pytest.mark.parametrize(
    "words",
    [
        "until the last hot spot is out",  # Bell vs Reyes: shared opening only
        "Our hearts go out to every family",  # shared "every family"
        "testing the air every hour",
        "If it's safe, they can prove it",  # shared "safe"
    ],
)
def test_quote_decoys(flags: list[Conflict], words: str) -> None:
    for c in flags:
        if c.kind != "numeric":
            assert not any(words in t for t in _texts(c)), c.explanation


def test_records_hold_their_spans(samples: Store, flags: list[Conflict]) -> None:
    with samples.session() as s:
        docs = {d.id: d.text for d in s.exec(select(DocumentRow))}
    assert flags
    for c in flags:
        for r in c.records:
            assert docs[r.document][r.start : r.end] == r.text


def test_rebuild_keeps_the_same_flags(tmp_path: Path, flags: list[Conflict]) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}").init()
    for path in sorted((data_dir() / "samples").iterdir()):
        ingest(store, [path])
    with store.session() as s:
        incremental = {c.id for c in list_conflicts(s)}
        report = rebuild(s)
        s.commit()
        rebuilt = {c.id for c in list_conflicts(s)}
    assert incremental == rebuilt == {c.id for c in flags}
    assert report.raised == len(rebuilt)


def test_cli_conflicts_json(samples: Store) -> None:
    result = CliRunner().invoke(app, ["conflicts", "--db", samples.url, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {c["kind"] for c in data} == {"misquote", "misattribution", "numeric"}
    for c in data:
        assert {"kind", "explanation", "score", "records"} <= c.keys()
        for r in c["records"]:
            assert {"document", "speaker", "text", "start", "end"} <= r.keys()


def test_cli_conflicts_kind(samples: Store) -> None:
    result = CliRunner().invoke(
        app, ["conflicts", "--db", samples.url, "--kind", "numeric", "--format", "jsonl"]
    )
    assert result.exit_code == 0
    kinds = {json.loads(line)["kind"] for line in result.output.splitlines()}
    assert kinds == {"numeric"}


def test_cli_conflicts_bad_kind(samples: Store) -> None:
    result = CliRunner().invoke(app, ["conflicts", "--db", samples.url, "--kind", "typo"])
    assert result.exit_code == 1
    assert "--kind 'typo'" in result.output


def test_cli_claims_and_match(samples: Store) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["claims", "--db", samples.url, "--speaker", "police", "--format", "csv"]
    )
    assert result.exit_code == 0
    assert "eight people were arrested" in result.output
    result = runner.invoke(app, ["claims", "--db", samples.url, "--speaker", "nobody at all"])
    assert result.exit_code == 3
    result = runner.invoke(app, ["match", "--db", samples.url])
    assert result.exit_code == 0
    figures = {k.strip(): int(v) for k, v in re.findall(r"([a-z ]+): (\d+)", result.output)}
    with samples.session() as s:
        flags = len(list_conflicts(s))
    assert figures["flags raised"] == flags > 0
    assert figures["clusters touched"] > 0 and figures["quotes matched"] > 0


def test_demo_shows_clusters_and_conflicts() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Reported by more than one outlet" in result.output
    assert "misattribution" in result.output and "numeric" in result.output


def test_flags_follow_new_documents(tmp_path: Path) -> None:
    """New reports of the agreed wording update the flag: the same misquoting report,
    so the same id (its review history stays), more evidence and a higher score."""
    first = "“We will reopen the bridge before the first snow,” said Mayor Ana Ruiz."
    other = "Mayor Ana Ruiz said: “We will reopen the old bridge after the first snow.”"
    store = _store(tmp_path, [first, "Weather today: rain.\n\n" + other])
    with store.session() as s:
        (before,) = list_conflicts(s, "misquote")
    assert len(before.records) == 2
    folder = tmp_path / "more"
    folder.mkdir()
    for i in range(2):
        (folder / f"late{i}.txt").write_text(f"Report {i}.\n\n{other}\n", encoding="utf-8")
    report = ingest(store, [folder])
    assert report.ok
    with store.session() as s:
        (after,) = list_conflicts(s, "misquote")
    assert after.id == before.id
    assert after.records[0] == before.records[0]  # still the odd one out
    assert "before the first snow" in after.records[0].text
    assert len({r.document for r in after.records[1:]}) == 3
    assert after.score > before.score
    with store.session() as s:
        actions = [e.action for e in list_entries(s, f"conflict:{after.id}")]
    assert actions == ["flag.raised", "flag.updated"]


def test_deleting_a_document_clears_its_flags(tmp_path: Path) -> None:
    from provenance.cluster_members import list_clusters
    from provenance.review import delete_document

    store = Store(f"sqlite:///{tmp_path / 'd.db'}").init()
    ingest(store, [data_dir() / "samples"])
    with store.session() as s:
        (flag,) = list_conflicts(s, "misattribution")
        ortiz = next(r.document for r in flag.records if r.speaker == "Lena Ortiz")
        delete_document(s, ortiz, "test", "tester")
    with store.session() as s:
        assert list_conflicts(s, "misattribution") == []
        numeric = list_conflicts(s, "numeric")
        assert all(r.document != ortiz for c in numeric for r in c.records)
        assert not any("14 people were arrested" in r.text for c in numeric for r in c.records)
        assert all(r.document != ortiz for c in list_clusters(s) for r in c.sources)


# Our own decoy: another city's unrest, sharing only "National Guard" with the samples.
DECOY = (
    "PORT ELLIS — About 2,000 people gathered at Harbor Plaza on Saturday to protest the "
    "closure of the Delmar Shipyard, and police said eight people were arrested. Governor "
    "Ruth Okafor sent 4,000 National Guard troops to Port Ellis on Friday, her office said.\n\n"
    "“We will reopen Delmar,” Mayor Ines Calder said."
)


def test_numbers_from_another_story_are_not_conflicts(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "decoy.txt").write_text(DECOY + "\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 't.db'}").init()
    assert ingest(store, [data_dir() / "samples", folder]).ok
    with store.session() as s:
        decoy_id = next(
            d.id for d in s.exec(select(DocumentRow)) if (d.path or "").endswith("decoy.txt")
        )
        numeric = list_conflicts(s, "numeric")
    assert numeric  # the samples' own conflicts are still raised
    assert all(r.document != decoy_id for c in numeric for r in c.records)
    store.dispose()


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("RIVERTON — Mayor Lena Ortiz said ...", "Riverton Mayor Lena Ortiz spoke.", False),
        ("PORT ELLIS — Governor Ruth Okafor spoke.", "RIVERTON — Mayor Lena Ortiz spoke.", True),
        ("Eight people were arrested.", "Fourteen people were arrested.", False),  # nothing named
    ],
)
def test_different_stories(a: str, b: str, apart: bool) -> None:
    from datetime import UTC, datetime

    from provenance.conflicts import different_stories

    def row(text: str) -> DocumentRow:
        return DocumentRow(id=text[:8], text=text, ingested_at=datetime.now(UTC), size=len(text))

    assert different_stories(row(a), row(b)) is apart


@pytest.mark.parametrize("match", [True, False])
def test_cli_ingest_reports_what_the_cross_source_checks_changed(
    tmp_path: Path, match: bool
) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    args = ["ingest", str(data_dir() / "samples"), "--db", db] + ([] if match else ["--no-match"])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    line = [ln for ln in result.output.splitlines() if ln.startswith("cross-source checks:")]
    if not match:
        assert line == []  # nothing was checked: nothing is reported
        return
    figures = {k.strip(): int(v) for k, v in re.findall(r"([a-z ]+): (\d+)", line[0])}
    with Store(db).session() as s:
        flags = len(list_conflicts(s))
    assert figures["flags raised"] == flags > 0
    assert figures["quotes matched"] > 0 and figures["cleared"] == 0
