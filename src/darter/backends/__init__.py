"""Concurrency backends, chosen with ``backend=`` on a client or transport.

``Client(backend="sync")`` (the default) uses blocking sockets.
``AsyncClient(backend=...)`` takes ``"auto"`` (the library running the client),
``"asyncio"`` (also on uvloop), ``"trio"``, ``"anyio"``, or a backend instance.
``get_backend`` turns a name into a backend, with errors that say what to do.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from .._exceptions import BackendError
from .base import AsyncBackend, AsyncNetworkStream, NetworkStream, SyncBackend

__all__ = [
    "ASYNC_BACKEND_NAMES",
    "AsyncBackend",
    "check_backend_name",
    "AsyncNetworkStream",
    "NetworkStream",
    "SyncBackend",
    "get_backend",
    "get_sync_backend",
]

#: ``backend=`` values an ``AsyncClient`` accepts, besides a backend instance.
ASYNC_BACKEND_NAMES = ("auto", "asyncio", "trio", "anyio")

# name -> (module, class, the library it needs, the extra that installs it)
_ASYNC_BACKENDS: dict[str, tuple[str, str, str, str | None]] = {
    "asyncio": ("darter.backends.asyncio", "AsyncioBackend", "asyncio", None),
    "trio": ("darter.backends.trio", "TrioBackend", "trio", "trio"),
    "anyio": ("darter.backends.anyio", "AnyioBackend", "anyio", "anyio"),
}

_SYNC_BACKEND: SyncBackend | None = None


def get_sync_backend(backend: str | SyncBackend = "sync") -> SyncBackend:
    """The backend for ``Client``: ``"sync"`` or a ``SyncBackend`` instance.

    Raises ``BackendError`` for anything else, saying which values are valid.
    """
    global _SYNC_BACKEND
    if isinstance(backend, SyncBackend):
        return backend
    if backend == "sync":
        if _SYNC_BACKEND is None:
            from .sync import SyncStandardBackend

            _SYNC_BACKEND = SyncStandardBackend()
        return _SYNC_BACKEND
    if isinstance(backend, AsyncBackend) or backend in ASYNC_BACKEND_NAMES:
        raise BackendError(
            f"backend={_show(backend)} is an async backend, but Client is synchronous: use "
            f"darter.AsyncClient(backend={_show(backend)}), or Client(backend='sync')."
        )
    raise BackendError(
        f"Unknown backend {_show(backend)} for Client: use 'sync' or a SyncBackend instance."
    )


def get_backend(backend: str | AsyncBackend = "auto") -> AsyncBackend:
    """The backend for ``AsyncClient``, from a name or an instance.

    ``"auto"`` detects the library running the current task, so it must be called
    from async code. Raises ``BackendError`` for an unknown name (listing the valid
    ones), a backend whose library is not installed (naming the extra to install),
    or a backend named for a library other than the one running.
    """
    if isinstance(backend, AsyncBackend):
        return backend
    if isinstance(backend, SyncBackend) or backend == "sync":
        raise BackendError(
            f"backend={_show(backend)} is the synchronous backend: use it with darter.Client; "
            f"AsyncClient takes one of {', '.join(map(repr, ASYNC_BACKEND_NAMES))}."
        )
    if backend not in ASYNC_BACKEND_NAMES:
        raise BackendError(
            f"Unknown backend {_show(backend)}: choose one of "
            f"{', '.join(map(repr, ASYNC_BACKEND_NAMES))}, or pass a backend instance."
        )
    running = running_library()
    if backend == "auto":
        if running is None:
            raise BackendError(
                "backend='auto' found no running async library: use the AsyncClient "
                "inside asyncio.run(), trio.run() or anyio.run()."
            )
        backend = "trio" if running == "trio" else "asyncio"
    elif backend != "anyio" and running is not None and running != backend:
        raise BackendError(
            f"backend={backend!r} was chosen, but the code is running under {running}: "
            f"use backend={running!r} or backend='auto' (or 'anyio', which runs on both)."
        )
    return _load(backend)


def check_backend_name(backend: str | AsyncBackend) -> None:
    """Reject a bad ``backend=`` value at once, before any library check.

    The choice between libraries waits for first use, when the running one can be
    seen; a name that can never work fails here, where the user wrote it.
    """
    if not isinstance(backend, AsyncBackend) and backend not in ASYNC_BACKEND_NAMES:
        get_backend(backend)


def running_library() -> str | None:
    """``"asyncio"`` or ``"trio"``: the async library running the current task, if any."""
    sniffio = sys.modules.get("sniffio")
    if sniffio is not None:
        try:
            name: str = sniffio.current_async_library()
            return name
        except sniffio.AsyncLibraryNotFoundError:
            pass
    trio: Any = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_task()
            return "trio"
        except RuntimeError:
            pass
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    return "asyncio"


def _load(name: str) -> AsyncBackend:
    module_name, class_name, library, extra = _ASYNC_BACKENDS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f" Install it with: pip install 'darter[{extra}]'" if extra else ""
        raise BackendError(
            f"backend={name!r} needs the {library!r} package, which is not installed.{hint}"
        ) from exc
    backend: AsyncBackend = getattr(module, class_name)()
    return backend


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else type(value).__name__
