"""The asyncio backend: ``loop.create_connection`` and a lean ``asyncio.Protocol``.

No ``StreamReader`` and no anyio on this path. Incoming data is kept by the
protocol until a ``read`` takes it; EOF and connection loss are recorded as flags,
so ``peer_closed`` costs nothing. Read deadlines use one timer per connection that
is re-armed only when it fires early, rather than a timer object per read. Writes
respect the transport's flow control. Runs unchanged on uvloop.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar, cast

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)
from .._types import SocketOption
from .base import AsyncBackend, AsyncEvent, AsyncNetworkStream, socket_is_readable

__all__ = ["AsyncioBackend", "AsyncioStream"]

T = TypeVar("T")


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


#: Bytes the event loop may read at once into the receive buffer.
RECEIVE_BUFFER_SIZE = 64 * 1024

_receive_buffers = threading.local()


def _receive_buffer() -> memoryview:
    """This thread's receive buffer, shared by its connections.

    The loop reads into it and ``buffer_updated`` copies the bytes out at once, so
    one buffer serves every connection of a loop. Reading into a preallocated
    buffer also spares a large allocation per read: plain ``data_received``
    transports ``recv`` 256 KiB at a time, and freeing such a block costs a
    system call per response.
    """
    view: memoryview | None = getattr(_receive_buffers, "view", None)
    if view is None:
        view = _receive_buffers.view = memoryview(bytearray(RECEIVE_BUFFER_SIZE))
    return view


#: Writes larger than this are handed to the transport in slices of this size.
WRITE_SLICE_SIZE = 256 * 1024


class _ClientProtocol(asyncio.BufferedProtocol):
    """Collects what arrives and wakes the one reader waiting for it."""

    __slots__ = (
        "_buffer",
        "_drain_waiter",
        "_paused",
        "_read_waiter",
        "_view",
        "eof",
        "exception",
        "transport",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer: list[bytes] = []
        self._read_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._paused = False
        self.eof = False
        self.exception: BaseException | None = None

    # Callbacks from the event loop

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self.transport = cast(asyncio.Transport, transport)
        self._view = _receive_buffer()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self._buffer.append(self._view[:nbytes].tobytes())
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None:
            self.exception = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # Used by the stream

    def take(self, max_bytes: int) -> bytes:
        buffer = self._buffer
        first = buffer[0]
        if len(buffer) == 1 and len(first) <= max_bytes:
            buffer.clear()
            return first
        # Only the pieces that fit are joined: joining everything that piled up (a
        # fast download read slower than it arrives) and keeping the rest would copy
        # the whole backlog at each read.
        size = count = 0
        for piece in buffer:
            if size + len(piece) > max_bytes:
                break
            size += len(piece)
            count += 1
        if count == 0:
            buffer[0] = first[max_bytes:]
            return first[:max_bytes]
        data = first if count == 1 else b"".join(buffer[:count])
        del buffer[:count]
        return data

    @property
    def has_data(self) -> bool:
        return bool(self._buffer)


class AsyncioStream(AsyncNetworkStream):
    """A TCP or Unix connection (possibly TLS) on the running asyncio loop."""

    __slots__ = ("_deadline", "_loop", "_protocol", "_timer", "_transport")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        transport: asyncio.Transport,
        protocol: _ClientProtocol,
    ) -> None:
        self._loop = loop
        self._transport = transport
        self._protocol = protocol
        self._timer: asyncio.TimerHandle | None = None
        self._deadline = 0.0

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.has_data:
            if protocol.eof:
                return self._at_eof()
            await self._wait_for_data(timeout)
            if not protocol.has_data:
                return self._at_eof()
        return protocol.take(max_bytes)

    def _at_eof(self) -> bytes:
        exc = self._protocol.exception
        if exc is not None:
            raise ReadError(f"Reading from the connection failed: {_describe(exc)}") from exc
        return b""

    async def _wait_for_data(self, timeout: float | None) -> None:
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._protocol._read_waiter = waiter
        if timeout is not None:
            deadline = self._deadline = self._loop.time() + timeout
            timer = self._timer
            if timer is not None and timer.when() > deadline:
                # An earlier, longer read armed it too late for this one.
                timer.cancel()
                timer = None
            if timer is None:
                self._timer = self._loop.call_at(deadline, self._on_timer)
        try:
            await waiter
        finally:
            self._protocol._read_waiter = None
        if waiter.cancelled():  # pragma: no cover - cancellation propagates from await
            raise asyncio.CancelledError()
        exc = waiter.exception()
        if exc is not None:
            raise exc

    def _on_timer(self) -> None:
        self._timer = None
        waiter = self._protocol._read_waiter
        if waiter is None or waiter.done():
            return
        now = self._loop.time()
        if now < self._deadline:
            # A later read moved the deadline: wait for the rest of it.
            self._timer = self._loop.call_at(self._deadline, self._on_timer)
            return
        waiter.set_exception(ReadTimeout("No data received within the read timeout."))

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        if len(data) <= WRITE_SLICE_SIZE:
            await self._write_once(data, timeout)
            return
        # A large write is handed to the transport a slice at a time. Given at
        # once, it would be copied into the transport's buffer, and (Python 3.11's
        # selector transport) every send would then shift what is left of it:
        # quadratic in the size.
        view = memoryview(data)
        sock = self._transport.get_extra_info("socket")
        for start in range(0, len(view), WRITE_SLICE_SIZE):
            if start and sock is not None and socket_is_readable(sock):
                await self._let_the_loop_read()
            await self._write_once(view[start : start + WRITE_SLICE_SIZE], timeout)

    @staticmethod
    async def _let_the_loop_read() -> None:
        """Let the loop read what waits on the socket before the next send: a server
        that answered early (a 413, say) and closed would make that send fail and
        the transport close before its response was read. A task resumes before the
        loop's event callbacks of the same turn, so it takes two turns."""
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    async def _write_once(self, data: bytes | memoryview, timeout: float | None) -> None:
        protocol = self._protocol
        if protocol.eof and self._transport.is_closing():
            raise WriteError("Writing to the connection failed: it is closed.")
        try:
            self._transport.write(data)
        except (OSError, RuntimeError) as exc:
            raise WriteError(f"Writing to the connection failed: {_describe(exc)}") from exc
        if protocol._paused:
            await self._drain(timeout)

    async def _drain(self, timeout: float | None) -> None:
        protocol = self._protocol
        waiter: asyncio.Future[None] = self._loop.create_future()
        protocol._drain_waiter = waiter
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            raise WriteTimeout(
                f"The request could not be sent within the write timeout ({timeout} s)."
            ) from None
        finally:
            protocol._drain_waiter = None
        if protocol.exception is not None:
            exc = protocol.exception
            raise WriteError(f"Writing to the connection failed: {_describe(exc)}") from exc

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> AsyncioStream:
        # ``session`` is not offered: loop.start_tls() takes none (the sync backend resumes).
        try:
            transport = await self._loop.start_tls(
                self._transport,
                self._protocol,
                ssl_context,
                server_hostname=server_hostname,
                ssl_handshake_timeout=timeout,
            )
        except (asyncio.TimeoutError, TimeoutError):
            await self.aclose()
            raise ConnectTimeout(
                f"The TLS handshake did not finish within the connect timeout ({timeout} s)."
            ) from None
        except (OSError, ssl.SSLError, ConnectionError, ValueError) as exc:
            await self.aclose()
            error = ConnectError(f"TLS handshake with {server_hostname} failed: {_describe(exc)}")
            error.phase = "tls"
            raise error from exc
        if transport is None:  # pragma: no cover - only when the loop is closing
            raise ConnectError("The TLS handshake was abandoned: the event loop is closing.")
        return AsyncioStream(self._loop, transport, self._protocol)

    async def aclose(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        # abort() and not close(): nothing is owed to a server we are done with, and it
        # closes the socket at once instead of after the write buffer drained.
        self._transport.abort()

    @property
    def alpn_protocol(self) -> str | None:
        ssl_object = self._transport.get_extra_info("ssl_object")
        return None if ssl_object is None else ssl_object.selected_alpn_protocol()

    reports_readiness = True

    @property
    def peer_closed(self) -> bool:
        # Unusable as an idle connection: closed, or something arrived unasked.
        protocol = self._protocol
        return protocol.eof or protocol.has_data or self._transport.is_closing()

    def is_readable(self) -> bool:
        if self._protocol.has_data or self.peer_closed:
            return True
        # The loop may not have run since the peer closed: ask the socket itself.
        sock = self._transport.get_extra_info("socket")
        return sock is not None and socket_is_readable(sock)

    def get_extra_info(self, info: str) -> Any:
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "is_readable":
            return self.is_readable()
        if info in ("ssl_object", "socket"):
            return self._transport.get_extra_info(info)
        return None


class _Event(AsyncEvent):
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float | None = None) -> bool:
        if self._event.is_set():
            return True
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True


class AsyncioBackend(AsyncBackend):
    """asyncio (and uvloop): the backend ``AsyncClient`` uses under an asyncio loop."""

    name = "asyncio"

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        protocol = _ClientProtocol()
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: protocol, host, port, local_addr=local), timeout
            )
        except asyncio.TimeoutError:
            raise ConnectTimeout(
                f"Connecting to {host}:{port} did not finish within the connect timeout "
                f"({timeout} s)."
            ) from None
        except OSError as exc:
            raise ConnectError(f"Could not connect to {host}:{port}: {_describe(exc)}") from exc
        return _finish_connect(loop, transport, protocol, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        protocol = _ClientProtocol()
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_unix_connection(lambda: protocol, path), timeout
            )
        except asyncio.TimeoutError:
            raise ConnectTimeout(
                f"Connecting to the Unix socket {path} did not finish within the connect "
                f"timeout ({timeout} s)."
            ) from None
        except OSError as exc:
            raise ConnectError(
                f"Could not connect to Unix socket {path}: {_describe(exc)}"
            ) from exc
        return _finish_connect(loop, transport, protocol, socket_options)

    async def resolve(self, host: str, port: int) -> str:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectError(f"Could not resolve {host}: {_describe(exc)}") from exc
        return str(infos[0][4][0])

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def clock(self) -> float:
        # asyncio's own clock is time.monotonic(); asking the loop would cost a
        # getpid() system call per call (asyncio checks the loop's process).
        return time.monotonic()

    def create_lock(self) -> asyncio.Lock:
        return asyncio.Lock()

    def create_event(self) -> AsyncEvent:
        return _Event()

    async def run_shielded(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await asyncio.shield(function(*args))


def _finish_connect(
    loop: asyncio.AbstractEventLoop,
    transport: asyncio.BaseTransport,
    protocol: _ClientProtocol,
    socket_options: Iterable[SocketOption] | None,
) -> AsyncioStream:
    transport = cast(asyncio.Transport, transport)
    if socket_options:
        sock: socket.socket = transport.get_extra_info("socket")
        try:
            for option in socket_options:
                sock.setsockopt(*option)
        except OSError as exc:
            transport.abort()
            raise ConnectError(f"Could not set a socket option: {_describe(exc)}") from exc
    return AsyncioStream(loop, transport, protocol)
