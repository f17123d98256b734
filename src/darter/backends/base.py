"""The two small seams every concurrency backend implements: a stream and a backend.

A *stream* is one connected byte pipe (TCP, Unix socket, TLS on top of either).
A *backend* opens streams and supplies the few concurrency primitives the
connection pool needs (a clock, sleep, a lock, an event). Everything above this
seam — HTTP framing, pooling, redirects — is shared, I/O-free code; everything
below it is written for one library (blocking sockets, asyncio, trio, anyio).

Contract, for every implementation (``darter.backends.testing`` checks it):

- ``read(max_bytes, timeout)`` returns at most ``max_bytes`` bytes as soon as some
  are available, and ``b""`` once the peer has closed its side.
- ``write(data, timeout)`` returns once all of ``data`` is handed to the OS.
- ``timeout`` is in seconds; ``None`` waits for ever. A timeout raises
  ``ReadTimeout`` / ``WriteTimeout`` / ``ConnectTimeout``; an OS error raises
  ``ReadError`` / ``WriteError`` / ``ConnectError``. No other exception escapes,
  except cancellation of the surrounding task.
- ``close()`` / ``aclose()`` never raise and may be called more than once.
"""

from __future__ import annotations

import select
import ssl
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeVar

from .._types import SocketOption

T = TypeVar("T")

__all__ = [
    "AsyncBackend",
    "socket_is_readable",
    "AsyncEvent",
    "AsyncNetworkStream",
    "NetworkStream",
    "SyncBackend",
    "SyncEvent",
]


class NetworkStream(ABC):
    """A connected byte stream used from blocking code."""

    __slots__ = ()

    #: Whether ``peer_closed`` reflects incoming data and EOF without a system call
    #: (the stream learns of them by callback). When False, callers that must know
    #: whether an idle connection is clean use ``is_readable()``.
    reports_readiness = False

    @abstractmethod
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` bytes; ``b""`` at EOF. Raises ``ReadTimeout``, ``ReadError``."""

    @abstractmethod
    def write(self, data: bytes, timeout: float | None = None) -> None:
        """Send all of ``data``. Raises ``WriteTimeout``, ``WriteError``."""

    @abstractmethod
    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> NetworkStream:
        """Wrap the stream in TLS and return the TLS stream.

        ``session``, when given, is a TLS session made with the same ``ssl_context``
        (from ``get_extra_info("ssl_session")`` of an earlier stream to the same
        server) to offer for resumption, which spares the full handshake when the
        server accepts it; a stream that cannot offer one ignores it.

        Raises ``ConnectTimeout``, or ``ConnectError`` (with ``phase == "tls"``) when
        the handshake or certificate verification fails.
        """

    @abstractmethod
    def close(self) -> None:
        """Close the stream. Never raises; closing twice is allowed."""

    @property
    def alpn_protocol(self) -> str | None:
        """The protocol chosen by ALPN during the TLS handshake (``"h2"``...), if any."""
        return None

    @property
    def peer_closed(self) -> bool:
        """True when the stream *knows*, without a system call, that it is unusable.

        Backends that learn of EOF by callback (asyncio) report it here; others
        return False and callers use ``is_readable()`` where a check is worth a
        system call.
        """
        return False

    def is_readable(self) -> bool:
        """True if data or EOF is waiting: an idle connection in that state is not clean."""
        return self.peer_closed

    def get_extra_info(self, info: str) -> Any:
        """httpx-style details: ``"ssl_object"``, ``"client_addr"``, ``"server_addr"``,
        ``"socket"``, ``"is_readable"``, and ``"ssl_session"`` (the TLS session to
        resume on a new connection, also once this one is closed, where supported);
        ``None`` for what is unknown."""
        return None


class SyncEvent(ABC):
    """A one-shot flag a thread can wait on."""

    __slots__ = ()

    @abstractmethod
    def set(self) -> None:
        """Wake every waiter."""

    @abstractmethod
    def wait(self, timeout: float | None = None) -> bool:
        """Wait until set; True if it was set, False if ``timeout`` elapsed."""


class SyncBackend(ABC):
    """Opens streams and supplies primitives for blocking code."""

    #: The value of ``backend=`` that selects this backend.
    name: str = ""

    @abstractmethod
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> NetworkStream:
        """Open a TCP connection. Raises ``ConnectTimeout``, ``ConnectError``."""

    @abstractmethod
    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> NetworkStream:
        """Open a Unix domain socket connection. Raises ``ConnectTimeout``, ``ConnectError``."""

    @abstractmethod
    def resolve(self, host: str, port: int) -> str:
        """The first address ``host`` resolves to (for SOCKS5 with local DNS).

        Raises ``ConnectError`` when it does not resolve.
        """

    @abstractmethod
    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""

    @abstractmethod
    def clock(self) -> float:
        """A monotonic clock, in seconds."""

    @abstractmethod
    def create_lock(self) -> AbstractContextManager[Any]:
        """A mutual-exclusion lock usable in a ``with`` block."""

    @abstractmethod
    def create_event(self) -> SyncEvent:
        """A new, unset event."""

    def run_shielded(self, function: Callable[..., T], *args: Any) -> T:
        """Run cleanup that must finish; nothing cancels blocking code, so just call it."""
        return function(*args)


class AsyncNetworkStream(ABC):
    """A connected byte stream used from async code."""

    __slots__ = ()

    #: Whether ``peer_closed`` reflects incoming data and EOF without a system call
    #: (the stream learns of them by callback). When False, callers that must know
    #: whether an idle connection is clean use ``is_readable()``.
    reports_readiness = False

    @abstractmethod
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` bytes; ``b""`` at EOF. Raises ``ReadTimeout``, ``ReadError``."""

    @abstractmethod
    async def write(self, data: bytes, timeout: float | None = None) -> None:
        """Send all of ``data``. Raises ``WriteTimeout``, ``WriteError``."""

    @abstractmethod
    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> AsyncNetworkStream:
        """Wrap the stream in TLS and return the TLS stream; ``session`` as for
        ``NetworkStream.start_tls``.

        Raises ``ConnectTimeout``, or ``ConnectError`` (with ``phase == "tls"``) when
        the handshake or certificate verification fails.
        """

    @abstractmethod
    async def aclose(self) -> None:
        """Close the stream. Never raises; closing twice is allowed."""

    @property
    def alpn_protocol(self) -> str | None:
        """The protocol chosen by ALPN during the TLS handshake (``"h2"``...), if any."""
        return None

    @property
    def peer_closed(self) -> bool:
        """True when the stream *knows*, without a system call, that it is unusable."""
        return False

    def is_readable(self) -> bool:
        """True if data or EOF is waiting: an idle connection in that state is not clean."""
        return self.peer_closed

    def get_extra_info(self, info: str) -> Any:
        """httpx-style details: ``"ssl_object"``, ``"client_addr"``, ``"server_addr"``,
        ``"socket"``, ``"is_readable"``; ``None`` for what is unknown."""
        return None


class AsyncEvent(ABC):
    """A one-shot flag a task can wait on."""

    __slots__ = ()

    @abstractmethod
    def set(self) -> None:
        """Wake every waiter."""

    @abstractmethod
    async def wait(self, timeout: float | None = None) -> bool:
        """Wait until set; True if it was set, False if ``timeout`` elapsed."""


class AsyncBackend(ABC):
    """Opens streams and supplies primitives for one async library."""

    #: The value of ``backend=`` that selects this backend.
    name: str = ""

    @abstractmethod
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        """Open a TCP connection. Raises ``ConnectTimeout``, ``ConnectError``."""

    @abstractmethod
    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        """Open a Unix domain socket connection. Raises ``ConnectTimeout``, ``ConnectError``."""

    @abstractmethod
    async def resolve(self, host: str, port: int) -> str:
        """The first address ``host`` resolves to (for SOCKS5 with local DNS).

        Raises ``ConnectError`` when it does not resolve.
        """

    @abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Suspend the task for ``seconds``."""

    @abstractmethod
    def clock(self) -> float:
        """The library's monotonic clock, in seconds."""

    @abstractmethod
    def create_lock(self) -> AbstractAsyncContextManager[Any]:
        """A task lock usable in an ``async with`` block."""

    @abstractmethod
    def create_event(self) -> AsyncEvent:
        """A new, unset event."""

    @abstractmethod
    async def run_shielded(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run cleanup that must finish even if the calling task is being cancelled.

        The cancellation is delivered once the cleanup is done.
        """


def socket_is_readable(sock: Any) -> bool:
    """Whether data or EOF waits on ``sock`` (an object with ``fileno()``): one ``poll()``.

    True as well when the socket can no longer be polled (it was closed under us).
    """
    try:
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
