"""Stage 1: read articles from files into :class:`DocumentIn` records.

Text is kept exactly as decoded (no newline or whitespace rewriting), because
every span offset indexes it. Plain text and Markdown are stored whole; HTML is
reduced to its visible article text; JSON Lines carry one document per line.
Problems are yielded as :class:`~provenance.errors.InputError` values, never
raised, so one bad file or line does not stop a batch.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from provenance.errors import InputError
from provenance.models import DocumentIn

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

# A leading metadata line as in the seed corpus: " date 2025-06-09 ...".
_DATE_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b")
_MD_TITLE = re.compile(r"\A\s*#\s+(.+)")
_HTML_DROP = "script, style, noscript, nav, header, footer, aside, form, template, svg, iframe"
_HTML_BLOCKS = "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, figcaption, td"

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
    ]
)
"""Tags that never deepen a tree: void elements, and those an HTML parser closes when
the next one opens (a page of unclosed ``<p>`` is flat)."""
MAX_HTML_DEPTH = 512
"""Open elements kept: deeper ones are dropped before parsing, their text kept.
A browser flattens at the same depth; the parser took quadratic time beyond it
(100,000 unclosed ``<div>``: 27 s)."""
_HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)

Result = DocumentIn | InputError
MAX_NUL_SHARE = 0.05
"""More NUL bytes than this share of a file's bytes means binary (or UTF-16 without a BOM)."""


def display_path(path: str | Path) -> str:
    """A file name as text that can be shown, stored and hashed.

    POSIX names are bytes; one that is not UTF-8 comes back from the OS with lone
    surrogates, which no terminal, database or JSON encoder takes. Its bad bytes
    are written ``\\xNN`` instead (what ``ls -b`` shows), so the name stays traceable.
    """
    name = os.fspath(path)
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def iter_files(
    paths: Iterable[str | Path], follow_links: bool = False
) -> Iterator[Path | InputError]:
    """Files named, and supported files below folders named (sorted, recursive).

    A symbolic link below a folder that points outside that folder is reported,
    not followed, unless ``follow_links``: an article folder can otherwise pull in
    any file the user may read. A folder that cannot be listed is reported too.
    """
    for raw in paths:
        try:
            yield from _files_under(Path(raw), follow_links)
        except OSError as exc:  # a name too long, a folder we may not list
            yield InputError(display_path(raw), exc.strerror or str(exc))


def count_documents(paths: Iterable[str | Path], follow_links: bool = False) -> int:
    """How many documents ``read_paths`` will yield, about: one per file, one per
    non-blank line of a JSON Lines file (read as bytes, not parsed); for progress totals."""
    total = 0
    for item in iter_files(paths, follow_links):
        if isinstance(item, InputError):
            continue
        if item.suffix.lower() not in JSONL_SUFFIXES:
            total += 1
            continue
        try:
            with item.open("rb") as fh:
                total += sum(1 for line in fh if line.strip())
        except OSError:
            total += 1
    return total


def _outside(path: Path, root: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return True


def _files_under(path: Path, follow_links: bool) -> Iterator[Path | InputError]:
    if path.is_dir():
        yield from _walk(path, follow_links)
    elif path.is_file():
        yield path
    elif path.exists():
        yield InputError(display_path(path), "not a regular file")
    else:
        yield InputError(display_path(path), "no such file or folder")


def _walk(top: Path, follow_links: bool) -> Iterator[Path | InputError]:
    root = top.resolve()
    problems: list[tuple[str, InputError]] = []
    files: list[Path] = []

    def unreadable(exc: OSError) -> None:
        name = display_path(exc.filename or top)
        problems.append((name, InputError(name, f"cannot read folder: {exc.strerror or exc}")))

    def link_out(p: Path) -> None:
        name = display_path(p)
        problems.append(
            (
                name,
                InputError(
                    name,
                    "symbolic link to outside the input folder, not followed "
                    "(use --follow-links to read it)",
                ),
            )
        )

    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable, followlinks=follow_links):
        if follow_links:
            real = os.path.realpath(dirpath)
            if real in seen:  # a link back up the tree: walked once is enough
                dirnames[:] = []
                continue
            seen.add(real)
        else:
            for d in dirnames:
                if os.path.islink(os.path.join(dirpath, d)) and _outside(Path(dirpath, d), root):
                    link_out(Path(dirpath, d))
        for name in filenames:
            p = Path(dirpath, name)
            if p.suffix.lower() not in SUPPORTED or name.startswith("."):
                continue
            if not follow_links and p.is_symlink() and _outside(p, root):
                link_out(p)
                continue
            if p.is_file():
                files.append(p)
    # Problems come in the order of the names, among the files.
    merged: list[tuple[str, Path | InputError]] = [(str(f), f) for f in files]
    merged += problems
    merged.sort(key=lambda pair: Path(pair[0]))
    for _, item in merged:
        yield item


def decode(data: bytes, path: str, fallback: str | None = None) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (BOM-aware, UTF-16 with a BOM too).

    Returns the text and a warning when ``fallback`` (e.g. ``cp1252``) was used.
    Raises :class:`InputError` for binary data or undecodable text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            raise InputError(path, f"invalid UTF-16 at byte {exc.start}") from None
    note = None
    if b"\x00" in data:
        nuls = data.count(0)
        binary = InputError(path, "binary file (contains NUL bytes)")
        if nuls > MAX_NUL_SHARE * len(data):
            raise binary
        # A few stray NULs in otherwise valid text (a bad export): no database
        # keeps them in text (PostgreSQL refuses), so they go, and the user is told.
        data = data.replace(b"\x00", b"")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise binary from None
        note = f"removed {nuls} NUL byte{'s' if nuls > 1 else ''}"
    try:
        return data.decode("utf-8-sig"), note
    except UnicodeDecodeError as exc:
        if fallback is None:
            raise InputError(
                path,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "use --fallback-encoding cp1252 to read it anyway",
            ) from None
        try:
            text = data.decode(fallback)
        except (UnicodeDecodeError, LookupError) as exc2:
            raise InputError(path, f"not valid UTF-8 nor {fallback}: {exc2}") from None
        controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f")
        if controls > MAX_NUL_SHARE * len(text):
            raise InputError(path, f"binary file (not text in UTF-8 or {fallback})") from None
        warning = f"not valid UTF-8; decoded as {fallback}"
        return text, f"{warning}; {note}" if note else warning


def leading_date(text: str) -> date | None:
    """The date of a leading ``date YYYY-MM-DD`` metadata line, if any."""
    m = _DATE_LINE.match(text)
    if not m:
        return None
    try:
        return date.fromisoformat(m.group(1))
    except ValueError:
        return None


def html_to_text(html: str) -> tuple[str, str | None, dict[str, str]]:
    """Visible article text, the page title and a few meta values from HTML.

    Block elements become paragraphs separated by a blank line; script, style
    and page chrome (nav, header, footer) are dropped.
    """
    tree = HTMLParser(_limit_depth(html))
    meta: dict[str, str] = {}
    for node in tree.css("meta"):
        key = node.attributes.get("property") or node.attributes.get("name") or ""
        value = node.attributes.get("content") or ""
        if key and value:
            meta[key.lower()] = value
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    for node in tree.css(_HTML_DROP):
        node.decompose()
    # Text a reader never sees is not the article (hidden keyword stuffing, menus,
    # text planted to be "quoted").
    for node in tree.css("[hidden], [aria-hidden], [style]"):
        attrs = node.attributes
        if (
            "hidden" in attrs
            or (attrs.get("aria-hidden") or "").strip().lower() == "true"
            or _HIDDEN_STYLE.search(attrs.get("style") or "")
        ):
            node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    if root is None:
        return "", title, meta
    blocks = [" ".join(n.text(separator=" ").split()) for n in root.css(_HTML_BLOCKS)]
    # Nested blocks (a <p> in a <blockquote>) repeat their text; keep the first.
    paragraphs: list[str] = []
    for block in blocks:
        if block and (not paragraphs or block not in paragraphs[-1]):
            paragraphs.append(block)
    if not paragraphs:
        paragraphs = [" ".join(root.text(separator=" ").split())]
    return "\n\n".join(p for p in paragraphs if p), title, meta


def _limit_depth(html: str) -> str:
    """``html`` with opening tags beyond :data:`MAX_HTML_DEPTH` removed (one linear scan;
    unchanged, and not copied, when the page is shallower)."""
    depth = deepest = 0
    for m in _TAG.finditer(html):
        if m[3] or m[2].lower() in _VOID:
            continue
        if m[1]:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    if deepest <= MAX_HTML_DEPTH:
        return html
    out: list[str] = []
    depth, last = 0, 0
    for m in _TAG.finditer(html):
        if m[3] or m[2].lower() in _VOID:
            continue
        if m[1]:
            depth = max(0, depth - 1)
        elif depth >= MAX_HTML_DEPTH:
            out.append(html[last : m.start()])
            out.append(" ")
            last = m.end()
        else:
            depth += 1
    out.append(html[last:])
    return "".join(out)


def _parse_date(value: object, path: str, line: int | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**8:
        value = str(value)  # 20250609
    if not isinstance(value, str):
        raise InputError(path, f'bad date (a JSON {type(value).__name__}; want "YYYY-MM-DD")', line)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(path, f"bad date {value[:40]!r} (want YYYY-MM-DD)", line) from None


def _read_jsonl(text: str, path: str) -> Iterator[Result]:
    # Split on newlines only: str.splitlines() also breaks at U+2028, U+0085 and
    # form feeds, which JSON strings may hold raw, and would wreck valid lines.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield _jsonl_line(raw, path, number)
        except InputError as err:
            yield err
        # A poison line costs only itself: nesting deeper than the parser's stack,
        # an integer longer than Python converts, a value no encoder takes.
        except RecursionError:
            yield InputError(path, "refused: JSON nested too deeply", number)
        except (ValueError, OverflowError) as exc:
            reason = str(exc).split(";")[0][:120]
            yield InputError(path, f"refused: {reason}", number)


def _jsonl_line(raw: str, path: str, number: int) -> DocumentIn:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed JSON: {exc.msg} (column {exc.colno})", number) from None
    if not isinstance(obj, dict):
        raise InputError(path, "expected a JSON object", number)
    body = obj.get("text")
    if not isinstance(body, str) or not body.strip():
        raise InputError(path, 'missing or empty "text"', number)
    for key in ("text", "url", "source", "title", "date"):
        value = obj.get(key)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = value[exc.start]
                raise InputError(
                    path,
                    f'refused: "{key}" holds a lone surrogate '
                    f"(\\u{ord(bad):04x}), not Unicode text",
                    number,
                ) from None
    warning = None
    if "\x00" in body:
        warning = f'removed {body.count(chr(0))} NUL character(s) from "text"'
        body = body.replace("\x00", "")
    published = _parse_date(obj.get("date"), path, number) or leading_date(body)
    return DocumentIn(
        text=body,
        path=path,
        url=_str_or_none(obj.get("url")),
        source=_str_or_none(obj.get("source")),
        title=_str_or_none(obj.get("title")),
        published=published,
        line=number,
        warning=warning,
    )


def _str_or_none(value: object) -> str | None:
    if value in (None, "") or isinstance(value, dict | list):
        return None
    return str(value)


def read_file(path: Path, fallback_encoding: str | None = None) -> Iterator[Result]:
    """Documents in one file (one, or one per line for JSON Lines)."""
    name = display_path(path)
    if name != str(path):
        warning_name = "file name is not valid UTF-8; its bad bytes are stored as \\xNN"
    else:
        warning_name = None
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(name, exc.strerror or "cannot read")
        return
    if not data.strip():
        yield InputError(name, "empty file")
        return
    try:
        text, warning = decode(data, name, fallback_encoding)
    except InputError as err:
        yield err
        return
    if warning_name:
        warning = f"{warning_name}; {warning}" if warning else warning_name
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        for item in _read_jsonl(text, name):
            if warning and isinstance(item, DocumentIn):
                item.warning = f"{warning}; {item.warning}" if item.warning else warning
            yield item
        return
    title: str | None = None
    meta: dict[str, str] = {}
    if suffix in HTML_SUFFIXES:
        text, title, meta = html_to_text(text)
    elif suffix in {".md", ".markdown"}:
        m = _MD_TITLE.match(text)
        title = m.group(1).strip() if m else None
    if not text.strip():
        yield InputError(name, "no article text found")
        return
    published = leading_date(text)
    if published is None and meta.get("article:published_time"):
        published = _parse_date(meta["article:published_time"], name, None)
    yield DocumentIn(
        text=text,
        path=name,
        source=meta.get("og:site_name"),
        title=title or meta.get("og:title"),
        published=published,
        url=meta.get("og:url"),
        warning=warning,
    )


def read_paths(
    paths: Iterable[str | Path],
    fallback_encoding: str | None = None,
    follow_links: bool = False,
) -> Iterator[Result]:
    """Every document (or problem) from the files and folders given, in order."""
    for item in iter_files(paths, follow_links):
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield from read_file(item, fallback_encoding)
        except InputError as err:
            yield err
