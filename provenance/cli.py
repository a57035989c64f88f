"""The ``provenance`` command: resolve options, open a session, call the library, format."""

# No ``from __future__ import annotations`` here: typer reads every command's
# annotations at each start-up (typing.get_type_hints), and as strings each one is
# compiled first: ~1,200 compile calls, ~40 ms of every command (issue 15).
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

# Only light modules at the top: typer reads every command's option types to build
# `provenance --help`, which should not import the database, matching or HTML
# libraries. Each command imports the library function it calls, so start-up stays short.
from provenance.choices import ExportFormat, FlagDecision, ReviewStatus
from provenance.errors import (
    InputError,
    NotFoundError,
    ProvenanceError,
    VerificationError,
    redact,
)
from provenance.output import (
    Format,
    attribution_row,
    check_summary,
    cluster_row,
    conflict_row,
    emit,
    emit_object,
    plain,
    quote_row,
    sanitise,
    speaker_row,
    trace_row,
    trace_table_row,
)

if TYPE_CHECKING:
    from provenance.models import DocumentIn, Quote
    from provenance.review import FlagState, ReviewState
    from provenance.store import Store

# Placeholders a reader understands, by option name; otherwise by type (see _metavar).
METAVARS = {
    "db": "PATH_OR_URL",
    "paths": "PATH",
    "quote_id": "ID",
    "flag_id": "ID",
    "document": "ID",
    "speaker": "NAME",
    "published": "YYYY-MM-DD",
    "dask": "ADDRESS",
    "host": "ADDRESS",
    "fallback_encoding": "ENCODING",
    "expect_head": "HASH",
}


def _metavar(param: Any) -> str:
    if param.name in METAVARS:
        return METAVARS[param.name]
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    annotation = desc.annotation
    if annotation is int:
        return "N"
    name = "PATH" if annotation is Path else (param.name or "value").upper()
    return f"{name}..." if param.nargs == -1 else name


class _Commands(TyperGroup):
    """Help in plain words: ``--db PATH_OR_URL``, ``--workers N``; no ``<str>``, ``<bool>``."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        params: list[Any] = list(command.params) if command is not None else []
        for param in params:
            if param.metavar is None and not getattr(param, "is_flag", False):
                param.metavar = _metavar(param)
            if param.param_type_name == "argument":
                # Typer prints an argument's Python type beside it and braces in the usage
                # line ("{paths}... <list[Path]>"); the placeholder alone says it.
                shown = param.metavar.removesuffix("...") + ("..." if param.nargs != 1 else "")
                usage = shown if param.required else f"[{shown}]"
                param.display_type_rich = lambda ctx: None
                param._usage_display_name = lambda usage=usage: usage
                param._rich_display_name = lambda shown=shown: shown
        return command


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=_Commands,
    help="Claim and quote provenance: who said what, where, and do sources agree.",
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def say(console: Console, line: object) -> None:
    """Print one line built from stored or user text: no markup, no control codes,
    no password."""
    console.print(plain(redact(sanitise(line))), soft_wrap=True)


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PROVENANCE_DB",
        help="SQLite path or SQLAlchemy URL [default: provenance.db]",
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
TABLE_LIMIT = 50  # rows a table shows unless --limit or --all says otherwise


class QuoteKindChoice(StrEnum):
    direct = "direct"
    mixed = "mixed"
    indirect = "indirect"
    nonspeech = "nonspeech"


# A table shows what fits a terminal; json, jsonl and csv carry every field.
QUOTE_COLUMNS = ["id", "speaker", "kind", "text", "where", "status", "seen"]


@contextmanager
def _guard() -> Iterator[None]:
    """Turn library errors into one line on stderr and an exit status; no tracebacks."""
    try:
        yield
    except NotFoundError as exc:
        hint = f" (did you mean: {', '.join(exc.suggestions)}?)" if exc.suggestions else ""
        say(err, f"error: {exc}{hint}")
        raise typer.Exit(exc.exit_code) from None
    except ProvenanceError as exc:
        say(err, f"error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    except Exception as exc:
        # Only commands that open a database import sqlalchemy; before that, no
        # exception can be one of its errors.
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is None or not isinstance(exc, sa_exc.SQLAlchemyError):
            raise
        say(err, f"error: database: {str(exc).splitlines()[0]}")
        raise typer.Exit(2) from None


@contextmanager
def _store(db: str | None, create: bool = False) -> Iterator["Store"]:
    """The store at ``db``; only commands that add documents (``create``) make a new one."""
    from provenance.store import open_existing_store, open_store

    with _guard():
        store = open_store(db) if create else open_existing_store(db)
        try:
            yield store
        finally:
            store.dispose()


@contextmanager
def _quote_listing(
    db: str | None,
) -> Iterator[tuple[Callable[..., list["Quote"]], Callable[..., int]]]:
    """``list_quotes`` and ``count_quotes`` without their session argument: from
    quickread (sqlite3 alone, read-only: no sqlalchemy to import, issue 15) when ``db``
    is a SQLite file at the current schema, else from the store."""
    from provenance.quickread import open_reader

    with _guard():
        reader = open_reader(db)
    if reader is not None:
        with _guard(), reader:
            yield reader.list_quotes, reader.count_quotes
        return
    from provenance.store import count_quotes, list_quotes

    with _store(db) as store, store.session() as s:
        yield partial(list_quotes, s), partial(count_quotes, s)


@contextmanager
def _store_of(store: "Store") -> Iterator["Store"]:
    with _guard():
        try:
            yield store
        finally:
            store.dispose()


def _version(value: bool) -> None:
    if value:
        from provenance import __version__

        typer.echo(f"provenance {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """Claim and quote provenance tracker."""


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive).")],
    db: DbOpt = None,
    source: Annotated[str | None, typer.Option(help="Outlet name for every document.")] = None,
    published: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD for every doc.")
    ] = None,
    fallback_encoding: Annotated[
        str | None,
        typer.Option(
            help="Decode non-UTF-8 files with this encoding (e.g. cp1252) instead of failing."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Extraction processes [default: all cores].")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(help="Extract on this Dask scheduler (tcp://host:8786) instead of locally."),
    ] = None,
    match: Annotated[
        bool,
        typer.Option(
            help="Cluster quotes and flag conflicts now (--no-match: bulk load, "
            "run `provenance match` later)."
        ),
    ] = True,
    follow_links: Annotated[
        bool,
        typer.Option(
            "--follow-links",
            help="Read files that symbolic links in the folders point to "
            "outside them (not followed by default).",
        ),
    ] = False,
) -> None:
    """Read articles (.txt .md .html .jsonl), extract quotes and speakers, store them."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from provenance.distributed import ingest_dask
    from provenance.documents import count_documents
    from provenance.ingest import default_workers
    from provenance.ingest import ingest as run_ingest
    from provenance.models import IngestProblem

    with _guard():
        day = _parse_date(published)
    with _store(db, create=True) as store:
        show_bar = sys.stderr.isatty() and not quiet
        total = count_documents(paths) if not quiet else None
        with Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=not show_bar,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=total)
            plain = _PlainProgress(total) if not show_bar and not quiet else None

            def tick(item: "DocumentIn | IngestProblem") -> None:
                if isinstance(item, IngestProblem):
                    # One line per problem, printed above the bar while it runs.
                    label = "internal error" if item.internal else "error"
                    say(bar.console, f"{label}: {item}")
                bar.advance(task)
                if plain is not None:
                    plain.advance()

            with _guard():
                if dask:
                    report = ingest_dask(
                        store,
                        paths,
                        dask,
                        source=source,
                        published=day,
                        fallback_encoding=fallback_encoding,
                        progress=tick,
                        match=match,
                        follow_links=follow_links,
                    )
                else:
                    report = run_ingest(
                        store,
                        paths,
                        source=source,
                        published=day,
                        fallback_encoding=fallback_encoding,
                        progress=tick,
                        workers=workers or default_workers(),
                        match=match,
                        follow_links=follow_links,
                    )
        for warning in report.warnings:
            say(err, f"warning: {warning}")
        if not quiet:
            typer.echo(
                f"documents: {report.new} new, {report.unchanged} unchanged, "
                f"{report.failed} failed; quotes: {report.quotes - report.nonspeech}, "
                f"nonspeech: {report.nonspeech}; new speakers: {report.speakers}"
            )
            if report.checks is not None:
                typer.echo(f"cross-source checks: {check_summary(report.checks)}")
    if not report.ok:
        raise typer.Exit(1)


class _PlainProgress:
    """Without a terminal (a log file, CI): one line on stderr every few seconds."""

    EVERY = 5.0  # seconds between lines

    def __init__(self, total: int | None) -> None:
        self.total, self.done = total, 0
        self.start = self.last = time.monotonic()

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.last < self.EVERY:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        line = f"ingesting: {self.done}"
        if self.total:
            left = max(self.total - self.done, 0) / rate if rate else 0
            line += f"/{self.total} documents, {rate:.1f}/s, about {left:.0f} s left"
        else:
            line += f" documents, {rate:.1f}/s"
        err.print(line, markup=False, highlight=False)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ProvenanceError(f"--date {value!r}: want YYYY-MM-DD") from None


@app.command("extract")
def extract_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive).")],
    fmt: FormatOpt = Format.jsonl,
    include_nonspeech: Annotated[
        bool, typer.Option("--all", help="Also list non-speech quotations (scare quotes, signs).")
    ] = False,
) -> None:
    """Extract attributions without a database, streaming one record per line."""
    from provenance.documents import read_paths
    from provenance.extract import extract

    failed = 0
    collected: list[dict[str, object]] = []
    with _guard():
        for item in read_paths(paths):
            if isinstance(item, InputError):
                say(err, f"error: {item}")
                failed += 1
                continue
            name = item.path or "-"
            if item.line:
                name = f"{name}:{item.line}"
            rows = [
                attribution_row(name, a)
                for a in extract(item.text)
                if include_nonspeech or a.kind != "nonspeech"
            ]
            if fmt is Format.jsonl:
                emit(rows, fmt)  # streamed: memory stays flat in the number of documents
            else:
                collected.extend(rows)
        if fmt is not Format.jsonl:
            emit(collected, fmt, ["document", "kind", "content", "speaker_name", "cue"])
    if failed:
        raise typer.Exit(1)


@app.command()
def quotes(
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help="Name, any spelling.")
    ] = None,
    document: Annotated[str | None, typer.Option(help="Document id (or prefix).")] = None,
    kind: Annotated[QuoteKindChoice | None, typer.Option(help="Only this kind.")] = None,
    include_nonspeech: Annotated[
        bool, typer.Option("--all", help="Every row, non-speech included (no --limit).")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help=f"At most this many [default: {TABLE_LIMIT} in a table, "
            "every row in json, jsonl, csv].",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """List stored quotes, by speaker or document."""
    if limit is None and fmt is Format.table and not include_nonspeech:
        limit = TABLE_LIMIT
    kind_value = kind.value if kind else None
    with _quote_listing(db) as (list_quotes, count_quotes):
        rows = [
            quote_row(q)
            for q in list_quotes(speaker, document, kind_value, include_nonspeech, limit)
        ]
        hidden = (
            count_quotes(speaker, document, kind_value, include_nonspeech) - len(rows)
            if limit and len(rows) == limit
            else 0
        )
    columns = QUOTE_COLUMNS
    if any(r["speaker_identifier"] for r in rows):  # the authority file's ids, when it has any
        columns = [*columns[:2], "speaker_identifier", *columns[2:]]
    emit(
        rows,
        fmt,
        columns if fmt is Format.table else None,
        title=f"quotes: {speaker}" if speaker else "quotes",
    )
    _more(hidden, limit)


LimitOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        help=f"At most this many [default: {TABLE_LIMIT} in a table, every row in json, "
        "jsonl, csv].",
    ),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every row (no --limit).")]


def _paged(rows: list[Any], fmt: Format, limit: int | None, every: bool) -> tuple[list[Any], int]:
    """The rows a listing shows and how many it leaves out (tables page by default)."""
    if every or (limit is None and fmt is not Format.table):
        return rows, 0
    n = limit or TABLE_LIMIT
    return rows[:n], max(0, len(rows) - n)


def _more(hidden: int, limit: int | None) -> None:
    """The footer of a cut listing, on stderr so that piped output stays data."""
    if hidden > 0:
        err.print(f"… {hidden} more (showing {limit}; --limit N or --all for more)", markup=False)


ByOpt = Annotated[
    str | None, typer.Option(help="Who decides [default: $PROVENANCE_REVIEWER or the login name]")
]


speakers_app = typer.Typer(
    no_args_is_help=False,
    help=(
        "List speakers with their aliases and number of quotes; `merge` and `split` correct them."
    ),
)
app.add_typer(speakers_app, name="speakers")


@speakers_app.callback(invoke_without_command=True)
def speakers(
    ctx: typer.Context,
    limit: LimitOpt = None,
    every: AllOpt = False,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """List speakers with their aliases and number of quotes (`merge`, `split`: corrections)."""
    if ctx.invoked_subcommand is not None:
        return
    from provenance.store import list_speakers

    with _store(db) as store, store.session() as s:
        rows, hidden = _paged([speaker_row(sp) for sp in list_speakers(s)], fmt, limit, every)
    columns = ["id", "name", "kind", "titles", "aliases", "quotes"]
    if any(r["identifier"] for r in rows):  # the authority file's ids, when it has any
        columns.insert(2, "identifier")
    emit(rows, fmt, columns, title="speakers")
    _more(hidden, limit or TABLE_LIMIT)


@speakers_app.command("merge")
def speakers_merge_cmd(
    into: Annotated[str, typer.Argument(help="The speaker kept: id, or a name meaning one.")],
    other: Annotated[str, typer.Argument(help="The speaker whose quotes and aliases move.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Make B one speaker with A: B's quotes, claims and aliases go to A (logged)."""
    from provenance.corrections import merge_speakers

    with _store(db) as store, store.session() as s:
        result = merge_speakers(s, into, other, note, _reviewer(by))
    emit_object(result, fmt)


@speakers_app.command("split")
def speakers_split_cmd(
    speaker: Annotated[str, typer.Argument(help="Speaker id, or a name meaning one speaker.")],
    alias: Annotated[str, typer.Option(help="Quotes whose mention is this name move.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Move the quotes whose mention is --alias to a new speaker (logged)."""
    from provenance.corrections import split_speaker

    with _store(db) as store, store.session() as s:
        result = split_speaker(s, speaker, alias, note, _reviewer(by))
    emit_object(result, fmt)


@app.command()
def merges(
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help="Name, any spelling.")
    ] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Speaker merges across documents, with score (0–100) and evidence, for review."""
    from provenance.store import list_merges

    with _store(db) as store, store.session() as s:
        rows = [m.model_dump() for m in list_merges(s, speaker)]
    emit(rows, fmt, ["speaker", "alias", "score", "evidence", "document"], title="merges")


@app.command()
def show(
    quote_id: Annotated[str, typer.Argument(help="Quote id or a unique prefix.")],
    context: Annotated[
        int, typer.Option(min=0, help="Characters of context on each side (0 or more).")
    ] = 300,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """One quote with its source context, the spans highlighted."""
    from provenance.store import get_quote

    with _store(db) as store, store.session() as s:
        quote, text = get_quote(s, quote_id)
    if fmt is not Format.table:
        emit_object(quote, fmt)
        return
    lo, hi = max(0, quote.start - context), min(len(text), quote.end + context)
    out = Console(highlight=False)
    header = Text()
    header.append(quote.id, "bold")
    header.append(
        f"  {quote.kind}  speaker: {sanitise(quote.speaker or '-')}  "
        f"cue: {sanitise(quote.cue.text if quote.cue else '-')}  "
        f"confidence: {quote.confidence:.2f}"
    )
    out.print(header)
    say(out, f"document {quote.document[:16]}  {quote.path or ''}  [{quote.start}:{quote.end}]")
    if quote.cluster_id is not None:
        say(
            out,
            f"{'first appearance' if quote.first_appearance else 'not the first report'}"
            f" of its statement; {quote.sources} source{'s' if quote.sources > 1 else ''}"
            f" (provenance trace {quote.id[:12]})",
        )
    out.print(_context(text, lo, hi, quote))


def _context(text: str, lo: int, hi: int, quote: Any) -> Text:
    """``text[lo:hi]`` with the quote, speaker and cue styled, each piece sanitised on
    its own (sanitising may change lengths, so offsets are applied before)."""
    styles: list[tuple[int, int, str]] = [(quote.start, quote.end, "bold yellow")]
    for span, style in ((quote.speaker_mention, "bold cyan"), (quote.cue, "bold magenta")):
        if span is not None and lo <= span.start and span.end <= hi:
            styles.append((span.start, span.end, style))
    cuts = sorted({lo, hi, *(max(lo, min(hi, x)) for s, e, _ in styles for x in (s, e))})
    view = Text()
    for a, b in itertools.pairwise(cuts):
        # The innermost (last listed) span that covers the piece gives its style.
        style = next((st for s, e, st in reversed(styles) if s <= a and b <= e), "")
        view.append(sanitise(text[a:b]), style)
    return view


@app.command("stats")
def stats_cmd(fmt: FormatOpt = Format.table, db: DbOpt = None) -> None:
    """Counts of documents, quotes and speakers."""
    from provenance.store import stats

    with _store(db) as store, store.session() as s:
        result = stats(s)
    emit_object(result, fmt)


@app.command()
def demo(
    keep: Annotated[Path | None, typer.Option(help="Keep the demo database at this path.")] = None,
) -> None:
    """Ingest the bundled sample articles into a temporary database and show who said what."""
    import tempfile

    from provenance.cluster_members import clusters_for
    from provenance.conflicts import list_conflicts
    from provenance.ingest import ingest as run_ingest
    from provenance.lexicon import data_dir
    from provenance.store import list_quotes

    samples = data_dir() / "samples"
    with tempfile.TemporaryDirectory() as tmp:
        db = str(keep or Path(tmp) / "demo.db")
        with _store(db, create=True) as store:
            report = run_ingest(store, [samples])
            typer.echo(
                f"ingested {report.new} sample articles from {samples}: "
                f"{report.quotes} quotes and claims, {report.speakers} speakers\n"
            )
            with store.session() as s:
                by_speaker: dict[str, list[dict[str, object]]] = {}
                for q in list_quotes(s):
                    if q.speaker:
                        by_speaker.setdefault(q.speaker, []).append(quote_row(q))
                clusters = clusters_for(s, min_sources=2)
                flags = list_conflicts(s)
        out = Console(highlight=False)
        for name in sorted(by_speaker, key=lambda n: (-len(by_speaker[n]), n)):
            rows = by_speaker[name]
            out.print(plain(name, "bold").append(f" ({len(rows)})", ""))
            for row in rows:
                text = str(row["text"])
                short = text if len(text) <= 110 else text[:107] + "..."
                where = row["source"] or Path(str(row["path"])).name
                say(out, f"  [{row['kind']}] “{short}” — {where}")
        out.print("\n[bold]Reported by more than one outlet[/bold]")
        for c in clusters:
            say(
                out,
                f"  “{c.text.strip(' ,')}” — {', '.join(c.speakers) or '?'}: "
                f"{c.distinct_sources} sources",
            )
            for ref in cluster_row(c)["sources"]:
                say(out, f"      {ref}")
        out.print("\n[bold]Conflicts between sources[/bold]")
        for f in flags:
            say(out, f"  [{f.kind} {f.score:.0f}] {f.explanation}")
            if f.diff:
                say(out, f"      diff: {f.diff}")
    if not report.ok:
        for problem in report.problems:
            say(err, f"error: {problem}")
        raise typer.Exit(1)


# ---- issue: audit trail (log, verify, review, export, schemas) --------------------


def _reviewer(by: str | None) -> str:
    import getpass

    return by or os.environ.get("PROVENANCE_REVIEWER") or getpass.getuser()


def _decision_row(of: str, id_: str, status: str, history: list[Any]) -> dict[str, Any]:
    """One review-listing row: a quote's or a flag's latest decision and its history
    (``history``: each decision with the status it set)."""
    last = history[-1][0] if history else None
    return {
        "of": of,
        "id": id_,
        "status": status,
        "by": last.by if last else None,
        "at": last.ts if last else None,
        "note": last.note if last else None,
        "history": " → ".join(value for _, value in history),
        "decisions": [d.model_dump(mode="json") for d, _ in history],
    }


def _review_rows(states: list["ReviewState"]) -> list[dict[str, Any]]:
    return [
        _decision_row(
            "quote", st.quote_id, st.status.value, [(d, d.status.value) for d in st.history]
        )
        for st in states
    ]


def _flag_rows(states: list["FlagState"]) -> list[dict[str, Any]]:
    return [
        _decision_row(
            "flag", st.flag_id, st.decision.value, [(d, d.decision.value) for d in st.history]
        )
        for st in states
    ]


REVIEW_COLUMNS = ["of", "id", "status", "by", "at", "note", "history"]


@app.command("verify")
def verify_cmd(
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log", help="Check an exported log (provenance log -f jsonl) instead of a database."
        ),
    ] = None,
    expect_head: Annotated[
        str | None,
        typer.Option(help="A log hash published earlier: fail unless it is still in the chain."),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="A file from `provenance checkpoint --out`: fail unless the log still extends it.",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Re-derive the log's hash chain, document hashes, spans and records; exit 4 on mismatch."""
    from provenance.audit import read_checkpoint
    from provenance.verify import verify as run_verify
    from provenance.verify import verify_log_file

    with _guard():
        cp = read_checkpoint(checkpoint) if checkpoint is not None else None
    if log_file is not None:
        with _guard():
            report = verify_log_file(log_file, expect_head, cp)
    else:
        with _store(db) as store, store.session() as s:
            report = run_verify(s, expect_head, checkpoint=cp)
    if report.problems:
        emit(
            (p.model_dump() for p in report.problems),
            fmt,
            ["check", "table", "column", "record", "detail"],
            title="verify: mismatches",
        )
        err.print(f"verify: {len(report.problems)} mismatches", markup=False)
        raise typer.Exit(VerificationError.exit_code)
    if fmt is Format.table:
        typer.echo(
            f"ok: {report.entries} log entries, {report.documents} documents, "
            f"{report.spans} spans, {report.records} records; "
            f"head {report.head_seq} {report.head_hash}"
        )
    else:
        emit_object(report, fmt)


@app.command("checkpoint")
def checkpoint_cmd(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write it to this file (keep it off this machine)."),
    ] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """The log's head (seq, hash, time): `verify --checkpoint FILE` later proves the log
    extends it."""
    from provenance.audit import write_checkpoint

    with _store(db) as store, store.session() as s:
        cp = write_checkpoint(s, out)
    emit_object(cp, fmt)


@app.command("review")
def review_cmd(
    quote_id: Annotated[str, typer.Argument(help="Quote id or a unique prefix.")],
    status: Annotated[ReviewStatus | None, typer.Option(help="The decision.")] = None,
    speaker: Annotated[
        str | None,
        typer.Option(
            help=(
                "Attribute the quote to this speaker instead (id, or a name meaning one speaker); "
                "the same as `provenance reassign`."
            )
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="Why: source checked, correction, ...")] = "",
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Record a human decision on a quote in the audit log: a --status or a --speaker."""
    from provenance.review import reassign_speaker
    from provenance.review import review as run_review

    if (status is None) == (speaker is None):
        raise typer.BadParameter("give one of --status or --speaker")
    with _store(db) as store, store.session() as s:
        if speaker is not None:
            emit_object(reassign_speaker(s, quote_id, speaker, note, _reviewer(by)), fmt)
            return
        assert status is not None
        state = run_review(s, quote_id, status, note, _reviewer(by))
    emit(_review_rows([state]), fmt, REVIEW_COLUMNS, title="review")


@app.command("review-flag")
def review_flag_cmd(
    flag_id: Annotated[str, typer.Argument(help="Conflict flag id or a unique prefix.")],
    decision: Annotated[
        FlagDecision,
        typer.Option(
            "--status",
            "--decision",
            help="confirmed: the sources really disagree; dismissed: a false alarm (it stays "
            "down until its evidence changes).",
        ),
    ],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Record a human decision on a conflict flag in the audit log."""
    from provenance.review import review_flag

    with _store(db) as store, store.session() as s:
        state = review_flag(s, flag_id, decision, note, _reviewer(by))
    emit(_flag_rows([state]), fmt, REVIEW_COLUMNS, title="flag review")


@app.command("reassign")
def reassign_cmd(
    quote_id: Annotated[str, typer.Argument(help="Quote id or a unique prefix.")],
    speaker: Annotated[str, typer.Option(help="Speaker id, or a name meaning one speaker.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Attribute a quote to another speaker (logged; `verify` follows it)."""
    from provenance.review import reassign_speaker

    with _store(db) as store, store.session() as s:
        result = reassign_speaker(s, quote_id, speaker, note, _reviewer(by))
    emit_object(result, fmt)


people_app = typer.Typer(
    no_args_is_help=True,
    help=("The authority file: canonical names and identifiers (e.g. Wikidata QIDs) of people."),
)
app.add_typer(people_app, name="people")


@people_app.command("import")
def people_import_cmd(
    path: Annotated[
        Path,
        typer.Argument(
            help=(
                "CSV: name, aliases (;-separated), identifier, gender (male/female/other), title; "
                "a header line starting with 'name' is skipped."
            )
        ),
    ],
    by: Annotated[str | None, typer.Option(help="Who supplies the file (audit log actor).")] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Store the people of an authority file (one audit entry each)."""
    from provenance.people import import_people

    with _store(db, create=True) as store, store.session() as s:
        report = import_people(s, path, by or "")
    for line in report.errors:
        err.print(line, markup=False)
    emit_object(report, fmt)
    if report.errors:
        raise typer.Exit(1)


@people_app.command("list")
def people_list_cmd(
    limit: LimitOpt = None, every: AllOpt = False, fmt: FormatOpt = Format.table, db: DbOpt = None
) -> None:
    """List the authority file's people."""
    from provenance.people import list_people

    with _store(db) as store, store.session() as s:
        rows, hidden = _paged([p.model_dump() for p in list_people(s)], fmt, limit, every)
    emit(rows, fmt, ["id", "name", "identifier", "aliases", "gender", "title"], title="people")
    _more(hidden, limit or TABLE_LIMIT)


@app.command("serve")
def serve_cmd(
    db: DbOpt = None,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on; another machine can reach anything but 127.0.0.1."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Review in the browser: speakers, documents with highlighted spans, clusters, conflicts."""
    import uvicorn

    from provenance.store import open_existing_store
    from provenance.web import create_app

    with _guard():
        store = open_existing_store(db)
    with _store_of(store):
        err.print(
            f"provenance: serving {store.url} on http://{host}:{port}/ (Ctrl-C stops)", markup=False
        )
        uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


@app.command("reviews")
def reviews_cmd(
    status: Annotated[ReviewStatus | None, typer.Option(help="Only this status.")] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Reviewed quotes, then reviewed conflict flags: current status and history of decisions."""
    from provenance.review import list_flag_reviews, list_reviews

    with _store(db) as store, store.session() as s:
        rows = _review_rows(list_reviews(s, status))
        if status is None:
            rows += _flag_rows(list_flag_reviews(s))
    emit(rows, fmt, REVIEW_COLUMNS, title="reviews")


@app.command("log")
def log_cmd(
    subject: Annotated[
        str | None, typer.Argument(help="quote:ID, document:ID, speaker:N or a bare id prefix.")
    ] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. review.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """The audit log, oldest first (--format jsonl gives a file `verify --log` checks)."""
    from provenance.audit import list_entries

    with _store(db) as store, store.session() as s:
        emit(
            (e.model_dump() for e in list_entries(s, subject, action, limit)),
            fmt,
            ["seq", "ts", "actor", "action", "subject", "hash"],
            title="audit log",
        )


@app.command("export")
def export_cmd(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Export format.")
    ] = ExportFormat.jsonl,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File [default: stdout].")] = None,
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help="Name, any spelling.")
    ] = None,
    include_nonspeech: Annotated[bool, typer.Option("--all", help="Include non-speech.")] = False,
    db: DbOpt = None,
) -> None:
    """Every quote and claim with full provenance, streamed.

    jsonl, csv, prov-json; web-annotation (W3C, one annotation per span) and
    claimreview (schema.org ClaimReview of reviews and flags, Quotation per quote).
    """
    from provenance.export import export_file
    from provenance.export import write_export as run_export

    with _store(db) as store, store.session() as s:
        if out is None:
            n = run_export(s, fmt, sys.stdout, speaker, include_nonspeech)
        else:
            n = export_file(s, fmt, out, store.files(), speaker, include_nonspeech)
    if out:
        say(err, f"exported {n} records to {out}")


@app.command("delete")
def delete_cmd(
    document: Annotated[str, typer.Argument(help="Document id or a unique prefix.")],
    reason: Annotated[str, typer.Option(help="Why it is removed (kept in the log).")],
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Remove a document and its quotes; the log keeps what was removed, by whom and why."""
    from provenance.review import delete_document

    with _store(db) as store, store.session() as s:
        result = delete_document(s, document, reason, _reviewer(by))
    emit_object(result, fmt)


@app.command("adopt")
def adopt_cmd(by: ByOpt = None, fmt: FormatOpt = Format.table, db: DbOpt = None) -> None:
    """Log records stored before the audit log existed (after an upgrade); logs nothing twice."""
    from provenance.review import adopt

    with _store(db) as store, store.session() as s:
        result = adopt(s, _reviewer(by))
    emit_object(result, fmt)


@app.command("schemas")
def schemas_cmd(
    directory: Annotated[Path, typer.Option("--dir", help="Where the schema files live.")] = Path(
        "schemas"
    ),
    check: Annotated[bool, typer.Option(help="Only compare; exit 1 if any file is stale.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write JSON Schemas (draft 2020-12) of the exported records, generated from the models."""
    from provenance.schemas import SchemaState, write_schemas

    with _guard():
        files = write_schemas(directory, check)
    emit((f.model_dump() for f in files), fmt, ["name", "state", "path"], title="schemas")
    stale = [f.path for f in files if f.state in (SchemaState.stale, SchemaState.missing)]
    if stale:
        say(err, f"error: stale schema files (run `provenance schemas`): {', '.join(stale)}")
        raise typer.Exit(1)


# --- Extraction quality on real news: evaluate ---------------------------------------------


@app.command("evaluate")
def evaluate_cmd(
    gold: Annotated[
        Path,
        typer.Argument(
            help="PolNeAR-style split folder (text/ + attributions/) or a JSON Lines gold file."
        ),
    ],
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            "-p",
            help="JSON Lines from `provenance extract`; default: run extract.",
        ),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Documents of a JSON Lines gold [default: ../corpus beside the gold file]."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Score only the first N brat texts.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Score attributions against gold: P/R/F1, quotes, indirect recall, speakers, cues."""
    from provenance.evaluate import evaluate as run_evaluate
    from provenance.extract import extract

    with _guard():
        report = run_evaluate(gold, extract, predictions=predictions, corpus=corpus, limit=limit)
    if fmt is Format.json:
        emit_object(report.model_dump(mode="json", exclude={"details"}), fmt)
        return
    rows = [{**m.model_dump(), "value": round(m.value, 4)} for m in report.metrics()]
    emit(
        rows,
        fmt,
        ["metric", "value", "numerator", "denominator", "of"],
        title=f"{gold}: {report.documents} documents",
    )


# ---- cross-source checks: clusters, quantity claims, flags ------------------

# The default of provenance.conflicts.WINDOW_DAYS, repeated here because importing that
# module at `--help` costs numpy and rapidfuzz; tests/test_cli.py checks they agree.
WINDOW_DAYS = 7

TRACE_COLUMNS = ["#", "date", "outlet", "as reported", "speaker", "change", "wording"]


@app.command("trace")
def trace_cmd(
    query: Annotated[str, typer.Argument(help="Quote id (or unique prefix) or some of its words.")],
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """A statement from its first report on: outlet, date, speaker and how the words changed."""
    from provenance.trace import trace as run_trace

    with _store(db) as store, store.session() as s:
        result = run_trace(s, query)
    if fmt is Format.json:
        emit_object(result, fmt)
        return
    if fmt is not Format.table:
        emit((trace_row(a) for a in result.appearances), fmt)
        return
    first = result.first_appearance
    score = f" (match {result.match_score:.0f}/100)" if result.match_score is not None else ""
    Console(highlight=False).print(
        f"“{result.text.strip(' ,')}”{score}\n{len(result.appearances)} reports, {result.sources} "
        f"source{'s' if result.sources > 1 else ''}; first: {trace_row(first)['where']}"
        f" {first.published or 'undated'}",
        markup=False,
    )
    emit((trace_table_row(a) for a in result.appearances), fmt, TRACE_COLUMNS)


CLUSTER_COLUMNS = [
    "id",
    "text",
    "speakers",
    "distinct_sources",
    "first_source",
    "first_date",
    "sources",
]
CLAIM_COLUMNS = [
    "kind",
    "speaker",
    "text",
    "quantity",
    "noun_class",
    "event",
    "source",
    "document",
    "start",
    "end",
]
CONFLICT_COLUMNS = ["id", "kind", "score", "explanation", "diff", "records"]


@app.command()
def matches(
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help="Name, any spelling.")
    ] = None,
    min_sources: Annotated[
        int,
        typer.Option(
            min=1, help="Only clusters from this many outlets (1: every quote's cluster)."
        ),
    ] = 2,
    limit: LimitOpt = None,
    every: AllOpt = False,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Quotes grouped as one statement across documents (corroboration)."""
    from provenance.cluster_members import clusters_for

    with _store(db) as store, store.session() as s:
        rows, hidden = _paged(clusters_for(s, speaker, min_sources), fmt, limit, every)
    if fmt in (Format.json, Format.jsonl):
        emit((c.model_dump(mode="json") for c in rows), fmt)
    else:
        emit((cluster_row(c) for c in rows), fmt, CLUSTER_COLUMNS, title="quote clusters")
    _more(hidden, limit or TABLE_LIMIT)


@app.command()
def claims(
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help='Person or body ("police").')
    ] = None,
    limit: LimitOpt = None,
    every: AllOpt = False,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Attributed claims (indirect speech) and quantified statements, with their source."""
    from provenance.quantities import claims_for

    with _store(db) as store, store.session() as s:
        rows, hidden = _paged(claims_for(s, speaker), fmt, limit, every)
    emit((c.model_dump(mode="json") for c in rows), fmt, CLAIM_COLUMNS, title="claims")
    _more(hidden, limit or TABLE_LIMIT)


@app.command()
def conflicts(
    kind: Annotated[str | None, typer.Option(help="misquote, misattribution or numeric.")] = None,
    min_score: Annotated[
        float, typer.Option("--min-score", help="Only flags with at least this confidence (0–100).")
    ] = 0.0,
    limit: LimitOpt = None,
    every: AllOpt = False,
    fmt: FormatOpt = Format.table,
    db: DbOpt = None,
) -> None:
    """Misquotes, misattributions and conflicting numbers between sources, most confident first."""
    from provenance.conflicts import CONFLICT_KINDS, list_conflicts

    with _guard():
        if kind is not None and kind not in CONFLICT_KINDS:
            raise ProvenanceError(f"--kind {kind!r}: want one of {', '.join(CONFLICT_KINDS)}")
        if not 0 <= min_score <= 100:
            raise ProvenanceError(f"--min-score {min_score:g}: want 0–100")
    with _store(db) as store, store.session() as s:
        rows, hidden = _paged(list_conflicts(s, kind, min_score), fmt, limit, every)
    if fmt in (Format.json, Format.jsonl):
        emit((c.model_dump(mode="json") for c in rows), fmt)
    else:
        emit((conflict_row(c) for c in rows), fmt, CONFLICT_COLUMNS, title="conflicts")
    _more(hidden, limit or TABLE_LIMIT)


@app.command("match")
def match_cmd(
    window_days: Annotated[
        int,
        typer.Option(
            "--window-days",
            min=0,
            help="Numeric flags and misquotes only between reports published this many days "
            "apart or fewer.",
        ),
    ] = WINDOW_DAYS,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes finding quantity claims [default: all cores]."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Rebuild claims, clusters and flags from every stored document."""
    from provenance.crosscheck import rebuild as rebuild_checks
    from provenance.ingest import default_workers

    with _store(db) as store, store.session() as s:
        report = rebuild_checks(s, workers or default_workers(), window_days=window_days)
        s.commit()
    typer.echo(check_summary(report))


def main() -> None:
    app()
