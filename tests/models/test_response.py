"""Tests of the Response class: metadata, text and JSON, links, and every way to read a body."""

from __future__ import annotations

import datetime
import gzip
import pickle
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

import darter
from darter._models._response import Response
from darter._streams import AsyncByteStream, ByteStream, SyncByteStream, UnattachedStream


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Async tests of this module run on both event loops."""
    return str(request.param)


class RecordingStream(SyncByteStream):
    """A sync body in chunks that records how it was used."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.iterations = 0
        self.closes = 0

    def __iter__(self) -> Iterator[bytes]:
        self.iterations += 1
        yield from self.chunks

    def close(self) -> None:
        self.closes += 1


class RecordingAsyncStream(AsyncByteStream):
    """An async body in chunks that records how it was used."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.iterations = 0
        self.closes = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.iterations += 1
        for chunk in self.chunks:
            yield chunk

    async def aclose(self) -> None:
        self.closes += 1


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def request(module: Any = darter) -> Any:
    return module.Request("GET", "https://example.org/a")


# Construction


CONSTRUCTED: dict[str, tuple[dict[str, Any], list[tuple[bytes, bytes]], bytes]] = {
    "nothing": ({}, [], b""),
    "bytes": ({"content": b"abc"}, [(b"Content-Length", b"3")], b"abc"),
    "empty bytes": ({"content": b""}, [], b""),
    "text content": ({"content": "é"}, [(b"Content-Length", b"2")], "é".encode()),
    "text": (
        {"text": "é"},
        [(b"Content-Length", b"2"), (b"Content-Type", b"text/plain; charset=utf-8")],
        "é".encode(),
    ),
    "empty text": (
        {"text": ""},
        [(b"Content-Length", b"0"), (b"Content-Type", b"text/plain; charset=utf-8")],
        b"",
    ),
    "html": (
        {"html": "<b>"},
        [(b"Content-Length", b"3"), (b"Content-Type", b"text/html; charset=utf-8")],
        b"<b>",
    ),
    "json": (
        {"json": {"a": [1, "é"]}},
        [(b"Content-Length", b"14"), (b"Content-Type", b"application/json")],
        '{"a":[1,"é"]}'.encode(),
    ),
    "json zero": (
        {"json": 0},
        [(b"Content-Length", b"1"), (b"Content-Type", b"application/json")],
        b"0",
    ),
    "json none": ({"json": None}, [], b""),
    "content wins over text": ({"content": b"x", "text": "y"}, [(b"Content-Length", b"1")], b"x"),
    "text wins over html and json": (
        {"text": "t", "html": "h", "json": 1},
        [(b"Content-Length", b"1"), (b"Content-Type", b"text/plain; charset=utf-8")],
        b"t",
    ),
    "user content-type": (
        {"content": b"abc", "headers": {"Content-Type": "x/y"}},
        [(b"Content-Type", b"x/y"), (b"Content-Length", b"3")],
        b"abc",
    ),
    "user content-length": (
        {"text": "x", "headers": {"content-length": "9"}},
        [(b"content-length", b"9"), (b"Content-Type", b"text/plain; charset=utf-8")],
        b"x",
    ),
}


@pytest.mark.parametrize("name", CONSTRUCTED)
def test_body_in_memory(name: str) -> None:
    arguments, headers, content = CONSTRUCTED[name]
    response = Response(200, **arguments)
    assert response.headers.raw == headers
    assert response.content == content
    assert response.is_stream_consumed
    assert response.is_closed
    assert isinstance(response.stream, ByteStream)
    theirs = httpx.Response(200, **arguments)
    assert theirs.headers.raw == headers
    assert theirs.content == content
    # Nothing was downloaded.
    assert response.num_bytes_downloaded == theirs.num_bytes_downloaded == 0


def test_streamed_body_gets_chunked_framing() -> None:
    for content in (iter([b"a"]), RecordingAsyncStream(b"a")):
        response = Response(200, content=content)
        assert response.headers.raw == [(b"Transfer-Encoding", b"chunked")]
        assert not response.is_stream_consumed
        assert not response.is_closed
        with pytest.raises(darter.ResponseNotRead):
            response.content  # noqa: B018


@pytest.mark.parametrize("name", ["Content-Length", "content-length"])
def test_streamed_body_with_a_content_length_is_not_chunked(name: str) -> None:
    # Regression: Transfer-Encoding was added next to the caller's Content-Length.
    response = Response(200, headers={name: "5"}, content=iter([b"hel", b"lo"]))
    assert response.headers.raw == [(name.encode(), b"5")]
    theirs = httpx.Response(200, headers={name: "5"}, content=iter([b"hel", b"lo"]))
    assert theirs.headers.raw == response.headers.raw
    assert response.read() == b"hello"


def test_given_stream_is_used_as_it_is() -> None:
    stream = RecordingStream(b"a")
    response = Response(200, stream=stream, headers={"X": "1"})
    assert response.stream is stream
    assert response.headers.raw == [(b"X", b"1")]
    assert stream.iterations == 0


@pytest.mark.parametrize(("content", "kind"), [(5, "int"), (object(), "object")])
def test_wrong_content_type(content: Any, kind: str) -> None:
    with pytest.raises(TypeError, match=f"Unexpected type for 'content': {kind}"):
        Response(200, content=content)


def test_wrong_text_type() -> None:
    with pytest.raises(TypeError, match="Expected str"):
        Response(200, text=b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Expected str"):
        Response(200, html=1)  # type: ignore[arg-type]


def test_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        Response(200, json=float("nan"))


def test_attributes() -> None:
    history = [Response(301)]
    extensions = {"http_version": b"HTTP/2"}
    response = Response(200, history=history, extensions=extensions)
    assert response.status_code == 200
    assert response.history == history
    assert response.history is not history
    assert response.extensions is extensions
    assert response.next_request is None
    assert response.default_encoding == "utf-8"
    assert Response(200).history == []
    assert Response(200).extensions == {}


def test_headers_are_a_copy() -> None:
    headers = darter.Headers({"a": "1"})
    response = Response(200, headers=headers)
    response.headers["b"] = "2"
    assert "b" not in headers


# Metadata


def test_repr_and_reason_phrase() -> None:
    assert repr(Response(404)) == "<Response [404 Not Found]>"
    assert repr(Response(599)) == "<Response [599 ]>"
    assert Response(200).reason_phrase == "OK"
    response = Response(200, extensions={"reason_phrase": b"Fine \xff"})
    assert response.reason_phrase == "Fine "
    assert repr(response) == "<Response [200 Fine ]>"
    assert Response(200, extensions={"reason_phrase": b""}).reason_phrase == ""


def test_http_version() -> None:
    assert Response(200).http_version == "HTTP/1.1"
    assert Response(200, extensions={"http_version": b"HTTP/2"}).http_version == "HTTP/2"
    assert Response(200, extensions={"http_version": "HTTP/1.0"}).http_version == "HTTP/1.0"


def test_request_and_url() -> None:
    response = Response(200)
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        response.request  # noqa: B018
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        response.url  # noqa: B018
    req = request()
    response.request = req
    assert response.request is req
    assert response.url == darter.URL("https://example.org/a")
    assert Response(200, request=req).request is req


STATUS_CODES = [
    *[0, 99, 100, 101, 199, 200, 204, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308],
    *[399, 400, 404, 418, 499, 500, 503, 599, 600, 1000],
]


@pytest.mark.parametrize("status_code", STATUS_CODES)
@pytest.mark.parametrize("location", [False, True])
def test_status_properties_same_as_httpx(status_code: int, location: bool) -> None:
    def properties(module: Any) -> tuple[bool, ...]:
        headers = {"Location": "/next"} if location else {}
        response = module.Response(status_code, headers=headers)
        return (
            response.is_informational,
            response.is_success,
            response.is_redirect,
            response.is_client_error,
            response.is_server_error,
            response.is_error,
            response.has_redirect_location,
        )

    assert properties(darter) == properties(httpx)


def test_is_redirect_is_any_3xx() -> None:
    # Regression: is_redirect required a Location header and one of five codes.
    assert Response(304).is_redirect
    assert Response(300, headers={"Location": "/x"}).is_redirect
    assert Response(302).is_redirect
    assert not Response(302).has_redirect_location
    assert Response(302, headers={"location": "/x"}).has_redirect_location
    assert not Response(304, headers={"location": "/x"}).has_redirect_location
    assert not Response(200, headers={"location": "/x"}).is_redirect


@pytest.mark.parametrize("status_code", STATUS_CODES)
@pytest.mark.parametrize("location", [False, True])
def test_raise_for_status_same_as_httpx(status_code: int, location: bool) -> None:
    def outcome(module: Any) -> Any:
        headers = {"Location": "/next"} if location else {}
        response = module.Response(status_code, headers=headers, request=request(module))
        try:
            returned = response.raise_for_status()
        except module.HTTPStatusError as exc:
            return str(exc), exc.response is response, exc.request is response.request
        return returned is response

    assert outcome(darter) == outcome(httpx)


def test_raise_for_status_messages() -> None:
    response = Response(404, request=request())
    with pytest.raises(darter.HTTPStatusError) as info:
        response.raise_for_status()
    assert str(info.value) == (
        "Client error '404 Not Found' for url 'https://example.org/a'\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404"
    )
    assert isinstance(info.value, darter.HTTPError)
    response = Response(303, headers={"Location": "https://e.org/b"}, request=request())
    with pytest.raises(darter.HTTPStatusError) as info:
        response.raise_for_status()
    assert str(info.value).splitlines()[:2] == [
        "Redirect response '303 See Other' for url 'https://example.org/a'",
        "Redirect location: 'https://e.org/b'",
    ]
    with pytest.raises(darter.HTTPStatusError, match=r"^Server error '503 Service Unavailable'"):
        Response(503, request=request()).raise_for_status()
    with pytest.raises(darter.HTTPStatusError, match=r"^Informational response '100 Continue'"):
        Response(100, request=request()).raise_for_status()
    with pytest.raises(darter.HTTPStatusError, match=r"^Invalid status code '600 '"):
        Response(600, request=request()).raise_for_status()


def test_raise_for_status_needs_a_request() -> None:
    for status_code in (200, 404):
        with pytest.raises(RuntimeError, match="Cannot call `raise_for_status`"):
            Response(status_code).raise_for_status()


def test_elapsed() -> None:
    response = Response(200, content=b"x")
    with pytest.raises(RuntimeError, match=r"'\.elapsed' may only be accessed"):
        response.elapsed  # noqa: B018
    response.elapsed = datetime.timedelta(seconds=2)
    assert response.elapsed == datetime.timedelta(seconds=2)


def test_elapsed_is_measured_until_close() -> None:
    stream = RecordingStream(b"abc")
    response = Response(200, stream=stream)
    response._started_at = time.perf_counter() - 10
    with pytest.raises(RuntimeError):
        response.elapsed  # noqa: B018
    response.read()
    elapsed = response.elapsed
    assert datetime.timedelta(seconds=10) <= elapsed < datetime.timedelta(seconds=60)
    response.close()
    assert response.elapsed == elapsed


def test_elapsed_set_before_close_is_kept() -> None:
    response = Response(200, stream=RecordingStream())
    response._started_at = time.perf_counter()
    response.elapsed = datetime.timedelta(seconds=42)
    response.close()
    assert response.elapsed == datetime.timedelta(seconds=42)


@pytest.mark.anyio
async def test_elapsed_is_measured_until_aclose() -> None:
    response = Response(200, stream=RecordingAsyncStream(b"abc"))
    response._started_at = time.perf_counter() - 5
    await response.aread()
    assert response.elapsed >= datetime.timedelta(seconds=5)


# Encoding and text

CONTENT_TYPES = [
    None,
    "text/plain",
    "text/plain; charset=latin-1",
    'text/plain; charset="ISO-8859-1"',
    "text/plain; charset=utf-8",
    "text/plain; charset=unknown-xyz",
    "text/plain; charset=",
    "text/plain;charset=UTF-16",
    "text/plain; charset='utf-8'",
    "application/json",
    "text/plain; charset=cp1252; format=flowed",
    "text/plain; foo=bar",
]
BODIES = [b"caf\xc3\xa9", b"caf\xe9", b"", b"\xff\xfe\x00", "€".encode("cp1252")]
DEFAULT_ENCODINGS: dict[str, Any] = {
    "utf-8": "utf-8",
    "latin-1": "latin-1",
    "guess": lambda content: "cp1252" if content else None,
    "no guess": lambda content: None,
}


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("default", DEFAULT_ENCODINGS)
def test_encoding_and_text_same_as_httpx(
    content_type: str | None, body: bytes, default: str
) -> None:
    def result(module: Any) -> tuple[Any, ...]:
        response = module.Response(
            200,
            headers={"Content-Type": content_type} if content_type else {},
            content=body,
            default_encoding=DEFAULT_ENCODINGS[default],
        )
        try:
            text = response.text
        except UnicodeError as exc:
            text = f"raises {type(exc).__name__}"
        return response.charset_encoding, response.encoding, text

    assert result(darter) == result(httpx)


def test_charset_encoding() -> None:
    assert Response(200).charset_encoding is None
    assert Response(200, headers={"Content-Type": "text/plain"}).charset_encoding is None
    response = Response(200, headers={"Content-Type": 'text/html; Charset="UTF-8"'})
    assert response.charset_encoding == "utf-8"


def test_encoding_from_charset_or_default() -> None:
    response = Response(
        200, content=b"caf\xe9", headers={"Content-Type": "text/x; charset=latin-1"}
    )
    assert response.encoding == "latin-1"
    assert response.text == "café"
    assert Response(200, content=b"x").encoding == "utf-8"
    response = Response(200, content=b"caf\xe9", default_encoding="latin-1")
    assert (response.encoding, response.text) == ("latin-1", "café")
    response = Response(
        200,
        content=b"caf\xe9",
        headers={"Content-Type": "text/x; charset=nonsense"},
        default_encoding="cp1252",
    )
    assert response.encoding == "cp1252"


def test_default_encoding_callable_sees_the_body() -> None:
    seen: list[bytes] = []

    def guess(content: bytes) -> str:
        seen.append(content)
        return "latin-1"

    response = Response(200, content=b"caf\xe9", default_encoding=guess)
    assert response.encoding == "latin-1"
    assert response.text == "café"
    assert seen == [b"caf\xe9"]
    assert response.encoding == "latin-1"
    assert seen == [b"caf\xe9"]


def test_default_encoding_callable_before_the_body_is_read() -> None:
    seen: list[bytes] = []
    response = Response(200, content=iter([b"caf\xe9"]), default_encoding=seen.append)  # type: ignore[arg-type]
    # Nothing to guess from yet: UTF-8, kept for the rest of the response.
    assert response.encoding == "utf-8"
    response.read()
    assert response.text == "caf\ufffd"
    assert seen == []


def test_default_encoding_callable_returning_none() -> None:
    response = Response(200, content=b"x", default_encoding=lambda content: None)
    assert response.encoding == "utf-8"


def test_encoding_setter() -> None:
    response = Response(200, content=b"caf\xe9")
    response.encoding = "latin-1"
    assert response.encoding == "latin-1"
    assert response.text == "café"
    with pytest.raises(ValueError, match="after `text` has been accessed"):
        response.encoding = "utf-8"
    assert response.encoding == "latin-1"


def test_encoding_setter_before_streaming_text() -> None:
    response = Response(200, content=iter([b"caf", b"\xe9"]))
    response.encoding = "latin-1"
    assert list(response.iter_text()) == ["caf", "é"]


def test_unknown_encoding_set_explicitly() -> None:
    response = Response(200, content=b"x")
    response.encoding = "no-such-codec"
    with pytest.raises(LookupError):
        response.text  # noqa: B018


def test_text() -> None:
    assert Response(200).text == ""
    assert Response(200, content=b"caf\xc3\xa9").text == "café"
    assert Response(200, content=b"bad \xff").text == "bad \ufffd"
    response = Response(200, content=b"abc")
    assert response.text is response.text


def test_text_needs_the_body_read() -> None:
    response = Response(200, content=iter([b"abc"]))
    with pytest.raises(darter.ResponseNotRead):
        response.text  # noqa: B018
    response.read()
    assert response.text == "abc"


def test_json() -> None:
    assert Response(200, json={"a": 1.5}).json() == {"a": 1.5}
    assert Response(200, json={"a": 1.5}).json(parse_float=str) == {"a": "1.5"}
    assert Response(200, content=b'\xef\xbb\xbf{"a": 1}').json() == {"a": 1}
    assert Response(200, content='{"a": "é"}'.encode("utf-16")).json() == {"a": "é"}
    with pytest.raises(ValueError):
        Response(200, content=b"not json").json()
    with pytest.raises(darter.ResponseNotRead):
        Response(200, content=iter([b"{}"])).json()


def test_cookies() -> None:
    response = Response(
        200,
        headers=[("Set-Cookie", "a=1; Path=/"), ("set-cookie", "b=2; Path=/")],
        request=request(),
    )
    cookies = response.cookies
    assert isinstance(cookies, darter.Cookies)
    assert sorted(cookies.items()) == [("a", "1"), ("b", "2")]
    assert response.cookies is cookies
    assert dict(Response(200, request=request()).cookies) == {}


# Links

LINK_HEADERS = [
    '<https://api.example.com/items?page=2>; rel="next", '
    '<https://api.example.com/items?page=10>; rel="last"',
    "<https://a.com/x>; rel=next",
    "<https://a.com/x>",
    '<https://a.com/x>; rel="next"; title="hello"',
    '<https://a.com/x>;rel="next",<https://a.com/y>;rel="prev"',
    '<https://a.com/x>; rel="next",   <https://a.com/y>; rel="prev"',
    '<a>; rel="next" , <b>; rel="prev"',
    '<a>; rel="x", <b>; rel="x"',
    "<a>, <b>",
    '<a>; rel=""',
    "<a>; rel='next'",
    '<a>; REL="next"',
    '<a>; rel="next"  ;  type="text/html"',
    '"<a>"; rel="x"',
    "<a>;",
    "<a>; =x",
    "",
    "   ",
    # Commas inside a URL or a quoted value do not separate links.
    '<https://a.com/a,b>; rel="next"',
    '<https://a.com/x?q=1,2>; rel="next", <https://a.com/y>; rel="prev"',
    '<https://a.com/x>; rel="next"; title="a, b"',
]


@pytest.mark.parametrize("header", LINK_HEADERS)
def test_links_same_as_httpx(header: str) -> None:
    links = Response(200, headers={"Link": header}).links
    assert links == httpx.Response(200, headers={"Link": header}).links


def test_links() -> None:
    response = Response(
        200,
        headers={"Link": '<https://e.org/2>; rel="next"; title="Page, two", <https://e.org/a,b>'},
    )
    assert response.links == {
        "next": {"url": "https://e.org/2", "rel": "next", "title": "Page, two"},
        "https://e.org/a,b": {"url": "https://e.org/a,b"},
    }
    assert Response(200).links == {}


def test_links_from_repeated_headers() -> None:
    response = Response(200, headers=[("Link", '<a>; rel="a"'), ("link", '<b>; rel="b"')])
    assert response.links == {"a": {"url": "a", "rel": "a"}, "b": {"url": "b", "rel": "b"}}


@pytest.mark.parametrize(
    ("header", "links"),
    [
        # Malformed input where darter keeps what it can read (httpx gives nonsense).
        (",", {}),
        ('<https://a.com/x>; rel="next", ', {"next": {"url": "https://a.com/x", "rel": "next"}}),
        (
            '<https://a.com/x>; rel="next"; flag; title="t"',
            {"next": {"url": "https://a.com/x", "rel": "next", "title": "t"}},
        ),
        ('<x>; a=b=c; rel="r"', {"r": {"url": "x", "a": "b=c", "rel": "r"}}),
    ],
)
def test_links_malformed(header: str, links: dict[str, dict[str, str]]) -> None:
    assert Response(200, headers={"Link": header}).links == links


# Reading a body: every iterator, chunk size and source.

TEXT = "héllo\r\nwörld\rfoo\n\nbar\u2028baz €\r"
BODY = TEXT.encode()
CHUNK_SIZES = [None, 1, 2, 3, 5, 7, 64]


def build(module: Any, source: str, encoding: str) -> Any:
    """A response whose body is ``BODY``, from ``source``, with ``Content-Encoding``."""
    data = gzip.compress(BODY) if encoding == "gzip" else BODY
    headers = {"Content-Encoding": "gzip"} if encoding == "gzip" else {}
    if source == "memory":
        return module.Response(200, headers=headers, content=data)
    if source == "iterator":
        return module.Response(200, headers=headers, content=iter(split(data, 3)))

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in split(data, 3):
            yield chunk

    return module.Response(200, headers=headers, content=chunks())


def read_sync(response: Any, method: str, chunk_size: int | None) -> Any:
    try:
        if method == "iter_lines":
            return list(response.iter_lines())
        return list(getattr(response, method)(chunk_size))
    except Exception as exc:
        return type(exc).__name__


async def read_async(response: Any, method: str, chunk_size: int | None) -> Any:
    try:
        if method == "aiter_lines":
            return [part async for part in response.aiter_lines()]
        return [part async for part in getattr(response, method)(chunk_size)]
    except Exception as exc:
        return type(exc).__name__


# iter_lines has no chunk size: one combination of it is enough.
SYNC_CASES = [
    (method, chunk_size)
    for method in ("iter_bytes", "iter_text", "iter_raw")
    for chunk_size in CHUNK_SIZES
] + [("iter_lines", None)]


@pytest.mark.parametrize("source", ["memory", "iterator"])
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize(("method", "chunk_size"), SYNC_CASES)
def test_sync_iterators_same_as_httpx(
    source: str, encoding: str, method: str, chunk_size: int | None
) -> None:
    ours = read_sync(build(darter, source, encoding), method, chunk_size)
    theirs = read_sync(build(httpx, source, encoding), method, chunk_size)
    assert ours == theirs


@pytest.mark.anyio
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize(("method", "chunk_size"), SYNC_CASES)
async def test_async_iterators_same_as_httpx(
    encoding: str, method: str, chunk_size: int | None
) -> None:
    async_method = "a" + method
    ours = await read_async(build(darter, "async", encoding), async_method, chunk_size)
    theirs = await read_async(build(httpx, "async", encoding), async_method, chunk_size)
    assert ours == theirs
    # And the same as the sync form on the same body.
    assert ours == read_sync(build(darter, "iterator", encoding), method, chunk_size)


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "chunk_size"), SYNC_CASES)
async def test_async_iterators_on_a_body_in_memory(method: str, chunk_size: int | None) -> None:
    ours = await read_async(build(darter, "memory", "gzip"), "a" + method, chunk_size)
    assert ours == read_sync(build(darter, "memory", "gzip"), method, chunk_size)
    theirs = await read_async(build(httpx, "memory", "gzip"), "a" + method, chunk_size)
    assert ours == theirs


def test_iterators_by_example() -> None:
    body = [b"ab", b"cde", b"", b"f"]
    assert list(Response(200, content=iter(body)).iter_raw()) == [b"ab", b"cde", b"f"]
    assert list(Response(200, content=iter(body)).iter_raw(4)) == [b"abcd", b"ef"]
    assert list(Response(200, content=iter(body)).iter_bytes(2)) == [b"ab", b"cd", b"ef"]
    assert list(Response(200, content=b"abcdef").iter_bytes(4)) == [b"abcd", b"ef"]
    assert list(Response(200, content=b"abcdef").iter_bytes()) == [b"abcdef"]
    assert list(Response(200, content=b"").iter_bytes()) == []
    assert list(Response(200, content=b"").iter_text()) == []
    assert list(Response(200, content=b"").iter_lines()) == []
    text = Response(200, content=iter([b"caf\xc3", b"\xa9 au lait"]))
    assert list(text.iter_text(3)) == ["caf", "é a", "u l", "ait"]
    lines = Response(200, content=iter([b"a\r", b"\nb\n", b"c"]))
    assert list(lines.iter_lines()) == ["a", "b", "c"]


@pytest.mark.parametrize("chunk_size", [0, -1])
@pytest.mark.parametrize("source", ["memory", "iterator"])
@pytest.mark.parametrize("method", ["iter_bytes", "iter_text", "iter_raw"])
def test_chunk_size_below_one_is_refused(chunk_size: int, source: str, method: str) -> None:
    # Regression: a body in memory gave no chunks at all for -1 (and a range() error for 0).
    response = build(darter, source, "identity")
    if method == "iter_raw" and source == "memory":
        with pytest.raises(darter.StreamConsumed):
            list(response.iter_raw(chunk_size))
        return
    with pytest.raises(ValueError, match="chunk_size must be a positive integer or None"):
        list(getattr(response, method)(chunk_size))


@pytest.mark.anyio
@pytest.mark.parametrize("chunk_size", [0, -1])
@pytest.mark.parametrize("source", ["memory", "async"])
async def test_async_chunk_size_below_one_is_refused(chunk_size: int, source: str) -> None:
    for method in ("aiter_bytes", "aiter_text"):
        with pytest.raises(ValueError, match="chunk_size must be a positive integer or None"):
            [part async for part in getattr(build(darter, source, "identity"), method)(chunk_size)]


# Reading state: read once, close, errors.


def test_read_keeps_the_body_and_closes() -> None:
    stream = RecordingStream(b"ab", b"cd")
    response = Response(200, stream=stream)
    assert not response.is_closed
    assert response.read() == b"abcd"
    assert response.read() == b"abcd"
    assert response.content == b"abcd"
    assert response.is_stream_consumed
    assert response.is_closed
    assert stream.iterations == 1
    assert stream.closes == 1
    # Decoded iterators replay the body read.
    assert list(response.iter_bytes(3)) == [b"abc", b"d"]
    assert list(response.iter_text()) == ["abcd"]
    assert list(response.iter_lines()) == ["abcd"]
    with pytest.raises(darter.StreamConsumed):
        list(response.iter_raw())
    assert stream.iterations == 1


def test_iterating_consumes_the_stream() -> None:
    response = Response(200, stream=RecordingStream(b"ab"))
    assert list(response.iter_bytes()) == [b"ab"]
    with pytest.raises(darter.StreamConsumed) as info:
        response.read()
    assert "already been streamed" in str(info.value)
    with pytest.raises(darter.StreamConsumed):
        list(response.iter_text())
    with pytest.raises(darter.ResponseNotRead) as not_read:
        response.content  # noqa: B018
    assert "read()" in str(not_read.value)


def test_stream_closed_before_reading() -> None:
    stream = RecordingStream(b"ab")
    response = Response(200, stream=stream)
    response.close()
    assert response.is_closed
    assert stream.closes == 1
    response.close()
    assert stream.closes == 1
    with pytest.raises(darter.StreamClosed) as info:
        response.read()
    assert "closed" in str(info.value)
    assert not response.is_stream_consumed
    assert stream.iterations == 0


def test_raw_stream_counts_bytes_and_closes_at_the_end() -> None:
    stream = RecordingStream(b"ab", b"cde")
    response = Response(200, stream=stream)
    assert response.num_bytes_downloaded == 0
    iterator = response.iter_raw()
    assert next(iterator) == b"ab"
    assert response.num_bytes_downloaded == 2
    assert response.is_stream_consumed
    assert not response.is_closed
    assert list(iterator) == [b"cde"]
    assert response.num_bytes_downloaded == 5
    assert response.is_closed
    assert stream.closes == 1


def test_bytes_downloaded_are_counted_before_decoding() -> None:
    compressed = gzip.compress(b"x" * 1000)
    response = Response(
        200, headers={"Content-Encoding": "gzip"}, stream=RecordingStream(compressed)
    )
    assert response.read() == b"x" * 1000
    assert response.num_bytes_downloaded == len(compressed)


def test_decoding_error_carries_the_request() -> None:
    req = request()
    response = Response(
        200, headers={"Content-Encoding": "gzip"}, content=iter([b"not gzip"]), request=req
    )
    with pytest.raises(darter.DecodingError) as info:
        response.read()
    assert info.value.request is req


def test_decoding_error_without_a_request() -> None:
    response = Response(200, headers={"Content-Encoding": "gzip"}, content=iter([b"bad"]))
    with pytest.raises(darter.DecodingError) as info:
        response.read()
    with pytest.raises(RuntimeError):
        info.value.request  # noqa: B018


def test_transport_error_while_reading_carries_the_request() -> None:
    class FailingStream(SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"a"
            raise darter.ReadError("connection lost")

    req = request()
    response = Response(200, stream=FailingStream(), request=req)
    with pytest.raises(darter.ReadError) as info:
        response.read()
    assert info.value.request is req


def test_transport_error_while_closing_carries_the_request() -> None:
    class FailingClose(SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"a"

        def close(self) -> None:
            raise darter.CloseError("close failed")

    req = request()
    response = Response(200, stream=FailingClose(), request=req)
    with pytest.raises(darter.CloseError) as info:
        response.close()
    assert info.value.request is req


def test_sync_reading_of_an_async_stream_is_refused_and_consumes_nothing() -> None:
    # Regression: the refused attempt marked the stream consumed, so the right
    # (async) way to read it failed afterwards with StreamConsumed.
    stream = RecordingAsyncStream(b"ab")
    response = Response(200, stream=stream)
    for attempt in (
        response.read,
        lambda: list(response.iter_raw()),
        lambda: list(response.iter_bytes()),
        lambda: list(response.iter_text()),
        lambda: list(response.iter_lines()),
    ):
        with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
            attempt()
    with pytest.raises(RuntimeError, match="sync close on an async stream"):
        response.close()
    assert not response.is_stream_consumed
    assert not response.is_closed
    assert stream.iterations == 0


@pytest.mark.anyio
async def test_async_stream_is_still_readable_after_a_refused_sync_read() -> None:
    stream = RecordingAsyncStream(b"ab", b"c")
    response = Response(200, stream=stream)
    with pytest.raises(RuntimeError):
        response.read()
    assert await response.aread() == b"abc"
    assert response.is_closed
    assert stream.closes == 1


@pytest.mark.anyio
async def test_async_reading_of_a_sync_stream_is_refused_and_consumes_nothing() -> None:
    stream = RecordingStream(b"ab")
    response = Response(200, stream=stream)
    with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
        await response.aread()
    for method in ("aiter_raw", "aiter_bytes", "aiter_text"):
        with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
            [part async for part in getattr(response, method)()]
    with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
        [part async for part in response.aiter_lines()]
    with pytest.raises(RuntimeError, match="async close on a sync stream"):
        await response.aclose()
    assert not response.is_stream_consumed
    assert response.read() == b"ab"


@pytest.mark.anyio
async def test_aread_keeps_the_body_and_closes() -> None:
    stream = RecordingAsyncStream(b"ab", b"cd")
    response = Response(200, stream=stream)
    assert await response.aread() == b"abcd"
    assert await response.aread() == b"abcd"
    assert response.content == b"abcd"
    assert response.is_closed
    assert stream.closes == 1
    assert stream.iterations == 1
    assert [part async for part in response.aiter_bytes(3)] == [b"abc", b"d"]
    assert [part async for part in response.aiter_text()] == ["abcd"]
    assert [part async for part in response.aiter_lines()] == ["abcd"]
    with pytest.raises(darter.StreamConsumed):
        [part async for part in response.aiter_raw()]


@pytest.mark.anyio
async def test_async_stream_closed_before_reading() -> None:
    stream = RecordingAsyncStream(b"ab")
    response = Response(200, stream=stream)
    await response.aclose()
    await response.aclose()
    assert stream.closes == 1
    with pytest.raises(darter.StreamClosed):
        await response.aread()
    assert stream.iterations == 0


@pytest.mark.anyio
async def test_async_raw_stream_counts_bytes_and_closes_at_the_end() -> None:
    stream = RecordingAsyncStream(b"ab", b"cde")
    response = Response(200, stream=stream)
    iterator = response.aiter_raw()
    assert await iterator.__anext__() == b"ab"
    assert response.num_bytes_downloaded == 2
    assert not response.is_closed
    assert [part async for part in iterator] == [b"cde"]
    assert response.num_bytes_downloaded == 5
    assert response.is_closed
    assert stream.closes == 1


@pytest.mark.anyio
async def test_async_iterating_consumes_the_stream() -> None:
    response = Response(200, stream=RecordingAsyncStream(b"ab"))
    assert [part async for part in response.aiter_bytes()] == [b"ab"]
    with pytest.raises(darter.StreamConsumed):
        await response.aread()


@pytest.mark.anyio
async def test_async_errors_carry_the_request() -> None:
    class FailingStream(AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"a"
            raise darter.ReadTimeout("too slow")

        async def aclose(self) -> None:
            raise darter.CloseError("close failed")

    req = request()
    response = Response(200, stream=FailingStream(), request=req)
    with pytest.raises(darter.ReadTimeout) as info:
        await response.aread()
    assert info.value.request is req
    with pytest.raises(darter.CloseError) as closing:
        await response.aclose()
    assert closing.value.request is req
    # Cut short: the error comes once the whole raw body was received.
    truncated = RecordingAsyncStream(gzip.compress(b"x" * 100)[:12])
    gzipped = Response(200, headers={"Content-Encoding": "gzip"}, request=req, stream=truncated)
    with pytest.raises(darter.DecodingError) as decoding:
        await gzipped.aread()
    assert decoding.value.request is req


# Pickling


def test_pickle_of_a_read_response() -> None:
    response = Response(
        200,
        content=b"abc",
        headers={"Set-Cookie": "a=1; Path=/"},
        request=request(),
        extensions={"http_version": b"HTTP/2"},
    )
    response.elapsed = datetime.timedelta(seconds=1)
    restored = pickle.loads(pickle.dumps(response))
    assert restored.status_code == 200
    assert restored.headers == response.headers
    assert restored.content == b"abc"
    assert restored.text == "abc"
    assert restored.read() == b"abc"
    assert restored.request.url == response.request.url
    assert restored.elapsed == datetime.timedelta(seconds=1)
    assert dict(restored.cookies) == {"a": "1"}
    assert restored.is_closed
    assert restored.extensions == {}
    assert restored.http_version == "HTTP/1.1"
    assert isinstance(restored.stream, UnattachedStream)
    with pytest.raises(darter.StreamConsumed):
        list(restored.iter_raw())


def test_pickle_of_an_unread_response() -> None:
    restored = pickle.loads(pickle.dumps(Response(200, content=iter([b"abc"]))))
    assert restored.is_closed
    with pytest.raises(darter.ResponseNotRead):
        restored.content  # noqa: B018
    with pytest.raises(darter.StreamClosed):
        restored.read()


@pytest.mark.anyio
async def test_pickle_of_an_unread_response_read_async() -> None:
    restored = pickle.loads(pickle.dumps(Response(200, content=iter([b"abc"]))))
    with pytest.raises(darter.StreamClosed):
        await restored.aread()


def test_unattached_stream_refuses_iteration() -> None:
    stream = UnattachedStream()
    with pytest.raises(darter.StreamClosed):
        iter(stream)
    with pytest.raises(darter.StreamClosed):
        stream.__aiter__()


def test_public_names() -> None:
    assert darter.Response is Response


def test_same_class_hierarchy_of_streams_as_httpx() -> None:
    checks: list[Callable[[Any], bool]] = [
        lambda m: isinstance(m.Response(200).stream, m.SyncByteStream),
        lambda m: isinstance(m.Response(200).stream, m.AsyncByteStream),
        lambda m: isinstance(m.Response(200, content=iter([])).stream, m.AsyncByteStream),
    ]
    for check in checks:
        assert check(darter) == check(httpx)
