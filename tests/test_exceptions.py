"""Tests of the exception hierarchy, the ``request`` attribute, and ``request_context``."""

from __future__ import annotations

import pickle

import httpx
import pytest

import darter
from darter import _exceptions
from darter._exceptions import (
    BackendError,
    DarterError,
    HTTPError,
    HTTPStatusError,
    RequestError,
    StreamError,
    TransportError,
    request_context,
)

# Each darter exception and its direct parents.
TREE: dict[str, tuple[str, ...]] = {
    "DarterError": ("Exception",),
    "HTTPError": ("DarterError",),
    "HTTPStatusError": ("HTTPError",),
    "RequestError": ("HTTPError",),
    "TransportError": ("RequestError",),
    "TimeoutException": ("TransportError",),
    "ConnectTimeout": ("TimeoutException",),
    "ReadTimeout": ("TimeoutException",),
    "WriteTimeout": ("TimeoutException",),
    "PoolTimeout": ("TimeoutException",),
    "NetworkError": ("TransportError",),
    "ConnectError": ("NetworkError",),
    "ReadError": ("NetworkError",),
    "WriteError": ("NetworkError",),
    "CloseError": ("NetworkError",),
    "ProtocolError": ("TransportError",),
    "LocalProtocolError": ("ProtocolError",),
    "RemoteProtocolError": ("ProtocolError",),
    "ProxyError": ("TransportError",),
    "UnsupportedProtocol": ("TransportError",),
    "DecodingError": ("RequestError",),
    "TooManyRedirects": ("RequestError",),
    "InvalidURL": ("DarterError",),
    "CookieConflict": ("DarterError",),
    "StreamError": ("DarterError", "RuntimeError"),
    "StreamConsumed": ("StreamError",),
    "StreamClosed": ("StreamError",),
    "ResponseNotRead": ("StreamError",),
    "RequestNotRead": ("StreamError",),
    "BackendError": ("DarterError", "RuntimeError"),
}

HTTPX_EXCEPTIONS = sorted(
    name
    for name in dir(httpx)
    if isinstance(getattr(httpx, name), type) and issubclass(getattr(httpx, name), Exception)
)

# Constructors that take only a message; the others need keyword arguments or nothing.
MESSAGE_ONLY = [
    name
    for name in TREE
    if name not in ("HTTPStatusError", "StreamConsumed", "StreamClosed")
    and name not in ("ResponseNotRead", "RequestNotRead")
]
WITH_REQUEST = [name for name in TREE if issubclass(getattr(darter, name), RequestError)]


@pytest.mark.parametrize("name", TREE)
def test_tree(name: str) -> None:
    exception = getattr(darter, name)
    assert getattr(_exceptions, name) is exception
    assert tuple(base.__name__ for base in exception.__bases__) == TREE[name]
    assert issubclass(exception, DarterError)


def test_every_exception_of_httpx_exists() -> None:
    assert HTTPX_EXCEPTIONS
    assert set(HTTPX_EXCEPTIONS) <= set(TREE)
    assert set(TREE) - set(HTTPX_EXCEPTIONS) == {"DarterError", "BackendError"}


@pytest.mark.parametrize("name", HTTPX_EXCEPTIONS)
def test_every_base_of_httpx_is_a_base_here(name: str) -> None:
    ours = getattr(darter, name)
    for base in getattr(httpx, name).__mro__:
        if base.__module__ == "builtins":
            assert issubclass(ours, base)
        else:
            assert issubclass(ours, getattr(darter, base.__name__))


def test_except_clauses_written_for_httpx() -> None:
    with pytest.raises(darter.TransportError):
        raise darter.ConnectTimeout("timed out")
    with pytest.raises(darter.TimeoutException):
        raise darter.PoolTimeout("no connection")
    with pytest.raises(RuntimeError):
        raise darter.StreamConsumed()
    with pytest.raises(RuntimeError):
        raise darter.BackendError("no such backend")
    with pytest.raises(darter.HTTPError):
        raise darter.DecodingError("bad gzip")
    assert not issubclass(darter.InvalidURL, darter.HTTPError)
    assert not issubclass(darter.CookieConflict, darter.HTTPError)
    assert not issubclass(darter.StreamError, darter.HTTPError)


@pytest.mark.parametrize("name", MESSAGE_ONLY)
def test_message(name: str) -> None:
    exception = getattr(darter, name)("something broke")
    assert str(exception) == "something broke"
    assert exception.args == ("something broke",)


@pytest.mark.parametrize("name", WITH_REQUEST)
def test_request_attribute(name: str) -> None:
    exception = getattr(darter, name)("failed")
    with pytest.raises(RuntimeError, match=r"The \.request property has not been set\."):
        exception.request  # noqa: B018
    request = darter.Request("GET", "https://example.org/")
    exception.request = request
    assert exception.request is request
    assert getattr(darter, name)("failed", request=request).request is request


def test_request_attribute_same_as_httpx() -> None:
    for module in (darter, httpx):
        with pytest.raises(RuntimeError) as info:
            module.HTTPError("x").request  # noqa: B018
        assert str(info.value) == "The .request property has not been set."


def test_http_status_error() -> None:
    request = darter.Request("GET", "https://example.org/")
    response = darter.Response(404, request=request)
    error = HTTPStatusError("not found", request=request, response=response)
    assert str(error) == "not found"
    assert error.request is request
    assert error.response is response
    assert isinstance(error, HTTPError)
    with pytest.raises(TypeError):
        HTTPStatusError("no response", request=request)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "phase"),
    [
        ("TransportError", None),
        ("TimeoutException", None),
        ("ConnectTimeout", "connect"),
        ("ReadTimeout", "read"),
        ("WriteTimeout", "write"),
        ("PoolTimeout", "pool"),
        ("NetworkError", None),
        ("ConnectError", "connect"),
        ("ReadError", "read"),
        ("WriteError", "write"),
        ("CloseError", "close"),
        ("ProtocolError", None),
        ("ProxyError", None),
        ("UnsupportedProtocol", None),
    ],
)
def test_phase(name: str, phase: str | None) -> None:
    assert getattr(darter, name)("x").phase == phase
    exception = getattr(darter, name)("x")
    exception.phase = "tls"
    assert exception.phase == "tls"
    assert getattr(darter, name)("x").phase == phase


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("StreamConsumed", "already been streamed"),
        ("StreamClosed", "stream has been closed"),
        ("ResponseNotRead", "streaming response content, without having called `read()`"),
        ("RequestNotRead", "streaming request content, without having called `read()`"),
    ],
)
def test_stream_errors_explain_themselves(name: str, words: str) -> None:
    exception = getattr(darter, name)()
    assert isinstance(exception, StreamError)
    assert isinstance(exception, RuntimeError)
    assert words in str(exception)


def test_pickle_keeps_message_and_request() -> None:
    request = darter.Request("GET", "https://example.org/")
    error = darter.ReadError("lost", request=request)
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is darter.ReadError
    assert str(restored) == "lost"
    assert restored.request.url == request.url


# request_context


def test_request_context_attaches_the_request() -> None:
    request = darter.Request("GET", "https://example.org/")
    with pytest.raises(darter.ReadTimeout) as info, request_context(request):
        raise darter.ReadTimeout("slow")
    assert info.value.request is request


def test_request_context_keeps_a_request_already_attached() -> None:
    first = darter.Request("GET", "https://example.org/first")
    second = darter.Request("GET", "https://example.org/second")
    with (
        pytest.raises(darter.ConnectError) as info,
        request_context(second),
        request_context(first),
    ):
        raise darter.ConnectError("refused")
    assert info.value.request is first


def test_request_context_without_a_request() -> None:
    with pytest.raises(TransportError) as info, request_context():
        raise darter.WriteError("broken pipe")
    with pytest.raises(RuntimeError):
        info.value.request  # noqa: B018
    with pytest.raises(TransportError), request_context(None):
        raise darter.WriteError("broken pipe")


def test_request_context_leaves_other_errors_alone() -> None:
    request = darter.Request("GET", "https://example.org/")
    with pytest.raises(ValueError, match="unrelated"), request_context(request):
        raise ValueError("unrelated")
    response = darter.Response(500, request=darter.Request("GET", "https://other.example/"))
    with pytest.raises(HTTPStatusError) as info, request_context(request):
        response.raise_for_status()
    assert info.value.request is response.request
    with pytest.raises(BackendError), request_context(request):
        raise BackendError("misused")


def test_request_context_without_an_error() -> None:
    request = darter.Request("GET", "https://example.org/")
    with request_context(request):
        value = 1
    assert value == 1
