"""The anyio backend: anyio's streams, for code that runs anyio on asyncio or trio.

A compatibility path: the native asyncio and trio backends are faster on their own
loops; this one works on either and follows anyio's cancellation rules.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import anyio
from anyio.abc import SocketAttribute, SocketStream
from anyio.streams.tls import TLSAttribute, TLSStream

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

__all__ = ["AnyioBackend", "AnyioStream"]

T = TypeVar("T")

_STREAM_ERRORS = (
    OSError,
    ssl.SSLError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class AnyioStream(AsyncNetworkStream):
    """An anyio byte stream (socket, or TLS over one) behind the stream seam."""

    __slots__ = ("_closed", "_stream")

    def __init__(self, stream: SocketStream | TLSStream) -> None:
        self._stream = stream
        self._closed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with anyio.move_on_after(timeout) as scope:
            try:
                return await self._stream.receive(max_bytes)
            except anyio.EndOfStream:
                return b""
            except _STREAM_ERRORS as exc:
                raise ReadError(f"Reading from the connection failed: {_describe(exc)}") from exc
        assert scope.cancelled_caught
        raise ReadTimeout(f"No data received within the read timeout ({timeout} s).")

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        with anyio.move_on_after(timeout) as scope:
            try:
                await self._stream.send(data)
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
    ) -> AnyioStream:
        # ``session`` is not offered: anyio's TLSStream takes none (the sync backend resumes).
        with anyio.move_on_after(timeout) as scope:
            try:
                tls = await TLSStream.wrap(
                    self._stream,
                    hostname=server_hostname,
                    ssl_context=ssl_context,
                    standard_compatible=False,
                )
            except _STREAM_ERRORS as exc:
                await self.aclose()
                cause = exc.__cause__ if isinstance(exc, anyio.BrokenResourceError) else exc
                error = ConnectError(
                    f"TLS handshake with {server_hostname} failed: {_describe(cause or exc)}"
                )
                error.phase = "tls"
                raise error from exc
            return AnyioStream(tls)
        assert scope.cancelled_caught
        await self.aclose()
        raise ConnectTimeout(
            f"The TLS handshake did not finish within the connect timeout ({timeout} s)."
        )

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            stream = self._stream
            if isinstance(stream, TLSStream):
                await stream.transport_stream.aclose()
            else:
                await stream.aclose()

    @property
    def alpn_protocol(self) -> str | None:
        protocol: str | None = self._stream.extra(TLSAttribute.alpn_protocol, None)
        return protocol

    def is_readable(self) -> bool:
        if self._closed:
            return True
        sock = self._stream.extra(SocketAttribute.raw_socket, None)
        return sock is not None and socket_is_readable(sock)

    def get_extra_info(self, info: str) -> Any:
        attributes = {
            "ssl_object": TLSAttribute.ssl_object,
            "client_addr": SocketAttribute.local_address,
            "server_addr": SocketAttribute.remote_address,
            "socket": SocketAttribute.raw_socket,
        }
        if info == "is_readable":
            return self.is_readable()
        attribute = attributes.get(info)
        return None if attribute is None else self._stream.extra(attribute, None)


class _Event(AsyncEvent):
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = anyio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float | None = None) -> bool:
        with anyio.move_on_after(timeout):
            await self._event.wait()
        return self._event.is_set()


class AnyioBackend(AsyncBackend):
    """anyio, on whichever loop anyio runs (asyncio or trio)."""

    name = "anyio"

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AnyioStream:
        with anyio.move_on_after(timeout) as scope:
            try:
                stream = await anyio.connect_tcp(host, port, local_host=local_address)
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
    ) -> AnyioStream:
        with anyio.move_on_after(timeout) as scope:
            try:
                stream = await anyio.connect_unix(path)
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
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectError(f"Could not resolve {host}: {_describe(exc)}") from exc
        address: str = str(infos[0][4][0])
        return address

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def clock(self) -> float:
        return anyio.current_time()

    def create_lock(self) -> anyio.Lock:
        return anyio.Lock()

    def create_event(self) -> AsyncEvent:
        return _Event()

    async def run_shielded(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        with anyio.CancelScope(shield=True):
            result = await function(*args)
        return result  # noqa: RET504 - a return inside the scope reads as possibly skipped


async def _finish_connect(
    stream: Any, socket_options: Iterable[SocketOption] | None
) -> AnyioStream:
    if socket_options:
        sock = stream.extra(SocketAttribute.raw_socket)
        try:
            for option in socket_options:
                sock.setsockopt(*option)
        except OSError as exc:
            with anyio.CancelScope(shield=True):
                await stream.aclose()
            raise ConnectError(f"Could not set a socket option: {_describe(exc)}") from exc
    return AnyioStream(stream)
