"""Client configuration values: ``Timeout``, ``Limits``, ``Proxy`` and TLS contexts.

Building an ``ssl.SSLContext`` that loads a CA bundle costs milliseconds, so the
contexts transports use are built once per configuration per process
(``shared_ssl_context``) and reused by every client and connection.
``create_ssl_context`` is the public function and always returns a new context
that the caller may change freely.
"""

from __future__ import annotations

import functools
import os
import ssl
import warnings
from typing import Any

from ._models._headers import Headers
from ._models._urls import URL
from ._types import CertTypes, HeaderTypes, TimeoutTypes, URLTypes, VerifyTypes

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT_CONFIG",
    "Limits",
    "DEFAULT_RESPONSE_LIMITS",
    "Proxy",
    "ResponseLimits",
    "Timeout",
    "create_ssl_context",
    "shared_ssl_context",
]


class UnsetType:
    """The type of ``UNSET``: marks an argument the caller did not give."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET = UnsetType()


class Timeout:
    """Timeouts, in seconds, for each phase of a request; ``None`` disables one.

    ``connect``: establishing the connection (TCP and TLS); ``read``: waiting for
    each piece of the response; ``write``: sending each piece of the request;
    ``pool``: waiting for a free connection in the pool.

    ``Timeout(10.0)`` sets all four; ``Timeout(10.0, connect=60.0)`` overrides one;
    ``Timeout(connect=..., read=..., write=..., pool=...)`` must set all four.

    ``total`` (darter's addition, off by default) bounds the whole request — pool
    wait, connect, sending, waiting and reading the whole body of a non-streamed
    response, across redirects and auth round trips — so a server trickling bytes
    just inside the read timeout is still cut off; the error then says so.

    Raises ``ValueError`` when neither a default nor all four values are given.
    """

    __slots__ = ("connect", "pool", "read", "total", "write")

    def __init__(
        self,
        timeout: TimeoutTypes | UnsetType = UNSET,
        *,
        connect: float | UnsetType | None = UNSET,
        read: float | UnsetType | None = UNSET,
        write: float | UnsetType | None = UNSET,
        pool: float | UnsetType | None = UNSET,
        total: float | None = None,
    ) -> None:
        self.total = total
        self.connect: float | None
        self.read: float | None
        self.write: float | None
        self.pool: float | None
        if isinstance(timeout, Timeout):
            if not all(value is UNSET for value in (connect, read, write, pool)):
                raise ValueError(
                    "Timeout(Timeout(...), connect=...) is ambiguous: copy a Timeout "
                    "on its own, or give the four values."
                )
            self.connect, self.read = timeout.connect, timeout.read
            self.write, self.pool = timeout.write, timeout.pool
            if total is None:
                self.total = timeout.total
        elif isinstance(timeout, tuple):
            # A (connect, read[, write[, pool]]) tuple; missing values mean no timeout.
            values = (*timeout, None, None, None, None)
            self.connect, self.read, self.write, self.pool = values[:4]
        else:
            if timeout is UNSET and any(value is UNSET for value in (connect, read, write, pool)):
                raise ValueError(
                    "Timeout needs a default, as in Timeout(5.0, connect=10.0), or all "
                    "four of connect, read, write and pool set explicitly."
                )
            default: Any = timeout
            self.connect = default if isinstance(connect, UnsetType) else connect
            self.read = default if isinstance(read, UnsetType) else read
            self.write = default if isinstance(write, UnsetType) else write
            self.pool = default if isinstance(pool, UnsetType) else pool

    def as_dict(self) -> dict[str, float | None]:
        """The values as a dict, as transports receive them in request extensions
        (``total`` only when set)."""
        values = {
            "connect": self.connect,
            "read": self.read,
            "write": self.write,
            "pool": self.pool,
        }
        if self.total is not None:
            values["total"] = self.total
        return values

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Timeout) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((self.connect, self.read, self.write, self.pool, self.total))

    def __repr__(self) -> str:
        total = "" if self.total is None else f", total={self.total}"
        if len({self.connect, self.read, self.write, self.pool}) == 1:
            return f"Timeout(timeout={self.connect}{total})"
        return (
            f"Timeout(connect={self.connect}, read={self.read}, "
            f"write={self.write}, pool={self.pool}{total})"
        )


class Limits:
    """Limits on a connection pool.

    ``max_connections``: connections open at once (``None``: no limit);
    ``max_keepalive_connections``: idle connections kept for reuse;
    ``keepalive_expiry``: seconds an idle connection is kept before it is closed.
    """

    __slots__ = ("keepalive_expiry", "max_connections", "max_keepalive_connections")

    def __init__(
        self,
        *,
        max_connections: int | None = None,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = 5.0,
    ) -> None:
        self.max_connections = max_connections
        self.max_keepalive_connections = max_keepalive_connections
        self.keepalive_expiry = keepalive_expiry

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, Limits)
            and self.max_connections == other.max_connections
            and self.max_keepalive_connections == other.max_keepalive_connections
            and self.keepalive_expiry == other.keepalive_expiry
        )

    def __hash__(self) -> int:
        return hash((self.max_connections, self.max_keepalive_connections, self.keepalive_expiry))

    def __repr__(self) -> str:
        return (
            f"Limits(max_connections={self.max_connections}, "
            f"max_keepalive_connections={self.max_keepalive_connections}, "
            f"keepalive_expiry={self.keepalive_expiry})"
        )


class Proxy:
    """A proxy server: its URL, and optionally credentials, headers and a TLS context.

    The URL's scheme is ``http``, ``https`` (TLS to the proxy itself), ``socks5`` or
    ``socks5h`` (the proxy resolves host names). Credentials may be given in the URL
    (``http://user:pass@proxy:3128``) or as ``auth=(user, password)``; they are sent
    to the proxy only. Raises ``ValueError`` for any other scheme.
    """

    def __init__(
        self,
        url: URLTypes,
        *,
        ssl_context: ssl.SSLContext | None = None,
        auth: tuple[str, str] | None = None,
        headers: HeaderTypes | None = None,
    ) -> None:
        url = URL(url)
        if url.scheme not in ("http", "https", "socks5", "socks5h"):
            raise ValueError(
                f"Unknown scheme for proxy URL {url!r}: use http, https, socks5 or socks5h."
            )
        if url.username or url.password:
            # Credentials travel in Proxy-Authorization, never in the URL that is used.
            auth = (url.username, url.password)
            url = url.copy_with(username=None, password=None)
        self.url = url
        self.auth = auth
        self.headers = Headers(headers)
        self.ssl_context = ssl_context

    @property
    def raw_auth(self) -> tuple[bytes, bytes] | None:
        """The credentials as UTF-8 bytes, or ``None``."""
        if self.auth is None:
            return None
        return (self.auth[0].encode("utf-8"), self.auth[1].encode("utf-8"))

    def __repr__(self) -> str:
        parts = [repr(str(self.url))]
        if self.auth is not None:
            parts.append(f"auth=({self.auth[0]!r}, '********')")
        if self.headers:
            parts.append(f"headers={dict(self.headers)!r}")
        return f"Proxy({', '.join(parts)})"


class ResponseLimits:
    """Bounds on what a server may make darter hold or do, against misbehaving and
    hostile servers. The defaults suit any normal server; raise one for a trusted
    server that needs it. Passing one raises ``darter.LimitExceeded`` (also a
    ``RemoteProtocolError`` or a ``DecodingError``) whose message names it.

    - ``max_head_size``: bytes of a response head (status line and headers), and of
      a chunk header line;
    - ``max_header_count``: header fields in a head (or trailer section);
    - ``max_informational_responses``: 1xx responses before the final one;
    - ``max_decompression_ratio``: decoded bytes per compressed byte (``None``: no
      check), beyond ``decompression_ratio_floor`` decoded bytes always allowed;
    - ``max_decoded_size``: decoded bytes of a body in all (``None``: no cap);
    - ``max_content_encodings``: stacked codings in one ``Content-Encoding``;
    - ``max_http2_header_list_size``: bytes of an HTTP/2 header block (announced to
      the server and enforced).

    The number of redirects is ``max_redirects`` on the client.
    """

    __slots__ = (
        "decompression_ratio_floor",
        "max_content_encodings",
        "max_decoded_size",
        "max_decompression_ratio",
        "max_head_size",
        "max_header_count",
        "max_http2_header_list_size",
        "max_informational_responses",
    )

    def __init__(
        self,
        *,
        max_head_size: int = 100 * 1024,
        max_header_count: int = 256,
        max_informational_responses: int = 100,
        max_decompression_ratio: float | None = 500,
        decompression_ratio_floor: int = 8 * 1024 * 1024,
        max_decoded_size: int | None = None,
        max_content_encodings: int = 5,
        max_http2_header_list_size: int = 64 * 1024,
    ) -> None:
        self.max_head_size = max_head_size
        self.max_header_count = max_header_count
        self.max_informational_responses = max_informational_responses
        self.max_decompression_ratio = max_decompression_ratio
        self.decompression_ratio_floor = decompression_ratio_floor
        self.max_decoded_size = max_decoded_size
        self.max_content_encodings = max_content_encodings
        self.max_http2_header_list_size = max_http2_header_list_size

    def http11_options(self) -> dict[str, int]:
        """Keyword arguments of ``HTTP11Machine`` for these limits."""
        return {
            "max_head_size": self.max_head_size,
            "max_header_count": self.max_header_count,
            "max_informational_responses": self.max_informational_responses,
        }

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ResponseLimits) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__slots__))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in sorted(self.__slots__))
        return f"ResponseLimits({fields})"


DEFAULT_RESPONSE_LIMITS = ResponseLimits()
DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=5.0)
DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20)
DEFAULT_MAX_REDIRECTS = 20


def create_ssl_context(
    verify: VerifyTypes = True, cert: CertTypes | None = None, trust_env: bool = True
) -> ssl.SSLContext:
    """Build a new client ``ssl.SSLContext``.

    ``verify``: ``True`` checks certificates against certifi's CA bundle (or, with
    ``trust_env``, the ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` environment variables);
    ``False`` disables verification; a path names a CA file or directory; an
    ``SSLContext`` is used as it is. ``cert``: a client certificate, as a path or a
    ``(certfile, keyfile[, password])`` tuple. With ``trust_env``, ``SSLKEYLOGFILE``
    names a file where TLS secrets are logged for debugging.

    Raises ``ssl.SSLError`` or ``OSError`` when a file cannot be loaded.
    """
    warn_deprecated_tls_arguments(verify, cert)
    return _build_ssl_context(verify, cert, trust_env)


def warn_deprecated_tls_arguments(verify: VerifyTypes, cert: CertTypes | None) -> None:
    """Emit the ``DeprecationWarning`` for ``verify=<path>`` and ``cert=...``."""
    if isinstance(verify, str):
        warnings.warn(
            "verify=<path> is deprecated: pass verify=ssl.create_default_context("
            "cafile=...) or (capath=...) instead.",
            DeprecationWarning,
            stacklevel=3,
        )
    if cert is not None:
        warnings.warn(
            "cert=... is deprecated: pass verify=<ssl.SSLContext> and call "
            ".load_cert_chain() on it instead.",
            DeprecationWarning,
            stacklevel=3,
        )


def _build_ssl_context(
    verify: VerifyTypes, cert: CertTypes | None, trust_env: bool
) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        cafile, capath = _default_ca_locations(trust_env)
        context = ssl.create_default_context(cafile=cafile, capath=capath)
    elif isinstance(verify, str):
        if os.path.isdir(verify):
            context = ssl.create_default_context(capath=verify)
        else:
            context = ssl.create_default_context(cafile=verify)
    else:
        raise TypeError(f"verify must be a bool, a path or an ssl.SSLContext, not {verify!r}")

    if cert is not None:
        if isinstance(cert, str):
            context.load_cert_chain(cert)
        else:
            context.load_cert_chain(*cert)

    if not isinstance(verify, ssl.SSLContext):
        # ``ssl.create_default_context`` reads SSLKEYLOGFILE itself: without
        # ``trust_env`` the environment must not turn key logging on.
        keylog = os.environ.get("SSLKEYLOGFILE") if trust_env else None
        context.keylog_filename = keylog or None  # type: ignore[assignment]
    return context


def _default_ca_locations(trust_env: bool) -> tuple[str | None, str | None]:
    """``(cafile, capath)``: the environment's CA bundle when trusted, else certifi's."""
    if trust_env:
        cert_file = os.environ.get("SSL_CERT_FILE")
        if cert_file and os.path.isfile(cert_file):
            return cert_file, None
        cert_dir = os.environ.get("SSL_CERT_DIR")
        if cert_dir and os.path.isdir(cert_dir):
            return None, cert_dir
    import certifi

    return certifi.where(), None


def shared_ssl_context(
    verify: VerifyTypes,
    cert: CertTypes | None,
    trust_env: bool,
    alpn_protocols: tuple[str, ...],
) -> ssl.SSLContext:
    """The process-wide context for this configuration, built on first use.

    A user's own ``SSLContext`` is used as given (only its ALPN list is set).
    """
    warn_deprecated_tls_arguments(verify, cert)
    if isinstance(verify, ssl.SSLContext):
        context = _build_ssl_context(verify, cert, trust_env)
        context.set_alpn_protocols(list(alpn_protocols))
        return context
    environment = (
        (
            os.environ.get("SSL_CERT_FILE"),
            os.environ.get("SSL_CERT_DIR"),
            os.environ.get("SSLKEYLOGFILE"),
        )
        if trust_env
        else None
    )
    return _cached_context(verify, cert, trust_env, alpn_protocols, environment)


@functools.lru_cache(maxsize=32)
def _cached_context(
    verify: bool | str,
    cert: CertTypes | None,
    trust_env: bool,
    alpn_protocols: tuple[str, ...],
    environment: tuple[str | None, ...] | None,
) -> ssl.SSLContext:
    # ``environment`` is part of the cache key only: a changed variable gives a new context.
    context = _build_ssl_context(verify, cert, trust_env)
    context.set_alpn_protocols(list(alpn_protocols))
    return context
