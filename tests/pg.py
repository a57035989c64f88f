"""A throwaway PostgreSQL server for the test session, from the machine's own binaries.

Loaded as a pytest plugin (``pytest_plugins = ["tests.pg"]`` in conftest.py).
``pg_server`` starts one server per session in a temporary directory,
listening on 127.0.0.1 on a free port and on a unix socket in that directory,
with trust authentication, and stops it at the end. ``pg_url`` gives each test
its own fresh database. Tests using them are skipped, with the reason, only
where no PostgreSQL server binaries exist (``.ci/ensure-postgres.sh`` installs
them). initdb refuses to run as root, so as root the server runs as the
``postgres`` system user (or ``nobody``) via runuser.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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
        self.run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self.run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-o", opts,
                 "-l", str(self.root / "server.log"))

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine; "
                    "run .ci/ensure-postgres.sh")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[postgres]')")
    root = Path(tempfile.mkdtemp(prefix="provenance-pg-"))
    server = PgServer(bindir, root, _free_port(), _run_as())
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = root / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr!r} {detail}") from exc
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


_counter = itertools.count()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A SQLAlchemy URL of a new, empty database on the session's server."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against a SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return str(request.getfixturevalue("pg_url"))
