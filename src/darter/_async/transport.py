"""The default transport: HTTP over a connection pool, on the chosen backend."""

from __future__ import annotations

from collections.abc import Iterable

from .._config import (
    DEFAULT_LIMITS,
    DEFAULT_RESPONSE_LIMITS,
    Limits,
    Proxy,
    ResponseLimits,
    shared_ssl_context,
)
from .._exceptions import UnsupportedProtocol
from .._models._request import Request
from .._models._response import Response
from .._transports.base import AsyncBaseTransport
from .._types import CertTypes, ProxyTypes, SocketOption, VerifyTypes
from ..backends import check_backend_name, get_backend  # async-only

# sync-only: from ..backends import get_sync_backend as get_backend
from ..backends.base import AsyncBackend
from .connect import AsyncConnector
from .pool import AsyncConnectionPool

__all__ = ["AsyncHTTPTransport"]


class AsyncHTTPTransport(AsyncBaseTransport):
    """Sends requests over HTTP/1.1 (and HTTP/2 when enabled) with connection pooling.

    Takes httpx's parameters — ``verify``, ``cert``, ``trust_env``, ``http1``,
    ``http2``, ``limits``, ``proxy``, ``uds`` (a Unix socket path to connect to),
    ``local_address`` (the local IP to bind), ``retries`` (connect attempts to
    retry, with exponential backoff), ``socket_options`` — plus ``backend``, the
    concurrency backend: a name (see ``darter.backends``) or an instance, and
    ``response_limits`` (``darter.ResponseLimits``) for what a server may send.

    Raises ``BackendError`` for an unknown backend name.
    """

    def __init__(
        self,
        verify: VerifyTypes = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        proxy: ProxyTypes | None = None,
        uds: str | None = None,
        local_address: str | None = None,
        retries: int = 0,
        socket_options: Iterable[SocketOption] | None = None,
        backend: str | AsyncBackend = "auto",  # async-only
        # sync-only: backend: str | SyncBackend = "sync",
        response_limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
    ) -> None:
        self._backend_choice = backend
        self._backend: AsyncBackend | None = backend if isinstance(backend, AsyncBackend) else None
        if self._backend is None:
            check_backend_name(backend)  # async-only
            # sync-only: self._backend = get_backend(backend)
        alpn = ("h2", "http/1.1") if http2 and http1 else ("h2",) if http2 else ("http/1.1",)
        ssl_context = shared_ssl_context(verify, cert, trust_env, alpn)
        if proxy is not None and not isinstance(proxy, Proxy):
            proxy = Proxy(proxy)
        proxy_ssl_context = None
        if proxy is not None and proxy.url.scheme == "https":
            proxy_ssl_context = proxy.ssl_context or shared_ssl_context(
                verify, cert, trust_env, ("http/1.1",)
            )
        connector = AsyncConnector(
            backend=self._get_backend,
            ssl_context=ssl_context,
            proxy=proxy,
            proxy_ssl_context=proxy_ssl_context,
            uds=uds,
            local_address=local_address,
            retries=retries,
            socket_options=socket_options,
        )
        self._pool = AsyncConnectionPool(
            backend=self._get_backend,
            connector=connector,
            limits=limits,
            proxy=proxy,
            http1=http1,
            http2=http2,
            response_limits=response_limits,
        )

    def _get_backend(self) -> AsyncBackend:
        # Resolved on first use, when the running library can be seen, then cached.
        backend = self._backend
        if backend is None:
            backend = self._backend = get_backend(self._backend_choice)
        return backend

    @property
    def pool(self) -> AsyncConnectionPool:
        """The connection pool, for diagnostics (``transport.pool.state.idle_count``...)."""
        return self._pool

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request``; raises ``UnsupportedProtocol`` for a non-http(s) URL."""
        scheme = request.url.raw_scheme
        if scheme != b"http" and scheme != b"https":
            if not scheme:
                raise UnsupportedProtocol(
                    f"Request URL {str(request.url)!r} is missing an 'http://' or 'https://' "
                    "protocol: give an absolute URL, or a base_url to the client."
                )
            raise UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme.decode('ascii')}://': "
                "darter speaks http:// and https:// only."
            )
        if not request.url.raw_host:
            raise UnsupportedProtocol(f"Request URL {str(request.url)!r} has no host.")
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()
