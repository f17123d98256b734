"""``WSGITransport``: the environ it builds (PEP 3333) and how it runs applications."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

import darter

Environ = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], None]]

CGI_KEYS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
)


def environ_app(environ: Environ, start_response: StartResponse) -> list[bytes]:
    """Answer with the string values of the environ, the body read from wsgi.input."""
    described = {key: value for key, value in environ.items() if isinstance(value, str)}
    described["body"] = environ["wsgi.input"].read().decode("latin-1")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(described).encode()]


def environ_of(url: str, transport_options: dict[str, Any] | None = None, **request: Any) -> Any:
    """The environ ``environ_app`` received for one request."""
    transport = darter.WSGITransport(environ_app, **(transport_options or {}))
    with darter.Client(transport=transport) as client:
        return client.request(request.pop("method", "GET"), url, **request).json()


class Result:
    """An application result with a ``close()`` that records being called."""

    def __init__(self, parts: Iterable[bytes], log: list[str]) -> None:
        self._parts = parts
        self._log = log

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._parts)

    def close(self) -> None:
        self._log.append("closed")


def client_for(app: Any, **options: Any) -> darter.Client:
    return darter.Client(transport=darter.WSGITransport(app, **options))


# The environ


def test_cgi_variables() -> None:
    environ = environ_of("http://example.org:8000/items/1?page=2&q=a%20b")
    assert {key: environ[key] for key in CGI_KEYS} == {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/items/1",
        "QUERY_STRING": "page=2&q=a%20b",
        "SERVER_NAME": "example.org",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["HTTP_HOST"] == "example.org:8000"
    assert "CONTENT_LENGTH" not in environ
    assert environ["body"] == ""


def test_wsgi_variables() -> None:
    seen: list[Environ] = []

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        seen.append(environ)
        start_response("204 No Content", [])
        return []

    with client_for(app) as client:
        client.get("https://example.org/")
    [environ] = seen
    assert environ["wsgi.version"] == (1, 0)
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["wsgi.multithread"] is True
    assert environ["wsgi.multiprocess"] is False
    assert environ["wsgi.run_once"] is False
    assert environ["wsgi.input_terminated"] is True
    assert environ["wsgi.errors"] is sys.stderr
    assert isinstance(environ["wsgi.input"], io.BytesIO)


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("http://example.org/", "80"),
        ("https://example.org/", "443"),
        ("http://example.org:8080/", "8080"),
        ("https://example.org:443/", "443"),
    ],
)
def test_server_port_defaults_to_the_scheme_port(url: str, port: str) -> None:
    assert environ_of(url)["SERVER_PORT"] == port


@pytest.mark.parametrize(
    ("url", "server_name", "host_header"),
    [
        ("http://[::1]:8080/", "::1", "[::1]:8080"),
        ("http://中国.com/", "xn--fiqs8s.com", "xn--fiqs8s.com"),
        ("http://EXAMPLE.org/", "example.org", "example.org"),
    ],
)
def test_server_name_is_the_ascii_host(url: str, server_name: str, host_header: str) -> None:
    environ = environ_of(url)
    assert environ["SERVER_NAME"] == server_name
    assert environ["HTTP_HOST"] == host_header


@pytest.mark.parametrize(
    ("path", "path_info"),
    [
        ("/a%20b", "/a b"),
        ("/a%2Fb", "/a/b"),
        ("/caf%C3%A9", "/caf\u00c3\u00a9"),
        ("/café", "/caf\u00c3\u00a9"),
        ("/%E2%82%AC/x%3Fy", "/\u00e2\u0082\u00ac/x?y"),
    ],
)
def test_path_info_is_percent_decoded_bytes_as_latin_1(path: str, path_info: str) -> None:
    environ = environ_of("http://example.org" + path)
    assert environ["PATH_INFO"] == path_info
    # PEP 3333 native strings: the decoded bytes, one code point each.
    assert (
        environ["PATH_INFO"].encode("latin-1").decode("utf-8")
        == darter.URL("http://example.org" + path).path
    )


def test_query_string_is_left_encoded() -> None:
    environ = environ_of("http://example.org/search", params={"q": "café & crème", "n": 1})
    assert environ["QUERY_STRING"] == "q=caf%C3%A9+%26+cr%C3%A8me&n=1"


@pytest.mark.parametrize(
    ("script_name", "path", "expected_script", "expected_path"),
    [
        ("/app", "/app/users/1", "/app", "/users/1"),
        ("/app/", "/app/users/1", "/app", "/users/1"),
        ("/app", "/app", "/app", ""),
        ("/app", "/app/", "/app", "/"),
        # Not under the mount point: the whole path is the application's.
        ("/app", "/application/x", "/app", "/application/x"),
        ("/app", "/other", "/app", "/other"),
        ("/", "/x", "", "/x"),
        ("/café", "/caf%C3%A9/menu", "/caf\u00c3\u00a9", "/menu"),
    ],
)
def test_script_name_splits_the_path(
    script_name: str, path: str, expected_script: str, expected_path: str
) -> None:
    environ = environ_of("http://example.org" + path, {"script_name": script_name})
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == (expected_script, expected_path)


def test_headers_become_http_variables() -> None:
    environ = environ_of(
        "http://example.org/",
        method="POST",
        headers=[
            ("X-Request-ID", "abc"),
            ("Accept", "text/html"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("x-forwarded-for", "10.0.0.2"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
            ("X-Latin", b"caf\xe9"),
        ],
        content=b'{"a": 1}',
    )
    assert environ["HTTP_X_REQUEST_ID"] == "abc"
    assert environ["HTTP_ACCEPT"] == "text/html"
    # Repeated headers are joined into one variable.
    assert environ["HTTP_X_FORWARDED_FOR"] == "10.0.0.1, 10.0.0.2"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_LATIN"] == "caf\u00e9"
    # Content type and length are CGI variables, without the HTTP_ prefix.
    assert environ["CONTENT_LENGTH"] == "8"
    assert "HTTP_CONTENT_LENGTH" not in environ
    assert environ["body"] == '{"a": 1}'


def test_content_type_and_body_of_a_form() -> None:
    environ = environ_of("http://example.org/login", method="POST", data={"user": "ann"})
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["CONTENT_LENGTH"] == "8"
    assert environ["body"] == "user=ann"


def test_streamed_upload_is_read_whole_into_wsgi_input() -> None:
    def upload() -> Iterator[bytes]:
        yield b"part one, "
        yield b"part two"

    environ = environ_of("http://example.org/upload", method="PUT", content=upload())
    assert "CONTENT_LENGTH" not in environ
    assert environ["HTTP_TRANSFER_ENCODING"] == "chunked"
    assert environ["body"] == "part one, part two"


def test_remote_addr_and_wsgi_errors() -> None:
    errors = io.StringIO()

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        environ["wsgi.errors"].write("something went wrong\n")
        start_response("200 OK", [])
        return [environ["REMOTE_ADDR"].encode()]

    with client_for(app, remote_addr="192.0.2.7", wsgi_errors=errors) as client:
        assert client.get("http://example.org/").text == "192.0.2.7"
    assert errors.getvalue() == "something went wrong\n"


# The response


def test_status_headers_and_body() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response(
            "201 Created",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("X-Latin", "caf\u00e9"),
            ],
        )
        return [b"made ", b"", b"it"]

    with client_for(app) as client:
        response = client.post("http://example.org/things")
    assert response.status_code == 201
    assert response.reason_phrase == "Created"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.headers.raw[-1] == (b"X-Latin", b"caf\xe9")
    assert response.text == "made it"
    assert response.cookies["b"] == "2"


def test_lazy_start_response_in_a_generator() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        # Nothing happens until the server iterates over the result.
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        yield b"no such "
        yield b"page"

    with client_for(app) as client:
        response = client.get("http://example.org/missing")
    assert response.status_code == 404
    assert response.text == "no such page"


def test_empty_result() -> None:
    log: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> Result:
        start_response("204 No Content", [])
        return Result([], log)

    with client_for(app) as client:
        response = client.delete("http://example.org/item")
    assert (response.status_code, response.content, log) == (204, b"", ["closed"])


def test_write_callable_before_returning() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        write = start_response("200 OK", [])
        write(b"legacy ")
        write(b"write, ")
        return [b"then ", b"iterable"]

    with client_for(app) as client:
        assert client.get("http://example.org/").text == "legacy write, then iterable"


def test_write_callable_interleaved_with_the_iterable() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        write = start_response("200 OK", [])
        write(b"1")
        yield b"2"
        write(b"3")
        yield b""
        write(b"")
        yield b"4"
        write(b"5")

    with (
        client_for(app) as client,
        client.stream("GET", "http://example.org/") as response,
    ):
        chunks = list(response.iter_raw())
    assert chunks == [b"1", b"2", b"3", b"4", b"5"]


def test_response_body_streams_lazily() -> None:
    produced: list[int] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        for number in range(4):
            produced.append(number)
            yield f"chunk {number}\n".encode()

    with client_for(app) as client, client.stream("GET", "http://example.org/") as response:
        # The headers are known once the first chunk exists; the rest waits.
        assert response.status_code == 200
        assert produced == [0]
        lines = list(response.iter_lines())
        assert produced == [0, 1, 2, 3]
    assert lines == ["chunk 0", "chunk 1", "chunk 2", "chunk 3"]


def test_close_is_called_after_the_body_is_read() -> None:
    log: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> Result:
        start_response("200 OK", [])
        return Result([b"a", b"b"], log)

    with client_for(app) as client:
        response = client.get("http://example.org/")
        assert response.content == b"ab"
        assert log == ["closed"]
        response.close()
    assert log == ["closed"]  # once only


def test_close_is_called_when_the_stream_is_abandoned() -> None:
    log: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> Result:
        start_response("200 OK", [])
        return Result([b"first", b"second"], log)

    with client_for(app) as client:
        with client.stream("GET", "http://example.org/") as response:
            assert log == []
        assert response.is_closed
    assert log == ["closed"]


def test_head_request_runs_the_app() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("X-Method", environ["REQUEST_METHOD"])])
        return []

    with client_for(app) as client:
        response = client.head("http://example.org/")
    assert response.headers["x-method"] == "HEAD"
    assert response.content == b""


# Errors


def failing_app(status: str = "500 Internal Server Error") -> Any:
    """An app that catches its own error and reports it through ``exc_info``."""
    log: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> Result:
        try:
            raise ValueError("the database is on fire")
        except ValueError:
            start_response(status, [("Content-Type", "text/plain")], sys.exc_info())
        return Result([b"sorry"], log)

    app.log = log  # type: ignore[attr-defined]
    return app


def test_exc_info_raises_with_raise_app_exceptions() -> None:
    app = failing_app()
    with (
        client_for(app) as client,
        pytest.raises(ValueError, match="the database is on fire") as info,
    ):
        client.get("http://example.org/")
    # The original traceback is kept, and the result is still closed.
    assert info.traceback[-1].name == "app"
    assert app.log == ["closed"]


def test_exc_info_raises_for_a_result_without_close() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        try:
            {}["missing"]
        except KeyError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error"]

    with client_for(app) as client, pytest.raises(KeyError, match="missing"):
        client.get("http://example.org/")


def test_exc_info_returns_the_error_response_without_raise_app_exceptions() -> None:
    app = failing_app("503 Service Unavailable")
    with client_for(app, raise_app_exceptions=False) as client:
        response = client.get("http://example.org/")
    assert response.status_code == 503
    assert response.text == "sorry"
    assert app.log == ["closed"]


def test_exc_info_replaces_the_status_until_the_body_starts() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("X-Stage", "first")])
        yield b""  # nothing sent yet: the response can still change
        try:
            raise KeyError("late")
        except KeyError:
            start_response("500 Internal Server Error", [("X-Stage", "error")], sys.exc_info())
        yield b"error page"

    with client_for(app, raise_app_exceptions=False) as client:
        response = client.get("http://example.org/")
    assert (response.status_code, response.headers["x-stage"]) == (500, "error")
    assert response.text == "error page"


def test_exc_info_after_the_body_started_is_raised_into_the_app() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"partial"
        try:
            raise KeyError("too late")
        except KeyError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"never sent"

    with (
        client_for(app, raise_app_exceptions=False) as client,
        client.stream("GET", "http://example.org/") as response,
    ):
        assert response.status_code == 200
        with pytest.raises(KeyError, match="too late"):
            response.read()


def test_empty_exc_info_is_ignored() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [], (None, None, None))
        return [b"fine"]

    with client_for(app) as client:
        assert client.get("http://example.org/").text == "fine"


@pytest.mark.parametrize("raise_app_exceptions", [True, False])
def test_exceptions_escaping_the_app_propagate(raise_app_exceptions: bool) -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        raise ZeroDivisionError("oops")

    with (
        client_for(app, raise_app_exceptions=raise_app_exceptions) as client,
        pytest.raises(ZeroDivisionError),
    ):
        client.get("http://example.org/")


def test_exception_while_producing_the_first_chunk_closes_the_result() -> None:
    log: list[str] = []

    def parts() -> Iterator[bytes]:
        raise LookupError("broken generator")
        yield b"unreachable"

    def app(environ: Environ, start_response: StartResponse) -> Result:
        start_response("200 OK", [])
        return Result(parts(), log)

    with client_for(app) as client, pytest.raises(LookupError, match="broken generator"):
        client.get("http://example.org/")
    assert log == ["closed"]


def test_app_that_never_calls_start_response() -> None:
    log: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> Result:
        return Result([], log)

    with (
        client_for(app) as client,
        pytest.raises(RuntimeError, match="did not call start_response"),
    ):
        client.get("http://example.org/")
    assert log == ["closed"]


def test_transport_used_directly() -> None:
    with darter.WSGITransport(environ_app) as transport:
        response = transport.handle_request(darter.Request("OPTIONS", "http://example.org/x"))
        response.read()
    assert response.json()["REQUEST_METHOD"] == "OPTIONS"
    assert transport.app is environ_app
