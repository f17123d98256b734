"""``AsyncClient``: the httpx-compatible client for async code.

Configuration and request building live in ``BaseClient``; redirect policy in
``_redirects``; auth policy in the ``Auth`` generators. This module only drives
them: send, await the response, decide, repeat.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, TypeVar

from .._auth import Auth
from .._client_base import (
    USE_CLIENT_DEFAULT,
    BaseClient,
    UseClientDefault,
    explain_timeout,
    info_logger,
    start_deadline,
)
from .._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_RESPONSE_LIMITS,
    DEFAULT_TIMEOUT_CONFIG,
    Limits,
    Proxy,
    ResponseLimits,
)
from .._exceptions import (
    BackendError,
    TimeoutException,
    TooManyRedirects,
    UnsupportedProtocol,
    request_context,
)
from .._models._request import Request
from .._models._response import Response
from .._redirects import REDIRECT_BODY_LIMIT, build_redirect_request
from .._streams import AsyncByteStream
from .._transports.base import AsyncBaseTransport
from .._types import (
    AuthTypes,
    CertTypes,
    CookieTypes,
    EventHook,
    HeaderTypes,
    ProxyTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
    TimeoutTypes,
    URLTypes,
    VerifyTypes,
)
from ..backends.base import AsyncBackend
from .transport import AsyncHTTPTransport

__all__ = ["AsyncClient"]

C = TypeVar("C", bound="AsyncClient")

_DEFAULT_BACKEND = "auto"  # async-only
# sync-only: _DEFAULT_BACKEND = "sync"


class AsyncClient(BaseClient[AsyncBaseTransport]):
    """An HTTP client with connection pooling, cookie persistence and shared configuration.

    Use it as a context manager so its connections are closed::

        async with darter.AsyncClient(base_url="https://api.example.org") as client:
            response = await client.get("/items", params={"page": 2})

    Takes every argument of ``httpx.AsyncClient``, plus ``backend``: the
    concurrency backend of the default transport (see ``darter.backends``), and
    ``response_limits``: bounds on what servers may send (``darter.ResponseLimits``).

    Raises ``BackendError`` when ``backend`` is combined with ``transport``
    (``backend`` configures the default transport only), and ``ImportError`` when
    ``http2=True`` but the ``h2`` package is missing.
    """

    def __init__(
        self,
        *,
        auth: AuthTypes | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes | None = None,
        # sync-only: trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        proxy: ProxyTypes | None = None,
        mounts: Mapping[str, AsyncBaseTransport | None] | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: Mapping[str, list[EventHook]] | None = None,
        base_url: URLTypes = "",
        transport: AsyncBaseTransport | None = None,
        trust_env: bool = True,  # async-only
        default_encoding: str | Callable[[bytes], str] = "utf-8",
        backend: str | AsyncBackend = _DEFAULT_BACKEND,
        response_limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
    ) -> None:
        super().__init__(
            auth=auth,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            event_hooks=event_hooks,
            base_url=base_url,
            trust_env=trust_env,
            default_encoding=default_encoding,
            response_limits=response_limits,
        )
        if http2:
            _require_h2()
        if transport is not None and backend != _DEFAULT_BACKEND:
            raise BackendError(
                "backend= configures the client's default transport, and a transport= was "
                "given too: pass backend= to that transport instead, e.g. "
                f"transport=darter.AsyncHTTPTransport(backend={backend!r})."
            )

        def make_transport(proxy: Proxy | None) -> AsyncBaseTransport:
            return AsyncHTTPTransport(
                verify=verify,
                cert=cert,
                trust_env=trust_env,
                http1=http1,
                http2=http2,
                limits=limits,
                proxy=proxy,
                backend=backend,
                response_limits=response_limits,
            )

        self._transport = make_transport(None) if transport is None else transport
        self._mount(proxy, mounts, trust_env and transport is None, make_transport)

    # Sending

    async def request(
        self,
        method: str,
        url: URLTypes,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Build and send a request; return the response with its body read.

        Raises ``InvalidURL`` for a bad URL, ``TooManyRedirects`` past
        ``max_redirects``, and the ``TransportError`` subclasses for network,
        protocol and timeout failures.
        """
        if cookies is not None:
            warnings.warn(
                "Per-request cookies=<...> are deprecated, since it is unclear whether "
                "they should persist: set them on the client (client.cookies) instead.",
                DeprecationWarning,
                stacklevel=2,
            )
        request = self.build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        return await self.send(request, auth=auth, follow_redirects=follow_redirects)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: URLTypes,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> AsyncIterator[Response]:
        """Send a request and yield the response before its body is read.

        The body is streamed with ``aiter_bytes()`` etc. inside the block; the
        response is closed when the block ends.
        """
        request = self.build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        response = await self.send(
            request, auth=auth, follow_redirects=follow_redirects, stream=True
        )
        try:
            yield response
        finally:
            await response.aclose()

    async def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    ) -> Response:
        """Send a built ``Request``; with ``stream=True`` the body is left unread.

        Raises ``RuntimeError`` if the client is closed, and the errors ``request``
        lists.
        """
        if self._state == "closed":
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        self._state = "opened"
        follow = (
            self.follow_redirects
            if isinstance(follow_redirects, UseClientDefault)
            else follow_redirects
        )
        if "timeout" not in request.extensions:
            request.extensions["timeout"] = self._timeout.as_dict()
        timeouts = request.extensions["timeout"]
        total = start_deadline(timeouts)
        chosen_auth = self._request_auth(request, auth)
        try:
            if chosen_auth is None:
                response = await self._send_handling_redirects(request, follow, [])
            else:
                response = await self._send_handling_auth(request, chosen_auth, follow, [])
            try:
                if not stream:
                    await response.aread()
                return response
            except BaseException:
                await response.aclose()
                raise
        except TimeoutException as exc:
            raise explain_timeout(exc, timeouts, total) from exc.__cause__
        finally:
            # A streamed body is read at the caller's pace: the deadline ends here.
            timeouts.pop("deadline", None)

    async def _send_handling_auth(
        self, request: Request, auth: Auth, follow_redirects: bool, history: list[Response]
    ) -> Response:
        auth_flow = auth.async_auth_flow(request)
        try:
            request = await auth_flow.__anext__()
            while True:
                response = await self._send_handling_redirects(request, follow_redirects, history)
                try:
                    try:
                        next_request = await auth_flow.asend(response)
                    except StopAsyncIteration:
                        return response
                    response.history = list(history)
                    await response.aread()
                    request = next_request
                    history.append(response)
                except BaseException:
                    await response.aclose()
                    raise
        finally:
            await auth_flow.aclose()

    async def _send_handling_redirects(
        self, request: Request, follow_redirects: bool, history: list[Response]
    ) -> Response:
        while True:
            if len(history) > self.max_redirects:
                raise TooManyRedirects(
                    f"Exceeded the maximum of {self.max_redirects} redirects: raise "
                    "max_redirects, or check the server for a redirect loop.",
                    request=request,
                )
            for hook in self._event_hooks["request"]:
                await hook(request)
            response = await self._send_single_request(request)
            try:
                for hook in self._event_hooks["response"]:
                    await hook(response)
                response.history = list(history)
                if not response.has_redirect_location:
                    return response
                if not follow_redirects:
                    # A location of another protocol (javascript:, data:...) is only an
                    # error when it is to be followed.
                    with contextlib.suppress(UnsupportedProtocol):
                        response.next_request = build_redirect_request(
                            request, response, self._cookies
                        )
                    return response
                request = build_redirect_request(request, response, self._cookies)
                history = [*history, response]
                await self._discard_redirect_body(response)
            except BaseException:
                await response.aclose()
                raise

    async def _discard_redirect_body(self, response: Response) -> None:
        """Read a little of a redirect's body to keep the connection, never decoding it."""
        if response.is_stream_consumed or response.is_closed:
            # Built with its body in memory (a mock transport, say): nothing to drain.
            await response.aclose()
            return
        chunks: list[bytes] = []
        received = 0
        raw: Any = response.aiter_raw()  # a generator: it has aclose()
        try:
            async for chunk in raw:
                received += len(chunk)
                if received > REDIRECT_BODY_LIMIT:
                    break
                chunks.append(chunk)
        finally:
            await raw.aclose()
            await response.aclose()
        if received <= REDIRECT_BODY_LIMIT and "content-encoding" not in response.headers:
            response._content = b"".join(chunks)

    async def _send_single_request(self, request: Request) -> Response:
        transport = (
            self._transport_for_url(request.url, self._transport)
            if self._mounts
            else self._transport
        )
        started = time.perf_counter()
        if not isinstance(request.stream, AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request body with an AsyncClient.")
        with request_context(request):
            response = await transport.handle_async_request(request)
        response._request = request
        response._started_at = started
        response.default_encoding = self._default_encoding
        response._decoding_limits = self._decoding_limits
        if "set-cookie" in response.headers:
            self._cookies.extract_cookies(response)
        logger = info_logger()
        if logger is not None:
            logger.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response

    # Verbs

    async def get(
        self,
        url: URLTypes,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send a ``GET`` request (see ``request`` for the arguments)."""
        return await self.request(
            "GET",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def options(
        self,
        url: URLTypes,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send an ``OPTIONS`` request (see ``request`` for the arguments)."""
        return await self.request(
            "OPTIONS",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def head(
        self,
        url: URLTypes,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send a ``HEAD`` request (see ``request`` for the arguments)."""
        return await self.request(
            "HEAD",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def post(
        self,
        url: URLTypes,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send a ``POST`` request (see ``request`` for the arguments)."""
        return await self.request(
            "POST",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def put(
        self,
        url: URLTypes,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send a ``PUT`` request (see ``request`` for the arguments)."""
        return await self.request(
            "PUT",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def patch(
        self,
        url: URLTypes,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send a ``PATCH`` request (see ``request`` for the arguments)."""
        return await self.request(
            "PATCH",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def delete(
        self,
        url: URLTypes,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Send a ``DELETE`` request (see ``request`` for the arguments)."""
        return await self.request(
            "DELETE",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    # Life cycle

    async def aclose(self) -> None:
        """Close the transport and every mounted transport, with their connections."""
        if self._state != "closed":
            self._state = "closed"
            await self._transport.aclose()
            for transport in self._mounts.values():
                if transport is not None:
                    await transport.aclose()

    async def __aenter__(self: C) -> C:
        if self._state != "unopened":
            raise RuntimeError(
                "Cannot open a client instance more than once."
                if self._state == "opened"
                else "Cannot reopen a client instance, once it has been closed."
            )
        self._state = "opened"
        await self._transport.__aenter__()
        for transport in self._mounts.values():
            if transport is not None:
                await transport.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._state = "closed"
        await self._transport.__aexit__(exc_type, exc_value, traceback)
        for transport in self._mounts.values():
            if transport is not None:
                await transport.__aexit__(exc_type, exc_value, traceback)


def _require_h2() -> None:
    try:
        import h2  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "http2=True needs the 'h2' package: install darter with pip install 'darter[http2]'."
        ) from None
