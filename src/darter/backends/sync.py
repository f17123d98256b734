"""The blocking backend: plain sockets, ``ssl`` and threads; used by ``Client``.

Timeouts are socket timeouts, set only when they change, so a keep-alive
connection that reads with the same timeout pays no extra system call.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)
from .._types import SocketOption
from ._tls_in_tls import TLSInTLSStream
from .base import NetworkStream, SyncBackend, SyncEvent, socket_is_readable

__all__ = ["SyncSocketStream", "SyncStandardBackend"]


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class SyncSocketStream(NetworkStream):
    """A blocking socket (plain or TLS) behind the ``NetworkStream`` seam."""

    __slots__ = ("_closed", "_sock", "_timeout", "_tls_session")

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timeout: float | None = sock.gettimeout()
        self._closed = False
        # The TLS session as it was when the stream was closed (see close()).
        self._tls_session: ssl.SSLSession | None = None

    def _set_timeout(self, timeout: float | None) -> None:
        if timeout != self._timeout:
            self._sock.settimeout(timeout)
            self._timeout = timeout

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if timeout != self._timeout:
            self._set_timeout(timeout)
        try:
            return self._sock.recv(max_bytes)
        except (TimeoutError, ssl.SSLWantReadError):
            raise ReadTimeout(f"No data received within the read timeout ({timeout} s).") from None
        except (OSError, ValueError) as exc:
            raise ReadError(f"Reading from the connection failed: {_describe(exc)}") from exc

    def write(self, data: bytes, timeout: float | None = None) -> None:
        if timeout != self._timeout:
            self._set_timeout(timeout)
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise WriteTimeout(
                f"The request could not be sent within the write timeout ({timeout} s)."
            ) from None
        except (OSError, ValueError) as exc:
            raise WriteError(f"Writing to the connection failed: {_describe(exc)}") from exc

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> NetworkStream:
        if isinstance(self._sock, ssl.SSLSocket):
            # Already TLS (to an https:// proxy): TLS inside TLS needs memory BIOs.
            try:
                return TLSInTLSStream.handshake(self, ssl_context, server_hostname, timeout)
            except BaseException:
                self.close()
                raise
        self._set_timeout(timeout)
        try:
            tls_sock = ssl_context.wrap_socket(
                self._sock, server_hostname=server_hostname, session=session
            )
        except TimeoutError:
            self.close()
            raise ConnectTimeout(
                f"The TLS handshake did not finish within the connect timeout ({timeout} s)."
            ) from None
        except (OSError, ValueError) as exc:
            self.close()
            error = ConnectError(f"TLS handshake with {server_hostname} failed: {_describe(exc)}")
            error.phase = "tls"
            raise error from exc
        return SyncSocketStream(tls_sock)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if isinstance(self._sock, ssl.SSLSocket):
                # Kept for the next connection to the server: with TLS 1.3 the
                # session ticket only arrives after the handshake.
                self._tls_session = self._sock.session
            self._sock.close()

    @property
    def alpn_protocol(self) -> str | None:
        if isinstance(self._sock, ssl.SSLSocket):
            return self._sock.selected_alpn_protocol()
        return None

    def is_readable(self) -> bool:
        # One poll() with a zero timeout: data or EOF waiting on an idle socket.
        if self._closed:
            return True
        if isinstance(self._sock, ssl.SSLSocket) and self._sock.pending():
            return True
        return socket_is_readable(self._sock)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            # The SSLSocket offers what callers want of it: version(), cipher(),
            # getpeercert(), selected_alpn_protocol().
            return self._sock if isinstance(self._sock, ssl.SSLSocket) else None
        if info == "ssl_session":
            if self._closed or not isinstance(self._sock, ssl.SSLSocket):
                return self._tls_session
            return self._sock.session
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return self.is_readable()
        return None


class _ThreadEvent(SyncEvent):
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


class SyncStandardBackend(SyncBackend):
    """Blocking sockets from the standard library: the backend ``Client`` uses."""

    name = "sync"

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> SyncSocketStream:
        source = None if local_address is None else (local_address, 0)
        try:
            sock = socket.create_connection((host, port), timeout, source_address=source)
        except TimeoutError:
            raise ConnectTimeout(
                f"Connecting to {host}:{port} did not finish within the connect timeout "
                f"({timeout} s)."
            ) from None
        except OSError as exc:
            raise ConnectError(f"Could not connect to {host}:{port}: {_describe(exc)}") from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
        except OSError as exc:
            sock.close()
            raise ConnectError(f"Could not set a socket option: {_describe(exc)}") from exc
        return SyncSocketStream(sock)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> SyncSocketStream:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(timeout)
            sock.connect(path)
        except TimeoutError:
            sock.close()
            raise ConnectTimeout(
                f"Connecting to the Unix socket {path} did not finish within the connect "
                f"timeout ({timeout} s)."
            ) from None
        except OSError as exc:
            sock.close()
            raise ConnectError(
                f"Could not connect to Unix socket {path}: {_describe(exc)}"
            ) from exc
        return SyncSocketStream(sock)

    def resolve(self, host: str, port: int) -> str:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectError(f"Could not resolve {host}: {_describe(exc)}") from exc
        return str(infos[0][4][0])

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def clock(self) -> float:
        return time.monotonic()

    def create_lock(self) -> threading.Lock:
        return threading.Lock()

    def create_event(self) -> SyncEvent:
        return _ThreadEvent()
