"""The trio backend: trio socket streams, ``trio.SSLStream`` and cancel scopes.

Timeouts are cancel scopes around each operation (``trio.fail_after``); cleanup
runs in shielded scopes so a cancelled task still closes what it opened.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import trio

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

__all__ = ["TrioBackend", "TrioStream"]

T = TypeVar("T")

_STREAM_ERRORS = (OSError, trio.BrokenResourceError, trio.ClosedResourceError, ssl.SSLError)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _deadline(timeout: float | None) -> float:
    return trio.current_time() + timeout if timeout is not None else float("inf")


class TrioStream(AsyncNetworkStream):
    """A trio ``SocketStream`` or ``SSLStream`` behind the stream seam."""

    __slots__ = ("_closed", "_socket", "_stream")

    def __init__(self, stream: trio.SocketStream | trio.SSLStream[Any], sock: Any) -> None:
        self._stream = stream
        self._socket = sock
        self._closed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with trio.move_on_at(_deadline(timeout)) as scope:
            try:
                return bytes(await self._stream.receive_some(max_bytes))
            except _STREAM_ERRORS as exc:
                raise ReadError(f"Reading from the connection failed: {_describe(exc)}") from exc
        assert scope.cancelled_caught
        raise ReadTimeout(f"No data received within the read timeout ({timeout} s).")

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        with trio.move_on_at(_deadline(timeout)) as scope:
            try:
                await self._stream.send_all(data)
                return
            except _STREAM_ERRORS as exc:
                raise WriteError(f"Writing to the connection failed: {_describe(exc)}") from exc
        assert scope.cancelled_caught
        raise WriteTimeout(
            f"The request could not be sent within the write timeout ({timeout} s)."
        )

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> TrioStream:
        # ``session`` is not offered: trio.SSLStream takes none (the sync backend resumes).
        tls = trio.SSLStream(
            self._stream, ssl_context, server_hostname=server_hostname, https_compatible=True
        )
        with trio.move_on_at(_deadline(timeout)) as scope:
            try:
                await tls.do_handshake()
            except _STREAM_ERRORS as exc:
                await self.aclose()
                cause = exc.__cause__ if isinstance(exc, trio.BrokenResourceError) else exc
                error = ConnectError(
                    f"TLS handshake with {server_hostname} failed: {_describe(cause or exc)}"
                )
                error.phase = "tls"
                raise error from exc
            return TrioStream(tls, self._socket)
        assert scope.cancelled_caught
        await self.aclose()
        raise ConnectTimeout(
            f"The TLS handshake did not finish within the connect timeout ({timeout} s)."
        )

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with trio.CancelScope(shield=True):
            if isinstance(self._stream, trio.SSLStream):
                # No close_notify dance: close the socket under it at once.
                await self._stream.transport_stream.aclose()
            else:
                await self._stream.aclose()

    @property
    def alpn_protocol(self) -> str | None:
        if isinstance(self._stream, trio.SSLStream):
            protocol: str | None = self._stream.selected_alpn_protocol()
            return protocol
        return None

    def is_readable(self) -> bool:
        return self._closed or socket_is_readable(self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._stream if isinstance(self._stream, trio.SSLStream) else None
        if info == "client_addr":
            return self._socket.getsockname()
        if info == "server_addr":
            return self._socket.getpeername()
        if info == "socket":
            return self._socket
        if info == "is_readable":
            return self.is_readable()
        return None


class _Event(AsyncEvent):
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = trio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float | None = None) -> bool:
        with trio.move_on_at(_deadline(timeout)):
            await self._event.wait()
        return self._event.is_set()


class TrioBackend(AsyncBackend):
    """trio: the backend ``AsyncClient`` uses inside ``trio.run``."""

    name = "trio"

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> TrioStream:
        with trio.move_on_at(_deadline(timeout)) as scope:
            try:
                stream = await trio.open_tcp_stream(host, port, local_address=local_address)
            except OSError as exc:
                raise ConnectError(
                    f"Could not connect to {host}:{port}: {_describe(exc)}"
                ) from exc
            return await _finish_connect(stream, socket_options)
        assert scope.cancelled_caught
        raise ConnectTimeout(
            f"Connecting to {host}:{port} did not finish within the connect timeout ({timeout} s)."
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> TrioStream:
        with trio.move_on_at(_deadline(timeout)) as scope:
            try:
                stream = await trio.open_unix_socket(path)
            except OSError as exc:
                raise ConnectError(
                    f"Could not connect to Unix socket {path}: {_describe(exc)}"
                ) from exc
            return await _finish_connect(stream, socket_options)
        assert scope.cancelled_caught
        raise ConnectTimeout(
            f"Connecting to the Unix socket {path} did not finish within the connect timeout "
            f"({timeout} s)."
        )

    async def resolve(self, host: str, port: int) -> str:
        try:
            infos = await trio.socket.getaddrinfo(host, port, type=trio.socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectError(f"Could not resolve {host}: {_describe(exc)}") from exc
        return str(infos[0][4][0])

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    def clock(self) -> float:
        return trio.current_time()

    def create_lock(self) -> trio.Lock:
        return trio.Lock()

    def create_event(self) -> AsyncEvent:
        return _Event()

    async def run_shielded(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        with trio.CancelScope(shield=True):
            result = await function(*args)
        return result  # noqa: RET504 - a return inside the scope reads as possibly skipped


async def _finish_connect(
    stream: trio.SocketStream, socket_options: Iterable[SocketOption] | None
) -> TrioStream:
    try:
        for option in socket_options or ():
            stream.setsockopt(*option)
    except OSError as exc:
        with trio.CancelScope(shield=True):
            await stream.aclose()
        raise ConnectError(f"Could not set a socket option: {_describe(exc)}") from exc
    return TrioStream(stream, stream.socket)
