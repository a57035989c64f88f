"""The store and the ingest pipeline on temporary SQLite databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from provenance.errors import NotFoundError
from provenance.ingest import ingest
from provenance.models import document_id
from provenance.store import (
    Store,
    get_quote,
    list_quotes,
    list_speakers,
    open_store,
    resolve_url,
    stats,
)
from provenance.tables import DocumentRow, MergeRow, QuoteRow
from tests.support import SAMPLES, SPEAKER_QUERIES


def test_resolve_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PROVENANCE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url() == f"sqlite:///{tmp_path / 'provenance.db'}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("PROVENANCE_DB", str(tmp_path / "env.db"))
    assert resolve_url() == f"sqlite:///{tmp_path / 'env.db'}"


def test_sqlite_uses_wal_and_a_busy_timeout(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_seed_corpus_quotes_by_speaker(store: Store, shared: Path, gold: list[dict]) -> None:
    report = ingest(store, [shared / "corpus"])
    assert (report.new, report.failed) == (2, 0)
    with store.session() as s:
        paths = {d.id: Path(d.path or "").name for d in s.exec(select(DocumentRow))}
        for speaker, names in SPEAKER_QUERIES.items():
            want = {(g["doc"], g["start"], g["end"]) for g in gold if g["speaker"] == speaker}
            assert want, speaker
            for name in names:
                got = {(paths[q.document], q.start, q.end) for q in list_quotes(s, speaker=name)}
                assert want <= got, (speaker, name)
                assert len({q.speaker for q in list_quotes(s, speaker=name)}) == 1
        nonspeech = {(g["doc"], g["start"], g["end"]) for g in gold if g["speaker"] is None}
        for q in s.exec(select(QuoteRow)):
            if (paths[q.document_id], q.start, q.end) in nonspeech:
                assert q.speaker_id is None and q.kind == "nonspeech"


def test_reingest_is_a_no_op(store: Store) -> None:
    first = ingest(store, [SAMPLES])
    with store.session() as s:
        before = stats(s)
    second = ingest(store, [SAMPLES])
    with store.session() as s:
        after = stats(s)
    assert first.new > 0 and second.new == 0 and second.unchanged == first.new
    assert before == after


def test_one_speaker_across_outlets_with_recorded_merges(store: Store) -> None:
    ingest(store, [SAMPLES])
    with store.session() as s:
        speakers = list_speakers(s)
        ramirez = [
            sp
            for sp in speakers
            if "Ramírez" in sp.name or "Ramirez" in sp.name or "Ramires" in sp.name
        ]
        assert len(ramirez) == 1, [sp.name for sp in ramirez]
        obrien = [sp for sp in speakers if "O’Brien" in sp.name or "O'Bri" in sp.name]
        assert len(obrien) == 1, [sp.name for sp in obrien]
        merges = s.exec(select(MergeRow).where(MergeRow.speaker_id == ramirez[0].id)).all()
        assert merges and all(0 < m.score <= 100 and m.evidence for m in merges)
        # Every quote listed under a speaker's name really is that speaker's.
        for q in list_quotes(s, speaker="Ramírez"):
            assert q.speaker == ramirez[0].name


def test_unknown_speaker_suggests_the_closest(store: Store, shared: Path) -> None:
    ingest(store, [shared / "corpus"])
    with store.session() as s, pytest.raises(NotFoundError) as info:
        list_quotes(s, speaker="Karen Brass-Band")
    assert info.value.suggestions and "Karen Bass" in info.value.suggestions


def test_get_quote_by_prefix_and_documents_by_hash(store: Store, shared: Path) -> None:
    ingest(store, [shared / "corpus"])
    with store.session() as s:
        q = list_quotes(s, speaker="Bass")[0]
        got, text = get_quote(s, q.id[:10])
        assert got.id == q.id and text[got.start : got.end] == got.text
        for d in s.exec(select(DocumentRow)):
            assert d.id == document_id(d.text)


def test_a_failed_document_leaves_nothing_behind(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import provenance.ingest as ing

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("“We are ready,” Mayor Lena Ortiz said.")
    (tmp_path / "in" / "b.txt").write_text("“We are not,” Chief Marcus Bell said.")
    real = ing.write_document
    calls = []

    def flaky(session, doc, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(doc.path)
        result = real(session, doc, *args, **kwargs)
        if doc.path.endswith("a.txt"):
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return result

    monkeypatch.setattr(ing, "write_document", flaky)
    report = ingest(store, [tmp_path / "in"])
    assert (report.new, report.failed) == (1, 1)
    assert "a.txt" in report.problems[0].path
    with store.session() as s:
        assert [Path(d.path or "").name for d in s.exec(select(DocumentRow))] == ["b.txt"]
        assert all(
            q.document_id != document_id("“We are ready,” Mayor Lena Ortiz said.")
            for q in s.exec(select(QuoteRow))
        )


def test_stats_counts(store: Store, shared: Path, gold: list[dict]) -> None:
    ingest(store, [shared / "corpus"])
    with store.session() as s:
        st = stats(s)
    assert st.documents == 2
    assert st.nonspeech >= sum(1 for g in gold if g["speaker"] is None)
    assert st.quotes >= sum(1 for g in gold if g["speaker"])
    assert st.speakers >= 6


def test_open_store_twice_keeps_data(tmp_path: Path, shared: Path) -> None:
    db = str(tmp_path / "p.db")
    st = open_store(db)
    ingest(st, [shared / "corpus"])
    st.dispose()
    st2 = open_store(db)
    with st2.session() as s:
        assert stats(s).documents == 2
    st2.dispose()


ONE_SPEAKER_ARTICLES = [
    "“The reservoir is full,” said Governor Amara Okafor on Monday.",
    "“We will not raise the toll,” Governor Amara Okafor said at the depot.",
    "Amara Okafor, the governor, said: “The ferry runs again in June.”",
]


def _speaker_tables(db: Path) -> list[list[tuple[object, ...]]]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return [
            con.execute(sql).fetchall()
            for sql in (
                "SELECT id, name, kind, titles, affiliation FROM speakers ORDER BY id",
                "SELECT speaker_id, alias, key, count, is_name FROM aliases ORDER BY id",
                "SELECT speaker_id, alias, score, evidence FROM merges ORDER BY id",
                "SELECT seq, action, subject FROM audit_log ORDER BY seq",
            )
        ]
    finally:
        con.close()


@pytest.mark.parametrize("split", [1, 2])
def test_speaker_rows_do_not_depend_on_how_the_input_was_split(tmp_path: Path, split: int) -> None:
    """Alias counts, merges and names written in later runs (speakers read back from the
    database, not from the writer's cache) come out as in one run over everything."""
    folder = tmp_path / "in"
    folder.mkdir()
    files = []
    for n, text in enumerate(ONE_SPEAKER_ARTICLES):
        files.append(folder / f"{n}.txt")
        files[-1].write_text(text)
    runs = {"one": [files], "split": [files[:split], files[split:]]}
    tables = {}
    for name, parts in runs.items():
        db = tmp_path / f"{name}.db"
        for part in parts:
            store = open_store(str(db))
            assert ingest(store, part, match=False).failed == 0
            store.dispose()
        tables[name] = _speaker_tables(db)
    assert tables["split"] == tables["one"]
    speakers, aliases, merges, _ = tables["one"]
    assert len(speakers) == 1 and len(merges) == 2
    assert max(count for _, _, _, count, _ in aliases) == 3  # type: ignore[type-var]


@pytest.mark.parametrize(("locked_times", "opens"), [(2, True), (99, False)])
def test_opening_tries_again_while_the_new_file_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locked_times: int, opens: bool
) -> None:
    """Two processes opening one new SQLite file at once: a lock met before the busy
    timeout applies is tried again; one that stays is a clear error, not a traceback."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from provenance import store as store_module
    from provenance.errors import StoreError

    real = store_module.migrate
    calls: list[int] = []

    def locked_at_first(engine: object) -> object:
        calls.append(1)
        if len(calls) <= locked_times:
            raise OperationalError("PRAGMA", {}, sqlite3.OperationalError("database is locked"))
        return real(engine)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "migrate", locked_at_first)
    monkeypatch.setattr(store_module.time, "sleep", lambda _s: None)
    if opens:
        store_module.open_store(str(tmp_path / "new.db")).dispose()
        assert len(calls) == locked_times + 1
    else:
        with pytest.raises(StoreError, match="database is locked"):
            store_module.open_store(str(tmp_path / "new.db"))
        assert len(calls) == store_module.INIT_ATTEMPTS
