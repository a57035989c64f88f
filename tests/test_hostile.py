"""Issue 10: nothing lost, nothing injected. Every case of the issue's "Why", written
as the hostile file or call it names, through the CLI or the public API.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import provenance.ingest as ingest_module
from provenance.cli import app
from provenance.extract import extract
from provenance.models import Attribution

GOOD = "“The water is safe to drink,” said Mayor Lena Ortiz.\n"
OTHER = "“We will reopen the bridge in May,” Councilwoman Ana Ruiz told reporters.\n"


def _ingest(runner: CliRunner, *args: str) -> object:
    return runner.invoke(app, ["ingest", "--workers", "1", *args])


def _lines(stderr: str, label: str = "error:") -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith(label)]


def _json(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---- 1. every document that can be read is stored -----------------------------------

def _doubling_extract(text: str) -> list[Attribution]:
    """The PolNeAR bug's shape: two rules reaching one span give two records, one id."""
    found = extract(text)
    return found + found[:1] if "DUPLICATE" in text else found


def test_deterministic_failure_is_one_internal_error_not_retried_and_logged(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "extract", _doubling_extract)
    sleeps: list[float] = []
    monkeypatch.setattr(ingest_module.time, "sleep", sleeps.append)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text("DUPLICATE. " + OTHER, encoding="utf-8")
    (folder / "c.jsonl").write_text(json.dumps({"text": "Plain. " + OTHER}) + "\n"
                                    + json.dumps({"text": "DUPLICATE. " + GOOD}) + "\n",
                                    encoding="utf-8")
    started = time.monotonic()
    result = _ingest(runner, str(folder))
    assert time.monotonic() - started < 30
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert sleeps == []  # a constraint violation is not retried
    internal = _lines(result.stderr, "internal error:")  # type: ignore[attr-defined]
    assert len(internal) == 2, result.stderr  # type: ignore[attr-defined]
    assert internal[0].startswith(f"internal error: {folder / 'b.txt'}: not stored")
    assert internal[1].startswith(f"internal error: {folder / 'c.jsonl'}:2: not stored")
    assert all("IntegrityError" in ln and "[document " in ln and "hint:" in ln
               and "document.failed" in ln for ln in internal)
    assert "documents: 2 new, 0 unchanged, 2 failed" in result.stdout  # type: ignore[attr-defined]
    failed = _json(runner, "log", "--action", "document.failed")
    assert [(e["payload"]["path"], e["payload"]["line"], e["payload"]["error"])  # type: ignore[index]
            for e in failed] == [(str(folder / "b.txt"), None, "IntegrityError"),
                                 (str(folder / "c.jsonl"), 2, "IntegrityError")]
    assert runner.invoke(app, ["verify"]).exit_code == 0
    # The fix shipped: the same command stores what failed and skips the rest.
    monkeypatch.setattr(ingest_module, "extract", extract)
    again = _ingest(runner, str(folder))
    assert "documents: 2 new, 2 unchanged, 0 failed" in again.stdout  # type: ignore[attr-defined]


def test_extraction_crash_costs_only_its_document(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crashing(text: str) -> list[Attribution]:
        if "CRASH" in text:
            raise ValueError("unexpected token")
        return extract(text)

    monkeypatch.setattr(ingest_module, "extract", crashing)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"text": t}) for t in (GOOD, "CRASH " + GOOD, OTHER))
                    + "\n", encoding="utf-8")
    result = _ingest(runner, str(feed))
    assert result.exit_code == 1
    internal = _lines(result.stderr, "internal error:")  # type: ignore[attr-defined]
    assert len(internal) == 1 and internal[0].startswith(f"internal error: {feed}:2: not stored "
                                                         "(extract): ValueError: unexpected token")
    assert "documents: 2 new" in result.stdout  # type: ignore[attr-defined]


def test_transient_and_deterministic_errors_are_told_apart() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    unique = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: quotes.id"))
    disk = OperationalError("INSERT", {}, Exception("disk I/O error"))
    assert ingest_module.transient(locked)
    assert not ingest_module.transient(unique)
    assert not ingest_module.transient(disk)
    assert not ingest_module.transient(ValueError("bad"))


# Sentences as news writes them; the generator recombines and mutates them the way
# real archives did (two rules on one span, cut-off quotes, runs without a full stop).
SENTENCES = [
    "“The water is safe to drink,” said Mayor Lena Ortiz.",
    "Ortiz said the city would test the pipes again, calling it “a precaution.”",
    "Councilwoman Ana Ruiz told reporters that the bridge “will reopen in May.”",
    "According to police, 14 people were arrested on Tuesday.",
    "He said that “this is a serious breach of state sovereignty” and demanded it be rescinded.",
    "“We are not going anywhere,” she said, adding that workers’ pay “must rise.”",
    "The senator, who said the bill was “dead on arrival,” did not return calls.",
    "Officials said the plan, which they called “unworkable,” would cost $3 million.",
    "Trump told Fox News: ‘It’s a disgrace.’",
    "A spokeswoman for the governor said Newsom “has been clear.”",
    # Two rules (a clause around a quote, subject-cue-clause) reach one span here:
    # before extract kept one record per span, such documents were not stored.
    "The county’s health officer is calling the outbreak “largely contained.”",
    "Mayor Lena Ortiz is promising cleaner streets and “more buses, more buses,” but she "
    "has also raised fares.",
]


def _mutate(text: str, how: str, at: int) -> str:
    cut = at % (len(text) + 1)
    if how == "cut":
        return text[:cut]
    if how == "no-stops":
        return text.replace(".", " ").replace("”", "")
    if how == "double":
        return text[:cut] + text[cut:cut + 40] + text[cut:]
    if how == "open-quote":
        return text[:cut] + "“" + text[cut:]
    return text


@pytest.fixture(scope="module")
def property_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from provenance.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("prop") / "p.db"))
    yield store
    store.dispose()


def test_generated_and_mutated_news_is_always_stored(property_store, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from provenance.ingest import ingest
    from provenance.models import document_id
    from provenance.store import has_document

    article = st.tuples(
        st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8),
        st.sampled_from([" ", "\n", "\n\n"]),
        st.sampled_from(["none", "cut", "no-stops", "double", "open-quote"]),
        st.integers(0, 2000)).map(lambda t: _mutate(t[1].join(t[0]), t[2], t[3]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(article, min_size=1, max_size=5))
    def check(texts: list[str]) -> None:
        folder = tmp_path_factory.mktemp("docs")
        texts = [t for t in texts if t.strip()] or [GOOD]
        (folder / "feed.jsonl").write_text(
            "".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        report = ingest(property_store, [folder], match=False)
        assert report.failed == 0, report.problems
        with property_store.session() as s:
            assert all(has_document(s, document_id(t)) for t in texts)

    check()
