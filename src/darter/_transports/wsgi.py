"""``WSGITransport``: send requests straight into a WSGI application (PEP 3333)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import unquote

from .._models._request import Request
from .._models._response import Response
from .._streams import SyncByteStream
from .base import BaseTransport

__all__ = ["WSGITransport"]

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class WSGIByteStream(SyncByteStream):
    """The body returned by the application; closing it calls the result's ``close()``.

    ``head`` holds what the application produced before the response started;
    ``rest`` the remainder of its iterable. ``written`` receives what the legacy
    ``write()`` callable is given while ``rest`` is iterated; it is sent in order,
    before the next item of the iterable.
    """

    def __init__(
        self,
        head: list[bytes],
        rest: Iterator[bytes],
        written: list[bytes],
        result: Iterable[bytes],
    ) -> None:
        self._head = head
        self._rest = rest
        self._written = written
        self._close = getattr(result, "close", None)

    def __iter__(self) -> Iterator[bytes]:
        yield from _non_empty(self._head)
        for part in self._rest:
            yield from self._drain_written()
            if part:
                yield part
        yield from self._drain_written()

    def _drain_written(self) -> Iterator[bytes]:
        parts = self._written[:]
        self._written.clear()
        return _non_empty(parts)

    def close(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            close()


def _non_empty(parts: Iterable[bytes]) -> Iterator[bytes]:
    return (part for part in parts if part)


class WSGITransport(BaseTransport):
    """A transport that calls a WSGI app (Flask, Django...) in-process, for tests.

    ``raise_app_exceptions``: exceptions the app reports through ``start_response``'s
    ``exc_info`` are raised (otherwise the app's own error response is returned;
    exceptions the app lets escape always propagate); ``script_name`` is the mount
    point: a request path under it is split into ``SCRIPT_NAME`` and ``PATH_INFO``;
    ``remote_addr`` the client address the app sees; ``wsgi_errors`` its error stream.
    """

    def __init__(
        self,
        app: WSGIApp,
        raise_app_exceptions: bool = True,
        script_name: str = "",
        remote_addr: str = "127.0.0.1",
        wsgi_errors: TextIO | None = None,
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.script_name = script_name
        self.remote_addr = remote_addr
        self.wsgi_errors = wsgi_errors

    def handle_request(self, request: Request) -> Response:
        """Call the app with an environ built from ``request``; return its response."""
        body = request.read()
        environ = self._environ(request, body)

        status: str | None = None
        response_headers: list[tuple[str, str]] = []
        reported: ExcInfo | None = None
        headers_sent = False
        written: list[bytes] = []

        def start_response(
            status_line: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], None]:
            nonlocal status, response_headers, reported
            if exc_info is not None and exc_info[1] is not None:
                if headers_sent:
                    # Too late to replace the response (PEP 3333): the error goes back
                    # to the application, and from there to whoever reads the body.
                    raise exc_info[1].with_traceback(exc_info[2])
                reported = exc_info
            status, response_headers = status_line, headers
            return written.append

        result = self.app(environ, start_response)
        head: list[bytes] = []
        try:
            # start_response may be called lazily, up to the first non-empty chunk;
            # until that chunk the application may still replace the status.
            iterator = iter(result)
            for part in iterator:
                head += written
                written.clear()
                head.append(part)
                if part:
                    break
            head += written
            written.clear()
            if status is None:
                raise RuntimeError("The WSGI application did not call start_response().")
            if reported is not None and self.raise_app_exceptions:
                raise reported[1].with_traceback(reported[2])
            status_code = int(status.split(None, 1)[0])
            headers = [
                (key.encode("latin-1"), value.encode("latin-1")) for key, value in response_headers
            ]
        except BaseException:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            raise
        headers_sent = True
        stream = WSGIByteStream(head, iterator, written, result)
        return Response(status_code, headers=headers, stream=stream)

    def _environ(self, request: Request, body: bytes) -> dict[str, Any]:
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
        # PEP 3333: "native strings" holding the bytes of the decoded path.
        path = unquote(url.raw_path.partition(b"?")[0].decode("ascii"), encoding="latin-1")
        script_name = self.script_name.rstrip("/").encode("utf-8").decode("latin-1")
        if script_name and (path == script_name or path.startswith(script_name + "/")):
            path = path[len(script_name) :]
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            # The whole body is in wsgi.input, which ends where the body ends: the app
            # may read to the end even without CONTENT_LENGTH (a streamed upload).
            "wsgi.input_terminated": True,
            "wsgi.errors": self.wsgi_errors or sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": script_name,
            "PATH_INFO": path,
            "QUERY_STRING": url.query.decode("ascii"),
            "SERVER_NAME": url.raw_host.decode("ascii"),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
        }
        for raw_key, raw_value in request.headers.raw:
            key = raw_key.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            value = raw_value.decode("latin-1")
            if key in environ:
                # A repeated header: one CGI variable, values joined (cookies with ";").
                value = environ[key] + ("; " if key == "HTTP_COOKIE" else ", ") + value
            environ[key] = value
        return environ
