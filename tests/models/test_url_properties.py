"""Property tests of URL parsing, writing and joining."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from darter._exceptions import InvalidURL
from darter._models._queryparams import QueryParams
from darter._models._urls import URL

settings.register_profile(
    "urls", deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("urls")

# Characters that exercise every rule: delimiters, escapes, dots, non-ASCII.
_SPECIAL = " !\"$%&'()*+,-.:;<=>@[\\]^_`{|}~é€\u3002\U0001f600"
_COMPONENT = st.text(alphabet=st.sampled_from("abcXYZ019" + _SPECIAL + "%41%zz/"), max_size=12)

schemes = st.sampled_from(["http", "https", "ws", "wss", "ftp", "foo", "git+ssh", "HTTP"])
hosts = st.one_of(
    st.from_regex(r"[a-z0-9][a-z0-9\-]{0,8}(\.[a-z0-9\-]{1,8}){0,2}", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
    st.sampled_from(["localhost", "EXAMPLE.com", "ü.com", "faß.de", "xn--tda.com", "a_b", ""]),
)
ports = st.one_of(st.none(), st.integers(0, 65535).map(str), st.just(""))
segments = st.one_of(st.sampled_from([".", "..", "", "a", "%2e", "b c"]), _COMPONENT)
paths = st.lists(segments, max_size=5).map(lambda parts: "/".join(parts))


@st.composite
def url_texts(draw: st.DrawFn) -> str:
    """URL strings built from plausible, and some implausible, components."""
    text = ""
    if draw(st.booleans()):
        text += draw(schemes) + ":"
    if draw(st.booleans()):
        text += "//"
        userinfo = draw(st.one_of(st.none(), _COMPONENT.filter(lambda s: "/" not in s)))
        if userinfo is not None:
            text += userinfo + "@"
        text += draw(hosts)
        port = draw(ports)
        if port is not None:
            text += ":" + port
        path = draw(paths)
        text += "/" + path if path else ""
    else:
        text += draw(paths)
    for delimiter in "?#":
        if draw(st.booleans()):
            text += delimiter + draw(_COMPONENT)
    return text


any_text = st.one_of(st.text(max_size=40), url_texts())


@given(any_text)
@example("http:////a")
@example(":a:b")
@example("http://X<Y/")
@example("http://%3c/")
def test_parse_and_write_round_trip(text: str) -> None:
    try:
        url = URL(text)
    except InvalidURL:
        return
    again = URL(str(url))
    assert again == url
    assert str(again) == str(url)
    assert again.raw_path == url.raw_path
    assert (again.scheme, again.raw_host, again.port) == (url.scheme, url.raw_host, url.port)
    assert (again.userinfo, again.query, again.fragment) == (url.userinfo, url.query, url.fragment)


@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_invalid_url(text: str) -> None:
    try:
        url = URL(text)
    except InvalidURL as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        return
    # every property can be read without error
    assert isinstance(url.host, str)
    assert isinstance(url.path, str)
    assert isinstance(url.params, QueryParams)
    assert isinstance(url.raw_path, bytes)
    assert isinstance(url.netloc, bytes)
    assert repr(url).startswith("URL(")


@given(url_texts())
def test_normalised_text_parses_to_itself(text: str) -> None:
    try:
        url = URL(text)
    except InvalidURL:
        return
    written = str(url)
    assert str(URL(written)) == written
    assert url == written
    assert hash(url) == hash(URL(written))


absolute_bases = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}/{path}" + query,
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z]{1,5}\.[a-z]{2,3}", fullmatch=True),
    paths,
    st.sampled_from(["", "?q", "?a=1&b=2"]),
)
relative_references = st.builds(
    lambda path, query, fragment: path + query + fragment,
    paths,
    st.sampled_from(["", "?y", "?"]),
    st.sampled_from(["", "#s", "#"]),
)


def _join(base: str, reference: str) -> URL | None:
    try:
        return URL(base).join(reference)
    except InvalidURL:
        return None


@given(absolute_bases, relative_references)
def test_join_of_a_relative_reference_keeps_the_origin(base: str, reference: str) -> None:
    assume(not reference.startswith("//"))
    try:
        assume(not URL(reference).scheme)
    except InvalidURL:
        assume(False)
    base_url = URL(base)
    joined = _join(base, reference)
    assume(joined is not None)
    assert joined is not None
    assert joined.is_absolute_url
    assert joined._origin == base_url._origin
    assert joined.raw_path.startswith(b"/")
    # the result has no dot segments left
    segments = joined.raw_path.partition(b"?")[0].split(b"/")
    assert b"." not in segments
    assert b".." not in segments
    # joining it again with nothing changes nothing; written out, it reads back
    assert joined.join("") == joined
    assert URL(str(joined)) == joined
    # a reference given as text or as a URL resolves the same way
    assert URL(base).join(URL(reference)) == joined


@given(absolute_bases, st.sampled_from(["g", "g/h", "g;x", "g.", "..g"]))
def test_join_laws_of_rfc_examples(base: str, name: str) -> None:
    """The equivalences that the examples of RFC 3986 section 5.4 rest on."""
    url = URL(base)
    # "./g" is "g", "g/../h" is "h", "/./g" and "/../g" are "/g"
    assert url.join("./" + name) == url.join(name)
    assert url.join("x/../" + name) == url.join(name)
    assert url.join("/./" + name) == url.join("/" + name)
    assert url.join("/../" + name) == url.join("/" + name)
    # "?y" keeps the path, "#s" keeps path and query
    assert url.join("?y").path == url.path
    assert url.join("#s").raw_path == url.raw_path
    assert url.join("#s").fragment == "s"
    # a reference with another scheme is taken as it is
    assert url.join("ftp://other/" + name) == URL("ftp://other/" + name)
    # a network-path reference keeps only the scheme
    assert url.join("//other/" + name) == URL(f"{url.scheme}://other/{name}")
    # an empty reference is the base
    assert url.join("") == url


# httpx is the reference for parsing; texts whose expected differences are
# documented are kept out.
def _comparable(text: str) -> bool:
    lowered = text.lower()
    return not (
        text.startswith(":")  # written with a "./" prefix
        or "////" in text  # written with an empty authority
        or lowered != text  # an upper-case scheme keeps a default port in httpx
        or "%" in text.partition("//")[2].partition("/")[0]  # escapes in a host
        or "%3a" in text.partition("@")[0].lower()
    )


def _snapshot(url: URL | httpx.URL) -> tuple[object, ...]:
    return (
        str(url),
        url.scheme,
        url.userinfo,
        url.raw_host,
        url.port,
        url.path,
        url.query,
        url.fragment,
        url.raw_path,
    )


@given(url_texts())
def test_same_as_httpx(text: str) -> None:
    assume(_comparable(text))
    try:
        theirs: tuple[object, ...] = _snapshot(httpx.URL(text))
    except httpx.InvalidURL:
        theirs = ("invalid",)
    except (ValueError, UnicodeError):
        # httpx lets some errors through (bad ports, lone surrogates, bad IDNA)
        theirs = ("invalid",)
    try:
        url = URL(text)
    except InvalidURL:
        assert theirs == ("invalid",)
        return
    ours = _snapshot(url)
    if not url.netloc and not url.userinfo and url.raw_path.startswith(b"//"):
        # An empty authority is written before such a path (RFC 3986 section 5.3).
        assert str(url).startswith(f"{url.scheme}:////")
        assert ours[1:] == theirs[1:]
        return
    assert ours == theirs


@pytest.mark.parametrize("text", ["http://a:+1/", "http://a:-1/", "http://a: 1/"])
def test_ports_only_of_digits(text: str) -> None:
    # httpx reads these with int(); RFC 3986 allows digits only.
    assert httpx.URL(text).port is not None
    with pytest.raises(InvalidURL):
        URL(text)
