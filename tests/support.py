"""What the tests (and the benchmarks) share, in one module.

- paths: ``REPO``, ``SHARED`` (the ../shared folder beside the checkout), ``SAMPLES``;
- store checks: :func:`assert_spans_hold`, :func:`snapshot`, :func:`check_invariants`;
- generated articles: invented people, places and sentences (no copied text),
  deterministic for a seed, every article different (:func:`article`,
  :func:`write_corpus`), used by the reliability tests and the benchmarks;
- audit-trail helpers: sample databases copied from a template, raw SQLite edits
  (tampering), concurrent log appenders;
- JSON-LD checks without the network: bundled contexts, expansion, undefined terms;
- a throwaway PostgreSQL server from the machine's own binaries (:class:`PgServer`;
  its fixtures are in conftest.py). initdb refuses to run as root, so as root the
  server runs as the ``postgres`` system user (or ``nobody``) via runuser.
"""

from __future__ import annotations

import contextlib
import glob
import json
import multiprocessing
import os
import pwd
import random
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from provenance import audit
from provenance.ingest import ingest
from provenance.models import DocumentIn
from provenance.store import Store, open_store
from provenance.tables import DocumentRow, QuoteRow

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "data" / "samples"

# Libraries `provenance --help` must not load: the database, matching, HTML, PROV and web
# stacks (together most of a second of start-up before issue 15). benchmarks/startup.py
# names those a command loads.
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "numpy",
    "scipy",
    "datasketch",
    "rapidfuzz",
    "selectolax",
    "prov",
    "starlette",
    "fastapi",
    "uvicorn",
    "jinja2",
)

# The seed corpus's gold speakers (real spelling) and the names a user may type for each.
SPEAKER_QUERIES = {
    "Gavin Newsom": ["Newsom", "newson", "Gavin Newsom"],
    "Nanette Barragán": ["Barragán", "Barragan"],
    "Karen Bass": ["Bass"],
    "Donald Trump": ["Trump"],
    "White House memo": ["White House"],
    "A worker in Los Angeles": ["worker"],
}


def assert_spans_hold(store: Store) -> int:
    """Every stored span matches its document's text; returns how many were checked."""
    checked = 0
    with store.session() as s:
        texts = {d.id: d.text for d in s.exec(select(DocumentRow))}
        for q in s.exec(select(QuoteRow)):
            text = texts[q.document_id]
            assert text[q.start : q.end] == q.text, q.id
            for start, end, value in (
                (q.speaker_start, q.speaker_end, q.speaker_text),
                (q.cue_start, q.cue_end, q.cue_text),
            ):
                if start is not None:
                    assert text[start:end] == value, q.id
            checked += 1
    return checked


# ---- generated articles ------------------------------------------------------------

FIRST = ["Mara", "Tobias", "Ines", "Caleb", "Priya", "Otto", "Lucia", "Desmond", "Hana", "Rafael"]
LAST = ["Okafor", "Lindqvist", "Brennan", "Takeda", "Moreau", "Castellanos", "Whitlock", "Novak"]
ROLES = [
    "the county treasurer",
    "a spokeswoman for the water board",
    "the harbor master",
    "a union organizer",
    "the school superintendent",
    "a city council member",
]
TOPICS = [
    "the bridge repairs",
    "the new bus routes",
    "the library budget",
    "the flood barrier",
    "the port expansion",
    "the clinic closure",
    "the recycling contract",
]
QUOTES = [
    "We have been asking for this for years, and we are not going to wait any longer",
    "The numbers do not support what the council decided last night",
    "Every family in this district deserves a straight answer",
    "I think the plan is sound, but the timeline is far too optimistic",
    "Nobody told us the costs would double before the vote",
    "We will publish every document as soon as the review is finished",
]
# Quotes are assembled from parts, so that articles rarely repeat each other's words
# (a corpus where every article quotes the same six sentences is no corpus).
OPENERS = [
    "We",
    "The council",
    "Our office",
    "Nobody on this board",
    "The city",
    "My neighbors",
    "The contractor",
    "Every department",
]
VERBS = [
    "have asked for",
    "cannot support",
    "will publish",
    "never promised",
    "still expect",
    "were told nothing about",
    "have paid twice for",
    "will not accept",
]
OBJECTS = [
    "a full audit of",
    "new numbers on",
    "a public vote on",
    "an honest timeline for",
    "more money for",
    "the missing reports on",
    "a second opinion on",
]
MONTHS = ["January", "March", "May", "July", "September", "November"]
FILLER = [
    "The meeting ran for nearly four hours and drew a larger crowd than usual.",
    "Several residents waited in the hallway because the chamber was full.",
    "A final decision is expected before the end of the quarter.",
    "The proposal had been delayed twice since the spring.",
]


def _quote(rng: random.Random, topic: str) -> str:
    return (
        f"{rng.choice(OPENERS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {topic} "
        f"before {rng.choice(MONTHS)} {rng.randint(1, 28)}, and {rng.choice(QUOTES).lower()}"
    )


def article(i: int, rng: random.Random, paragraphs: int = 8) -> str:
    """One article of about ``paragraphs`` paragraphs (roughly 150 words per 2 paragraphs)."""
    topic = rng.choice(TOPICS)
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3)]
    out = [f"Report {i}: residents of Ward {i % 97} debated {topic} on Tuesday."]
    for p in range(paragraphs):
        who = people[p % len(people)]
        surname = who.split()[-1]
        kind = rng.randrange(4)
        if kind == 0:
            out.append(f"“{_quote(rng, topic)},” said {who}, {rng.choice(ROLES)}.")
        elif kind == 1:
            out.append(
                f"{who} said the vote on {topic} should wait until item {i}-{p} is "
                f"reviewed. {rng.choice(FILLER)}"
            )
        elif kind == 2:
            out.append(
                f"“{_quote(rng, topic)}.” {surname} added that the review of {topic} "
                "would take weeks."
            )
        else:
            out.append(f"{rng.choice(FILLER)} {rng.choice(FILLER)}")
    return "\n\n".join(out) + "\n"


def write_corpus(
    folder: Path, n: int, seed: int = 7, start: int = 0, paragraphs: int = 8
) -> list[Path]:
    """``n`` article files ``folder/a00000.txt`` …; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(start, start + n):
        path = folder / f"a{i:05d}.txt"
        path.write_text(article(i, rng, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths


def snapshot(db: str) -> dict[str, Any]:
    """Everything a user can list, in a form that compares across databases and runs."""
    from provenance.store import list_merges, list_quotes, list_speakers, open_store, stats

    store = open_store(db)
    try:
        with store.session() as s:
            quotes = [
                (
                    q.document,
                    q.start,
                    q.end,
                    q.kind,
                    q.text,
                    q.speaker,
                    q.rule,
                    q.confidence,
                    q.source,
                    q.published,
                )
                for q in list_quotes(s, include_nonspeech=True)
            ]
            speakers = [
                (sp.name, sp.kind, sp.titles, sp.aliases, sp.quotes, sp.affiliation)
                for sp in list_speakers(s)
            ]
            merges = [(m.speaker, m.alias, m.score, m.document) for m in list_merges(s)]
            return {
                "stats": stats(s).model_dump(),
                "quotes": quotes,
                "speakers": speakers,
                "merges": merges,
            }
    finally:
        store.dispose()


def check_invariants(db: str) -> dict[str, int]:
    """Run ``provenance verify`` on ``db`` (it must pass); returns quotes stored per document id.

    verify re-derives document hashes, every span and the audit chain; the
    per-document counts let a test compare a run with a clean one.
    """
    import subprocess
    import sys

    from sqlalchemy import func
    from sqlmodel import select

    from provenance.store import open_store
    from provenance.tables import DocumentRow, QuoteRow

    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "provenance", "verify", "--db", db],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    store = open_store(db)
    try:
        with store.session() as s:
            per_doc = {d: 0 for d in s.exec(select(DocumentRow.id))}
            per_doc.update(
                dict(
                    s.exec(
                        select(QuoteRow.document_id, func.count()).group_by(QuoteRow.document_id)
                    ).all()
                )
            )
    finally:
        store.dispose()
    return per_doc


# ---- audit-trail helpers ----------------------------------------------------------

FORMULA_ARTICLE = (
    "Riverton, March 3. “=SUM(A1:A9) is how the totals were faked,” said Mayor Lena Ortiz "
    "at the meeting. “@everyone should read the audit,” Councilor Dana Pruitt said on "
    "Tuesday. “+1 for transparency, and -5 for the delay,” said Omar Haddad, a resident."
)
"""Written for these tests: quotes that begin with spreadsheet formula characters."""


def build_sample_db(path: Path) -> Path:
    """Ingest data/samples/ into a new SQLite file at ``path``."""
    store = open_store(str(path))
    try:
        report = ingest(store, [SAMPLES])
        assert report.ok and report.new > 0, report.problems
    finally:
        store.dispose()
    return path


def copy_db(template: Path, target: Path) -> Store:
    shutil.copy(template, target)
    return open_store(str(target))


def template_fixture(name: str) -> Any:
    """A module-scoped fixture: the path of a sample database built once per module."""

    @pytest.fixture(scope="module")
    def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
        return build_sample_db(tmp_path_factory.mktemp(name) / "samples.db")

    return template


def store_fixture() -> Any:
    """A fixture: an open store on a fresh copy of the module's ``template``."""

    @pytest.fixture()
    def store(template: Path, tmp_path: Path) -> Iterator[Store]:
        st = copy_db(template, tmp_path / "t.db")
        yield st
        st.dispose()

    return store


def run_appenders(db: str, workers: int, n: int) -> None:
    """Start ``workers`` processes that each append ``n`` entries at once; all must succeed."""
    open_store(db).dispose()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=append_many, args=(db, w, n)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0


def append_many(db: str, worker: int, n: int) -> None:
    """Append ``n`` entries, one transaction each (run in several processes at once)."""
    store = open_store(db)
    for i in range(n):
        with store.session() as s:
            audit.record(s, audit.FLAG_RAISED, f"quote:w{worker}-{i}", {"flag": "test"})
            s.commit()
    store.dispose()


def ingest_text(store: Store, text: str, path: str = "test.txt") -> None:
    """Ingest one in-memory document through the normal pipeline."""
    from provenance.extract import EXTRACTOR_VERSION, extract
    from provenance.store import commit_index, load_speaker_index, write_document

    with store.session() as s:
        index = load_speaker_index(s)
        doc = DocumentIn(text=text, path=path, source="Test Gazette")
        write_document(s, doc, extract(doc.text), index, EXTRACTOR_VERSION)
        commit_index(s, index)


def raw_sql(db: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    """Edit the SQLite file directly, behind the library's back; returns rows changed."""
    con = sqlite3.connect(db)
    try:
        cur = con.execute(sql, params)
        con.commit()
        return cur.rowcount
    finally:
        con.close()


def raw_one(db: Path, sql: str, params: tuple[object, ...] = ()) -> tuple[object, ...]:
    con = sqlite3.connect(db)
    try:
        row = con.execute(sql, params).fetchone()
        assert row is not None, sql
        return tuple(row)
    finally:
        con.close()


# ---- JSON-LD without the network --------------------------------------------------

CONTEXTS = Path(__file__).resolve().parents[1] / "data" / "contexts"
BUNDLED = {
    "http://www.w3.org/ns/anno.jsonld": CONTEXTS / "anno.jsonld",
    "https://www.w3.org/ns/anno.jsonld": CONTEXTS / "anno.jsonld",
    "https://schema.org": CONTEXTS / "schema.org.jsonld",
    "https://schema.org/": CONTEXTS / "schema.org.jsonld",
    "http://schema.org/": CONTEXTS / "schema.org.jsonld",
}


def load_context(url: str, _options: Any = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only; any other URL is an error (no network)."""
    if url not in BUNDLED:
        raise ValueError(f"no bundled context for {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(BUNDLED[url].read_text(encoding="utf-8")),
    }


def expand(doc: dict[str, Any]) -> list[dict[str, Any]]:
    from pyld import jsonld  # only the JSON-LD tests pay for it

    return jsonld.expand(doc, {"documentLoader": load_context})


def terms(context: Any) -> set[str]:
    """Every term a context (URL, object or list of them) defines."""
    if isinstance(context, str):
        return terms(load_context(context)["document"]["@context"])
    if isinstance(context, list):
        return set().union(*(terms(c) for c in context))
    return set(context)


def undefined_terms(node: Any, known: set[str]) -> set[str]:
    """Keys and ``type`` values the context does not define: expansion would drop them silently."""
    found: set[str] = set()
    if isinstance(node, list):
        for x in node:
            found |= undefined_terms(x, known)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            if not key.startswith("@") and key not in known:
                found.add(key)
            if key in ("type", "@type"):
                for t in value if isinstance(value, list) else [value]:
                    if t not in known:
                        found.add(f"type {t}")
            found |= undefined_terms(value, known)
    return found


# ---- a throwaway PostgreSQL server ------------------------------------------------

USER = "provenance"


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, newest version first."""
    override = os.environ.get("PROVENANCE_PG_BINDIR")
    candidates = [override] if override else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates += sorted(glob.glob("/usr/local/pgsql*/bin"), reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' account to run the server")


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    account: pwd.struct_passwd | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.account is not None:
            cmd = ["runuser", "-u", self.account.pw_name, "--", *cmd]
        return cmd

    def run(self, *args: str) -> None:
        subprocess.run(self._cmd(*args), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.account is not None:
            os.chown(self.root, self.account.pw_uid, self.account.pw_gid)
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.root / "server.log"),
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
