"""Corrections by a person (issue 13 item 4): speakers merge / split, review --speaker."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from provenance import audit
from provenance.cli import app
from provenance.corrections import merge_speakers, split_speaker
from provenance.errors import NotFoundError, ProvenanceError
from provenance.export import write_export
from provenance.ingest import ingest
from provenance.store import Store, list_quotes, list_speakers
from provenance.tables import ClaimRow, QuoteRow
from provenance.verify import verify
from tests.support import build_sample_db, copy_db


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_db(tmp_path_factory.mktemp("corrections") / "samples.db")


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Store]:
    st = copy_db(template, tmp_path / "c.db")
    yield st
    st.dispose()


def _speakers(store: Store) -> dict[str, list[int]]:
    with store.session() as s:
        out: dict[str, list[int]] = {}
        for sp in list_speakers(s):
            out.setdefault(sp.name, []).append(sp.id)
        return out


def test_merge_moves_quotes_claims_aliases_and_verify_replays_it(db: Store) -> None:
    with db.session() as s:
        police = next(sp for sp in list_speakers(s) if sp.name == "Police")
        claims = s.exec(select(ClaimRow.id).where(ClaimRow.speaker_id == police.id)).all()
        assert claims, "the demo store's Police row carries claims"
        before = len(list_quotes(s, speaker="Riverton police"))
        result = merge_speakers(s, "Riverton police", police.id, note="same force", by="Ana")
        assert (result.merged_id, result.claims) == (police.id, len(claims))
        assert len(list_quotes(s, speaker="Riverton police")) == before + police.quotes
        assert "Police" not in {sp.name for sp in list_speakers(s)}
        [entry] = list(audit.iter_entries(s, action=audit.SPEAKER_JOINED))
        assert entry.actor == "person:Ana" and entry.payload["from"] == police.id
        out = io.StringIO()
        write_export(s, "jsonl", out)
        moved = [json.loads(line) for line in out.getvalue().splitlines()]
        assert {r["speaker_id"] for r in moved if r["id"] in set(claims)} == {result.speaker_id}
        report = verify(s)
        assert report.ok, report.problems


def test_merge_of_two_rows_with_one_name_and_of_aliases(db: Store) -> None:
    first, second = _speakers(db)["The coalition"]
    with db.session() as s:
        merge_speakers(s, first, second, by="Ana")
        merge_speakers(s, "Patrick O’Brien", "Kestrel", by="Ana")  # a wrong merge, on purpose
        assert verify(s).ok
    assert _speakers(db)["The coalition"] == [first]
    assert "Kestrel" not in _speakers(db)


def test_split_moves_the_quotes_of_one_mention(db: Store) -> None:
    with db.session() as s:
        [obrien] = [sp for sp in list_speakers(s) if sp.name == "Patrick O’Brien"]
        mentions = s.exec(
            select(QuoteRow.mention_name).where(QuoteRow.speaker_id == obrien.id)
        ).all()
        assert "Patrick O'Brian" in mentions
        result = split_speaker(s, obrien.id, "patrick o'brian", note="another man", by="Ana")
        assert result.speaker == "Patrick O'Brian" and result.quotes == mentions.count(
            "Patrick O'Brian"
        )
        left = set(s.exec(select(QuoteRow.mention_name).where(QuoteRow.speaker_id == obrien.id)))
        moved = s.exec(
            select(QuoteRow.mention_name).where(QuoteRow.speaker_id == result.speaker_id)
        ).all()
        assert set(moved) == {"Patrick O'Brian"} and "Patrick O'Brian" not in left
        report = verify(s)
        assert report.ok, report.problems


def test_merge_then_split_then_new_articles_still_verify(db: Store, tmp_path: Path) -> None:
    with db.session() as s:
        merge_speakers(s, "Lena Ortiz", "Marcus Bell", by="Ana")
        split_speaker(s, "Lena Ortiz", "Fire Chief Marcus Bell", by="Ana")
    article = tmp_path / "late.txt"
    article.write_text(
        'Fire Chief Marcus Bell said on Friday that "the line held overnight."\n\n'
        'Mayor Lena Ortiz said the shelters "will stay open all week."\n',
        encoding="utf-8",
    )
    assert ingest(db, [article]).ok
    with db.session() as s:
        report = verify(s)
        assert report.ok, report.problems


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: merge_speakers(s, "Lena Ortiz", "Lena Ortiz", by="Ana"), ProvenanceError),
        (lambda s: merge_speakers(s, "Lena Ortiz", "Marcus Bell", by=" "), ProvenanceError),
        (lambda s: merge_speakers(s, "Lena Ortiz", 99999, by="Ana"), NotFoundError),
        (lambda s: split_speaker(s, "Lena Ortiz", "Marcus Bell", by="Ana"), NotFoundError),
        (lambda s: split_speaker(s, "Lena Ortiz", "Ortiz", by=""), ProvenanceError),
    ],
)
def test_refused_corrections_change_nothing(db: Store, call, error) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        head = audit.head(s)
        with pytest.raises(error):
            call(s)
        s.rollback()
        assert audit.head(s) == head


def test_cli_speakers_group(runner: CliRunner, tmp_path: Path) -> None:
    assert (
        runner.invoke(
            app, ["ingest", str(Path(__file__).parents[1] / "data" / "samples")]
        ).exit_code
        == 0
    )
    listed = json.loads(runner.invoke(app, ["speakers", "--format", "json"]).stdout)
    ids = [r["id"] for r in listed if r["name"] == "The coalition"]
    result = runner.invoke(
        app, ["speakers", "merge", str(ids[0]), str(ids[1]), "--by", "Ana", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["merged_id"] == ids[1]
    result = runner.invoke(
        app, ["speakers", "split", "Patrick O’Brien", "--alias", "Patrick O'Brian", "--by", "Ana"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["speakers", "split", "Patrick O’Brien", "--alias", "Nobody", "--by", "Ana"]
    )
    assert result.exit_code == 3 and result.stderr.strip().count("\n") == 0
    names = [r["name"] for r in json.loads(runner.invoke(app, ["speakers", "-f", "json"]).stdout)]
    assert names.count("The coalition") == 1 and "Patrick O'Brian" in names
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_cli_review_speaker_is_reassign(runner: CliRunner) -> None:
    assert (
        runner.invoke(
            app, ["ingest", str(Path(__file__).parents[1] / "data" / "samples")]
        ).exit_code
        == 0
    )
    store = Store("sqlite:///provenance.db").init()
    with store.session() as s:
        qid = s.exec(
            select(QuoteRow.id).where(QuoteRow.kind == "direct").order_by(col(QuoteRow.id))
        ).first()
    store.dispose()
    assert qid is not None
    result = runner.invoke(
        app, ["review", qid[:12], "--speaker", "Lena Ortiz", "--by", "Ana", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["speaker"] == "Lena Ortiz"
    quotes = json.loads(
        runner.invoke(app, ["quotes", "--speaker", "Lena Ortiz", "-f", "json"]).stdout
    )
    assert qid in {q["id"] for q in quotes}
    assert runner.invoke(app, ["review", qid[:12], "--by", "Ana"]).exit_code == 2
    assert (
        runner.invoke(
            app, ["review", qid[:12], "--status", "verified", "--speaker", "Bell", "--by", "Ana"]
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["verify"]).exit_code == 0


def _flags(s, kind: str) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """Each stored flag of ``kind`` as the speaker names of its records."""
    from provenance.conflicts import list_conflicts

    return [tuple(sorted({r.speaker or "" for r in c.records})) for c in list_conflicts(s, kind)]


def _correction_entries(s) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        e.action
        for e in audit.iter_entries(s, subject_prefix="conflict:")
        if e.payload.get("reason") == "correction"
    ]


def test_merge_and_split_reach_the_flags_at_once(db: Store) -> None:
    with db.session() as s:
        assert _flags(s, "misattribution") == [("Dana Whitfield", "Lena Ortiz")]
        merged = merge_speakers(s, "Lena Ortiz", "Dana Whitfield", by="Ana")
        assert (merged.flags_cleared, _flags(s, "misattribution")) == (1, [])
        assert _correction_entries(s) == [audit.FLAG_CLEARED]
        report = verify(s)
        assert report.ok, report.problems
        split = split_speaker(s, "Lena Ortiz", "Dana Whitfield", by="Ana")
        assert split.flags_raised == 1
        assert _flags(s, "misattribution") == [("Dana Whitfield", "Lena Ortiz")]
        report = verify(s)
        assert report.ok, report.problems


def test_a_merge_renames_the_speaker_in_a_flag_at_once(db: Store) -> None:
    with db.session() as s:
        assert _flags(s, "misquote") == [("Alicia Ramírez",)]
        # A wrong merge, on purpose: the flag's records now name Lena Ortiz.
        merged = merge_speakers(s, "Lena Ortiz", "Alicia Ramírez", by="Ana")
        assert (merged.flags_raised, merged.flags_cleared, merged.flags_updated) == (0, 0, 1)
        assert _flags(s, "misquote") == [("Lena Ortiz",)]
        assert _correction_entries(s) == [audit.FLAG_UPDATED]
        assert verify(s).ok


def test_a_reassigned_quote_reaches_the_flags_at_once(db: Store) -> None:
    from provenance.conflicts import list_conflicts
    from provenance.review import reassign_speaker

    with db.session() as s:
        (flag,) = list_conflicts(s, "misattribution")
        whitfield = next(r for r in flag.records if r.speaker == "Dana Whitfield")
        assert whitfield.quote_id is not None
        original = s.exec(
            select(QuoteRow.speaker_id).where(QuoteRow.id == whitfield.quote_id)
        ).one()
        done = reassign_speaker(s, whitfield.quote_id, "Lena Ortiz", by="Ana")
        assert (done.flags_cleared, _flags(s, "misattribution")) == (1, [])
        assert verify(s).ok
        back = reassign_speaker(s, whitfield.quote_id, str(original), by="Ana")
        assert back.flags_raised == 1
        assert _flags(s, "misattribution") == [("Dana Whitfield", "Lena Ortiz")]
        report = verify(s)
        assert report.ok, report.problems
