"""What a client adapter is and what it returns: specs and open sessions.

Kept apart from the adapters themselves (``sync_clients``, ``async_clients``) so that
both tables share one definition, and free of third-party imports so that a runner
process loads only the client it measures.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import ssl

OpenT = TypeVar("OpenT")
NewOpenT = TypeVar("NewOpenT")

# The event loops a client can run on; "sync" is no loop at all.
LOOPS = ("sync", "asyncio", "uvloop", "trio")


class BadResponse(RuntimeError):
    """A response with an unexpected status or body: the measurement is invalid."""


def check_status(status: int, name: str, expected: int = 200) -> None:
    """Raise ``BadResponse`` unless ``status`` is ``expected`` (200 by default)."""
    if status != expected:
        raise BadResponse(f"{name}: status {status}, expected {expected}")


class WrongLibrary(RuntimeError):
    """The module imported under a peer's name is not the library that peer measures."""


URLLIB3_FIX = (
    "python -m pip uninstall -y urllib3-future urllib3 && URLLIB3_NO_OVERRIDE=1 "
    "python -m pip install --no-cache-dir -r requirements-bench.txt"
)


def shadowed_urllib3() -> str | None:
    """Why ``import urllib3`` is not urllib3 itself at its installed version, or None.

    urllib3-future (which niquests needs) can put a copy of itself in the ``urllib3``
    folder (and copy it back at every start of Python, from a ``.pth`` file), so the
    urllib3 and requests peers would measure the fork. Its wheel does that unless it
    is built with ``URLLIB3_NO_OVERRIDE`` set (``requirements-bench.txt`` asks for the
    source, scripts/test sets the variable). The copy reports the fork's version
    while the installed distribution's metadata still says urllib3's.
    """
    from importlib import metadata

    try:
        installed = metadata.version("urllib3")
    except metadata.PackageNotFoundError:
        installed = None
    try:
        import urllib3
    except ImportError:
        return None
    imported = getattr(urllib3, "__version__", "unknown")
    if installed == imported:
        return None
    return (
        f"'import urllib3' gives version {imported} ({urllib3.__file__}), not the installed "
        f"urllib3 {installed}: urllib3-future has replaced it. Fix: {URLLIB3_FIX}"
    )


def check_real_urllib3() -> None:
    """Raise ``WrongLibrary`` when urllib3 is shadowed (see ``shadowed_urllib3``)."""
    problem = shadowed_urllib3()
    if problem is not None:
        raise WrongLibrary(problem)


# What a fetch returns: the body, or (for the transfers, which drop the body as it
# arrives or send one) the number of body bytes moved.
Body = bytes | int


def body_size(body: Body) -> int:
    """The size of what a fetch returned: a body's length, or the count itself."""
    return body if type(body) is int else len(body)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SyncSession:
    """An open sync client: ``fetch()`` does one request and returns the full body.

    (Or, for a transfer, the number of body bytes it read or sent.)
    """

    fetch: Callable[[], Body]
    close: Callable[[], None]


@dataclass(frozen=True)
class AsyncSession:
    """An open async client: ``await fetch()`` does one request and returns the body.

    ``fetch`` may be awaited by many tasks at once; they all share the one client.
    """

    fetch: Callable[[], Awaitable[Body]]
    close: Callable[[], Awaitable[None]]


#: The header that makes the server close the connection after its response.
CLOSE_HEADERS = {"Connection": "close"}


def ssl_context(ca_file: str) -> ssl.SSLContext:
    """A client context trusting only the benchmark's CA (and checking the host).

    Made once per client, so that no client pays for loading the CA per connection.
    """
    import ssl

    return ssl.create_default_context(cafile=ca_file)


@dataclass(frozen=True)
class SyncOptions:
    """How a sync adapter sets its client up, beyond the library's defaults.

    ``pool_size``: the keep-alive connections its pool holds (None: the library's
    default); ``close_connections``: every request says ``Connection: close``
    (``CLOSE_HEADERS``, set once on the client), so the server closes each connection
    after its response and the next request opens a new one; ``ca_file``: the CA
    certificate to trust for an ``https`` URL, as an ``ssl_context`` made when the
    client is opened.
    """

    pool_size: int | None = None
    close_connections: bool = False
    ca_file: str | None = None


#: The library's default client.
DEFAULT_SYNC_OPTIONS = SyncOptions()

# Sync adapters take the URL; async ones the URL and the pool size, and are awaited
# inside the event loop that will drive them (some clients bind to it when created).
SyncOpener = Callable[[str], SyncSession]
# The sync adapters that set their client up take ``SyncOptions`` as well.
ConfiguredSyncOpener = Callable[[str, SyncOptions], SyncSession]
AsyncOpener = Callable[[str, int], Awaitable[AsyncSession]]
# The transfers' adapters also take the size of the body to move (an upload's).
SyncTransferOpener = Callable[[str, int], SyncSession]
AsyncTransferOpener = Callable[[str, int, int], Awaitable[AsyncSession]]
# The HTTP/2 adapters also take the CA certificate file the client trusts.
Http2Opener = Callable[[str, int, str], Awaitable[AsyncSession]]


@dataclass(frozen=True)
class ClientSpec(Generic[OpenT]):
    """A measurable client: how to import, name, install, open and run it.

    ``module`` and ``distribution`` are the client library's; ``requires`` lists the
    other modules (and pip distributions of the same name) the adapter needs, such
    as an event loop. ``loop`` is one of ``LOOPS``: what drives the client.
    """

    name: str
    module: str
    distribution: str
    api: str
    open: OpenT
    loop: str = "sync"
    requires: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """The distributions of the modules this adapter needs that cannot be imported."""
        needed = [(self.module, self.distribution)] + [(name, name) for name in self.requires]
        return [dist for module, dist in needed if importlib.util.find_spec(module) is None]

    def with_opener(self, opener: NewOpenT) -> ClientSpec[NewOpenT]:
        """The same client opened another way (the library set up differently)."""
        return ClientSpec(
            self.name,
            self.module,
            self.distribution,
            self.api,
            opener,
            self.loop,
            self.requires,
        )

    def install_hint(self) -> str:
        """The command that installs what this adapter needs (all of it when present)."""
        missing = self.missing() or [self.distribution, *self.requires]
        return f"python -m pip install {' '.join(missing)}"


#: darter's async variants: name, ``backend=`` argument, the loop that drives it, and
#: the modules it needs beyond darter.
DARTER_ASYNC_VARIANTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("darter-asyncio", "asyncio", "asyncio", ()),
    ("darter-uvloop", "asyncio", "uvloop", ("uvloop",)),
    ("darter-trio", "trio", "trio", ("trio",)),
    ("darter-anyio", "anyio", "asyncio", ("anyio",)),
)


def darter_async_specs(
    api: str, opener_for: Callable[[str, str], OpenT], requires: tuple[str, ...] = ()
) -> list[ClientSpec[OpenT]]:
    """One spec per darter async variant, in ``DARTER_ASYNC_VARIANTS`` order.

    ``api`` is formatted with the backend name; ``opener_for(backend, name)`` gives
    the variant's opener; ``requires`` are modules every variant needs (``h2``).
    """
    return [
        ClientSpec(
            name,
            "darter",
            "darter",
            api.format(backend),
            opener_for(backend, name),
            loop=loop,
            requires=requires + extra,
        )
        for name, backend, loop, extra in DARTER_ASYNC_VARIANTS
    ]
