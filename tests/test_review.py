"""Human review decisions and deletions: stored, logged, listed, verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from provenance import audit
from provenance.cli import app
from provenance.errors import NotFoundError, ProvenanceError
from provenance.review import (
    Adopted,
    ReviewStatus,
    adopt,
    delete_document,
    list_reviews,
    review,
    review_state,
)
from provenance.store import Store
from provenance.tables import ClusterMemberRow, DocumentRow, QuoteRow
from provenance.verify import verify
from tests.support import ingest_text, raw_sql, store_fixture, template_fixture

runner = CliRunner()


template = template_fixture("review")


store = store_fixture()


def _quote_ids(store: Store, n: int) -> list[str]:
    with store.session() as s:
        return list(
            s.exec(
                select(QuoteRow.id)
                .where(QuoteRow.kind == "direct")
                .order_by(col(QuoteRow.id))
                .limit(n)
            )
        )


DECISIONS = [
    # (status, note, reviewer)
    ("verified", "Checked against the council video at 14:02.", "Ana Ruiz"),
    ("disputed", "The mayor's office says the quote was cut short.", "Bo Lindqvist"),
    ("retracted", "Correction published on March 20.", "Ana Ruiz"),
    ("unreviewed", "Reopened after the correction was itself disputed.", "Chen Wei"),
]


def test_each_decision_is_logged_and_the_history_kept_in_order(store: Store) -> None:
    (qid,) = _quote_ids(store, 1)
    with store.session() as s:
        for i, (status, note, by) in enumerate(DECISIONS):
            state = review(s, qid[:10], status, note, by)
            assert state.status == ReviewStatus(status)
            assert len(state.history) == i + 1
        entries = list(audit.iter_entries(s, f"quote:{qid}", audit.REVIEW))
        final = review_state(s, qid)
    assert [(d.status.value, d.note, d.by) for d in final.history] == DECISIONS
    assert [d.previous.value for d in final.history] == ["unreviewed"] + [
        d[0] for d in DECISIONS[:-1]
    ]
    assert [e.actor for e in entries] == [f"person:{by}" for _, _, by in DECISIONS]
    assert [d.hash for d in final.history] == [e.hash for e in entries]


def test_listing_shows_current_status_newest_first_and_filters(store: Store) -> None:
    a, b, c = _quote_ids(store, 3)
    with store.session() as s:
        review(s, a, "verified", "", "Ana Ruiz")
        review(s, b, "disputed", "", "Ana Ruiz")
        review(s, c, "verified", "", "Bo Lindqvist")
        review(s, a, "retracted", "", "Bo Lindqvist")
        everything = list_reviews(s)
        verified = list_reviews(s, "verified")
    assert [st.quote_id for st in everything] == [a, c, b]
    assert [st.status.value for st in everything] == ["retracted", "verified", "disputed"]
    assert [st.quote_id for st in verified] == [c]


@pytest.mark.parametrize(
    ("quote", "status", "by", "error"),
    [
        ("ffffffffff", "verified", "Ana Ruiz", NotFoundError),
        ("", "verified", "Ana Ruiz", NotFoundError),  # every id matches: not unique
        (None, "approved", "Ana Ruiz", ValueError),
        (None, "verified", "  ", ProvenanceError),
    ],
)
def test_bad_reviews_are_refused_and_log_nothing(
    store: Store, quote: str | None, status: str, by: str, error: type[Exception]
) -> None:
    qid = quote if quote is not None else _quote_ids(store, 1)[0]
    with store.session() as s:
        before = audit.head(s)
        with pytest.raises(error):
            review(s, qid, status, "", by)
        s.rollback()
        assert audit.head(s) == before


def test_deleting_a_document_is_logged_and_the_store_still_verifies(store: Store) -> None:
    (qid,) = _quote_ids(store, 1)
    with store.session() as s:
        review(s, qid, "verified", "", "Ana Ruiz")
        doc_id = s.get(QuoteRow, qid).document_id  # type: ignore[union-attr]
        n_quotes = len(s.exec(select(QuoteRow.id).where(QuoteRow.document_id == doc_id)).all())
        clustered = set(
            s.exec(
                select(ClusterMemberRow.quote_id)
                .join(QuoteRow, col(QuoteRow.id) == ClusterMemberRow.quote_id)
                .where(QuoteRow.document_id == doc_id)
            ).all()
        )
        result = delete_document(
            s, doc_id[:12], "Published in error; withdrawn by the editor.", "Ana Ruiz"
        )
        entry = audit.list_entries(s, action=audit.DOCUMENT_DELETED)
        (entry,) = list(entry)
        after = [e for e in audit.iter_entries(s) if e.seq > entry.seq]
        report = verify(s)
        assert s.get(DocumentRow, doc_id) is None
        assert list_reviews(s) == []
    assert result.document == doc_id and result.quotes == n_quotes
    assert result.seq == entry.seq
    assert qid in entry.payload["quotes"] and entry.actor == "person:Ana Ruiz"
    # Then, in the same transaction: each quote leaves its cluster, flags follow.
    left = [e for e in after if e.action == audit.CLUSTER_ASSIGNED]
    assert clustered and {e.subject.removeprefix("quote:") for e in left} == clustered
    assert all(e.payload["cluster"] is None and e.payload["reason"] == "forgotten" for e in left)
    assert {e.action for e in after} <= {audit.CLUSTER_ASSIGNED, *audit.FLAG_ACTIONS}
    assert report.ok, report.problems


def test_adopt_logs_a_store_that_predates_the_log_once(store: Store) -> None:
    db = Path(store.url.removeprefix("sqlite:///"))
    store.dispose()
    raw_sql(db, "DELETE FROM audit_log")  # as if stored before the audit log existed
    with store.session() as s:
        assert not verify(s).ok
        first = adopt(s, "Ana Ruiz")
        report = verify(s)
        again = adopt(s, "Ana Ruiz")
        entries = list(audit.iter_entries(s))
        docs = len(s.exec(select(DocumentRow.id)).all())
    assert report.ok, report.problems
    assert first.documents == docs and first.speakers > 0 and first.merges > 0
    assert first.memberships > 0 and first.flags > 0  # clusters and flags are records too
    assert _nothing(again)
    assert {e.actor for e in entries} == {"person:Ana Ruiz"}
    assert all(e.payload["adopted"] for e in entries if e.action == audit.DOCUMENT_INGESTED)


def test_adopt_leaves_logged_records_alone_so_their_edits_still_show(store: Store) -> None:
    db = Path(store.url.removeprefix("sqlite:///"))
    (qid,) = _quote_ids(store, 1)
    store.dispose()
    raw_sql(db, "UPDATE quotes SET confidence = 0.01 WHERE id = ?", (qid,))
    with store.session() as s:
        assert _nothing(adopt(s, "Mallory"))
        assert [p.record for p in verify(s).problems] == [f"quote:{qid}"]


def test_adopt_of_a_store_logged_since_part_way_verifies(store: Store) -> None:
    """Records from before the log, then logged ingests (merges into the old speakers): adopt
    logs the old ones after the new entries, and verify pairs them all the same."""
    db = Path(store.url.removeprefix("sqlite:///"))
    store.dispose()
    raw_sql(db, "DELETE FROM audit_log")
    ingest_text(
        store,
        "Riverton, May 2. “The budget is balanced,” said Mayor Lena Ortiz on "
        "Friday. “We will see,” said Dana Whitfield, who chairs the committee.",
    )
    with store.session() as s:
        logged_merges = sum(1 for e in audit.iter_entries(s, action=audit.SPEAKER_MERGED))
        result = adopt(s, "Ana Ruiz")
        report = verify(s)
    assert logged_merges > 0 and result.merges > 0 and not result.refused
    assert report.ok, report.problems


def _nothing(result: Adopted) -> bool:
    return result.model_dump(exclude={"log_began"}) == Adopted().model_dump(exclude={"log_began"})


def test_adopt_refuses_records_stored_after_the_log_began(store: Store) -> None:
    """A forged row is not laundered into the log: adopt names it, verify keeps reporting it."""
    db = Path(store.url.removeprefix("sqlite:///"))
    store.dispose()
    raw_sql(
        db,
        "INSERT INTO speakers (id, name, kind, titles, affiliation, created_at) "
        "VALUES (900, 'Ghost Writer', 'person', '[]', NULL, '2999-01-01 00:00:00')",
    )
    raw_sql(
        db,
        "INSERT INTO documents (id, text, path, ingested_at, size) "
        "VALUES ('f00d', 'A forged document.', 'forged.txt', '2999-01-01 00:00:00', 18)",
    )
    with store.session() as s:
        result = adopt(s, "Mallory")
        problems = {p.record for p in verify(s).problems}
    assert result.refused == ["speaker:900", "document:f00d"]
    assert result.documents == result.speakers == 0 and result.log_began
    assert {"speaker:900", "document:f00d"} <= problems


def test_cli_review_then_reviews_and_log_show_status_and_history(store: Store) -> None:
    (qid,) = _quote_ids(store, 1)
    db = store.url.removeprefix("sqlite:///")
    first = runner.invoke(
        app,
        [
            "review",
            qid[:12],
            "--status",
            "verified",
            "--note",
            "Matches the transcript.",
            "--by",
            "Ana Ruiz",
            "--db",
            db,
        ],
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        app,
        [
            "review",
            qid[:12],
            "--status",
            "disputed",
            "--note",
            "Transcript was edited.",
            "--db",
            db,
        ],
        env={"PROVENANCE_REVIEWER": "Bo Lindqvist"},
    )
    assert second.exit_code == 0, second.output
    listed = runner.invoke(app, ["reviews", "--db", db, "--format", "json"])
    (row,) = json.loads(listed.stdout)
    assert row["id"] == qid and row["status"] == "disputed" and row["by"] == "Bo Lindqvist"
    assert row["history"] == "verified → disputed"
    assert [d["note"] for d in row["decisions"]] == [
        "Matches the transcript.",
        "Transcript was edited.",
    ]
    log = runner.invoke(app, ["log", f"quote:{qid[:8]}", "--db", db, "--format", "jsonl"])
    entries = [json.loads(line) for line in log.stdout.splitlines()]
    # Ingest put the quote in its cluster (logged first); then the two decisions.
    actions = [e["action"] for e in entries]
    assert actions[-2:] == ["review", "review"] and set(actions[:-2]) == {"cluster.assigned"}
    with store.session() as s:
        member = s.get(ClusterMemberRow, qid)
    assert member is not None and entries[-3]["payload"]["cluster"] == member.cluster_id


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["review", "ffffffff", "--status", "verified", "--by", "Ana"], 3, "no quote with id"),
        (["review", "ab", "--status", "approved", "--by", "Ana"], 2, "approved"),
        (["delete", "ffffffff", "--reason", "test", "--by", "Ana"], 3, "no unique document"),
    ],
)
def test_cli_errors_are_one_line_with_an_exit_code(
    store: Store, args: list[str], code: int, message: str
) -> None:
    db = store.url.removeprefix("sqlite:///")
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == code
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
