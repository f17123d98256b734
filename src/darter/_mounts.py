"""Which transport serves a URL: ``mounts=`` patterns and proxies from the environment.

A pattern is ``scheme://host:port`` where each part may be left out or widened:

- scheme ``all`` matches every scheme;
- host ``example.com`` matches that host only, ``*.example.com`` its subdomains
  only, ``*example.com`` the domain and its subdomains, ``*`` (or nothing) any host;
  an IP network such as ``10.0.0.0/8`` or ``[fd00::]/8`` matches IP-literal hosts in it;
  internationalised names match in either their Unicode or their ``xn--`` form;
- a port matches that port only, counting a URL without a port as using its
  scheme's default (``https://example.com:443`` matches ``https://example.com``).

When several patterns match, the most specific wins: one with a port before one
without, then the longer host, then the longer scheme.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ._models._urls import URL

__all__ = ["URLPattern", "environment_proxies"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class URLPattern:
    """A ``mounts=`` key: matches URLs by scheme, host and port."""

    __slots__ = ("_network", "host", "pattern", "port", "scheme")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._network: Network | None = None
        scheme, separator, rest = pattern.partition("://")
        if not separator:
            raise ValueError(
                f"Proxy keys should use proper URL forms rather than plain scheme strings. "
                f'Instead of "{pattern}", use "{pattern}://"'
            )
        scheme = scheme.lower()
        self.scheme = "" if scheme == "all" else scheme
        # Credentials in a pattern say nothing about which URLs it covers.
        authority = rest.rstrip("/").rpartition("@")[2]
        host, port = _split_host_port(authority, pattern)
        self.port = port
        if "/" in host:
            try:
                self._network = ipaddress.ip_network(
                    host.replace("[", "").replace("]", ""), strict=False
                )
            except ValueError:
                raise ValueError(f"Invalid host or network in URL pattern {pattern!r}.") from None
        self.host = _normalise_pattern_host(host)

    @property
    def priority(self) -> tuple[bool, int, int]:
        """Sort key: the most specific pattern first."""
        return (self.port is None, -len(self.host), -len(self.scheme))

    def matches(self, url: URL) -> bool:
        """Whether ``url`` is one this pattern covers."""
        if self.scheme and url.scheme != self.scheme:
            return False
        if self.port is not None:
            port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme)
            if port != self.port:
                return False
        if self._network is not None:
            try:
                return ipaddress.ip_address(url.host) in self._network
            except ValueError:
                return False
        host = self.host
        if not host:
            return True
        url_host = _normalise_url_host(url)
        if host.startswith("*."):
            return url_host.endswith(host[1:])
        if host.startswith("*"):
            domain = host[1:]
            return url_host == domain or url_host.endswith("." + domain)
        return url_host == host

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
        if end == -1:
            raise ValueError(f"Invalid IPv6 address in URL pattern {pattern!r}.")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest.startswith("/"):
            return host + rest, None  # an IPv6 network
        if rest and not rest.startswith(":"):
            raise ValueError(f"Invalid IPv6 address in URL pattern {pattern!r}.")
        return host[1:-1], _parse_port(rest[1:], pattern)
    host, _, port_text = netloc.partition(":")
    return host, _parse_port(port_text, pattern)


def _parse_port(text: str, pattern: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"Invalid port in URL pattern {pattern!r}.")
    return int(text)


def _normalise_pattern_host(host: str) -> str:
    """The host of a pattern as it is compared: lowercase, IDNA-encoded, ``*`` as empty."""
    if host == "*" or "/" in host:
        return "" if host == "*" else host
    wildcard = "*." if host.startswith("*.") else "*" if host.startswith("*") else ""
    name = host[len(wildcard) :]
    try:
        return wildcard + str(ipaddress.ip_address(name))
    except ValueError:
        pass
    if name.isascii():
        return wildcard + name.lower()
    import idna  # internationalised names only: kept out of `import darter`

    try:
        return wildcard + idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValueError(f"Invalid host name in URL pattern {host!r}.") from None


def _normalise_url_host(url: URL) -> str:
    host = url.raw_host.decode("ascii")
    if ":" in host:  # an IPv6 literal, which may be written in several ways
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            return host.lower()
    return host


def environment_proxies() -> dict[str, str | None]:
    """Mount patterns from ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY``.

    Values are proxy URLs, or ``None`` for hosts that must not be proxied.
    ``NO_PROXY=*`` disables proxies altogether. ``NO_PROXY`` entries may be host
    names (covering their subdomains; ``.example.com`` and ``*.example.com`` too),
    IP addresses, CIDR networks or IPv6 literals, each optionally with a port.
    """
    # Imported here: urllib.request (with http.client and email) costs
    # ``import darter`` several ms, and only clients that trust the environment need it.
    import urllib.request

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
        pattern = _no_proxy_pattern(entry)
        if pattern is not None:
            mounts[pattern] = None
    return mounts


def _no_proxy_pattern(entry: str) -> str | None:
    """The mount pattern of one ``NO_PROXY`` entry, or None if it names no host."""
    if "://" in entry:
        return entry
    if entry.startswith("["):  # "[::1]", "[::1]:8080" or "[fd00::]/8"
        address, _, after = entry[1:].partition("]")
        if after.startswith("/"):
            return _network_pattern(address + after)
        return f"all://[{address}]{after}"
    if entry.count(":") > 1 or "/" in entry:  # a bare IPv6 address, or a network
        try:
            if "/" in entry:
                return _network_pattern(entry)
            return f"all://[{ipaddress.ip_address(entry)}]"
        except ValueError:
            return None
    host, colon, port = entry.partition(":")
    suffix = colon + port
    try:
        return f"all://{ipaddress.ip_address(host)}{suffix}"
    except ValueError:
        pass
    if host.lower() == "localhost":
        return f"all://localhost{suffix}"
    # "example.com", ".example.com" and "*.example.com" all cover the domain and its
    # subdomains.
    domain = host.lstrip("*").lstrip(".").lower()
    return f"all://*{domain}{suffix}" if domain else None


def _network_pattern(text: str) -> str | None:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if network.version == 4:
        return f"all://{network.with_prefixlen}"
    return f"all://[{network.network_address}]/{network.prefixlen}"
