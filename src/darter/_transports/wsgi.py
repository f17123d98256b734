"""``WSGITransport``: send requests straight into a WSGI application (PEP 3333)."""

from __future__ import annotations

import io
import itertools
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


class WSGIByteStream(SyncByteStream):
    """The body returned by the application; closing it calls the result's ``close()``.

    ``head`` holds what the application produced before the response started
    (through ``write()`` and the first item of its iterable); ``rest`` the remainder.
    """

    def __init__(self, head: list[bytes], rest: Iterator[bytes], result: Iterable[bytes]) -> None:
        self._head = head
        self._rest = rest
        self._close = getattr(result, "close", None)

    def __iter__(self) -> Iterator[bytes]:
        for part in itertools.chain(self._head, self._rest):
            if part:
                yield part

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None


class WSGITransport(BaseTransport):
    """A transport that calls a WSGI app (Flask, Django...) in-process, for tests.

    ``raise_app_exceptions``: exceptions of the app propagate (otherwise the app's
    own error response is returned); ``script_name`` is the mount point;
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

        seen: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], None]:
            seen["status"] = status
            seen["headers"] = response_headers
            seen["exc_info"] = exc_info
            return written.append

        result = self.app(environ, start_response)
        # start_response may be called lazily, when the first chunk is produced.
        iterator = iter(result)
        first = list(itertools.islice(iterator, 1))
        exc_info = seen.get("exc_info")
        if self.raise_app_exceptions and exc_info and exc_info[0]:
            raise exc_info[1]

        status_code = int(seen["status"].split()[0])
        headers = [
            (key.encode("latin-1"), value.encode("latin-1")) for key, value in seen["headers"]
        ]
        stream = WSGIByteStream(written + first, iterator, result)
        return Response(status_code, headers=headers, stream=stream)

    def _environ(self, request: Request, body: bytes) -> dict[str, Any]:
        url = request.url
        port = url.port or {"http": 80, "https": 443}.get(url.scheme, 80)
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": self.wsgi_errors or sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": self.script_name,
            # PEP 3333: a "native string" holding the bytes of the decoded path.
            "PATH_INFO": unquote(
                url.raw_path.partition(b"?")[0].decode("ascii"), encoding="latin-1"
            ),
            "QUERY_STRING": url.query.decode("ascii"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
        }
        for raw_key, raw_value in request.headers.raw:
            key = raw_key.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            environ[key] = raw_value.decode("latin-1")
        return environ
