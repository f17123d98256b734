"""Which transport serves a URL: ``mounts=`` patterns and proxies from the environment.

A pattern is ``scheme://host:port`` where each part may be left out or widened:

- scheme ``all`` matches every scheme;
- host ``example.com`` matches that host only, ``*.example.com`` its subdomains
  only, ``*example.com`` the domain and its subdomains, ``*`` (or nothing) any host;
  an IP network such as ``10.0.0.0/8`` or ``[fd00::]/8`` matches IP-literal hosts in it;
- a port matches that port only.

When several patterns match, the most specific wins: one with a port before one
without, then the longer host, then the longer scheme.
"""

from __future__ import annotations

import ipaddress
import urllib.request
from typing import Any

from ._models._urls import URL

__all__ = ["URLPattern", "environment_proxies"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class URLPattern:
    """A ``mounts=`` key: matches URLs by scheme, host and port."""

    __slots__ = ("_host_match", "_network", "host", "pattern", "port", "scheme")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._network: Network | None = None
        scheme, separator, rest = pattern.partition("://")
        if not separator:
            raise ValueError(
                f"Proxy keys should use proper URL forms rather than plain scheme strings. "
                f'Instead of "{pattern}", use "{pattern}://"'
            )
        self.scheme = "" if scheme == "all" else scheme.lower()
        host, port = _split_host_port(rest.rstrip("/"), pattern)
        self.port = port
        self.host = host
        self._host_match = host
        if "/" in host:
            self._network = ipaddress.ip_network(host.strip("[]").replace("]/", "/"), strict=False)
        elif host == "*":
            self._host_match = ""

    @property
    def priority(self) -> tuple[int, int, int]:
        """Sort key: the most specific pattern first."""
        return (self.port is None, -len(self.host), -len(self.scheme))

    def matches(self, url: URL) -> bool:
        """Whether ``url`` is one this pattern covers."""
        if self.scheme and url.scheme != self.scheme:
            return False
        if self.port is not None and url.port != self.port:
            return False
        host = self._host_match
        if self._network is not None:
            try:
                return ipaddress.ip_address(url.host) in self._network
            except ValueError:
                return False
        if not host:
            return True
        if host.startswith("*."):
            return url.host.endswith(host[1:])
        if host.startswith("*"):
            domain = host[1:]
            return url.host == domain or url.host.endswith("." + domain)
        return url.host == host

    def __lt__(self, other: URLPattern) -> bool:
        return self.priority < other.priority

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, URLPattern) and self.pattern == other.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"URLPattern({self.pattern!r})"


def _split_host_port(netloc: str, pattern: str) -> tuple[str, int | None]:
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest.startswith("/"):
            return host + rest, None  # an IPv6 network
        port_text = rest[1:] if rest.startswith(":") else ""
        return host.strip("[]").lower(), _parse_port(port_text, pattern)
    host, _, port_text = netloc.partition(":")
    return host.lower(), _parse_port(port_text, pattern)


def _parse_port(text: str, pattern: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"Invalid port in URL pattern {pattern!r}.")
    return int(text)


def environment_proxies() -> dict[str, str | None]:
    """Mount patterns from ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY``.

    Values are proxy URLs, or ``None`` for hosts that must not be proxied.
    ``NO_PROXY=*`` disables proxies altogether. ``NO_PROXY`` entries may be host
    names (covering their subdomains), IP addresses, CIDR networks or IPv6 literals.
    """
    settings = urllib.request.getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        proxy = settings.get(scheme)
        if proxy:
            mounts[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"

    for entry in (item.strip() for item in settings.get("no", "").split(",")):
        if not entry:
            continue
        if entry == "*":
            return {}
        mounts[_no_proxy_pattern(entry)] = None
    return mounts


def _no_proxy_pattern(entry: str) -> str:
    if "://" in entry:
        return entry
    bare = entry.strip("[]")
    try:
        if "/" in bare:
            network = ipaddress.ip_network(bare, strict=False)
            return (
                f"all://{network.with_prefixlen}"
                if network.version == 4
                else (f"all://[{network.network_address}]/{network.prefixlen}")
            )
        address = ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        return f"all://[{address}]" if address.version == 6 else f"all://{address}"
    if entry.lower() == "localhost":
        return "all://localhost"
    # "example.com" and ".example.com" both cover the domain and its subdomains.
    return f"all://*{entry.lstrip('.').lower()}"
