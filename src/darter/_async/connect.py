"""Opening a connection along a ``Route``: TCP (with retries), proxy steps, then TLS."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Hashable, Iterable

from .._config import Proxy
from .._exceptions import NetworkError, ProxyError, TimeoutException
from .._protocol.http11 import NEED_DATA, HTTP11Machine, ResponseHead
from .._protocol.proxy import Route, connect_request_headers, connect_target
from .._protocol.socks import SOCKS5Handshake
from .._types import SocketOption
from ..backends.base import AsyncBackend, AsyncNetworkStream

__all__ = ["AsyncConnector"]

#: Seconds before the first connect retry; doubled for each further one.
RETRY_BACKOFF = 0.25
#: Routes whose last TLS stream is remembered for session resumption.
MAX_TLS_ORIGINS = 64


class AsyncConnector:
    """Everything needed to open connections: backend, TLS contexts, proxy, options."""

    def __init__(
        self,
        *,
        backend: Callable[[], AsyncBackend],
        ssl_context: ssl.SSLContext | None,
        proxy: Proxy | None = None,
        proxy_ssl_context: ssl.SSLContext | None = None,
        uds: str | None = None,
        local_address: str | None = None,
        retries: int = 0,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> None:
        self._get_backend = backend
        self._ssl_context = ssl_context
        self._proxy = proxy
        self._proxy_ssl_context = proxy_ssl_context
        self._uds = uds
        self._local_address = local_address
        self._retries = retries
        self._socket_options = list(socket_options) if socket_options is not None else None
        # The last TLS stream opened to each route, whose session the next
        # connection there offers for resumption (oldest forgotten first).
        self._tls_streams: dict[Hashable, AsyncNetworkStream] = {}

    async def connect(self, route: Route, timeout: float | None) -> AsyncNetworkStream:
        """A stream ready for HTTP along ``route``.

        Raises ``ConnectError``/``ConnectTimeout`` (TCP or TLS) and ``ProxyError``
        when a proxy refuses the tunnel.
        """
        stream = await self._connect_with_retries(route, timeout)
        try:
            if route.proxy_tls:
                assert self._proxy_ssl_context is not None
                stream = await stream.start_tls(self._proxy_ssl_context, route.host, timeout)
            if route.socks is not None:
                await self._open_socks_tunnel(stream, route, timeout)
            elif route.tunnel is not None:
                await self._open_tunnel(stream, route.tunnel, timeout)
            if route.tls_server_name is not None:
                stream = await self._start_origin_tls(stream, route, timeout)
        except BaseException:
            await self._get_backend().run_shielded(stream.aclose)
            raise
        return stream

    async def _start_origin_tls(
        self, stream: AsyncNetworkStream, route: Route, timeout: float | None
    ) -> AsyncNetworkStream:
        """TLS with the origin, offering the session of the last connection to it
        when its backend keeps sessions (the sync one does; asyncio, trio and anyio
        give their TLS layer no way to offer one). Without a session the call
        leaves the argument out, for backends written before it existed."""
        assert self._ssl_context is not None and route.tls_server_name is not None
        previous = self._tls_streams.pop(route.key, None)
        session = previous.get_extra_info("ssl_session") if previous is not None else None
        if session is None:
            stream = await stream.start_tls(self._ssl_context, route.tls_server_name, timeout)
        else:
            stream = await stream.start_tls(
                self._ssl_context, route.tls_server_name, timeout, session
            )
        if len(self._tls_streams) >= MAX_TLS_ORIGINS:
            del self._tls_streams[next(iter(self._tls_streams))]
        self._tls_streams[route.key] = stream
        return stream

    async def _connect_with_retries(
        self, route: Route, timeout: float | None
    ) -> AsyncNetworkStream:
        backend = self._get_backend()
        delay = RETRY_BACKOFF
        retries_left = self._retries
        while True:
            try:
                if self._uds is not None:
                    return await backend.connect_unix_socket(
                        self._uds, timeout, self._socket_options
                    )
                return await backend.connect_tcp(
                    route.host, route.port, timeout, self._local_address, self._socket_options
                )
            except (NetworkError, TimeoutException):
                if retries_left <= 0:
                    raise
                retries_left -= 1
                await backend.sleep(delay)
                delay *= 2

    async def _open_socks_tunnel(
        self, stream: AsyncNetworkStream, route: Route, timeout: float | None
    ) -> None:
        """The SOCKS5 handshake; ``socks5`` resolves the host here, ``socks5h`` at the proxy."""
        assert self._proxy is not None and route.tunnel is not None
        host, port = route.tunnel
        if route.socks == "socks5":
            host = await self._get_backend().resolve(host, port)
        handshake = SOCKS5Handshake(host, port, self._proxy.raw_auth)
        await stream.write(handshake.start(), timeout)
        while not handshake.is_done:
            reply = handshake.receive_data(await stream.read(64 * 1024, timeout))
            if reply:
                await stream.write(reply, timeout)

    async def _open_tunnel(
        self, stream: AsyncNetworkStream, target: tuple[str, int], timeout: float | None
    ) -> None:
        """``CONNECT host:port`` through an HTTP proxy; ``ProxyError`` unless it says 2xx."""
        assert self._proxy is not None
        host, port = target
        machine = HTTP11Machine()
        head = machine.send_request(
            b"CONNECT",
            connect_target(host, port),
            connect_request_headers(host, port, self._proxy),
        )
        await stream.write(head + machine.end_request(), timeout)
        event = machine.next_event()
        while event is NEED_DATA:
            machine.receive_data(await stream.read(64 * 1024, timeout))
            event = machine.next_event()
        assert isinstance(event, ResponseHead)
        if not 200 <= event.status_code <= 299:
            reason = event.reason.decode("ascii", errors="replace")
            raise ProxyError(
                f"The proxy refused to open a tunnel to {host}:{port}: "
                f"{event.status_code} {reason}."
            )
        if machine.tunnel_data:
            raise ProxyError("The proxy sent data before the tunnel was used.")
