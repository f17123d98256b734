"""TLS inside TLS for blocking sockets: an ``ssl.SSLObject`` over another TLS stream.

``ssl.SSLSocket`` cannot wrap a socket that is already TLS, yet that is what an
https:// request through an https:// proxy needs (TLS with the proxy, and inside
the tunnel TLS with the origin). Memory BIOs move the inner TLS records through
the outer stream instead.
"""

from __future__ import annotations

import ssl
from typing import Any

from .._exceptions import ConnectError, ConnectTimeout, ReadError, ReadTimeout, WriteError
from .base import NetworkStream

__all__ = ["TLSInTLSStream"]

_CHUNK = 64 * 1024


class TLSInTLSStream(NetworkStream):
    """A TLS session carried over another ``NetworkStream``."""

    __slots__ = ("_incoming", "_object", "_outer", "_outgoing")

    def __init__(
        self,
        outer: NetworkStream,
        ssl_object: ssl.SSLObject,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
    ) -> None:
        self._outer = outer
        self._object = ssl_object
        self._incoming = incoming
        self._outgoing = outgoing

    @classmethod
    def handshake(
        cls,
        outer: NetworkStream,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None,
        timeout: float | None,
    ) -> TLSInTLSStream:
        """Run the TLS handshake over ``outer``; raises ``ConnectError``/``ConnectTimeout``."""
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        ssl_object = ssl_context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
        stream = cls(outer, ssl_object, incoming, outgoing)
        try:
            stream._retry(ssl_object.do_handshake, timeout)
        except (ReadTimeout, ConnectTimeout):
            raise ConnectTimeout(
                f"The TLS handshake did not finish within the connect timeout ({timeout} s)."
            ) from None
        except (ssl.SSLError, ReadError, WriteError) as exc:
            error = ConnectError(f"TLS handshake with {server_hostname} failed: {exc}")
            error.phase = "tls"
            raise error from exc
        return stream

    def _retry(self, operation: Any, timeout: float | None, *args: Any) -> Any:
        """Run an ``SSLObject`` operation, moving records until it can complete."""
        while True:
            try:
                result = operation(*args)
            except ssl.SSLWantReadError:
                self._flush(timeout)
                data = self._outer.read(_CHUNK, timeout)
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
                continue
            self._flush(timeout)
            return result

    def _flush(self, timeout: float | None) -> None:
        pending = self._outgoing.read()
        if pending:
            self._outer.write(pending, timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data: bytes = self._retry(self._object.read, timeout, max_bytes)
        except ssl.SSLZeroReturnError:
            return b""
        except ssl.SSLError as exc:
            raise ReadError(f"Reading from the TLS tunnel failed: {exc}") from exc
        return data

    def write(self, data: bytes, timeout: float | None = None) -> None:
        view = memoryview(data)
        try:
            while view:
                written: int = self._retry(self._object.write, timeout, view)
                view = view[written:]
        except ssl.SSLError as exc:
            raise WriteError(f"Writing to the TLS tunnel failed: {exc}") from exc

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
        session: ssl.SSLSession | None = None,
    ) -> NetworkStream:
        # No resumption inside a tunnel: the session is not offered.
        return TLSInTLSStream.handshake(self, ssl_context, server_hostname, timeout)

    def close(self) -> None:
        self._outer.close()

    @property
    def alpn_protocol(self) -> str | None:
        return self._object.selected_alpn_protocol()

    def is_readable(self) -> bool:
        return self._object.pending() > 0 or self._outer.is_readable()

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._object
        return self._outer.get_extra_info(info)
