"""Tests of the Cookies class: the mapping API, and the cookie rules of RFC 6265."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx
import pytest

import darter
from darter._models import _cookies
from darter._models._cookies import Cookies


def make_cookie(
    name: str, value: str | None, domain: str = "", path: str = "/", **extra: Any
) -> Cookie:
    """A cookie as http.cookiejar builds them, with the attributes tests need to vary."""
    attributes: dict[str, Any] = {
        "version": 0,
        "name": name,
        "value": value,
        "port": None,
        "port_specified": False,
        "domain": domain,
        "domain_specified": bool(domain),
        "domain_initial_dot": domain.startswith("."),
        "path": path,
        "path_specified": True,
        "secure": False,
        "expires": None,
        "discard": True,
        "comment": None,
        "comment_url": None,
        "rest": {},
        "rfc2109": False,
    }
    attributes.update(extra)
    return Cookie(**attributes)


def received(url: str, *set_cookie: str, cookies: Cookies | None = None) -> Cookies:
    """The jar after a response to GET ``url`` carried these Set-Cookie headers."""
    request = darter.Request("GET", url)
    response = darter.Response(
        200, headers=[("set-cookie", value) for value in set_cookie], request=request
    )
    cookies = Cookies() if cookies is None else cookies
    cookies.extract_cookies(response)
    return cookies


def sent(cookies: Cookies, url: str, **kwargs: Any) -> str | None:
    """The Cookie header a request to ``url`` gets from ``cookies``."""
    request = darter.Request("GET", url, **kwargs)
    cookies.set_cookie_header(request)
    value: str | None = request.headers.get("cookie")
    return value


def stored(cookies: Cookies) -> list[tuple[str, str | None, str, str]]:
    return sorted((c.name, c.value, c.domain, c.path) for c in cookies.jar)


# Construction


def test_empty() -> None:
    cookies = Cookies()
    assert not cookies
    assert len(cookies) == 0
    assert list(cookies) == []
    assert repr(cookies) == "<Cookies[]>"
    assert "a" not in cookies
    assert cookies.get("a") is None


def test_empty_cookies_create_no_jar_until_asked() -> None:
    cookies = Cookies()
    assert cookies._jar is None
    assert not cookies
    cookies.set_cookie_header(darter.Request("GET", "http://example.org"))
    received("http://example.org/", cookies=cookies)  # no Set-Cookie header
    assert cookies._jar is None
    assert isinstance(cookies.jar, CookieJar)
    assert cookies.jar is cookies.jar


def test_jar_created_by_another_thread_meanwhile_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    cookies = Cookies()
    winner = CookieJar()

    class RacingLock:
        """A lock acquired only after another thread has already created the jar."""

        def __enter__(self) -> None:
            cookies._jar = winner

        def __exit__(self, *exc_info: Any) -> None:
            pass

    monkeypatch.setattr(_cookies, "_JAR_CREATION_LOCK", RacingLock())
    assert cookies.jar is winner


def test_jar_can_be_replaced() -> None:
    cookies = Cookies({"a": "1"})
    jar = CookieJar()
    cookies.jar = jar
    assert cookies.jar is jar
    assert not cookies


@pytest.mark.parametrize(
    "given",
    [{"a": "1", "b": "2"}, [("a", "1"), ("b", "2")], (("a", "1"), ("b", "2"))],
    ids=["dict", "list", "tuple"],
)
def test_from_pairs(given: Any) -> None:
    cookies = Cookies(given)
    assert dict(cookies) == {"a": "1", "b": "2"}
    assert stored(cookies) == [("a", "1", "", "/"), ("b", "2", "", "/")]


def test_from_pairs_last_value_wins() -> None:
    assert dict(Cookies([("a", "1"), ("a", "2")])) == {"a": "2"}


def test_from_cookies_copies() -> None:
    original = Cookies()
    original.set("a", "1", domain="example.org", path="/p")
    copy = Cookies(original)
    assert copy.jar is not original.jar
    assert stored(copy) == [("a", "1", "example.org", "/p")]
    copy.set("b", "2")
    original.delete("a")
    assert len(original) == 0
    assert len(copy) == 2


def test_from_empty_cookies_stays_lazy() -> None:
    assert Cookies(Cookies())._jar is None


def test_from_cookie_jar_uses_it() -> None:
    jar = CookieJar()
    cookies = Cookies(jar)
    assert cookies.jar is jar
    cookies["a"] = "1"
    assert [c.name for c in jar] == ["a"]


@pytest.mark.parametrize("given", ["a=1", b"a=1", 5, {"a", "b"}])
def test_from_unsupported_type(given: Any) -> None:
    with pytest.raises(TypeError, match="Cookies must be given as"):
        Cookies(given)


# set / get / the mapping protocol


def test_set_defaults() -> None:
    cookies = Cookies()
    cookies.set("a", "1")
    (cookie,) = cookies.jar
    assert (cookie.domain, cookie.path, cookie.secure, cookie.expires) == ("", "/", False, None)
    assert not cookie.domain_specified
    assert cookie.path_specified
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_set_with_domain_and_path() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain=".example.org", path="/app")
    (cookie,) = cookies.jar
    assert (cookie.domain, cookie.path) == (".example.org", "/app")
    assert cookie.domain_specified
    assert cookie.domain_initial_dot


def test_set_replaces_same_name_domain_and_path() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="example.org")
    cookies.set("a", "2", domain="example.org")
    assert stored(cookies) == [("a", "2", "example.org", "/")]


def test_get() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="example.org", path="/p")
    assert cookies.get("a") == "1"
    assert cookies.get("a", domain="example.org") == "1"
    assert cookies.get("a", path="/p") == "1"
    assert cookies.get("a", domain="example.org", path="/p") == "1"
    # Exact comparisons: no domain or path matching here.
    assert cookies.get("a", domain=".example.org") is None
    assert cookies.get("a", domain="sub.example.org") is None
    assert cookies.get("a", path="/") is None
    assert cookies.get("missing") is None
    assert cookies.get("missing", "fallback") == "fallback"


def test_get_cookie_without_value_gives_default() -> None:
    cookies = Cookies(CookieJar())
    cookies.jar.set_cookie(make_cookie("flag", None))
    assert cookies.get("flag") is None
    assert cookies.get("flag", "x") == "x"
    assert "flag" not in cookies
    with pytest.raises(KeyError):
        cookies["flag"]


def test_conflict() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("a", "2", domain="two.example", path="/p")
    cookies.set("b", "3")
    readers: list[Callable[[], object]] = [lambda: cookies.get("a"), lambda: cookies["a"]]
    for read in readers:
        with pytest.raises(darter.CookieConflict) as info:
            read()
        message = str(info.value)
        assert message.startswith("Multiple cookies exist with name=a")
        assert "domain='one.example' path='/'" in message
        assert "domain='two.example' path='/p'" in message
    assert cookies.get("a", domain="two.example") == "2"
    assert cookies.get("a", path="/") == "1"
    assert cookies["b"] == "3"


def test_conflict_even_with_equal_values() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("a", "1", domain="two.example")
    with pytest.raises(darter.CookieConflict):
        cookies.get("a")


def test_getitem_setitem_delitem() -> None:
    cookies = Cookies()
    cookies["a"] = "1"
    assert cookies["a"] == "1"
    cookies["a"] = "2"
    assert cookies["a"] == "2"
    assert len(cookies) == 1
    del cookies["a"]
    with pytest.raises(KeyError, match="'a'"):
        cookies["a"]
    del cookies["a"]  # absent: nothing happens, as in httpx


def test_delitem_removes_every_cookie_of_that_name() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("a", "2", domain="two.example")
    cookies.set("b", "3")
    del cookies["a"]
    assert list(cookies) == ["b"]


def test_contains_never_raises_conflict() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("a", "2", domain="two.example")
    assert "a" in cookies
    assert "b" not in cookies
    assert 5 not in cookies  # type: ignore[comparison-overlap]


def test_len_iter_bool() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("a", "2", domain="two.example")
    cookies.set("b", "3")
    assert len(cookies) == 3
    assert sorted(cookies) == ["a", "a", "b"]
    assert bool(cookies)


def test_bool_after_every_cookie_was_removed() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="example.org")
    cookies.delete("a", domain="example.org", path="/")
    # The jar keeps empty per-domain storage behind: still no cookie.
    assert not cookies
    assert sent(cookies, "http://example.org/") is None


def test_bool_and_set_cookie_header_with_a_jar_subclass() -> None:
    class MyJar(CookieJar):
        pass

    cookies = Cookies(MyJar())
    assert not cookies
    assert sent(cookies, "http://example.org/") is None
    cookies["a"] = "1"
    assert cookies
    assert sent(cookies, "http://example.org/") == "a=1"


def test_mapping_helpers() -> None:
    cookies = Cookies({"a": "1", "b": "2"})
    assert dict(cookies.items()) == {"a": "1", "b": "2"}
    assert sorted(cookies.values()) == ["1", "2"]
    assert cookies.pop("a") == "1"
    assert cookies.setdefault("c", "3") == "3"
    assert cookies == Cookies({"b": "2", "c": "3"})
    assert cookies != Cookies({"b": "2"})


def test_repr() -> None:
    cookies = Cookies()
    cookies.set("a", "1")
    cookies.set("b", "2", domain="example.org", path="/p")
    assert repr(cookies) == "<Cookies[<Cookie a=1 for  />, <Cookie b=2 for example.org />]>"


# delete / clear / update


def test_delete() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("a", "2", domain="two.example", path="/p")
    cookies.set("a", "3", domain="two.example", path="/q")
    cookies.delete("a", domain="two.example")
    assert stored(cookies) == [("a", "1", "one.example", "/")]
    cookies.delete("a", path="/nope")
    cookies.delete("nope")
    assert len(cookies) == 1
    cookies.delete("a", path="/")
    assert not cookies


def test_delete_by_domain_and_path() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="example.org", path="/p")
    cookies.set("a", "2", domain="example.org", path="/q")
    cookies.delete("a", domain="example.org", path="/p")
    assert stored(cookies) == [("a", "2", "example.org", "/q")]
    # Looked up directly, as CookieJar.clear does: absence is a KeyError.
    with pytest.raises(KeyError):
        cookies.delete("a", domain="example.org", path="/p")


def test_delete_on_empty() -> None:
    cookies = Cookies()
    cookies.delete("a")
    assert cookies._jar is None


def test_clear() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="one.example")
    cookies.set("b", "2", domain="two.example", path="/p")
    cookies.set("c", "3", domain="two.example", path="/q")
    cookies.clear(domain="two.example", path="/p")
    assert sorted(cookies) == ["a", "c"]
    cookies.clear(domain="two.example")
    assert list(cookies) == ["a"]
    cookies.clear()
    assert not cookies
    Cookies().clear()


def test_clear_unknown_domain_or_path() -> None:
    cookies = Cookies({"a": "1"})
    with pytest.raises(KeyError):
        cookies.clear(domain="nope.example")
    with pytest.raises(KeyError):
        cookies.clear(domain="", path="/nope")
    assert len(cookies) == 1


def test_clear_path_needs_domain() -> None:
    with pytest.raises(ValueError, match="needs the domain"):
        Cookies({"a": "1"}).clear(path="/")


def test_update() -> None:
    cookies = Cookies({"a": "1"})
    other = Cookies()
    other.set("c", "3", domain="example.org", path="/p")
    jar = CookieJar()
    jar.set_cookie(make_cookie("d", "4", domain="example.net"))
    cookies.update({"a": "changed", "b": "2"})
    cookies.update(other)
    cookies.update(jar)
    cookies.update([("e", "5")])
    cookies.update(None)
    cookies.update(Cookies())
    assert stored(cookies) == [
        ("a", "changed", "", "/"),
        ("b", "2", "", "/"),
        ("c", "3", "example.org", "/p"),
        ("d", "4", "example.net", "/"),
        ("e", "5", "", "/"),
    ]
    with pytest.raises(TypeError):
        cookies.update("a=1")  # type: ignore[arg-type]


# Receiving cookies: extract_cookies


def test_extract_host_only_cookie() -> None:
    cookies = received("http://example.org/", "a=1")
    assert stored(cookies) == [("a", "1", "example.org", "/")]
    (cookie,) = cookies.jar
    assert not cookie.domain_specified


def test_extract_default_path_is_the_request_directory() -> None:
    # RFC 6265 section 5.1.4: up to, not including, the last slash.
    assert stored(received("http://example.org/a/b/c", "x=1")) == [
        ("x", "1", "example.org", "/a/b")
    ]
    assert stored(received("http://example.org/a", "x=1")) == [("x", "1", "example.org", "/")]


def test_extract_explicit_path() -> None:
    cookies = received("http://example.org/a/b", "x=1; Path=/")
    assert stored(cookies) == [("x", "1", "example.org", "/")]


def test_extract_domain_attribute() -> None:
    cookies = received("http://www.example.org/", "x=1; Domain=example.org")
    assert stored(cookies) == [("x", "1", ".example.org", "/")]
    assert sent(cookies, "http://example.org/") == "x=1"
    assert sent(cookies, "http://other.example.org/") == "x=1"
    assert sent(cookies, "http://example.net/") is None


@pytest.mark.parametrize(
    "set_cookie",
    [
        "x=1; Domain=example.net",  # another site
        "x=1; Domain=sub.www.example.org",  # below the host, not above it
        "x=1; Domain=.org",  # a top-level domain
    ],
)
def test_extract_refuses_foreign_domains(set_cookie: str) -> None:
    assert not received("http://www.example.org/", set_cookie)


def test_extract_several_headers_and_attributes() -> None:
    cookies = received(
        "https://example.org/",
        "a=1; Secure; HttpOnly",
        "b=2; SameSite=Lax",
        'c="quoted, value"',
    )
    assert dict(cookies) == {"a": "1", "b": "2", "c": '"quoted, value"'}
    by_name = {cookie.name: cookie for cookie in cookies.jar}
    assert by_name["a"].secure
    assert by_name["a"].has_nonstandard_attr("HttpOnly")
    assert by_name["b"].get_nonstandard_attr("SameSite") == "Lax"


def test_extract_max_age() -> None:
    before = time.time()
    cookies = received("http://example.org/", "a=1; Max-Age=100")
    (cookie,) = cookies.jar
    assert cookie.expires is not None
    assert before + 99 <= cookie.expires <= time.time() + 101


def test_extract_expired_cookie_removes_stored_one() -> None:
    cookies = received("http://example.org/", "a=1", "b=2")
    received("http://example.org/", "a=gone; Max-Age=0", cookies=cookies)
    past = formatdate(time.time() - 3600, usegmt=True)
    received("http://example.org/", f"b=gone; Expires={past}", cookies=cookies)
    assert not cookies


def test_extract_ignores_userinfo() -> None:
    cookies = received("http://user:secret@example.org/", "a=1")
    assert stored(cookies) == [("a", "1", "example.org", "/")]
    assert sent(cookies, "http://user:secret@example.org/") == "a=1"


def test_extract_localhost_and_ip_addresses() -> None:
    # A host name without a dot gets ".local" appended, as RFC 2965 specifies.
    cookies = received("http://localhost:8000/", "a=1")
    assert stored(cookies) == [("a", "1", "localhost.local", "/")]
    assert sent(cookies, "http://localhost:8000/") == "a=1"
    cookies = received("http://127.0.0.1/", "a=1")
    assert sent(cookies, "http://127.0.0.1:9000/") == "a=1"
    assert sent(cookies, "http://127.0.0.2/") is None


def test_extract_needs_the_request() -> None:
    response = darter.Response(200, headers={"set-cookie": "a=1"})
    with pytest.raises(RuntimeError):
        Cookies().extract_cookies(response)


def test_response_cookies_property() -> None:
    request = darter.Request("GET", "http://example.org/")
    response = darter.Response(200, headers={"set-cookie": "a=1"}, request=request)
    assert dict(response.cookies) == {"a": "1"}


# Sending cookies: set_cookie_header


def test_send_cookie_without_domain_attribute() -> None:
    cookies = received("http://example.org/", "a=1")
    assert sent(cookies, "http://example.org/any/path") == "a=1"
    assert sent(cookies, "http://example.net/") is None
    assert sent(cookies, "http://notexample.org/") is None
    # http.cookiejar's default policy (and so httpx) also sends it to subdomains,
    # where RFC 6265 would keep it to the exact host.
    assert sent(cookies, "http://www.example.org/") == "a=1"


def test_send_for_a_relative_url_uses_the_host_header() -> None:
    cookies = received("http://example.org/", "a=1")
    assert sent(cookies, "/path", headers={"Host": "example.org"}) == "a=1"
    assert sent(cookies, "/path", headers={"Host": "example.net"}) is None


def test_send_path_matching() -> None:
    cookies = Cookies()
    cookies.set("root", "1", domain="example.org", path="/")
    cookies.set("app", "2", domain="example.org", path="/app")
    assert sent(cookies, "http://example.org/") == "root=1"
    assert sent(cookies, "http://example.org/application") == "root=1"
    # More specific paths first (RFC 6265 section 5.4).
    assert sent(cookies, "http://example.org/app") == "app=2; root=1"
    assert sent(cookies, "http://example.org/app/page?q=1") == "app=2; root=1"


def test_send_secure_cookie_only_over_https() -> None:
    cookies = received("https://example.org/", "s=1; Secure", "p=2")
    assert sent(cookies, "https://example.org/") == "s=1; p=2"
    assert sent(cookies, "http://example.org/") == "p=2"


def test_send_skips_and_removes_expired_cookies() -> None:
    cookies = Cookies()
    cookies.jar.set_cookie(make_cookie("old", "1", expires=int(time.time()) - 10))
    cookies.jar.set_cookie(make_cookie("new", "2", expires=int(time.time()) + 3600))
    assert sent(cookies, "http://example.org/") == "new=2"
    assert list(cookies) == ["new"]


def test_send_cookie_without_domain_goes_everywhere() -> None:
    cookies = Cookies({"a": "1"})
    for url in ("http://example.org/", "https://localhost:8443/x", "http://[::1]/"):
        assert sent(cookies, url) == "a=1"


def test_send_keeps_an_existing_cookie_header() -> None:
    cookies = Cookies({"a": "1"})
    assert sent(cookies, "http://example.org/", headers={"Cookie": "mine=1"}) == "mine=1"


def test_send_with_empty_jar_adds_nothing() -> None:
    request = darter.Request("GET", "http://example.org/")
    before = request.headers.raw
    Cookies().set_cookie_header(request)
    Cookies(CookieJar()).set_cookie_header(request)
    assert request.headers.raw == before


def test_request_cookies_argument() -> None:
    request = darter.Request("GET", "http://example.org/", cookies={"a": "1", "b": "2"})
    assert request.headers["cookie"] == "a=1; b=2"


def test_round_trip_response_to_request() -> None:
    jar = Cookies()
    request = darter.Request("GET", "https://shop.example.org/cart/view")
    response = darter.Response(
        200,
        headers=[
            ("Set-Cookie", "session=abc; Path=/; Secure; HttpOnly"),
            ("Set-Cookie", "cart=3"),
            ("Set-Cookie", "site=x; Domain=example.org; Path=/"),
            ("Set-Cookie", "evil=1; Domain=example.net"),
        ],
        request=request,
    )
    jar.extract_cookies(response)
    assert sorted(jar) == ["cart", "session", "site"]
    assert sent(jar, "https://shop.example.org/cart/add") == "cart=3; session=abc; site=x"
    assert sent(jar, "http://shop.example.org/cart/add") == "cart=3; site=x"
    assert sent(jar, "https://shop.example.org/") == "session=abc; site=x"
    assert sent(jar, "https://blog.example.org/") == "site=x"
    assert sent(jar, "https://example.net/") is None


def test_client_keeps_cookies_between_requests() -> None:
    seen: list[str | None] = []

    def handler(request: darter.Request) -> darter.Response:
        seen.append(request.headers.get("cookie"))
        if request.url.path == "/login":
            return darter.Response(200, headers={"set-cookie": "session=abc; Path=/"})
        return darter.Response(200)

    with darter.Client(transport=darter.MockTransport(handler)) as client:
        client.get("http://example.org/login")
        client.get("http://example.org/account")
        client.get("http://example.net/account")
        assert dict(client.cookies) == {"session": "abc"}
    assert seen == [None, "session=abc", None]


# The same answers as httpx, on a grid of responses and later requests.

SET_COOKIES = [
    ("http://example.org/a/b", "x=1"),
    ("http://example.org/a/b", "x=1; Domain=example.org; Path=/"),
    ("http://sub.example.org/", "x=1; Domain=.example.org"),
    ("http://example.org/", "x=1; Domain=other.org"),
    ("http://localhost:8000/", "x=1"),
    ("http://[::1]:8080/p/q", "x=1; Path=/p"),
    ("http://example.org/", "x=1; Secure"),
    ("https://EXAMPLE.org/", "x=1; Max-Age=0"),
    ("http://example.org/", "flag"),
    ("http://example.org/x/", "a=1; Path=/x/y"),
]
LATER_URLS = [
    "http://example.org/",
    "https://example.org/a/b/c",
    "http://sub.example.org/",
    "http://localhost:8000/",
    "http://[::1]:8080/p/q/r",
    "https://example.org/x/y/z",
]


@pytest.mark.parametrize(("url", "set_cookie"), SET_COOKIES)
def test_same_as_httpx(url: str, set_cookie: str) -> None:
    theirs = httpx.Cookies()
    request = httpx.Request("GET", url)
    theirs.extract_cookies(
        httpx.Response(200, headers={"set-cookie": set_cookie}, request=request)
    )
    ours = received(url, set_cookie)
    assert repr(ours) == repr(theirs)
    for later in LATER_URLS:
        their_request = httpx.Request("GET", later)
        theirs.set_cookie_header(their_request)
        assert sent(ours, later) == their_request.headers.get("cookie"), later
