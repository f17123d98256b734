"""Choosing a backend: names, instances, auto-detection, and errors that say what to do."""

from __future__ import annotations

import sys

import pytest

import darter
from darter.backends import get_backend, get_sync_backend, running_library
from darter.backends.asyncio import AsyncioBackend
from darter.backends.sync import SyncStandardBackend


def test_sync_backend_by_name_and_instance() -> None:
    assert isinstance(get_sync_backend("sync"), SyncStandardBackend)
    assert get_sync_backend("sync") is get_sync_backend()  # shared: it holds no state
    mine = SyncStandardBackend()
    assert get_sync_backend(mine) is mine


@pytest.mark.parametrize("name", ["asyncio", "trio", "auto", "anyio"])
def test_async_names_on_the_sync_client(name: str) -> None:
    with pytest.raises(darter.BackendError, match="AsyncClient"):
        darter.Client(backend=name)


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(darter.BackendError, match="'auto', 'asyncio', 'trio', 'anyio'"):
        darter.AsyncClient(backend="gevent")
    with pytest.raises(darter.BackendError, match="'sync'"):
        darter.Client(backend="gevent")


def test_sync_backend_on_the_async_client() -> None:
    with pytest.raises(darter.BackendError, match=r"darter\.Client"):
        get_backend("sync")
    with pytest.raises(darter.BackendError, match=r"darter\.Client"):
        get_backend(SyncStandardBackend())  # type: ignore[arg-type]


def test_async_backend_instance_on_the_sync_client() -> None:
    with pytest.raises(darter.BackendError, match="AsyncClient"):
        get_sync_backend(AsyncioBackend())  # type: ignore[arg-type]


def test_backend_with_a_transport_is_explained() -> None:
    transport = darter.MockTransport(lambda request: darter.Response(200))
    with pytest.raises(darter.BackendError, match="transport"):
        darter.AsyncClient(transport=transport, backend="trio")
    with pytest.raises(darter.BackendError, match="transport"):
        darter.Client(transport=transport, backend=SyncStandardBackend())


def test_auto_outside_async_code() -> None:
    assert running_library() is None
    with pytest.raises(darter.BackendError, match=r"asyncio\.run\(\)"):
        get_backend("auto")


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trio", None)  # makes "import trio" fail
    monkeypatch.delitem(sys.modules, "darter.backends.trio", raising=False)
    with pytest.raises(darter.BackendError, match=r"pip install 'darter\[trio\]'"):
        get_backend("trio")


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_auto_detects_the_running_library(anyio_backend: str) -> None:
    assert running_library() == anyio_backend
    assert get_backend("auto").name == anyio_backend
    assert get_backend("anyio").name == "anyio"  # anyio runs on both


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wrong_library_names_both_and_the_fix(anyio_backend: str) -> None:
    with pytest.raises(darter.BackendError) as info:
        get_backend("trio")
    message = str(info.value)
    assert "trio" in message and "asyncio" in message and "backend='auto'" in message


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_client_resolves_auto_once(anyio_backend: str) -> None:
    transport = darter.AsyncHTTPTransport()
    first = transport._get_backend()
    assert first.name == "trio"
    assert transport._get_backend() is first
    await transport.aclose()


def test_only_the_backends_touch_sockets_and_event_loops() -> None:
    """Principle 2 of the house plan: I/O libraries are imported in backends/ only.

    The command line (``_cli``) is an application on top of the library: it runs
    the async client on a loop and serves the demo, so it is outside the rule.
    """
    import ast
    from pathlib import Path

    package = Path(darter.__file__).parent
    forbidden = {"socket", "selectors", "asyncio", "trio", "anyio", "select"}
    offenders = []
    for path in package.rglob("*.py"):
        if path.relative_to(package).parts[0] in ("backends", "_cli"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module.split(".")[0]]
            offenders += [f"{path.name}: {name}" for name in names if name in forbidden]
    assert offenders == []


def test_darter_imports_without_optional_packages() -> None:
    """h2, brotli, zstandard, trio, anyio and the CLI's packages are extras."""
    import subprocess
    import sys

    blocked = ["h2", "hpack", "brotli", "zstandard", "trio", "anyio", "click", "rich", "socksio"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "import darter\n"
        "with darter.Client() as client: pass\n"
        f"print(sorted(name for name in {blocked!r} if sys.modules.get(name)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
