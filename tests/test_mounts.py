"""``mounts=`` patterns: matching, priority, proxies from the environment, and routing."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

import httpx
import pytest

import darter
from darter._mounts import URLPattern, environment_proxies

# Matching


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        # Schemes: "all" (in any case) matches every scheme, anything else only itself.
        ("all://", "http://example.com", True),
        ("all://", "wss://example.com", True),
        ("ALL://", "https://example.com", True),
        ("http://", "http://example.com", True),
        ("http://", "https://example.com", False),
        ("HTTPS://", "https://example.com", True),
        # Exact hosts, in any case, on any port.
        ("all://example.com", "http://example.com", True),
        ("all://example.com", "http://example.com:8080", True),
        ("all://EXAMPLE.com", "http://example.COM", True),
        ("all://example.com", "http://www.example.com", False),
        ("all://example.com", "http://example.org", False),
        ("https://example.com", "http://example.com", False),
        # "*.domain": subdomains only.
        ("all://*.example.com", "http://www.example.com", True),
        ("all://*.example.com", "http://a.b.example.com", True),
        ("all://*.example.com", "http://example.com", False),
        ("all://*.example.com", "http://wwwexample.com", False),
        # "*domain": the domain and its subdomains, but not other names ending alike.
        ("all://*example.com", "http://example.com", True),
        ("all://*example.com", "http://www.example.com", True),
        ("all://*example.com", "http://notexample.com", False),
        # "*" alone matches any host.
        ("all://*", "http://anything.test", True),
        ("http://*", "https://anything.test", False),
        # Ports: a URL without one uses its scheme's default.
        ("all://example.com:8080", "http://example.com:8080", True),
        ("all://example.com:8080", "http://example.com", False),
        ("all://*:8080", "http://a.test:8080", True),
        ("all://:8080", "http://a.test:8081", False),
        ("https://example.com:443", "https://example.com", True),
        ("https://example.com:443", "https://example.com:443", True),
        ("https://example.com:443", "https://example.com:8443", False),
        ("http://example.com:80", "http://example.com", True),
        # A default port is still a port: other ports do not match (httpx forgets it).
        ("http://example.com:80", "http://example.com:8080", False),
        ("all://example.com:443", "http://example.com", False),
        ("all://*:443", "wss://example.com", True),
        ("all://*:21", "ftp://example.com", False),
        # IP literals, IPv6 in any spelling.
        ("all://127.0.0.1", "http://127.0.0.1:8000", True),
        ("all://127.0.0.1", "http://127.0.0.2", False),
        ("all://[::1]", "http://[::1]:8000", True),
        ("all://[::1]:8000", "http://[::1]:8000", True),
        ("all://[::1]:8000", "http://[::1]:8001", False),
        ("all://[fd00::1]", "http://[FD00:0:0::0001]", True),
        ("all://[FD00::1]", "http://[fd00::1]", True),
        ("all://[::1]", "http://localhost", False),
        # IP networks.
        ("all://10.0.0.0/8", "http://10.20.30.40", True),
        ("all://10.0.0.0/8", "http://11.0.0.1", False),
        ("all://10.0.0.0/8", "http://ten.example", False),
        ("all://10.0.0.0/8", "http://[::1]", False),
        ("all://10.0.0.0/8:8080", "http://10.0.0.1:8080", True),
        ("all://10.0.0.0/8:8080", "http://10.0.0.1", False),
        ("http://10.1.0.0/16", "https://10.1.2.3", False),
        ("all://[fd00::]/8", "http://[fd12::1]", True),
        ("all://[fd00::]/8", "http://[fe80::1]", False),
        ("all://[fd00::]/8", "http://10.0.0.1", False),
        # Internationalised names match in either form.
        ("all://中国.com", "http://xn--fiqs8s.com", True),
        ("all://xn--fiqs8s.com", "http://中国.com", True),
        ("all://*.中国.com", "http://www.中国.com", True),
        ("all://*.中国.com", "http://中国.com", False),
        # Credentials and a trailing slash in a pattern are ignored.
        ("all://user:pass@example.com", "http://example.com", True),
        ("all://example.com/", "http://example.com/path", True),
        ("all://localhost", "http://localhost:3000", True),
    ],
)
def test_pattern_matches(pattern: str, url: str, expected: bool) -> None:
    assert URLPattern(pattern).matches(darter.URL(url)) is expected


@pytest.mark.parametrize(
    ("pattern", "scheme", "host", "port"),
    [
        ("all://", "", "", None),
        ("all://*", "", "", None),
        ("HTTP://Example.COM:8080", "http", "example.com", 8080),
        ("https://*.example.com", "https", "*.example.com", None),
        ("all://[::1]:8080", "", "::1", 8080),
        ("all://[FD00::0001]", "", "fd00::1", None),
        ("all://10.0.0.0/8", "", "10.0.0.0/8", None),
        ("socks5://中国.com", "socks5", "xn--fiqs8s.com", None),
    ],
)
def test_pattern_parts(pattern: str, scheme: str, host: str, port: int | None) -> None:
    parsed = URLPattern(pattern)
    assert (parsed.pattern, parsed.scheme, parsed.host, parsed.port) == (
        pattern,
        scheme,
        host,
        port,
    )


def test_pattern_needs_a_url_form() -> None:
    with pytest.raises(ValueError, match='Instead of "http", use "http://"'):
        URLPattern("http")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("all://example.com:abc", "Invalid port"),
        ("all://[::1", "Invalid IPv6 address"),
        ("all://[::1]x", "Invalid IPv6 address"),
        ("all://example.com/path", "Invalid host or network"),
        ("all://10.0.0.0/99", "Invalid host or network"),
        ("all://a\u200db.中国", "Invalid host name"),
    ],
)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        URLPattern(pattern)


def test_unparseable_ip_literal_host_does_not_match() -> None:
    # Hosts with ":" are IPv6 literals, validated by URL; anything else simply fails to match.
    url = cast(darter.URL, SimpleNamespace(scheme="http", port=None, raw_host=b"not:an:ip"))
    assert URLPattern("all://[::1]").matches(url) is False
    assert URLPattern("all://").matches(url) is True


def test_pattern_equality_hash_and_repr() -> None:
    assert URLPattern("all://example.com") == URLPattern("all://example.com")
    assert URLPattern("all://example.com") != URLPattern("http://example.com")
    assert URLPattern("all://") != "all://"
    assert len({URLPattern("all://"), URLPattern("all://"), URLPattern("http://")}) == 2
    assert repr(URLPattern("all://*.example.com")) == "URLPattern('all://*.example.com')"


def test_priority_orders_the_most_specific_first() -> None:
    patterns = [
        "all://",
        "http://",
        "https://",
        "all://*.example.com",
        "all://www.example.com",
        "https://www.example.com",
        "all://*:8080",
        "http://www.example.com:8080",
    ]
    ordered = sorted(URLPattern(pattern) for pattern in patterns)
    assert [pattern.pattern for pattern in ordered] == [
        # With a port, longest host first.
        "http://www.example.com:8080",
        "all://*:8080",
        # Then by host length, the longer scheme breaking ties.
        "https://www.example.com",
        "all://www.example.com",
        "all://*.example.com",
        "https://",
        "http://",
        "all://",
    ]
    # "*" counts as no host at all: a scheme-specific pattern outranks it.
    assert URLPattern("http://") < URLPattern("all://*")
    assert not URLPattern("all://*") < URLPattern("all://")


# The same routing decisions as httpx, for the patterns both document. (Where they
# differ by design: darter also takes IP networks, and keeps a default port written
# in a pattern, so that "http://example.com:80" does not match other ports.)

AGREED_PATTERNS = [
    "all://",
    "http://",
    "https://",
    "all://*",
    "http://*",
    "all://example.com",
    "all://EXAMPLE.com",
    "https://example.com",
    "all://*.example.com",
    "all://*example.com",
    "http://example.com:8080",
    "all://*:8080",
    "all://127.0.0.1",
    "all://[::1]",
    "all://[::1]:8080",
    "all://localhost",
    "all://中国.com",
    "all://xn--fiqs8s.com",
]

ROUTED_URLS = [
    "http://example.com",
    "https://example.com",
    "https://example.com:8443",
    "http://example.com:8080",
    "http://www.example.com",
    "https://a.b.example.com:8080",
    "http://notexample.com",
    "http://127.0.0.1",
    "http://127.0.0.1:8080",
    "http://[::1]/",
    "http://[::1]:8080/",
    "http://localhost:8000",
    "http://EXAMPLE.COM",
    "http://中国.com",
    "http://xn--fiqs8s.com",
    "ws://example.com",
]


def _labelled(module: object, label: str) -> object:
    def handler(request: object) -> object:
        return module.Response(200, text=label)  # type: ignore[attr-defined]

    return module.MockTransport(handler)  # type: ignore[attr-defined]


def _routes(module: object, mounts: list[str], urls: list[str]) -> list[str]:
    client = module.Client(  # type: ignore[attr-defined]
        transport=_labelled(module, "default"),
        mounts={pattern: _labelled(module, pattern) for pattern in mounts},
    )
    with client:
        return [client.get(url).text for url in urls]


@pytest.mark.parametrize("pattern", AGREED_PATTERNS)
def test_each_pattern_routes_like_httpx(pattern: str) -> None:
    assert _routes(darter, [pattern], ROUTED_URLS) == _routes(httpx, [pattern], ROUTED_URLS)


@pytest.mark.parametrize(
    "patterns",
    [
        ["all://", "http://", "https://"],
        ["all://*", "http://"],
        ["https://", "all://example.com"],
        ["all://example.com", "https://example.com"],
        ["all://*.example.com", "all://example.com", "all://"],
        ["all://*example.com", "http://example.com:8080", "http://"],
        ["all://*:8080", "all://localhost", "all://[::1]", "https://"],
        ["all://[::1]:8080", "all://*:8080", "all://127.0.0.1"],
    ],
)
def test_most_specific_pattern_wins_like_httpx(patterns: list[str]) -> None:
    for order in (patterns, patterns[::-1]):
        assert _routes(darter, order, ROUTED_URLS) == _routes(httpx, order, ROUTED_URLS)


# Proxies from the environment


def test_no_proxy_variables_means_no_mounts() -> None:
    assert environment_proxies() == {}


@pytest.mark.parametrize("upper", [True, False])
def test_proxy_variables_in_either_case(monkeypatch: pytest.MonkeyPatch, upper: bool) -> None:
    def name(variable: str) -> str:
        return variable if upper else variable.lower()

    monkeypatch.setenv(name("HTTP_PROXY"), "http://proxy.test:3128")
    monkeypatch.setenv(name("HTTPS_PROXY"), "https://secure-proxy.test:3129")
    monkeypatch.setenv(name("ALL_PROXY"), "socks5://socks.test:1080")
    monkeypatch.setenv(name("NO_PROXY"), "localhost, internal.test")
    assert environment_proxies() == {
        "http://": "http://proxy.test:3128",
        "https://": "https://secure-proxy.test:3129",
        "all://": "socks5://socks.test:1080",
        "all://localhost": None,
        "all://*internal.test": None,
    }


def test_proxy_without_scheme_is_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.test:3128")
    monkeypatch.setenv("HTTP_PROXY", "")
    assert environment_proxies() == {"https://": "http://proxy.test:3128"}


def test_no_proxy_star_disables_every_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", "example.com,*")
    assert environment_proxies() == {}


@pytest.mark.parametrize(
    ("entry", "pattern"),
    [
        ("example.com", "all://*example.com"),
        (".example.com", "all://*example.com"),
        ("*.example.com", "all://*example.com"),
        ("EXAMPLE.com", "all://*example.com"),
        ("example.com:8080", "all://*example.com:8080"),
        ("localhost", "all://localhost"),
        ("LocalHost:3000", "all://localhost:3000"),
        ("127.0.0.1", "all://127.0.0.1"),
        ("127.0.0.1:8080", "all://127.0.0.1:8080"),
        ("10.0.0.0/8", "all://10.0.0.0/8"),
        ("10.1.2.3/8", "all://10.0.0.0/8"),
        ("::1", "all://[::1]"),
        ("FD00:0::1", "all://[fd00::1]"),
        ("[::1]", "all://[::1]"),
        ("[::1]:8080", "all://[::1]:8080"),
        ("fd00::/8", "all://[fd00::]/8"),
        ("[fd00::]/8", "all://[fd00::]/8"),
        ("http://example.com", "http://example.com"),
    ],
)
def test_no_proxy_entries(monkeypatch: pytest.MonkeyPatch, entry: str, pattern: str) -> None:
    monkeypatch.setenv("NO_PROXY", f" {entry} ")
    assert environment_proxies() == {pattern: None}
    URLPattern(pattern)  # every entry gives a valid pattern


@pytest.mark.parametrize("entry", ["", ".", "*.", "10.0.0.0/99", "::zz", "[fd00::]/300"])
def test_no_proxy_entries_naming_no_host_are_skipped(
    monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    monkeypatch.setenv("NO_PROXY", f"{entry},,kept.test")
    assert environment_proxies() == {"all://*kept.test": None}


@pytest.mark.parametrize(
    ("entry", "url", "bypassed"),
    [
        ("example.com", "http://example.com", True),
        ("example.com", "https://api.example.com", True),
        ("example.com", "http://notexample.com", False),
        (".example.com", "http://example.com", True),
        ("*.example.com", "http://deep.api.example.com", True),
        ("example.com:8080", "http://example.com:8080", True),
        ("example.com:8080", "http://example.com", False),
        ("localhost", "http://localhost:8000", True),
        ("localhost", "http://notlocalhost", False),
        ("127.0.0.1", "http://127.0.0.1:5000", True),
        ("10.0.0.0/8", "http://10.9.8.7", True),
        ("10.0.0.0/8", "http://192.168.0.1", False),
        ("::1", "http://[::1]:8000", True),
        ("[fd00::]/8", "http://[fd99::1]", True),
        ("[fd00::]/8", "http://[fe80::1]", False),
    ],
)
def test_no_proxy_entry_covers(
    monkeypatch: pytest.MonkeyPatch, entry: str, url: str, bypassed: bool
) -> None:
    monkeypatch.setenv("NO_PROXY", entry)
    [pattern] = environment_proxies()
    assert URLPattern(pattern).matches(darter.URL(url)) is bypassed


# Routing in the clients

Route = Callable[[darter.Request], darter.Response]


def _label(label: str) -> darter.MockTransport:
    return darter.MockTransport(lambda request: darter.Response(200, text=label))


def test_client_routes_to_the_most_specific_mount() -> None:
    mounts: dict[str, darter.BaseTransport | None] = {
        "all://": _label("all"),
        "https://": _label("https"),
        "https://*.example.com": _label("subdomains"),
        "https://api.example.com": _label("api"),
        "https://api.example.com:8443": _label("api-8443"),
    }
    with darter.Client(transport=_label("default"), mounts=mounts) as client:
        assert client.get("http://example.com").text == "all"
        assert client.get("https://example.com").text == "https"
        assert client.get("https://www.example.com").text == "subdomains"
        assert client.get("https://api.example.com").text == "api"
        assert client.get("https://api.example.com:8443").text == "api-8443"


def test_client_none_mount_means_the_default_transport() -> None:
    mounts: dict[str, darter.BaseTransport | None] = {
        "all://": _label("proxy"),
        "all://*internal.test": None,
    }
    with darter.Client(transport=_label("default"), mounts=mounts) as client:
        assert client.get("http://example.com").text == "proxy"
        assert client.get("http://internal.test").text == "default"
        assert client.get("https://db.internal.test:5432").text == "default"


def test_client_without_mounts_uses_its_transport() -> None:
    with darter.Client(transport=_label("default")) as client:
        assert client.get("http://example.com").text == "default"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_async_client_routes_mounts() -> None:
    async def handler(request: darter.Request) -> darter.Response:
        return darter.Response(200, text="async")

    mounts: dict[str, darter.AsyncBaseTransport | None] = {
        "https://": darter.MockTransport(handler),
        "https://*.internal.test": None,
    }
    async with darter.AsyncClient(transport=_label("default"), mounts=mounts) as client:
        assert (await client.get("https://example.com")).text == "async"
        assert (await client.get("https://a.internal.test")).text == "default"
        assert (await client.get("http://example.com")).text == "default"


def test_closing_the_client_closes_mounted_transports() -> None:
    closed: list[str] = []

    class Recording(darter.MockTransport):
        def __init__(self, name: str) -> None:
            super().__init__(lambda request: darter.Response(204))
            self.name = name

        def close(self) -> None:
            closed.append(self.name)

    client = darter.Client(
        transport=Recording("default"),
        mounts={"http://": Recording("http"), "https://": Recording("https"), "all://x": None},
    )
    client.close()
    assert sorted(closed) == ["default", "http", "https"]


def test_environment_no_proxy_mounts_the_default_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "internal.test,10.0.0.0/8")
    with darter.Client() as client:
        # Only "no proxy" entries: every URL is served by the client's own transport.
        for url in ("http://internal.test", "http://10.1.1.1", "http://example.com"):
            assert client._transport_for_url(darter.URL(url), client._transport) is (
                client._transport
            )


def test_environment_is_ignored_with_an_explicit_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("ALL_PROXY", "socks5://proxy.test:1080")
    with darter.Client(transport=_label("default")) as client:
        assert client.get("http://example.com").text == "default"
    with darter.Client(transport=_label("default"), trust_env=False) as client:
        assert client.get("https://example.com").text == "default"
