"""How a request reaches its origin through a proxy, decided without I/O.

A ``Route`` says where the TCP connection goes and what happens on it before
HTTP starts:

- no proxy: TCP to the origin, TLS for https;
- HTTP(S) proxy, http:// target: TCP (and TLS, for an https:// proxy) to the
  proxy, requests in absolute form (``GET http://host/path``) with the proxy's
  credentials; every http:// origin shares the connections to the proxy;
- HTTP(S) proxy, https:// target: a ``CONNECT host:port`` tunnel through the
  proxy, then TLS with the origin inside it; a tunnel per origin;
- SOCKS5 proxy: the SOCKS handshake, then as without a proxy.

Credentials for the proxy travel in ``Proxy-Authorization`` (or the SOCKS
handshake) to the proxy only, never to the origin.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import NamedTuple

from .._auth import basic_auth_header
from .._config import Proxy

__all__ = ["Route", "connect_request_headers", "proxy_headers", "route_for"]

#: The port each scheme defaults to, for proxies given without one.
_DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


class Route(NamedTuple):
    """Where and how to connect for requests to one origin."""

    #: Connections are shared by the requests whose routes have the same key.
    key: Hashable
    #: Where the TCP connection goes.
    host: str
    port: int
    #: TLS with the proxy itself (an https:// proxy).
    proxy_tls: bool
    #: The SOCKS proxy's scheme ("socks5" or "socks5h"), if it is one.
    socks: str | None
    #: ``CONNECT`` (or SOCKS) to this origin, once connected to the proxy.
    tunnel: tuple[str, int] | None
    #: TLS with the origin, with this server name; ``None`` for plain HTTP.
    tls_server_name: str | None
    #: Requests carry the absolute URL as their target (forwarding proxy).
    absolute_form: bool


def route_for(origin: tuple[bytes, bytes, int], proxy: Proxy | None) -> Route:
    """The route for requests to ``origin`` (scheme, host, port) through ``proxy``."""
    scheme, raw_host, port = origin
    host = raw_host.decode("ascii")
    is_https = scheme == b"https"
    tls_name = host if is_https else None
    if proxy is None:
        return Route(origin, host, port, False, None, None, tls_name, False)
    proxy_url = proxy.url
    proxy_scheme = proxy_url.scheme
    proxy_host = proxy_url.raw_host.decode("ascii")
    proxy_port = proxy_url.port or _DEFAULT_PORTS[proxy_scheme]
    proxy_origin = (proxy_scheme, proxy_host, proxy_port)
    if proxy_scheme in ("socks5", "socks5h"):
        return Route(
            (proxy_origin, origin), proxy_host, proxy_port, False, proxy_scheme,
            (host, port), tls_name, False,
        )  # fmt: skip
    proxy_tls = proxy_scheme == "https"
    if not is_https:
        # Plain HTTP is forwarded: one set of connections to the proxy serves all origins.
        return Route(proxy_origin, proxy_host, proxy_port, proxy_tls, None, None, None, True)
    return Route(
        (proxy_origin, origin), proxy_host, proxy_port, proxy_tls, None, (host, port), tls_name,
        False,
    )  # fmt: skip


def proxy_headers(proxy: Proxy) -> list[tuple[bytes, bytes]]:
    """Headers for the proxy: its ``headers`` and ``Proxy-Authorization`` if it has credentials."""
    headers = list(proxy.headers.raw)
    if proxy.auth is not None and "proxy-authorization" not in proxy.headers:
        value = basic_auth_header(proxy.auth[0], proxy.auth[1])
        headers.append((b"Proxy-Authorization", value.encode("ascii")))
    return headers


def connect_request_headers(host: str, port: int, proxy: Proxy) -> list[tuple[bytes, bytes]]:
    """The headers of ``CONNECT host:port``: ``Host`` and the proxy's headers."""
    authority = _authority(host, port)
    return [(b"Host", authority), *proxy_headers(proxy)]


def connect_target(host: str, port: int) -> bytes:
    """The request target of ``CONNECT``: ``host:port`` (IPv6 literals in brackets)."""
    return _authority(host, port)


def _authority(host: str, port: int) -> bytes:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}".encode("ascii")
