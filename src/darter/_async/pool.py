"""The connection pool shell: acts on the decisions of ``PoolState``.

It opens connections (through ``AsyncConnector``), waits for free ones, hands
requests to them, takes them back when their responses end, and retries a request
once on a fresh connection when a kept-alive one turns out to have been closed by
the server (only when that is safe: see ``can_retry_request``).
"""

from __future__ import annotations

import contextlib  # async-only

# sync-only: import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Union

from .._config import DEFAULT_RESPONSE_LIMITS, Limits, Proxy, ResponseLimits
from .._exceptions import (
    LocalProtocolError,
    NetworkError,
    PoolTimeout,
    RemoteProtocolError,
    TimeoutException,
)
from .._models._request import Request
from .._models._response import Response
from .._protocol.deadline import phase_timeout
from .._protocol.pool import (
    IDEMPOTENT_METHODS,
    PoolState,
    RequestNotProcessed,
    Waiter,
    can_retry_request,
)
from .._protocol.proxy import Route, proxy_headers, route_for
from .._streams import ByteStream
from ..backends.base import AsyncBackend
from .connect import AsyncConnector
from .http11 import AsyncHTTP11Connection

__all__ = ["AsyncConnectionPool"]

if TYPE_CHECKING:
    from .http2 import AsyncHTTP2Connection

# HTTP/2 (and so h2, an optional dependency) is imported only when a connection
# negotiates it.
Connection = Union[AsyncHTTP11Connection, "AsyncHTTP2Connection"]

#: How often a request the server did not process (HTTP/2 REFUSED_STREAM, GOAWAY)
#: is sent again before giving up.
MAX_UNPROCESSED_RETRIES = 3

_NO_TIMEOUTS: dict[str, float | None] = {}
_NO_HEADERS: list[tuple[bytes, bytes]] = []


class AsyncConnectionPool:
    """Connections to any number of origins, reused across requests."""

    def __init__(
        self,
        *,
        backend: Callable[[], AsyncBackend],
        connector: AsyncConnector,
        limits: Limits,
        proxy: Proxy | None = None,
        http1: bool = True,
        http2: bool = False,
        response_limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
    ) -> None:
        self._get_backend = backend
        self._limits = response_limits
        self._connector = connector
        self._http1 = http1
        self._http2 = http2
        self._proxy = proxy
        self._proxy_headers = proxy_headers(proxy) if proxy is not None else []
        self._routes: dict[Hashable, Route] = {}
        lock: Any = contextlib.nullcontext()  # async-only
        # sync-only: lock = threading.Lock()
        self._state: PoolState[Connection] = PoolState(
            max_connections=limits.max_connections,
            max_idle_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            lock=lock,
            create_event=lambda: self._get_backend().create_event(),
        )

    @property
    def state(self) -> PoolState[Connection]:
        """The pool's bookkeeping (connection counts), for diagnostics and tests."""
        return self._state

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request`` on a pooled connection; return the response once its head arrived.

        Raises ``PoolTimeout`` when no connection frees up in time, and the
        connect, read, write and protocol errors of the exchange.
        """
        url = request.url
        route = self._routes.get(url._origin)
        if route is None:
            route = self._routes[url._origin] = route_for(url._origin, self._proxy)
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or _NO_TIMEOUTS
        if route.absolute_form:
            target = url.raw_scheme + b"://" + url.netloc + url.raw_path
            extra_headers = self._proxy_headers
        else:
            target = url.raw_path
            extra_headers = _NO_HEADERS
        try:
            method = request.method.encode("ascii")
        except UnicodeEncodeError:
            raise LocalProtocolError(f"Invalid HTTP method {request.method!r}.") from None

        fresh = False
        unprocessed = 0
        while True:
            connection = await self._acquire(route, method, timeouts, fresh)
            try:
                return await connection.handle_async_request(
                    request, target, timeouts, extra_headers
                )
            except RequestNotProcessed:
                # Refused by HTTP/2 (or above a GOAWAY): safe to send again.
                unprocessed += 1
                if unprocessed > MAX_UNPROCESSED_RETRIES:
                    raise RemoteProtocolError(
                        f"The server did not process the request, {unprocessed} times."
                    ) from None
            except BaseException as exc:
                if connection.is_multiplexed:
                    raise  # the connection released the stream itself
                await self._discard(connection)
                if fresh or not self._may_retry(exc, method, connection, request):
                    raise
                fresh = True

    @staticmethod
    def _may_retry(
        exc: BaseException, method: bytes, connection: Connection, request: Request
    ) -> bool:
        if not isinstance(exc, (NetworkError, RemoteProtocolError)) or isinstance(
            exc, TimeoutException
        ):
            return False
        return type(request.stream) is ByteStream and can_retry_request(
            method, connection.requests_served > 1, connection.response_started
        )

    def _may_multiplex(self, route: Route) -> bool:
        """Whether a new connection along ``route`` may speak HTTP/2."""
        if not self._http2:
            return False
        return route.tls_server_name is not None or not self._http1

    async def _acquire(
        self, route: Route, method: bytes, timeouts: dict[str, float | None], fresh: bool
    ) -> Connection:
        backend = self._get_backend()
        state = self._state
        thorough = method not in IDEMPOTENT_METHODS
        may_multiplex = self._may_multiplex(route)
        while True:
            found, to_close = state.checkout(route.key, backend.clock(), may_multiplex)
            if to_close:
                await self._close_connections(to_close)
            if isinstance(found, Waiter):
                waiter = found
                found = await self._wait(waiter, phase_timeout(timeouts, "pool"))
                if waiter.retry:
                    continue
            if found is None:
                return await self._open(route, phase_timeout(timeouts, "connect"), may_multiplex)
            if found.is_multiplexed:
                return found
            if fresh or found.is_dropped(thorough):
                # After a stale connection, its idle siblings are suspect too.
                await self._discard(found)
                continue
            return found

    async def _wait(self, waiter: Waiter[Connection], timeout: float | None) -> Connection | None:
        try:
            served = await waiter.event.wait(timeout)
        except BaseException:
            await self._withdraw(waiter)
            raise
        if not served and not waiter.granted:
            await self._withdraw(waiter)
            if not waiter.granted:
                raise PoolTimeout(
                    f"No connection became free within the pool timeout ({timeout} s): "
                    "raise Timeout(pool=...) or Limits(max_connections=...), or make sure "
                    "responses are read or closed."
                )
        return waiter.connection

    async def _withdraw(self, waiter: Waiter[Connection]) -> None:
        self._state.cancel_waiter(waiter)
        connection = waiter.connection
        if waiter.granted and connection is not None:
            # Served just as we gave up: pass the connection on.
            if connection.is_multiplexed:
                await self._release_stream(connection)
            else:
                await self._release(connection, True)

    async def _open(self, route: Route, timeout: float | None, may_multiplex: bool) -> Connection:
        connection: Connection
        try:
            stream = await self._connector.connect(route, timeout)
            if may_multiplex and (stream.alpn_protocol == "h2" or not self._http1):
                from .http2 import AsyncHTTP2Connection

                connection = AsyncHTTP2Connection(
                    route.key, stream, self._release_stream, self._get_backend(), self._limits
                )
                try:
                    await connection.start(timeout)
                except BaseException:
                    await self._get_backend().run_shielded(connection.aclose)
                    raise
            else:
                connection = AsyncHTTP11Connection(route.key, stream, self._release, self._limits)
        except BaseException:
            self._state.release_slot(route.key, may_multiplex)
            raise
        self._state.add(connection, may_multiplex)
        return connection

    async def _release_stream(self, connection: Connection) -> None:
        """A request on an HTTP/2 connection ended (or failed)."""
        to_close = self._state.release_stream(connection, self._get_backend().clock())
        if to_close:
            await self._close_connections(to_close)

    async def _release(self, connection: Any, reusable: bool) -> None:
        """Take a connection back after its response ended (or failed)."""
        if reusable:
            reusable = connection.prepare_for_reuse()
        to_close = self._state.checkin(connection, reusable, self._get_backend().clock())
        if to_close:
            await self._close_connections(to_close)

    async def _discard(self, connection: Connection) -> None:
        self._state.discard(connection)
        await self._get_backend().run_shielded(connection.aclose)

    async def _close_connections(self, connections: list[Connection]) -> None:
        backend = self._get_backend()
        for connection in connections:
            await backend.run_shielded(connection.aclose)

    async def aclose(self) -> None:
        """Close every connection, idle or in use."""
        await self._close_connections(self._state.close_all())
