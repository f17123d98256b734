#!/usr/bin/env python
"""Write darter's public API — names and signatures — as text, for the snapshot test.

``python scripts/api_snapshot.py`` prints it; ``--update`` rewrites
``tests/snapshots/public_api.txt``. The test ``tests/test_public_api.py`` fails with
a diff whenever the API differs from the committed snapshot, so that a change of
the public API is always deliberate: review the diff, then run ``--update``.
"""

from __future__ import annotations

import enum
import inspect
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "public_api.txt"
MODULES = ("darter", "darter.backends", "darter.backends.base")


def _signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _kind(member: Any) -> str:
    if isinstance(member, property):
        return "property (settable)" if member.fset else "property"
    if isinstance(member, (classmethod, staticmethod)):
        return type(member).__name__
    function = getattr(member, "__func__", member)
    if inspect.iscoroutinefunction(function):
        return "async def"
    if inspect.isasyncgenfunction(function):
        return "async generator"
    wrapped = getattr(function, "__wrapped__", None)
    if wrapped is not None and inspect.isasyncgenfunction(wrapped):
        return "async context manager"
    if wrapped is not None and inspect.isgeneratorfunction(wrapped):
        return "context manager"
    if inspect.isgeneratorfunction(function):
        return "generator"
    return "def"


def describe_class(name: str, cls: type) -> list[str]:
    """Lines describing a public class: bases, constructor, public members."""
    bases = ", ".join(base.__name__ for base in cls.__bases__)
    lines = [f"class {name}({bases})"]
    if issubclass(cls, enum.Enum):
        lines.append(f"    members: {', '.join(member.name for member in cls)}")
    else:
        lines.append(f"    __init__{_signature(cls)}")
    for attribute, member in sorted(vars(cls).items()):
        if attribute.startswith("_") and attribute not in ("__aenter__", "__enter__"):
            continue
        if issubclass(cls, enum.Enum) and isinstance(member, cls):
            continue
        if callable(member) or isinstance(member, (property, classmethod, staticmethod)):
            function = getattr(member, "__func__", member)
            signature = "" if isinstance(member, property) else _signature(function)
            lines.append(f"    {_kind(member)} {attribute}{signature}")
        else:
            lines.append(f"    {attribute} = {member!r}")
    return lines


def snapshot() -> str:
    """The whole public API as text."""
    import importlib

    lines: list[str] = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        names = sorted(getattr(module, "__all__", []))
        lines.append(f"# module {module_name}")
        lines.append(f"__all__ = {names}")
        for name in names:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                lines.extend(describe_class(name, obj))
            elif callable(obj):
                lines.append(f"{_kind(obj)} {name}{_signature(obj)}")
            elif not name.startswith("__"):
                lines.append(f"{name}: {type(obj).__name__}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = snapshot()
    if "--update" in argv:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text)
        print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
