"""A conformance suite for backends: one contract, checked the same way for each.

Every check is an async function taking the backend under test and a ``Peers``
object (scripted loopback servers in threads). A sync backend is checked through
``as_async``, which runs its blocking calls from async code, so the sync backend
is held to the very same checks (less cancellation, which blocking code has not).

Use it to test a backend of your own::

    from darter.backends import testing

    async def test_my_backend():
        with testing.Peers() as peers:
            for check in testing.ASYNC_CHECKS:
                await check(MyBackend(), peers)

The TLS check needs contexts: ``Peers(server_ssl_context=..., client_ssl_context=...)``.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteTimeout,
)
from .._types import SocketOption
from .base import AsyncBackend, AsyncEvent, AsyncNetworkStream, NetworkStream, SyncBackend

__all__ = [
    "ASYNC_CHECKS",
    "CANCELLATION_CHECKS",
    "Peers",
    "as_async",
]

T = TypeVar("T")

#: Seconds any peer socket operation may block; every check is bounded by it.
PEER_TIMEOUT = 10.0


class Peers:
    """Loopback servers with scripted behaviour, each on its own free port.

    ``echo``: sends back what it receives; ``greet``: sends ``b"hello"`` then
    closes; ``reset``: sends ``b"bye"`` then resets the connection; ``silent``:
    accepts and never sends or reads; ``tls``: a TLS echo server choosing ``h2``
    or ``http/1.1`` by ALPN (when ``server_ssl_context`` is given); ``unix``: an
    echo server on a Unix socket; ``closed_port``: a port with nothing listening.
    """

    def __init__(
        self,
        server_ssl_context: ssl.SSLContext | None = None,
        client_ssl_context: ssl.SSLContext | None = None,
        unix_path: str | None = None,
    ) -> None:
        self.client_ssl_context = client_ssl_context
        self._server_ssl_context = server_ssl_context
        self._unix_path = unix_path
        self._listeners: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._stopping = threading.Event()
        self.echo = self.greet = self.reset = self.silent = self.tls = 0
        self.unix = ""
        self.closed_port = 0

    def __enter__(self) -> Peers:
        self.echo = self._serve(self._echo)
        self.greet = self._serve(self._greet)
        self.reset = self._serve(self._reset)
        self.silent = self._serve(self._silent)
        if self._server_ssl_context is not None:
            self.tls = self._serve(self._tls_echo)
        if self._unix_path is not None:
            self.unix = self._unix_path
            self._serve(self._echo, family=socket.AF_UNIX)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.closed_port = probe.getsockname()[1]
        probe.close()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        for sock in self._listeners + self._connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=PEER_TIMEOUT)

    def _serve(
        self, handler: Callable[[socket.socket], None], family: int = socket.AF_INET
    ) -> int:
        listener = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_UNIX:
            assert self._unix_path is not None
            listener.bind(self._unix_path)
            port = 0
        else:
            listener.bind(("127.0.0.1", 0))
            port = listener.getsockname()[1]
        listener.listen(16)
        self._listeners.append(listener)
        self._start(self._accept_loop, listener, handler)
        return port

    def _start(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(
        self, listener: socket.socket, handler: Callable[[socket.socket], None]
    ) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.settimeout(PEER_TIMEOUT)
            self._connections.append(conn)
            self._start(self._run, handler, conn)

    def _run(self, handler: Callable[[socket.socket], None], conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            handler(conn)
        conn.close()

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        while data := conn.recv(65536):
            conn.sendall(data)

    @staticmethod
    def _greet(conn: socket.socket) -> None:
        conn.sendall(b"hello")

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        conn.sendall(b"bye")
        time.sleep(0.05)
        # A zero linger time turns close() into a reset (RST).
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    def _silent(self, conn: socket.socket) -> None:
        self._stopping.wait(PEER_TIMEOUT)

    def _tls_echo(self, conn: socket.socket) -> None:
        assert self._server_ssl_context is not None
        with self._server_ssl_context.wrap_socket(conn, server_side=True) as tls:
            self._connections.append(tls)
            tls.sendall((tls.selected_alpn_protocol() or "none").encode() + b"\n")
            self._echo(tls)


# Checks. Each raises AssertionError, naming what the backend did wrong.


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


async def _read_exactly(stream: AsyncNetworkStream, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = await stream.read(size - len(data), timeout=PEER_TIMEOUT)
        _expect(chunk != b"", f"EOF after {len(data)} of {size} bytes")
        data += chunk
    return data


async def check_round_trip_and_partial_reads(backend: AsyncBackend, peers: Peers) -> None:
    """Data written comes back; ``read(n)`` never returns more than ``n`` bytes."""
    stream = await backend.connect_tcp("127.0.0.1", peers.echo, timeout=PEER_TIMEOUT)
    try:
        await stream.write(b"0123456789", timeout=PEER_TIMEOUT)
        first = await stream.read(4, timeout=PEER_TIMEOUT)
        _expect(0 < len(first) <= 4, f"read(4) returned {len(first)} bytes")
        rest = await _read_exactly(stream, 10 - len(first))
        _expect(first + rest == b"0123456789", f"echo came back as {first + rest!r}")
        big = bytes(range(256)) * 4096
        await stream.write(big, timeout=PEER_TIMEOUT)
        _expect(await _read_exactly(stream, len(big)) == big, "a 1 MiB echo came back altered")
    finally:
        await stream.aclose()


async def check_eof(backend: AsyncBackend, peers: Peers) -> None:
    """After the peer closes, ``read`` returns ``b""`` (again and again)."""
    stream = await backend.connect_tcp("127.0.0.1", peers.greet, timeout=PEER_TIMEOUT)
    try:
        _expect(await _read_exactly(stream, 5) == b"hello", "wrong greeting")
        _expect(await stream.read(100, timeout=PEER_TIMEOUT) == b"", "no EOF after close")
        _expect(await stream.read(100, timeout=PEER_TIMEOUT) == b"", "EOF not sticky")
        _expect(stream.is_readable(), "is_readable() is False at EOF")
    finally:
        await stream.aclose()


async def check_peer_reset(backend: AsyncBackend, peers: Peers) -> None:
    """A reset by the peer raises ``ReadError`` (or ends as EOF), never anything else."""
    stream = await backend.connect_tcp("127.0.0.1", peers.reset, timeout=PEER_TIMEOUT)
    try:
        received = b""
        with contextlib.suppress(ReadError):
            while chunk := await stream.read(100, timeout=PEER_TIMEOUT):
                received += chunk
        _expect(received in (b"", b"b", b"by", b"bye"), f"unexpected data {received!r}")
    finally:
        await stream.aclose()


async def check_read_timeout(backend: AsyncBackend, peers: Peers) -> None:
    """A read with nothing to read raises ``ReadTimeout`` once its timeout elapses."""
    stream = await backend.connect_tcp("127.0.0.1", peers.silent, timeout=PEER_TIMEOUT)
    try:
        started = time.monotonic()
        try:
            await stream.read(100, timeout=0.1)
        except ReadTimeout:
            pass
        else:
            raise AssertionError("read() on a silent peer did not time out")
        elapsed = time.monotonic() - started
        _expect(0.05 <= elapsed < 5, f"the read timeout fired after {elapsed:.2f} s")
    finally:
        await stream.aclose()


async def check_write_timeout(backend: AsyncBackend, peers: Peers) -> None:
    """Writing to a peer that never reads raises ``WriteTimeout`` once buffers are full."""
    stream = await backend.connect_tcp("127.0.0.1", peers.silent, timeout=PEER_TIMEOUT)
    try:
        chunk = b"x" * (1 << 20)
        for _ in range(256):  # far more than any socket buffer holds
            try:
                await stream.write(chunk, timeout=0.2)
            except WriteTimeout:
                return
        raise AssertionError("256 MiB were written to a peer that never reads")
    finally:
        await stream.aclose()


async def check_connect_errors(backend: AsyncBackend, peers: Peers) -> None:
    """A refused connection raises ``ConnectError``; a stalled one ``ConnectTimeout``."""
    try:
        stream = await backend.connect_tcp("127.0.0.1", peers.closed_port, timeout=PEER_TIMEOUT)
    except ConnectError:
        pass
    else:
        await stream.aclose()
        raise AssertionError("connecting to a closed port succeeded")
    with _full_listener() as port:
        try:
            stream = await backend.connect_tcp("127.0.0.1", port, timeout=0.2)
        except ConnectTimeout:
            return
        await stream.aclose()
        raise AssertionError("connecting to a listener with a full queue did not time out")


async def check_tls_with_alpn(backend: AsyncBackend, peers: Peers) -> None:
    """``start_tls`` negotiates ALPN and verifies the certificate; a bad one is refused."""
    context = peers.client_ssl_context
    _expect(context is not None and peers.tls != 0, "Peers needs TLS contexts for this check")
    assert context is not None
    context.set_alpn_protocols(["h2", "http/1.1"])
    stream = await backend.connect_tcp("127.0.0.1", peers.tls, timeout=PEER_TIMEOUT)
    try:
        stream = await stream.start_tls(context, "localhost", timeout=PEER_TIMEOUT)
        _expect(stream.alpn_protocol == "h2", f"ALPN chose {stream.alpn_protocol!r}")
        _expect(await _read_exactly(stream, 3) == b"h2\n", "the server saw another protocol")
        await stream.write(b"ping", timeout=PEER_TIMEOUT)
        _expect(await _read_exactly(stream, 4) == b"ping", "TLS echo came back altered")
        _expect(stream.get_extra_info("ssl_object") is not None, "no ssl_object")
    finally:
        await stream.aclose()

    untrusting = ssl.create_default_context()
    stream = await backend.connect_tcp("127.0.0.1", peers.tls, timeout=PEER_TIMEOUT)
    try:
        await stream.start_tls(untrusting, "localhost", timeout=PEER_TIMEOUT)
    except ConnectError as exc:
        _expect(exc.phase == "tls", f"a TLS failure reported phase {exc.phase!r}")
    else:
        raise AssertionError("an untrusted certificate was accepted")
    finally:
        await stream.aclose()


async def check_unix_socket(backend: AsyncBackend, peers: Peers) -> None:
    """``connect_unix_socket`` reaches a Unix socket server."""
    _expect(bool(peers.unix), "Peers needs a unix_path for this check")
    stream = await backend.connect_unix_socket(peers.unix, timeout=PEER_TIMEOUT)
    try:
        await stream.write(b"unix", timeout=PEER_TIMEOUT)
        _expect(await _read_exactly(stream, 4) == b"unix", "unix echo came back altered")
    finally:
        await stream.aclose()


async def check_socket_options_and_addresses(backend: AsyncBackend, peers: Peers) -> None:
    """Socket options are applied; addresses are reported."""
    options: list[SocketOption] = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    stream = await backend.connect_tcp(
        "127.0.0.1", peers.echo, timeout=PEER_TIMEOUT, socket_options=options
    )
    try:
        sock = stream.get_extra_info("socket")
        _expect(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0, "option not set")
        _expect(stream.get_extra_info("server_addr")[1] == peers.echo, "wrong server_addr")
        _expect(stream.get_extra_info("client_addr")[0] == "127.0.0.1", "wrong client_addr")
        _expect(not stream.is_readable(), "an idle connection reports data waiting")
    finally:
        await stream.aclose()
        await stream.aclose()  # closing twice is allowed


async def check_primitives(backend: AsyncBackend, peers: Peers) -> None:
    """Clock, sleep, events (with and without timeouts) and locks behave."""
    before = backend.clock()
    await backend.sleep(0.01)
    _expect(backend.clock() - before >= 0.005, "sleep() or clock() is wrong")
    event: AsyncEvent = backend.create_event()
    _expect(not await event.wait(0.01), "an unset event reported set")
    event.set()
    _expect(await event.wait(0.01), "a set event reported unset")
    async with backend.create_lock():
        pass


async def check_cancellation_mid_read(backend: AsyncBackend, peers: Peers) -> None:
    """A read cancelled by its task leaves the stream usable, then closable."""
    stream = await backend.connect_tcp("127.0.0.1", peers.echo, timeout=PEER_TIMEOUT)
    try:
        finished = await _run_with_cancellation(stream.read(100, timeout=PEER_TIMEOUT), 0.05)
        _expect(not finished, "a read with nothing to read finished")
        await stream.write(b"after", timeout=PEER_TIMEOUT)
        _expect(await _read_exactly(stream, 5) == b"after", "the stream broke on cancellation")
    finally:
        await stream.aclose()


async def _run_with_cancellation(awaitable: Awaitable[Any], seconds: float) -> bool:
    """Run ``awaitable``, cancelling it after ``seconds``; True if it finished first."""
    from . import running_library

    if running_library() == "trio":
        import trio

        with trio.move_on_after(seconds):
            await awaitable
            return True
        return False
    import asyncio

    try:
        await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        return False
    return True


ASYNC_CHECKS: list[Callable[[AsyncBackend, Peers], Awaitable[None]]] = [
    check_round_trip_and_partial_reads,
    check_eof,
    check_peer_reset,
    check_read_timeout,
    check_write_timeout,
    check_connect_errors,
    check_tls_with_alpn,
    check_unix_socket,
    check_socket_options_and_addresses,
    check_primitives,
]

#: Checks that only async backends can pass: nothing cancels blocking code.
CANCELLATION_CHECKS: list[Callable[[AsyncBackend, Peers], Awaitable[None]]] = [
    check_cancellation_mid_read,
]


@contextlib.contextmanager
def _full_listener() -> Iterator[int]:
    """A listener that never accepts, its queue filled: new connects get no answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


# The sync backend, seen through the async seam.


class _SyncStreamAsAsync(AsyncNetworkStream):
    __slots__ = ("_stream",)

    def __init__(self, stream: NetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, timeout)

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        self._stream.write(data, timeout)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> AsyncNetworkStream:
        return _SyncStreamAsAsync(
            self._stream.start_tls(ssl_context, server_hostname, timeout, session)
        )

    async def aclose(self) -> None:
        self._stream.close()

    @property
    def alpn_protocol(self) -> str | None:
        return self._stream.alpn_protocol

    def is_readable(self) -> bool:
        return self._stream.is_readable()

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _SyncEventAsAsync(AsyncEvent):
    __slots__ = ("_event",)

    def __init__(self, event: Any) -> None:
        self._event = event

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float | None = None) -> bool:
        result: bool = self._event.wait(timeout)
        return result


class _SyncLockAsAsync:
    def __init__(self, lock: Any) -> None:
        self._lock = lock

    async def __aenter__(self) -> None:
        self._lock.__enter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        self._lock.__exit__(*exc_info)


class _SyncBackendAsAsync(AsyncBackend):
    def __init__(self, backend: SyncBackend) -> None:
        self._backend = backend
        self.name = backend.name

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _SyncStreamAsAsync(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        return _SyncStreamAsAsync(self._backend.connect_unix_socket(path, timeout, socket_options))

    async def resolve(self, host: str, port: int) -> str:
        return self._backend.resolve(host, port)

    async def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)

    def clock(self) -> float:
        return self._backend.clock()

    def create_lock(self) -> Any:
        return _SyncLockAsAsync(self._backend.create_lock())

    def create_event(self) -> AsyncEvent:
        return _SyncEventAsAsync(self._backend.create_event())

    async def run_shielded(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await function(*args)


def as_async(backend: SyncBackend) -> AsyncBackend:
    """A sync backend behind the async seam, so the same checks apply to it.

    Its calls block the event loop while they run: fine for checks, not for use.
    """
    return _SyncBackendAsAsync(backend)
