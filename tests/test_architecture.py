"""docs/architecture.md names the code of every command, and the layout it describes exists."""

from __future__ import annotations

import importlib
import re

import typer

from provenance.cli import app
from tests.support import REPO

DOC = REPO / "docs" / "architecture.md"
_ROW = re.compile(r"^\| `([a-z -]+)` \| `(\w+)`[^|]*\| `([\w/]+)\.py`")


def _commands(group: typer.Typer, prefix: str = "") -> set[str]:
    """Every command name the CLI registers, sub-commands as "group sub"."""
    names = {prefix + (c.name or c.callback.__name__) for c in group.registered_commands}  # type: ignore[union-attr]
    for sub in group.registered_groups:
        name = prefix + (sub.name or "")
        if sub.typer_instance.registered_callback is not None:
            names.add(name)  # the group lists when called alone ("provenance speakers")
        names |= _commands(sub.typer_instance, name + " ")
    return names


def _table() -> dict[str, tuple[str, str]]:
    rows = {}
    section = DOC.read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = _ROW.match(line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def test_every_command_is_in_the_architecture_table() -> None:
    table = _table()
    assert _commands(app) == set(table)


def test_each_command_s_function_is_defined_in_the_module_the_table_names() -> None:
    for command, (function, path) in _table().items():
        module = importlib.import_module(
            "provenance." + path.replace("/", ".").removesuffix(".__init__")
        )
        value = getattr(module, function, None)
        assert callable(value), f"{command}: provenance/{path}.py has no {function}"
        assert value.__module__ == module.__name__, (
            f"{command}: {function} is defined in {value.__module__}, not {module.__name__}"
        )


def test_every_module_of_the_package_is_named_in_the_architecture() -> None:
    text = DOC.read_text(encoding="utf-8")
    package = REPO / "provenance"
    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if path.name in ("__init__.py", "__main__.py"):  # packages are named by their folder
            continue
        # A package's modules may be listed by bare name after the package: "`export/` (`csv.py`)".
        if f"`{rel}`" not in text and f"`{path.name}`" not in text:
            missing.append(rel)
    assert missing == [], f"docs/architecture.md never names {missing}"
