"""What ``Client`` and ``AsyncClient`` share: configuration, merging, request building.

Nothing here does I/O; the two clients add only the loops that send requests and
await (or not) what comes back.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._auth import Auth, BasicAuth, FunctionAuth
from ._config import (
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_RESPONSE_LIMITS,
    DEFAULT_TIMEOUT_CONFIG,
    Proxy,
    ResponseLimits,
    Timeout,
)
from ._decoders import DecodingLimits, accept_encoding
from ._exceptions import TimeoutException
from ._models._cookies import Cookies
from ._models._headers import Headers
from ._models._queryparams import QueryParams
from ._models._request import Request
from ._models._urls import URL
from ._protocol.deadline import deadline_passed
from ._types import (
    AuthTypes,
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
)
from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    import logging

    from ._mounts import URLPattern

__all__ = ["USE_CLIENT_DEFAULT", "BaseClient", "UseClientDefault", "info_logger"]

_logger: logging.Logger | None = None


def info_logger() -> logging.Logger | None:
    """The "darter" logger if it logs INFO records (the request lines), else None.

    ``logging`` is not imported for this (it is slow to import): if nothing has
    imported it, nothing has configured a handler, and INFO records would not be
    shown anyway.
    """
    global _logger
    logging = sys.modules.get("logging")
    if logging is None:
        return None
    if _logger is None:
        _logger = logging.getLogger("darter")
    return _logger if _logger.isEnabledFor(logging.INFO) else None


USER_AGENT = f"python-darter/{__version__}"

T = TypeVar("T")


class UseClientDefault:
    """The type of ``USE_CLIENT_DEFAULT``: "use what the client was configured with".

    Lets ``client.get(url, timeout=None)`` mean "no timeout" while leaving the
    argument out means "the client's timeout".
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"


USE_CLIENT_DEFAULT = UseClientDefault()

#: How many request URL strings a client keeps parsed.
_URL_CACHE_SIZE = 256


def default_headers() -> Headers:
    """The headers every client sends unless told otherwise."""
    return Headers(
        {
            b"Accept": b"*/*",
            b"Accept-Encoding": accept_encoding().encode("ascii"),
            b"Connection": b"keep-alive",
            b"User-Agent": USER_AGENT.encode("ascii"),
        }
    )


def start_deadline(timeouts: dict[str, Any]) -> float | None:
    """With ``Timeout(total=...)``, put the request's absolute deadline in ``timeouts``.

    Returns the total (``None`` without one). Every wait of the request is then
    bounded by the time left (see ``_protocol.deadline``).
    """
    total: float | None = timeouts.get("total")
    if total is not None and timeouts.get("deadline") is None:
        timeouts["deadline"] = time.monotonic() + total
    return total


def explain_timeout(
    exc: TimeoutException, timeouts: dict[str, Any], total: float | None
) -> TimeoutException:
    """The exception to raise for a timeout: the same one, unless it was the
    whole-request deadline that ran out, which the message then says."""
    if total is None or not deadline_passed(timeouts):
        return exc
    error = type(exc)(
        f"The request did not complete within its total timeout ({total} s): it ran out "
        f"while {_PHASES.get(exc.phase or '', 'waiting')}. Raise Timeout(total=...) if the "
        "server is slow but trusted."
    )
    error._request = exc._request
    return error


_PHASES = {
    "connect": "connecting",
    "read": "waiting for the server",
    "write": "sending the request",
    "pool": "waiting for a free connection",
}


def build_auth(auth: AuthTypes | None) -> Auth | None:
    """Turn an ``auth=`` argument into an ``Auth``: a tuple, a callable, or an ``Auth``.

    Raises ``TypeError`` for anything else.
    """
    if auth is None:
        return None
    if isinstance(auth, tuple):
        return BasicAuth(username=auth[0], password=auth[1])
    if isinstance(auth, Auth):
        return auth
    if callable(auth):
        return FunctionAuth(func=auth)
    raise TypeError(f'Invalid "auth" argument: {auth!r}')


def _with_trailing_slash(url: URL) -> URL:
    if url.raw_path.endswith(b"/"):
        return url
    return url.copy_with(raw_path=url.raw_path + b"/")


class BaseClient(Generic[T]):
    """Configuration and request building, shared by ``Client`` and ``AsyncClient``.

    ``T`` is the transport type of the subclass.
    """

    def __init__(
        self,
        *,
        auth: AuthTypes | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: Mapping[str, list[EventHook]] | None = None,
        base_url: URLTypes = "",
        trust_env: bool = True,
        default_encoding: str | Callable[[bytes], str] = "utf-8",
        response_limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
    ) -> None:
        self._decoding_limits = DecodingLimits(
            max_ratio=response_limits.max_decompression_ratio,
            ratio_floor=response_limits.decompression_ratio_floor,
            max_encodings=response_limits.max_content_encodings,
            max_size=response_limits.max_decoded_size,
        )
        event_hooks = {} if event_hooks is None else event_hooks
        self._url_cache: dict[str, URL] = {}
        self._base_url = _with_trailing_slash(URL(base_url))
        self._auth = build_auth(auth)
        self._params = QueryParams(params)
        self.headers = headers  # the setter merges in the defaults
        self._cookies = Cookies(cookies)
        self._timeout = Timeout(timeout)
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self._event_hooks = {
            "request": list(event_hooks.get("request", [])),
            "response": list(event_hooks.get("response", [])),
        }
        self._trust_env = trust_env
        self._default_encoding = default_encoding
        self._state = "unopened"  # then "opened" by the first request, "closed" by close()
        self._mounts: dict[URLPattern, T | None] = {}

    # Configuration, as properties so that assignments are normalised.

    @property
    def is_closed(self) -> bool:
        """Whether the client has been closed."""
        return self._state == "closed"

    @property
    def trust_env(self) -> bool:
        """Whether environment variables (proxies, CA bundle, .netrc) are used."""
        return self._trust_env

    @property
    def timeout(self) -> Timeout:
        """The default ``Timeout`` of requests."""
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: TimeoutTypes) -> None:
        self._timeout = Timeout(timeout)

    @property
    def event_hooks(self) -> dict[str, list[EventHook]]:
        """Callables run for each ``"request"`` before it is sent and each ``"response"``."""
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, event_hooks: dict[str, list[EventHook]]) -> None:
        self._event_hooks = {
            "request": list(event_hooks.get("request", [])),
            "response": list(event_hooks.get("response", [])),
        }

    @property
    def auth(self) -> Auth | None:
        """The default authentication of requests."""
        return self._auth

    @auth.setter
    def auth(self, auth: AuthTypes) -> None:
        self._auth = build_auth(auth)

    @property
    def base_url(self) -> URL:
        """The URL that relative request URLs are resolved against."""
        return self._base_url

    @base_url.setter
    def base_url(self, url: URLTypes) -> None:
        self._base_url = _with_trailing_slash(URL(url))
        self._url_cache.clear()

    @property
    def headers(self) -> Headers:
        """Headers sent with every request (the defaults, updated with the client's)."""
        return self._headers

    @headers.setter
    def headers(self, headers: HeaderTypes | None) -> None:
        merged = default_headers()
        if headers is not None:
            merged.update(headers)
        self._headers = merged

    @property
    def cookies(self) -> Cookies:
        """The cookie jar: cookies sent with requests and updated from responses."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._cookies = Cookies(cookies)

    @property
    def params(self) -> QueryParams:
        """Query parameters added to every request."""
        return self._params

    @params.setter
    def params(self, params: QueryParamTypes) -> None:
        self._params = QueryParams(params)

    # Building requests

    def build_request(
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
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Request:
        """Build a ``Request`` with the client's base URL, parameters, headers, cookies and
        timeout merged in, to send later with ``send()``.

        Raises ``InvalidURL`` for a URL that cannot be parsed.
        """
        url = self._merge_url(url)
        merged_headers = self._headers if headers is None else self._merge_headers(headers)
        extensions = {} if extensions is None else dict(extensions)
        if "timeout" not in extensions:
            chosen = self._timeout if isinstance(timeout, UseClientDefault) else Timeout(timeout)
            extensions["timeout"] = chosen.as_dict()
        return Request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=self._merge_queryparams(params),
            headers=merged_headers,
            cookies=self._merge_cookies(cookies),
            extensions=extensions,
        )

    def _merge_url(self, url: URLTypes) -> URL:
        if type(url) is str:
            # URLs are immutable and most programs ask for the same few again and
            # again: parse (and join to base_url) each string once.
            merged = self._url_cache.get(url)
            if merged is None:
                if len(self._url_cache) >= _URL_CACHE_SIZE:
                    self._url_cache.clear()
                merged = self._url_cache[url] = self._join_base_url(URL(url))
            return merged
        return self._join_base_url(url if type(url) is URL else URL(url))

    def _join_base_url(self, merge_url: URL) -> URL:
        if merge_url.is_relative_url:
            # Relative to base_url's path: "/b" under "http://x/a/" is "http://x/a/b".
            raw_path = self._base_url.raw_path + merge_url.raw_path.lstrip(b"/")
            return self._base_url.copy_with(raw_path=raw_path)
        return merge_url

    def _merge_headers(self, headers: HeaderTypes) -> Headers:
        merged = Headers(self._headers)
        merged.update(headers)
        return merged

    def _merge_cookies(self, cookies: CookieTypes | None) -> CookieTypes | None:
        if cookies or self._cookies:
            merged = Cookies(self._cookies)
            merged.update(cookies)
            return merged
        return cookies

    def _merge_queryparams(self, params: QueryParamTypes | None) -> QueryParamTypes | None:
        if params or self._params:
            return self._params.merge(params)
        return params

    def _request_auth(
        self, request: Request, auth: AuthTypes | UseClientDefault | None
    ) -> Auth | None:
        """The auth to use for ``request``: per-request, client's, or the URL's userinfo."""
        chosen = self._auth if isinstance(auth, UseClientDefault) else build_auth(auth)
        if chosen is not None:
            return chosen
        url = request.url
        if url.userinfo:
            return BasicAuth(url.username, url.password)
        return None

    # Mounts

    def _transport_for_url(self, url: URL, default: T) -> T:
        """The transport for ``url``: the most specific matching mount, else ``default``."""
        for pattern, transport in self._mounts.items():
            if pattern.matches(url):
                return default if transport is None else transport
        return default

    def _mount(
        self,
        proxy: ProxyTypes | None,
        mounts: Mapping[str, T | None] | None,
        allow_env_proxies: bool,
        make_proxy_transport: Callable[[Proxy], T],
    ) -> None:
        from ._mounts import URLPattern, environment_proxies  # kept out of `import darter`

        if proxy is not None:
            proxies: dict[str, Proxy | None] = {
                "all://": proxy if isinstance(proxy, Proxy) else Proxy(proxy)
            }
        elif allow_env_proxies:
            proxies = {
                key: None if url is None else Proxy(url)
                for key, url in environment_proxies().items()
            }
        else:
            proxies = {}
        found: dict[URLPattern, T | None] = {
            URLPattern(key): None if value is None else make_proxy_transport(value)
            for key, value in proxies.items()
        }
        if mounts is not None:
            found.update({URLPattern(key): value for key, value in mounts.items()})
        self._mounts = dict(sorted(found.items(), key=lambda item: item[0].priority))
